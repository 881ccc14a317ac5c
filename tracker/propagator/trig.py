"""Trigonometry helpers for the SGP4 step: small-angle rotations.

Several angles in the SGP4 step are a base angle whose sine and cosine are
already known plus a small correction (the Kepler iterates, the short-period
corrections to the argument of latitude and the inclination). Rotating the
known (sin, cos) by the correction costs a few multiplications when the
correction is small, instead of two libm calls.

``sincos_small(x)``: sin and cos of ``|x| <= SMALL_ANGLE_RAD`` by Taylor
polynomials (below). The kernels contract ``a * b + c`` to FMAs
(``fastmath={"contract"}``, nothing else of fastmath).
"""
from __future__ import annotations

import math

import numpy as np
from tracker.jit import njit

from tracker.propagator.vtrig import sincos

# Taylor coefficients (1/n! with alternating signs): for |x| <= SMALL_ANGLE_RAD
# sine to x^9 and cosine to x^10 leave out terms below 3e-18 and 3e-20, and
# stay within 1 ulp of libm (checked over 2e6 random angles).
_S3 = -1.0 / 6.0
_S5 = 1.0 / 120.0
_S7 = -1.0 / 5040.0
_S9 = 1.0 / 362880.0
_C2 = -0.5
_C4 = 1.0 / 24.0
_C6 = -1.0 / 720.0
_C8 = 1.0 / 40320.0
_C10 = -1.0 / 3628800.0

SMALL_ANGLE_RAD = 0.125


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def sincos_small(x):
    """(sin x, cos x) for |x| <= SMALL_ANGLE_RAD (rad), by polynomials."""
    x2 = x * x
    s = x + x * x2 * (_S3 + x2 * (_S5 + x2 * (_S7 + x2 * _S9)))
    c = 1.0 + x2 * (_C2 + x2 * (_C4 + x2 * (_C6 + x2 * (_C8 + x2 * _C10))))
    return s, c


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def rotate(sin_a, cos_a, d):
    """(sin(a + d), cos(a + d)) from sin a, cos a and an increment d (rad).

    Short polynomials when |d| is small, ``sgp4_vtrig.sincos`` otherwise;
    NaN propagates.
    """
    if abs(d) <= SMALL_ANGLE_RAD:
        sd, cd = sincos_small(d)
    else:
        sd, cd = sincos(d)
    return sin_a * cd + cos_a * sd, cos_a * cd - sin_a * sd


_INV_TWOPI = 1.0 / (2.0 * math.pi)
_TWOPI = 2.0 * math.pi


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def wrap_twopi(x):
    """x reduced by a whole number of turns to (-2 pi, 2 pi), sign of x kept.

    Replaces C ``fmod(x, 2 pi)``, an exact but slow long division, in places
    where only the angle modulo 2 pi matters: the result differs from fmod's
    by a multiple of 2 pi plus about one ulp of x.
    """
    return x - _TWOPI * np.trunc(x * _INV_TWOPI)


# 2 pi as a 33-bit head and the exact rest: k * head is exact for
# |k| < 2^20, and head + tail == the double 2 pi.
_TWOPI_HEAD = float.fromhex("0x1.921fb544p+2")
_TWOPI_TAIL = _TWOPI - _TWOPI_HEAD


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def fmod_twopi(x):
    """C ``fmod(x, 2 pi)`` (2 pi the double), vectorisable: exact, as fmod
    is, for |x| < 2^20 turns, the quotient's rare off-by-one at a multiple
    of 2 pi aside (then one rounding off). Sign of x, |result| < 2 pi."""
    k = np.trunc(x * _INV_TWOPI)
    r = (x - k * _TWOPI_HEAD) - k * _TWOPI_TAIL
    if x >= 0.0:
        if r < 0.0:
            r = r + _TWOPI
    elif r > 0.0:
        r = r - _TWOPI
    return r
