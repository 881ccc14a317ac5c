"""Branch-free sine and cosine that LLVM can vectorise inside a loop.

libm's ``sin``/``cos`` are opaque calls, so a loop containing them runs one
element at a time. ``sincos_poly`` is plain arithmetic (no calls, no
data-dependent branches, selects only), so a loop over an array of angles
compiles to SIMD code.

Method: Cody-Waite reduction by the nearest multiple k of pi/2, with pi/2
split in three parts (two of 33 significant bits, so k * part is exact for
|k| < 2^20), then minimax polynomials on |r| <= pi/4 (fdlibm's, below) and
a quadrant swap. The block kernel contracts ``a * b + c`` to FMAs
(``fastmath={"contract"}``, nothing else of fastmath).
Accurate to a few ulp for |x| <= ``VTRIG_MAX_ABS_RAD``; callers must route
larger arguments elsewhere (the result degrades gracefully, it is not NaN).
``sincos`` does that routing for scalar code: inlined, it is also cheaper
than a libm call.
"""
from __future__ import annotations

import math

import numpy as np
from tracker.jit import njit

VTRIG_MAX_ABS_RAD = 1.0e5

_TWO_OVER_PI = 0.6366197723675814
_PIO2_1 = 1.5707963267341256        # pi/2 to 33 bits
_PIO2_2 = 6.077100506303966e-11     # next 33 bits
_PIO2_3 = 2.0222662487959506e-21    # the rest

# Minimax polynomials on |r| <= pi/4 (fdlibm's k_sin.c and k_cos.c, Sun
# Microsystems 1993, freely distributable; error below 2^-58 there): sine
# r + r^3 (S1 + S2 r^2 + ... + S6 r^10), cosine 1 - r^2/2 + r^4 (C1 + ... +
# C6 r^10). Six terms each where Taylor needs eight and nine for the same
# accuracy (both within 1 ulp of libm over 2e6 random |r| <= pi/4).
_S1 = -1.66666666666666324348e-01
_S2 = 8.33333333332248946124e-03
_S3 = -1.98412698298579493134e-04
_S4 = 2.75573137070700676789e-06
_S5 = -2.50507602534068634195e-08
_S6 = 1.58969099521155010221e-10
_C1 = 4.16666666666666019037e-02
_C2 = -1.38888888888741095749e-03
_C3 = 2.48015872894767294178e-05
_C4 = -2.75573143513906633035e-07
_C5 = 2.08757232129817482790e-09
_C6 = -1.13596475577881948265e-11


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def sincos_poly(x):
    """(sin x, cos x), x in rad, |x| <= VTRIG_MAX_ABS_RAD; vectorisable."""
    k = np.floor(x * _TWO_OVER_PI + 0.5)
    r = ((x - k * _PIO2_1) - k * _PIO2_2) - k * _PIO2_3
    r2 = r * r
    s = r + r * r2 * (_S1 + r2 * (_S2 + r2 * (_S3 + r2 * (_S4 + r2 * (_S5 + r2 * _S6)))))
    c = 1.0 - 0.5 * r2 + r2 * r2 * (_C1 + r2 * (_C2 + r2 * (_C3 + r2 * (_C4 + r2 * (
        _C5 + r2 * _C6)))))
    q = k - 4.0 * np.floor(k * 0.25)          # quadrant 0..3
    swap = (q == 1.0) | (q == 3.0)
    sin_x = c if swap else s
    cos_x = s if swap else c
    if q >= 2.0:
        sin_x = -sin_x
    if (q == 1.0) | (q == 2.0):
        cos_x = -cos_x
    return sin_x, cos_x


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def sincos(x):
    """(sin x, cos x), x in rad: ``sincos_poly`` for |x| <= VTRIG_MAX_ABS_RAD,
    libm beyond (and for NaN or infinities, which give NaN)."""
    if abs(x) <= VTRIG_MAX_ABS_RAD:
        return sincos_poly(x)
    return math.sin(x), math.cos(x)


# atan on [0, 1] (fdlibm's s_atan.c, the same provenance as above): the
# reduction points 7/16 and 11/16 with atan(1/2) and atan(1) split in a
# high and a low part, then an 11-term odd polynomial; error below 1 ulp.
_ATAN_HI_HALF = 4.63647609000806093515e-01
_ATAN_LO_HALF = 2.26987774529616870924e-17
_ATAN_HI_ONE = 7.85398163397448278999e-01
_ATAN_LO_ONE = 3.06161699786838301793e-17
_AT0 = 3.33333333333329318027e-01
_AT1 = -1.99999999998764832476e-01
_AT2 = 1.42857142725034663711e-01
_AT3 = -1.11111104054623557880e-01
_AT4 = 9.09088713343650656196e-02
_AT5 = -7.69187620504482999495e-02
_AT6 = 6.66107313738753120669e-02
_AT7 = -5.83357013379057348645e-02
_AT8 = 4.97687799461593236017e-02
_AT9 = -3.65315727442169155270e-02
_AT10 = 1.62858201153657823623e-02
_PI = math.pi
_PIO2 = 0.5 * math.pi


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def atan2_poly(y, x):
    """atan2(y, x) in rad, (-pi, pi]; vectorisable (selects, no calls).

    The ratio of the smaller to the larger of |y|, |x| goes through fdlibm's
    atan on [0, 1], then the octant is restored (pi/2 - a, pi - a, sign):
    within 2 ulp of libm. atan2(0, 0) is 0; NaN gives NaN.
    """
    ax = abs(x)
    ay = abs(y)
    steep = ay > ax
    big = ay if steep else ax
    small = ax if steep else ay
    t = small / big if big > 0.0 else 0.0
    # Reduce t in [0, 1]: below 7/16 as it is; below 11/16 about 1/2; else about 1.
    mid = t >= 0.4375
    high = t >= 0.6875
    num = t
    den = 1.0
    if mid:
        num = 2.0 * t - 1.0
        den = 2.0 + t
    if high:
        num = t - 1.0
        den = t + 1.0
    r = num / den
    hi = 0.0
    lo = 0.0
    if mid:
        hi = _ATAN_HI_HALF
        lo = _ATAN_LO_HALF
    if high:
        hi = _ATAN_HI_ONE
        lo = _ATAN_LO_ONE
    z = r * r
    w = z * z
    s1 = z * (_AT0 + w * (_AT2 + w * (_AT4 + w * (_AT6 + w * (_AT8 + w * _AT10)))))
    s2 = w * (_AT1 + w * (_AT3 + w * (_AT5 + w * (_AT7 + w * _AT9))))
    a = r - r * (s1 + s2)
    if mid:
        a = hi - ((r * (s1 + s2) - lo) - r)
    if steep:
        a = _PIO2 - a
    if x < 0.0:
        a = _PI - a
    if y < 0.0:
        a = -a
    return a
