"""The propagator's own sine and cosine against libm (numpy's sin/cos).

``vtrig.sincos_poly`` (minimax on the reduced angle, reduction to
|x| <= VTRIG_MAX_ABS_RAD) and ``trig.sincos_small`` (Taylor for
|x| <= SMALL_ANGLE_RAD) are what the near-Earth path uses instead of libm;
their docstrings promise results within 1 ulp of it on the reduced range.
"""
from __future__ import annotations

import numpy as np

from tracker.propagator.trig import SMALL_ANGLE_RAD, sincos_small
from tracker.propagator.vtrig import VTRIG_MAX_ABS_RAD, sincos, sincos_poly


def _ulps(ours, ref):
    return np.abs(ours - ref) / np.spacing(np.maximum(np.abs(ref), 1e-300))


def _apply(fn, x):
    out = np.array([fn(float(v)) for v in x])
    return out[:, 0], out[:, 1]


def test_sincos_poly_within_one_ulp_on_the_reduced_range():
    x = np.random.default_rng(11).uniform(-np.pi / 4, np.pi / 4, 20_000)
    s, c = _apply(sincos_poly, x)
    assert _ulps(s, np.sin(x)).max() <= 1.0
    assert _ulps(c, np.cos(x)).max() <= 1.0


def test_sincos_poly_over_its_whole_range_is_near_libm():
    rng = np.random.default_rng(12)
    x = np.concatenate([rng.uniform(-VTRIG_MAX_ABS_RAD, VTRIG_MAX_ABS_RAD, 10_000),
                        rng.uniform(-50.0, 50.0, 10_000)])
    s, c = _apply(sincos_poly, x)
    # absolute error: the reduction of |x| up to 1e5 rad keeps ~1e-16 relative to x's ulp
    assert np.abs(s - np.sin(x)).max() < 2e-15
    assert np.abs(c - np.cos(x)).max() < 2e-15
    s2, c2 = _apply(sincos, np.array([2e5, -3e7, np.inf]))
    assert np.allclose(s2[:2], np.sin([2e5, -3e7]), rtol=0, atol=1e-15) and np.isnan(s2[2])


def test_sincos_small_within_one_ulp():
    x = np.random.default_rng(13).uniform(-SMALL_ANGLE_RAD, SMALL_ANGLE_RAD, 20_000)
    s, c = _apply(sincos_small, x)
    assert _ulps(s, np.sin(x)).max() <= 1.0
    assert _ulps(c, np.cos(x)).max() <= 1.0


def test_atan2_poly_within_two_ulp_of_libm():
    from tracker.propagator.vtrig import atan2_poly

    rng = np.random.default_rng(13)
    n = 20_000
    y = rng.normal(size=n) * np.exp(rng.uniform(-20.0, 5.0, n))
    x = rng.normal(size=n) * np.exp(rng.uniform(-20.0, 5.0, n))
    ours = np.array([atan2_poly(float(a), float(b)) for a, b in zip(y, x)])
    assert _ulps(ours, np.arctan2(y, x)).max() <= 2.0
    # the axes and the origin
    for a, b in ((0.0, 1.0), (1.0, 0.0), (0.0, -1.0), (-1.0, 0.0), (0.0, 0.0)):
        assert atan2_poly(a, b) == np.arctan2(a, b)


def test_fmod_twopi_is_c_fmod():
    from tracker.propagator.trig import fmod_twopi

    rng = np.random.default_rng(14)
    x = np.concatenate([rng.uniform(-1e4, 1e4, 20_000), rng.uniform(-20.0, 20.0, 20_000),
                        2.0 * np.pi * np.arange(-40, 41), [0.0, -0.0, 1e-300]])
    ours = np.array([fmod_twopi(float(v)) for v in x])
    np.testing.assert_array_equal(ours, np.fmod(x, 2.0 * np.pi))
