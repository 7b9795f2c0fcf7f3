#!/usr/bin/env python3
"""Backward-error bounds of the diagonal [m/m] Pade approximant r_m to exp: the theta_m of
Higham 2005 and the ell_m of Al-Mohy & Higham 2009 (Table 6.1), for f64 and f32.

  h(x) = log(e^{-x} r_m(x)) = sum_{k >= 2m+1} c_k x^k          (exact rational series)
  theta_m = max{ t : sum_k |c_k| t^(k-1)   <= u }   (backward error of r_m)
  ell_m   = max{ t : sum_k k |c_k| t^(k-1) <= u }   (backward error of its Frechet derivative)

With u = 2^-53 this reproduces Higham's theta_m to ~15 digits and SciPy's ell_table_61; with
u = 2^-24 it gives the f32 table kernels/src/expm/faer.rs uses (ell_3, ell_5, ell_7 = 0.308,
1.48, 3.24, rounded down) and Higham's single-precision theta_3, theta_5, theta_7.
Documentation only; no test runs it.  /work/venv/bin/python expm_pade_bounds.py  (~10 s)
"""
from fractions import Fraction as F
from math import factorial
N = 260
def pade_p(m):
    return [F(factorial(2*m-j)*factorial(m), factorial(2*m)*factorial(j)*factorial(m-j)) for j in range(m+1)]
def mul(a,b):
    c=[F(0)]*N
    for i,x in enumerate(a):
        if x==0: continue
        for j in range(N-i):
            if j<len(b): c[i+j]+=x*b[j]
    return c
def div(a,b):
    q=[F(0)]*N
    for k in range(N):
        s=a[k] if k<len(a) else F(0)
        for j in range(1,min(k,len(b)-1)+1):
            s-=b[j]*q[k-j]
        q[k]=s/b[0]
    return q
def coeffs(m):
    p=pade_p(m); pm=[c*(-1)**j for j,c in enumerate(p)]
    r=div(p,pm)
    em=[F((-1)**k, factorial(k)) for k in range(N)]
    g=mul(em,r)                      # e^{-x} r_m(x) = 1 + O(x^{2m+1})
    dg=[ (k+1)*g[k+1] for k in range(N-1)]+[F(0)]
    q=div(dg,g)                      # (log g)' = g'/g
    h=[F(0)]+[q[k-1]/k for k in range(1,N)]
    return [float(abs(x)) for x in h]
def solve(c, u, deriv):
    f=(lambda t: sum(k*c[k]*t**(k-1) for k in range(len(c)))) if deriv else (lambda t: sum(c[k]*t**(k-1) for k in range(1,len(c))))
    lo,hi=0.0,20.0
    for _ in range(200):
        mid=(lo+hi)/2
        if f(mid)<=u: lo=mid
        else: hi=mid
    return lo
for name,u in (("f64",2.0**-53),("f32",2.0**-24)):
    for m in (3,5,7,9,13):
        c=coeffs(m)
        print(name, m, "theta=%.15e"%solve(c,u,False), "ell=%.15e"%solve(c,u,True))
