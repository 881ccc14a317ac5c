"""Numba kernels: per-object orbit statistics for many satellites at once.

Pure functions on floats and arrays; the caller allocates every output; runs
as plain Python under NUMBA_DISABLE_JIT=1. For every satellite of a
coefficient table (``Elements.coeffs``) and one *span* of sample times, the
core's SGP4 (vectorised near-Earth blocks, ``near.propagate_block``)
is reduced at once to a row of partial accumulators (``P_*`` columns): the
ascending-node crossings inside the span (TEME z from < 0 to >= 0 with
vz > 0), the WGS-84 geodetic altitude range (``frames_kernels.
geodetic_sin_cos_alt``), trapezoid integrals of the inertial speed
(distance), of the altitude and of the daylight indicator (conical shadow,
``stats_kernels.illumination``), the first SGP4 error (6: decayed), and the
state of the span's first and last valid samples, so that
``tracker.services.batch.merge_partial`` can add the step that joins two
consecutive spans (a node crossing in that step counts once, in the later
span's merge). No positions are stored: memory is O(number of satellites).

Each satellite starts from a zeroed SGP4 scratch at the span's first
sample. SGP4's deep-space resonance integrator steps from the epoch in
fixed 720-min steps, so restarting it gives the same numbers as carrying it.
"""
from __future__ import annotations

import math

import numpy as np

from tracker.constants import SUN_RADIUS_KM, WGS84_A_KM
from tracker.jit import njit, prange

from tracker.astro.frames_kernels import geodetic_sin_cos_alt
from tracker.astro.shadow import DAYLIGHT
from tracker.propagator.block import BLOCK, block_eligible
from tracker.propagator.near import block_scratch, propagate_block
from tracker.astro.grid import sun_at
from tracker.services.stats_kernels import arg_latitude_rad, illumination

# ---- per-satellite partial accumulators of one span (columns of ``out``) ----
P_NODES = 0            # ascending-node crossings between valid samples of the span
P_ALT_MIN_KM = 1
P_ALT_MAX_KM = 2
P_ERROR_T_S = 3        # time of the first failed sample (NaN if none)
P_ERROR = 4            # its SGP4 error code (0 if none; 255: non-finite state)
P_N_VALID = 5          # valid samples (all samples before the first failure)
P_U_FIRST_RAD = 6      # argument of latitude at the first valid sample
P_U_LAST_RAD = 7       # ... at the last valid sample
P_DIST_KM = 8          # integral of |v| dt between valid samples (trapezoid)
P_ALT_INT_KM_S = 9     # integral of the altitude dt (trapezoid)
P_STEP_S = 10          # duration covered by those steps
P_SUNLIT_S = 11        # integral of the daylight indicator dt (trapezoid)
P_F_T_S = 12           # first valid sample: time, z, vz, speed, altitude, daylight (0/1)
P_F_Z_KM = 13
P_F_VZ_KM_S = 14
P_F_SPEED_KM_S = 15
P_F_ALT_KM = 16
P_F_SUNLIT = 17
P_L_T_S = 18           # last valid sample: time, z, speed, altitude, daylight
P_L_Z_KM = 19
P_L_SPEED_KM_S = 20
P_L_ALT_KM = 21
P_L_SUNLIT = 22
N_PART = 23


