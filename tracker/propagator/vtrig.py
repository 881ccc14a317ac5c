"""Branch-free sine and cosine that LLVM can vectorise inside a loop.

libm's ``sin``/``cos`` are opaque calls, so a loop containing them runs one
element at a time. ``sincos_poly`` is plain arithmetic (no calls, no
data-dependent branches, selects only), so a loop over an array of angles
compiles to SIMD code.

Method: Cody-Waite reduction by the nearest multiple k of pi/2, with pi/2
split in three parts (two of 33 significant bits, so k * part is exact for
|k| < 2^20), then Taylor polynomials on |r| <= pi/4 (sine to r^17, cosine to
r^18; the first omitted terms are below 1e-19) and a quadrant swap.
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

# 1/n! with alternating signs.
_S3 = -1.0 / 6.0
_S5 = 1.0 / 120.0
_S7 = -1.0 / 5040.0
_S9 = 1.0 / 362880.0
_S11 = -1.0 / 39916800.0
_S13 = 1.0 / 6227020800.0
_S15 = -1.0 / 1307674368000.0
_S17 = 1.0 / 355687428096000.0
_C2 = -0.5
_C4 = 1.0 / 24.0
_C6 = -1.0 / 720.0
_C8 = 1.0 / 40320.0
_C10 = -1.0 / 3628800.0
_C12 = 1.0 / 479001600.0
_C14 = -1.0 / 87178291200.0
_C16 = 1.0 / 20922789888000.0
_C18 = -1.0 / 6402373705728000.0


@njit(cache=True, nogil=True, error_model="numpy")
def sincos_poly(x):
    """(sin x, cos x), x in rad, |x| <= VTRIG_MAX_ABS_RAD; vectorisable."""
    k = np.floor(x * _TWO_OVER_PI + 0.5)
    r = ((x - k * _PIO2_1) - k * _PIO2_2) - k * _PIO2_3
    r2 = r * r
    s = r + r * r2 * (_S3 + r2 * (_S5 + r2 * (_S7 + r2 * (_S9 + r2 * (
        _S11 + r2 * (_S13 + r2 * (_S15 + r2 * _S17)))))))
    c = 1.0 + r2 * (_C2 + r2 * (_C4 + r2 * (_C6 + r2 * (_C8 + r2 * (
        _C10 + r2 * (_C12 + r2 * (_C14 + r2 * (_C16 + r2 * _C18))))))))
    q = k - 4.0 * np.floor(k * 0.25)          # quadrant 0..3
    swap = (q == 1.0) | (q == 3.0)
    sin_x = c if swap else s
    cos_x = s if swap else c
    if q >= 2.0:
        sin_x = -sin_x
    if (q == 1.0) | (q == 2.0):
        cos_x = -cos_x
    return sin_x, cos_x


@njit(cache=True, nogil=True, error_model="numpy")
def sincos(x):
    """(sin x, cos x), x in rad: ``sincos_poly`` for |x| <= VTRIG_MAX_ABS_RAD,
    libm beyond (and for NaN or infinities, which give NaN)."""
    if abs(x) <= VTRIG_MAX_ABS_RAD:
        return sincos_poly(x)
    return math.sin(x), math.cos(x)
