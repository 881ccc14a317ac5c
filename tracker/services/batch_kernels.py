"""Numba kernel: per-object orbit statistics for many satellites at once.

Pure functions on floats and arrays; the caller allocates every output; runs
as plain Python under NUMBA_DISABLE_JIT=1. For every satellite of a
coefficient table (``Elements.coeffs``) and a chunk of times, the core's
SGP4 (vectorised near-Earth blocks, ``kernels.stats.propagate_block``) is
reduced at once to: ascending-node crossings (TEME z from < 0 to >= 0 with
vz > 0), the WGS-84 geodetic altitude range (``kernels.frames.
geodetic_sin_cos_alt``), the argument of latitude at the first and last
valid samples, and the first SGP4 error (6: decayed). No positions are
stored: memory is O(number of satellites).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from tracker.astro.frames_kernels import geodetic_sin_cos_alt
from tracker.propagator.block import BLOCK, WORK_SIZE, block_eligible
from tracker.services.stats_kernels import arg_latitude_rad, propagate_block

# ---- per-satellite batch columns (``out`` of batch_stats_chunk) ----
B_NODES = 0            # ascending-node crossings counted so far
B_ALT_MIN_KM = 1
B_ALT_MAX_KM = 2
B_FIRST_ERROR_T_S = 3  # time of the first failed sample (NaN if none)
B_FIRST_ERROR = 4      # its SGP4 error code (0 if none)
B_N_VALID = 5
B_U_FIRST_RAD = 6      # argument of latitude at the first valid sample
B_U_LAST_RAD = 7       # ... at the last valid sample
B_PREV_Z_KM = 8        # carried between chunks: z of the last sample (NaN if invalid)
N_BATCH = 9


@njit(cache=True, nogil=True, error_model="numpy")
def _batch_one(coeffs, j, tsince0_min, t_s, scratch, out, work, ts, e_b, r_b, v_b, alt_b):
    """Satellite ``j`` of ``batch_stats_chunk``."""
    if out[j, B_FIRST_ERROR] != 0.0:
        return
    n_t = t_s.shape[0]
    z0 = out[j, B_PREV_Z_KM]
    nodes = out[j, B_NODES]
    alt_min = out[j, B_ALT_MIN_KM]
    alt_max = out[j, B_ALT_MAX_KM]
    n_valid = out[j, B_N_VALID]
    vector = block_eligible(coeffs, j)
    last_r0 = last_r1 = last_r2 = last_v0 = last_v1 = last_v2 = math.nan
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
            e = e_b[k]
            alt = alt_b[k]
            if e != 0 or not math.isfinite(alt):
                out[j, B_FIRST_ERROR_T_S] = t_s[b0 + k]
                out[j, B_FIRST_ERROR] = e if e != 0 else 255
                z0 = math.nan
                break
            if alt < alt_min:
                alt_min = alt
            if alt > alt_max:
                alt_max = alt
            rz = r_b[k, 2]
            if z0 < 0.0 and rz >= 0.0 and v_b[k, 2] > 0.0:
                nodes += 1.0
            if n_valid == 0.0:
                out[j, B_U_FIRST_RAD] = arg_latitude_rad(r_b[k, 0], r_b[k, 1], rz,
                                                         v_b[k, 0], v_b[k, 1], v_b[k, 2])
            n_valid += 1.0
            z0 = rz
            last_r0 = r_b[k, 0]
            last_r1 = r_b[k, 1]
            last_r2 = rz
            last_v0 = v_b[k, 0]
            last_v1 = v_b[k, 1]
            last_v2 = v_b[k, 2]
        if out[j, B_FIRST_ERROR] != 0.0:
            break
    if math.isfinite(last_r0):
        out[j, B_U_LAST_RAD] = arg_latitude_rad(last_r0, last_r1, last_r2,
                                                last_v0, last_v1, last_v2)
    out[j, B_PREV_Z_KM] = z0
    out[j, B_NODES] = nodes
    out[j, B_ALT_MIN_KM] = alt_min
    out[j, B_ALT_MAX_KM] = alt_max
    out[j, B_N_VALID] = n_valid


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def batch_stats_chunk(coeffs, tsince0_min, t_s, scratch, out):
    """Propagate many satellites over one time chunk, accumulating per satellite.

    ``coeffs`` (N_COEFF, n_sat) SGP4 coefficient table; satellite j is
    evaluated at ``tsince0_min[j] + t_s / 60`` minutes after its epoch, for
    the (n_t,) times ``t_s`` (seconds, increasing). ``scratch`` (n_sat,
    RESONANCE_STATE_SIZE) is each satellite's SGP4 scratch, zeroed before the
    first chunk and kept between chunks. ``out`` (n_sat, N_BATCH) is updated
    in place (rows B_*; initialise with ``new_batch_state``).
    Node crossings as in ``orbit_stats_chunk`` (TEME z from < 0 to >= 0 with
    vz > 0), also across chunks. At the first sample with an SGP4 error code
    (6: decayed) its time and code are recorded and the satellite's later
    samples are skipped.
    """
    n_sat = coeffs.shape[1]
    for j in prange(n_sat):
        work = np.empty(WORK_SIZE)
        ts = np.empty(BLOCK)
        e_b = np.empty(BLOCK, dtype=np.uint8)
        r_b = np.empty((BLOCK, 3))
        v_b = np.empty((BLOCK, 3))
        alt_b = np.empty(BLOCK)
        _batch_one(coeffs, np.int64(j), tsince0_min[j], t_s, scratch[j], out, work, ts, e_b, r_b, v_b,
                   alt_b)


def new_batch_state(n_sat: int) -> np.ndarray:
    """An ``out`` array for ``batch_stats_chunk`` before the first chunk."""
    out = np.zeros((n_sat, N_BATCH))
    out[:, B_ALT_MIN_KM] = np.inf
    out[:, B_ALT_MAX_KM] = -np.inf
    out[:, B_FIRST_ERROR_T_S] = np.nan
    out[:, B_U_FIRST_RAD] = np.nan
    out[:, B_U_LAST_RAD] = np.nan
    out[:, B_PREV_Z_KM] = np.nan
    return out


def warm_kernels() -> None:
    """Compile (or load from numba's cache) ``batch_stats_chunk`` with the
    argument types ``tracker.services.batch`` passes; run by ``tracker.warm``."""
    from tracker.propagator.deep import RESONANCE_STATE_SIZE
    from tracker.services.stats_kernels import warm_test_coeffs

    coeffs = warm_test_coeffs(2)
    out = new_batch_state(2)
    batch_stats_chunk(coeffs, np.array([10.0, 20.0]), np.arange(100, dtype=np.float64) * 60.0,
                      np.zeros((2, RESONANCE_STATE_SIZE)), out)
