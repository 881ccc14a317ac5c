"""Numba kernels: look-ups in tables sampled on an even time grid.

``grid_cell`` finds a time's cell on ``t0 + k * step``; ``sun_at`` reads a
3-vector table there linearly (the Sun's node table of
``tracker.astro.sun.SunEphemeris.teme_grid_km``, read by the pass track's
frames kernel and the statistics kernels alike).
"""
from __future__ import annotations

import math

from tracker.jit import njit


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def grid_cell(t0, step, n, t):
    """Cell of ``t`` on the even grid ``t0 + k * step`` (n nodes): ``(k,
    fraction)`` with k in 0 .. n-2; times beyond the ends use the end cells
    (the fraction then lies outside [0, 1])."""
    x = (t - t0) / step
    k = int(math.floor(x))
    if k < 0:
        k = 0
    elif k > n - 2:
        k = n - 2
    return k, x - k


@njit(cache=True, nogil=True, error_model="numpy")
def sun_at(t_s, sun_t0_s, sun_step_s, sun_r):
    """Linear interpolation in a Sun table sampled at sun_t0_s + k * sun_step_s."""
    k, w = grid_cell(sun_t0_s, sun_step_s, sun_r.shape[0], t_s)
    return (sun_r[k, 0] * (1.0 - w) + sun_r[k + 1, 0] * w,
            sun_r[k, 1] * (1.0 - w) + sun_r[k + 1, 1] * w,
            sun_r[k, 2] * (1.0 - w) + sun_r[k + 1, 2] * w)