@njit(cache=True, nogil=True, error_model="numpy")
def _span_one(coeffs, j, tsince0_min, t_s, sun_t0_s, sun_step_s, sun_r, earth_radius_km,
              sun_radius_km, out):
    """Satellite ``j`` of ``batch_span``: writes row ``out[j]``."""
    scratch, work, ts, e_b, r_b, v_b = block_scratch()
    alt_b = np.empty(BLOCK)
    n_t = t_s.shape[0]
    vector = block_eligible(coeffs, j)
    nodes = 0.0
    alt_min = math.inf
    alt_max = -math.inf
    err_t = math.nan
    err = 0.0
    n_valid = 0.0
    u_first = math.nan
    dist = 0.0
    alt_int = 0.0
    step = 0.0
    sunlit = 0.0
    f_t = f_z = f_vz = f_speed = f_alt = f_sun = math.nan
    p_t = p_z = p_speed = p_alt = p_sun = math.nan
    l0 = l1 = l2 = l3 = l4 = l5 = math.nan
    stop = False
    for b0 in range(0, n_t, BLOCK):
        n = min(BLOCK, n_t - b0)
        for k in range(n):
            ts[k] = tsince0_min + t_s[b0 + k] / 60.0
        propagate_block(coeffs, j, ts, n, vector, work, scratch, e_b, r_b, v_b)
        for k in range(n):      # vectorised: geodetic altitude
            x = r_b[k, 0]
            y = r_b[k, 1]
            alt_b[k] = geodetic_sin_cos_alt(math.sqrt(x * x + y * y), r_b[k, 2])[3]
        for k in range(n):
            t = t_s[b0 + k]
            e = e_b[k]
            alt = alt_b[k]
            rx = r_b[k, 0]
            ry = r_b[k, 1]
            rz = r_b[k, 2]
            vx = v_b[k, 0]
            vy = v_b[k, 1]
            vz = v_b[k, 2]
            speed = math.sqrt(vx * vx + vy * vy + vz * vz)
            if e != 0 or not math.isfinite(alt) or not math.isfinite(speed):
                err_t = t
                err = e if e != 0 else 255
                stop = True
                break
            sx, sy, sz = sun_at(t, sun_t0_s, sun_step_s, sun_r)
            sun = 1.0 if illumination(rx, ry, rz, sx, sy, sz, earth_radius_km,
                                      sun_radius_km) == DAYLIGHT else 0.0
            if alt < alt_min:
                alt_min = alt
            if alt > alt_max:
                alt_max = alt
            if n_valid == 0.0:
                u_first = arg_latitude_rad(rx, ry, rz, vx, vy, vz)
                f_t = t
                f_z = rz
                f_vz = vz
                f_speed = speed
                f_alt = alt
                f_sun = sun
            else:
                dt = t - p_t
                dist += 0.5 * dt * (p_speed + speed)
                alt_int += 0.5 * dt * (p_alt + alt)
                step += dt
                sunlit += 0.5 * dt * (p_sun + sun)
                if p_z < 0.0 and rz >= 0.0 and vz > 0.0:
                    nodes += 1.0
            n_valid += 1.0
            p_t = t
            p_z = rz
            p_speed = speed
            p_alt = alt
            p_sun = sun
            l0 = rx
            l1 = ry
            l2 = rz
            l3 = vx
            l4 = vy
            l5 = vz
        if stop:
            break
    out[j, P_NODES] = nodes
    out[j, P_ALT_MIN_KM] = alt_min
    out[j, P_ALT_MAX_KM] = alt_max
    out[j, P_ERROR_T_S] = err_t
    out[j, P_ERROR] = err
    out[j, P_N_VALID] = n_valid
    out[j, P_U_FIRST_RAD] = u_first
    out[j, P_U_LAST_RAD] = (arg_latitude_rad(l0, l1, l2, l3, l4, l5) if n_valid > 0.0
                            else math.nan)
    out[j, P_DIST_KM] = dist
    out[j, P_ALT_INT_KM_S] = alt_int
    out[j, P_STEP_S] = step
    out[j, P_SUNLIT_S] = sunlit
    out[j, P_F_T_S] = f_t
    out[j, P_F_Z_KM] = f_z
    out[j, P_F_VZ_KM_S] = f_vz
    out[j, P_F_SPEED_KM_S] = f_speed
    out[j, P_F_ALT_KM] = f_alt
    out[j, P_F_SUNLIT] = f_sun
    out[j, P_L_T_S] = p_t
    out[j, P_L_Z_KM] = p_z
    out[j, P_L_SPEED_KM_S] = p_speed
    out[j, P_L_ALT_KM] = p_alt
    out[j, P_L_SUNLIT] = p_sun


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def batch_span(coeffs, tsince0_min, t_s, sun_t0_s, sun_step_s, sun_r, earth_radius_km,
               sun_radius_km, out):
    """Partial statistics of every satellite over one span of times (numba threads).

    ``coeffs`` (N_COEFF, n_sat) SGP4 coefficient table; satellite j is
    evaluated at ``tsince0_min[j] + t_s / 60`` minutes after its epoch, for
    the (n_t,) times ``t_s`` (seconds from the run's start, increasing).
    The Sun (TEME, km) is interpolated linearly in ``sun_r``, nodes at
    ``sun_t0_s + k * sun_step_s`` (``astro.grid.sun_at``); the radii are
    for the conical shadow. ``out`` (n_sat, N_PART) is overwritten (``P_*``
    columns). At a satellite's first sample with an SGP4 error code (6:
    decayed) or a non-finite state (code 255) its time and code are recorded
    and its later samples are skipped.
    """
    for j in prange(coeffs.shape[1]):
        _span_one(coeffs, np.int64(j), tsince0_min[j], t_s, sun_t0_s, sun_step_s, sun_r,
                  earth_radius_km, sun_radius_km, out)


@njit(cache=True, nogil=True, error_model="numpy")
def batch_span_serial(coeffs, tsince0_min, t_s, sun_t0_s, sun_step_s, sun_r, earth_radius_km,
                      sun_radius_km, out):
    """``batch_span`` on the calling thread only (no numba thread pool): for
    Dask tasks, where the workers' threads already occupy the cores. Same
    per-satellite function, so the same numbers."""
    for j in range(coeffs.shape[1]):
        _span_one(coeffs, np.int64(j), tsince0_min[j], t_s, sun_t0_s, sun_step_s, sun_r,
                  earth_radius_km, sun_radius_km, out)


def warm_kernels() -> None:
    """Compile (or load from numba's cache) both span kernels with the
    argument types ``tracker.services.batch`` passes; run by ``tracker.warm``."""
    from tracker.services.stats_kernels import warm_test_coeffs

    coeffs = warm_test_coeffs(2)
    sun_r = np.array([[1.5e8, 0.0, 0.0], [1.5e8, 1e6, 0.0]])
    for kernel in (batch_span, batch_span_serial):
        out = np.empty((2, N_PART))
        kernel(coeffs, np.array([10.0, 20.0]), np.arange(100, dtype=np.float64) * 60.0,
               -3600.0, 21600.0, sun_r, WGS84_A_KM, SUN_RADIUS_KM, out)
