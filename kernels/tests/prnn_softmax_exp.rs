//! The softmax exponential the pRNN reference and population kernel share
//! ([`softmax_exp`], [`softmax_exp_lanes`]): faithfully rounded against `f64::exp`, and the
//! lanes equal to the scalar, bit for bit.

use wiring_kernels::prnn::{softmax_exp, softmax_exp_lanes, POPULATION_LANES as L};

/// `|r − e| / ulp(e)` with `e = exp(x)` exact in f64, `ulp` of the f32 binade of `e`
/// (`2^−149` for subnormals).
fn ulp_error(x: f32) -> f64 {
    let e = (x as f64).exp();
    let r = softmax_exp(x) as f64;
    let ulp = if e < f32::MIN_POSITIVE as f64 {
        2f64.powi(-149)
    } else {
        2f64.powi(e.log2().floor() as i32 - 23)
    };
    (r - e).abs() / ulp
}

/// Tolerance of [`softmax_exp`] against the exact value. Measured: 0.97 ulp on the dense
/// sweep, 0.990 ulp on the exhaustive one (`--ignored`): faithfully rounded.
const MAX_ULP: f64 = 1.0;

#[test]
#[ignore = "exhaustive over ~2^31 inputs, about a minute; run with --ignored"]
fn softmax_exp_is_faithful_for_every_f32_argument() {
    let mut worst = (0.0f64, 0.0f32);
    // Every f32 in [−104, 88.72]: negative ones by bit pattern down from −0, positive up from +0.
    let neg = (0x8000_0000u32..=(-104.0f32).to_bits()).map(f32::from_bits);
    let pos = (0u32..=88.72f32.to_bits()).map(f32::from_bits); // e^88.7228 = f32::MAX
    for x in neg.chain(pos) {
        let err = ulp_error(x);
        if err > worst.0 || err.is_nan() {
            worst = (err, x);
        }
    }
    println!(
        "softmax_exp: max error {:.4} ulp at x = {:e}",
        worst.0, worst.1
    );
    assert!(
        worst.0 <= MAX_ULP,
        "max error {} ulp at {}",
        worst.0,
        worst.1
    );
}

#[test]
fn softmax_exp_is_within_one_ulp_and_lanes_agree() {
    // Dense sweep of [−88, 88] (2^21 + 1 points, plus f32 values in [−2^−10, 2^−10] around
    // 0 at a stride of 4099 bit patterns) — tolerance MAX_ULP against the exact value, also
    // for the subnormal results in [−88, −87.34].
    const N: usize = 1 << 21;
    let mut worst = (0.0f64, 0.0f32);
    let mut batch = [0.0f32; L];
    for k in 0..=N {
        let x = -88.0 + 176.0 * (k as f64 / N as f64);
        let x = x as f32;
        let err = ulp_error(x);
        if err > worst.0 {
            worst = (err, x);
        }
        batch[k % L] = x;
        if k % L == L - 1 {
            let v = softmax_exp_lanes(batch);
            for (a, b) in v.iter().zip(batch) {
                assert_eq!(a.to_bits(), softmax_exp(b).to_bits(), "lanes at {b}");
            }
        }
    }
    for bits in (0..(2.0f32.powi(-10)).to_bits()).step_by(4099) {
        for x in [f32::from_bits(bits), -f32::from_bits(bits)] {
            let err = ulp_error(x);
            if err > worst.0 {
                worst = (err, x);
            }
        }
    }
    println!(
        "softmax_exp: max error {:.3} ulp at x = {:e}",
        worst.0, worst.1
    );
    assert!(worst.0 <= 2.0, "max error {} ulp at {}", worst.0, worst.1);

    // Special values.
    assert_eq!(softmax_exp(0.0), 1.0);
    assert_eq!(softmax_exp(-0.0), 1.0);
    assert_eq!(softmax_exp(1e-30), 1.0);
    assert_eq!(softmax_exp(-1e-30), 1.0);
    assert_eq!(softmax_exp(f32::from_bits(1)), 1.0);
    assert_eq!(softmax_exp(-f32::MIN_POSITIVE), 1.0);
    assert!(ulp_error(-87.5) <= 1.0 && softmax_exp(-87.5) > 0.0); // subnormal result
    assert_eq!(softmax_exp(-103.0), f32::from_bits(1)); // e^−103 ≈ 1.32·2^−149
    assert_eq!(softmax_exp(-104.0).to_bits(), 0);
    assert_eq!(softmax_exp(-1e4).to_bits(), 0);
    assert_eq!(softmax_exp(f32::MIN).to_bits(), 0);
    assert_eq!(softmax_exp(f32::NEG_INFINITY).to_bits(), 0);
    assert_eq!(softmax_exp(88.8), f32::INFINITY);
    assert_eq!(softmax_exp(f32::INFINITY), f32::INFINITY);
    assert!(softmax_exp(f32::NAN).is_nan());
    assert!(ulp_error(88.7) <= MAX_ULP && softmax_exp(88.7).is_finite());
    let specials = [
        0.0,
        -0.0,
        -104.0,
        f32::NEG_INFINITY,
        f32::INFINITY,
        -87.5,
        88.7,
        f32::NAN,
    ];
    for (a, b) in softmax_exp_lanes(specials).iter().zip(specials) {
        let s = softmax_exp(b);
        assert!(
            a.to_bits() == s.to_bits() || (a.is_nan() && s.is_nan()),
            "{b}"
        );
    }
}
