//! `wide` vectors (`f32x8`, `f64x4`) over the elements, the scalar [`update`] for the tail.
//! Same IEEE operations in the same order as the reference, so bit-identical to it.

use core::any::TypeId;

use wide::{f32x8, f64x4};

use super::reference::update;
use super::{AdamForm, StepConsts};
use crate::Real;

macro_rules! step_lanes {
    ($t:ty, $v:ty, $l:literal, $c:ident, $params:ident, $grads:ident, $m:ident, $v_:ident) => {{
        let p: &mut [$t] = bytemuck::cast_slice_mut($params);
        let g: &[$t] = bytemuck::cast_slice($grads);
        let m: &mut [$t] = bytemuck::cast_slice_mut($m);
        let v: &mut [$t] = bytemuck::cast_slice_mut($v_);
        let c: StepConsts<$t> = StepConsts {
            form: $c.form,
            beta1: $c.beta1.to_f64() as $t,
            beta2: $c.beta2.to_f64() as $t,
            one_minus_beta1: $c.one_minus_beta1.to_f64() as $t,
            one_minus_beta2: $c.one_minus_beta2.to_f64() as $t,
            epsilon: $c.epsilon.to_f64() as $t,
            step_size: $c.step_size.to_f64() as $t,
            bias_correction2_sqrt: $c.bias_correction2_sqrt.to_f64() as $t,
        };
        let n = p.len();
        let body = n - n % $l;
        let load = |s: &[$t]| <$v>::new(s.try_into().expect("one vector"));
        let (b1, b2) = (<$v>::splat(c.beta1), <$v>::splat(c.beta2));
        let (omb1, omb2) = (
            <$v>::splat(c.one_minus_beta1),
            <$v>::splat(c.one_minus_beta2),
        );
        let (eps, step) = (<$v>::splat(c.epsilon), <$v>::splat(c.step_size));
        let bc2 = <$v>::splat(c.bias_correction2_sqrt);
        let chunks = p[..body]
            .chunks_exact_mut($l)
            .zip(g[..body].chunks_exact($l))
            .zip(m[..body].chunks_exact_mut($l))
            .zip(v[..body].chunks_exact_mut($l));
        match c.form {
            AdamForm::Keras => {
                for (((pc, gc), mc), vc) in chunks {
                    let (gv, mut mv, mut vv) = (load(gc), load(mc), load(vc));
                    mv = mv + (gv - mv) * omb1;
                    vv = vv + (gv * gv - vv) * omb2;
                    let pv = load(pc) - (mv * step) / (vv.sqrt() + eps);
                    pc.copy_from_slice(pv.as_array_ref());
                    mc.copy_from_slice(mv.as_array_ref());
                    vc.copy_from_slice(vv.as_array_ref());
                }
            }
            AdamForm::PyTorch => {
                for (((pc, gc), mc), vc) in chunks {
                    let (gv, mut mv, mut vv) = (load(gc), load(mc), load(vc));
                    mv = b1 * mv + omb1 * gv;
                    vv = b2 * vv + omb2 * gv * gv;
                    let pv = load(pc) - step * (mv / (vv.sqrt() / bc2 + eps));
                    pc.copy_from_slice(pv.as_array_ref());
                    mc.copy_from_slice(mv.as_array_ref());
                    vc.copy_from_slice(vv.as_array_ref());
                }
            }
        }
        for i in body..n {
            update(&c, &mut p[i], g[i], &mut m[i], &mut v[i]);
        }
    }};
}

pub(super) fn step<T: Real>(
    c: &StepConsts<T>,
    params: &mut [T],
    grads: &[T],
    m: &mut [T],
    v: &mut [T],
) {
    if TypeId::of::<T>() == TypeId::of::<f32>() {
        step_lanes!(f32, f32x8, 8, c, params, grads, m, v);
    } else if TypeId::of::<T>() == TypeId::of::<f64>() {
        step_lanes!(f64, f64x4, 4, c, params, grads, m, v);
    } else {
        unreachable!("Real is implemented for f32 and f64 only");
    }
}
