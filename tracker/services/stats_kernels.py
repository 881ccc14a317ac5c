"""Numba kernels: orbit statistics accumulated over a chunk of propagated states.

Pure functions on floats and arrays (no I/O, no datetime, no globals other
than constants); the caller allocates every output. All kernels run as
plain Python under NUMBA_DISABLE_JIT=1.

Positions ``r`` (km) and velocities ``v`` (km/s) are SGP4's, in TEME; times
``t_s`` are seconds from an origin chosen by the caller, increasing.
The kernels call the shared ones: the core's SGP4 (``sgp4_block.near_earth_block``,
its vectorised near-Earth path, 64 times at once; ``near.sgp4_sample``
otherwise), ``shadow.illumination_one`` (conical Earth shadow) and
``frames.geodetic_sin_cos_alt`` (WGS-84 geodetic conversion without
trigonometric calls, in a loop LLVM vectorises).
Propagation is fused: a block of 64 samples is propagated into small arrays
and reduced at once, so nothing chunk-sized is stored but the outputs.

Why TEME is enough here
-----------------------
* Geodetic latitude and altitude do not change under a rotation about the
  z axis, so ``geodetic_one`` applied to TEME gives the same values as
  applied to the pseudo-Earth-fixed frame (TEME rotated by GMST). Polar
  motion (< 0.6 arcsec, < 20 m) is neglected for the altitude.
* Ground track: the sub-satellite point ``s`` (the foot of the ellipsoid
  normal through the satellite) is computed in TEME orientation. Between
  two samples ``a, b`` the Earth turns by ``dtheta = omega_earth * dt``; the
  Earth-fixed distance is ``|s_b - Rz(dtheta) s_a|`` (no GMST per point).
  Each step's chord is lengthened to the circular arc through both points
  with radius = their mean geocentric distance (the chord alone would be
  short by c^3 / 24 R^2: 4e-7 km for a 1-s step of 7 km, 0.07 km for 60 s).
* Ascending node: TEME z goes from < 0 to >= 0 with vz > 0 (the NORAD
  revolution convention); the time is the root of the cubic Hermite
  interpolant of (z, vz) over the step.

State of one sample (``STATE_LEN`` floats, see the ``S_*`` indices): valid
(1.0 or 0.0), t_s, z_km, vz_km_s, speed_km_s, surface point x/y/z (km,
TEME orientation), illumination code, geodetic altitude km.
"""
from __future__ import annotations

import math

import numpy as np

from tracker.constants import SUN_RADIUS_KM, WGS84_A_KM
from tracker.jit import njit, prange

from tracker.astro.frames_kernels import WGS84_E2, geodetic_sin_cos_alt
from tracker.propagator.near import block_scratch, propagate_block
from tracker.astro.grid import sun_at
from tracker.propagator.block import BLOCK, block_eligible
from tracker.astro.shadow import DAYLIGHT, ECLIPSED, PENUMBRA, illumination_one

# ---- one sample's state ----
S_VALID, S_T, S_Z, S_VZ, S_SPEED, S_SX, S_SY, S_SZ, S_ILLUM, S_ALT = range(10)
STATE_LEN = 10

# ---- per-block accumulators (rows of ``acc``) ----
A_INERTIAL_KM = 0      # integral of |v| dt over valid steps (trapezoid)
A_GROUND_KM = 1        # sum of ground-track steps
A_ALT_MIN_KM = 2
A_ALT_MAX_KM = 3
A_ALT_INT_KM_S = 4     # integral of altitude dt (trapezoid)
A_STEP_S = 5           # total duration of valid steps
A_DAYLIGHT_S = 6       # time in daylight (trapezoid of the indicator)
A_PENUMBRA_S = 7
A_ECLIPSED_S = 8
A_N_VALID = 9          # samples with a valid state
A_N_FAILED = 10        # samples whose propagation failed (error code != 0)
N_ACC = 11

EVENT_NODE = 1         # bit in ``events``: ascending node in (t[i-1], t[i]]
EVENT_SUNRISE = 2      # bit: t[i] is the first daylight sample after shadow


@njit(cache=True, nogil=True, error_model="numpy")
def illumination(rx, ry, rz, sx, sy, sz, earth_radius_km, sun_radius_km):
    """``shadow.illumination_one`` with a shortcut for the sunward half-space.

    If r . s >= 0 and 1.001 R_e <= |r| <= 0.01 |s|, the angle between the
    Earth's centre and the Sun seen from r is at least
    90 deg - asin(|r| / |s - r|) > 89.4 deg, while the discs' radii sum to
    at most asin(1 / 1.001) + asin(R_sun / |s - r|) < 87.8 deg, so
    ``illumination_one`` would answer DAYLIGHT; we answer it without the
    trigonometry. Otherwise we call it.
    """
    rr = rx * rx + ry * ry + rz * rz
    ss = sx * sx + sy * sy + sz * sz
    lo = 1.001 * earth_radius_km
    if (rx * sx + ry * sy + rz * sz >= 0.0 and rr >= lo * lo and rr <= 1e-4 * ss):
        return DAYLIGHT
    return illumination_one(rx, ry, rz, sx, sy, sz, earth_radius_km, sun_radius_km)


@njit(cache=True, nogil=True, error_model="numpy")
def hermite_root_s(h_s, z0, z1, vz0, vz1):
    """Root in [0, h_s] of the cubic Hermite interpolant through (0, z0, vz0), (h_s, z1, vz1).

    Assumes z0 < 0 <= z1. Starts from the linear root, then Newton steps,
    kept inside the interval. Returns seconds after the first sample.
    """
    tau = h_s * (-z0) / (z1 - z0)
    for _ in range(4):
        x = tau / h_s
        h00 = (1.0 + 2.0 * x) * (1.0 - x) * (1.0 - x)
        h10 = x * (1.0 - x) * (1.0 - x)
        h01 = x * x * (3.0 - 2.0 * x)
        h11 = x * x * (x - 1.0)
        f = h00 * z0 + h10 * h_s * vz0 + h01 * z1 + h11 * h_s * vz1
        d00 = 6.0 * x * x - 6.0 * x
        d10 = 3.0 * x * x - 4.0 * x + 1.0
        d01 = -d00
        d11 = 3.0 * x * x - 2.0 * x
        df = (d00 * z0 + d01 * z1) / h_s + d10 * vz0 + d11 * vz1
        if not (df > 0.0):
            break
        tau_new = tau - f / df
        if tau_new < 0.0:
            tau_new = 0.0
        elif tau_new > h_s:
            tau_new = h_s
        tau = tau_new
    return tau


@njit(cache=True, nogil=True, error_model="numpy")
def derive_block(n, r_b, v_b, alt_b, surf_b, speed_b):
    """Per sample of a block: geodetic altitude, sub-satellite point (TEME
    orientation, km) and speed; a loop without branches that LLVM vectorises.
    Positions on the polar axis or not finite give NaN."""
    for j in range(n):
        x = r_b[j, 0]
        y = r_b[j, 1]
        z = r_b[j, 2]
        p = math.sqrt(x * x + y * y)
        sl, cl, n_km, alt = geodetic_sin_cos_alt(p, z)
        k = n_km * cl / p
        alt_b[j] = alt
        surf_b[j, 0] = k * x
        surf_b[j, 1] = k * y
        surf_b[j, 2] = n_km * (1.0 - WGS84_E2) * sl
        speed_b[j] = math.sqrt(v_b[j, 0] * v_b[j, 0] + v_b[j, 1] * v_b[j, 1] + v_b[j, 2] * v_b[j, 2])


@njit(cache=True, nogil=True, error_model="numpy")
def ground_step_km(ax, ay, az, bx, by, bz, cos_dtheta, sin_dtheta):
    """Ground distance (km) between surface points a then b (TEME orientation)
    when the Earth turns by dtheta between them (given as its cosine and
    sine): the chord of ``b - Rz(dtheta) a`` lengthened to the arc of their
    mean geocentric radius."""
    dx = bx - (cos_dtheta * ax - sin_dtheta * ay)
    dy = by - (sin_dtheta * ax + cos_dtheta * ay)
    dz = bz - az
    chord = math.sqrt(dx * dx + dy * dy + dz * dz)
    radius = 0.5 * (math.sqrt(ax * ax + ay * ay + az * az) + math.sqrt(bx * bx + by * by + bz * bz))
    x = chord / (2.0 * radius)
    if x < 0.02:   # asin series; next term 5 x^7 / 112 < 6e-14 relative
        x2 = x * x
        return 2.0 * radius * x * (1.0 + x2 * (1.0 / 6.0 + x2 * (3.0 / 40.0)))
    if x >= 1.0:
        return math.pi * radius
    return 2.0 * radius * math.asin(x)


@njit(cache=True, nogil=True, error_model="numpy")
def orbit_stats_block(coeffs, tsince0_min, t_s, lo, hi, sun_t0_s, sun_step_s, sun_r,
                      earth_radius_km, sun_radius_km, earth_rate_rad_s, prev,
                      alt_km, events, node_t_s, acc, b, last):
    """Samples ``lo <= i < hi`` of a chunk, sums into row ``b`` of ``acc``.

    See ``orbit_stats_chunk`` for the arguments; ``prev`` is used only when
    ``lo == 0`` (otherwise sample lo - 1 is recomputed), ``last`` is written
    only when ``hi`` is the end of the chunk. Call it directly for a
    chunk in one block (no parallel launch). Works through the samples
    BLOCK at a time: propagate, derive (vectorised), then accumulate.
    """
    n_all = t_s.shape[0]
    scratch, work, ts, e_b, r_b, v_b = block_scratch()
    alt_b = np.empty(BLOCK)
    surf_b = np.empty((BLOCK, 3))
    speed_b = np.empty(BLOCK)
    vector = block_eligible(coeffs, 0)
    a_inertial = 0.0
    a_ground = 0.0
    a_alt_min = math.inf
    a_alt_max = -math.inf
    a_alt_int = 0.0
    a_step = 0.0
    a_day = 0.0
    a_pen = 0.0
    a_ecl = 0.0
    a_valid = 0.0
    a_failed = 0.0
    last_dt = math.nan
    cos_dth = 1.0
    sin_dth = 0.0
    # state of the previous sample
    p_valid = prev[S_VALID] != 0.0
    p_t = prev[S_T]
    p_z = prev[S_Z]
    p_vz = prev[S_VZ]
    p_speed = prev[S_SPEED]
    p_sx = prev[S_SX]
    p_sy = prev[S_SY]
    p_sz = prev[S_SZ]
    p_illum = prev[S_ILLUM]
    p_alt = prev[S_ALT]
    first = lo - 1 if lo > 0 else lo          # recompute the sample before the block
    for b0 in range(first, hi, BLOCK):
        n = min(BLOCK, hi - b0)
        for j in range(n):
            ts[j] = tsince0_min + t_s[b0 + j] / 60.0
        propagate_block(coeffs, np.int64(0), ts, n, vector, work, scratch, e_b, r_b, v_b)
        derive_block(n, r_b, v_b, alt_b, surf_b, speed_b)
        for j in range(n):
            i = b0 + j
            t = t_s[i]
            rx = r_b[j, 0]
            ry = r_b[j, 1]
            rz = r_b[j, 2]
            alt = alt_b[j]
            valid = (e_b[j] == 0 and math.isfinite(alt) and math.isfinite(speed_b[j])
                     and math.isfinite(surf_b[j, 0]))
            illum = math.nan
            if valid:
                sx, sy, sz = sun_at(t, sun_t0_s, sun_step_s, sun_r)
                illum = float(illumination(rx, ry, rz, sx, sy, sz, earth_radius_km,
                                           sun_radius_km))
            if i >= lo:
                alt_km[i] = alt if valid else math.nan
                events[i] = 0
                node_t_s[i] = math.nan
                if e_b[j] != 0:
                    a_failed += 1.0
                if valid:
                    a_valid += 1.0
                    if alt < a_alt_min:
                        a_alt_min = alt
                    if alt > a_alt_max:
                        a_alt_max = alt
                    if p_valid:
                        dt = t - p_t
                        if dt != last_dt:
                            cos_dth = math.cos(earth_rate_rad_s * dt)
                            sin_dth = math.sin(earth_rate_rad_s * dt)
                            last_dt = dt
                        a_step += dt
                        a_inertial += 0.5 * dt * (p_speed + speed_b[j])
                        a_alt_int += 0.5 * dt * (p_alt + alt)
                        a_ground += ground_step_km(p_sx, p_sy, p_sz, surf_b[j, 0], surf_b[j, 1],
                                                   surf_b[j, 2], cos_dth, sin_dth)
                        a_day += 0.5 * dt * ((p_illum == DAYLIGHT) + (illum == DAYLIGHT))
                        a_pen += 0.5 * dt * ((p_illum == PENUMBRA) + (illum == PENUMBRA))
                        a_ecl += 0.5 * dt * ((p_illum == ECLIPSED) + (illum == ECLIPSED))
                        flags = 0
                        if p_z < 0.0 and rz >= 0.0 and v_b[j, 2] > 0.0:
                            flags |= EVENT_NODE
                            node_t_s[i] = p_t + hermite_root_s(dt, p_z, rz, p_vz, v_b[j, 2])
                        if (p_illum == ECLIPSED or p_illum == PENUMBRA) and illum == DAYLIGHT:
                            flags |= EVENT_SUNRISE
                        events[i] = flags
            p_valid = valid
            p_t = t
            if valid:
                p_z = rz
                p_vz = v_b[j, 2]
                p_speed = speed_b[j]
                p_sx = surf_b[j, 0]
                p_sy = surf_b[j, 1]
                p_sz = surf_b[j, 2]
                p_illum = illum
                p_alt = alt
    acc[b, A_INERTIAL_KM] = a_inertial
    acc[b, A_GROUND_KM] = a_ground
    acc[b, A_ALT_MIN_KM] = a_alt_min
    acc[b, A_ALT_MAX_KM] = a_alt_max
    acc[b, A_ALT_INT_KM_S] = a_alt_int
    acc[b, A_STEP_S] = a_step
    acc[b, A_DAYLIGHT_S] = a_day
    acc[b, A_PENUMBRA_S] = a_pen
    acc[b, A_ECLIPSED_S] = a_ecl
    acc[b, A_N_VALID] = a_valid
    acc[b, A_N_FAILED] = a_failed
    if hi == n_all and hi > lo:
        last[S_VALID] = 1.0 if p_valid else 0.0
        last[S_T] = p_t
        last[S_Z] = p_z
        last[S_VZ] = p_vz
        last[S_SPEED] = p_speed
        last[S_SX] = p_sx
        last[S_SY] = p_sy
        last[S_SZ] = p_sz
        last[S_ILLUM] = p_illum
        last[S_ALT] = p_alt


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def orbit_stats_chunk(coeffs, tsince0_min, t_s, sun_t0_s, sun_step_s, sun_r, earth_radius_km,
                      sun_radius_km, earth_rate_rad_s, prev, n_blocks,
                      alt_km, events, node_t_s, acc, last):
    """Propagate one satellite over a chunk of times and accumulate its statistics.

    Inputs: ``coeffs`` (N_COEFF, 1) SGP4 coefficient table
    (``Elements.coeffs``); the sample times are ``tsince0_min + t_s / 60``
    minutes after the element set's epoch, ``t_s`` (n,) seconds, increasing;
    the Sun table ``sun_r`` (m >= 2, 3) TEME km at ``sun_t0_s + k *
    sun_step_s``; radii for the shadow model; ``earth_rate_rad_s`` (GMST
    rate); ``prev`` (STATE_LEN,) the state of the sample just before this
    chunk (``prev[S_VALID] == 0`` if none).

    Outputs (filled): ``alt_km`` (n,) geodetic altitude (NaN if invalid);
    ``events`` (n,) uint8 bit flags EVENT_NODE / EVENT_SUNRISE for the step
    ending at sample i; ``node_t_s`` (n,) the node time where EVENT_NODE is
    set (NaN elsewhere); ``acc`` (n_blocks, N_ACC) per-block sums (rows
    A_*); ``last`` (STATE_LEN,) the state of sample n-1 for the next chunk.
    Samples with an SGP4 error code other than 0 are invalid and skipped.
    The chunk is split into ``n_blocks`` blocks run in parallel; a block
    recomputes the sample before it, so results do not depend on ``n_blocks``.
    """
    n = t_s.shape[0]
    for b in prange(n_blocks):
        bi = np.int64(b)            # one signature for orbit_stats_block, not one per index type
        orbit_stats_block(coeffs, tsince0_min, t_s, (n * bi) // n_blocks, (n * (bi + 1)) // n_blocks,
                          sun_t0_s, sun_step_s, sun_r, earth_radius_km, sun_radius_km,
                          earth_rate_rad_s, prev, alt_km, events, node_t_s, acc, bi, last)


def new_state() -> np.ndarray:
    """A ``prev`` state meaning 'no sample before'."""
    state = np.full(STATE_LEN, np.nan)
    state[S_VALID] = 0.0
    return state


@njit(cache=True, nogil=True, error_model="numpy")
def arg_latitude_rad(rx, ry, rz, vx, vy, vz):
    """Osculating argument of latitude (rad, [0, 2 pi)): the angle from the
    ascending node to the position, in the direction of motion.

    With h = r x v and the node vector n = z x h = (-h_y, h_x, 0):
    u = atan2(r_z |h|, r . n). Zero for an equatorial orbit (no node).
    """
    hx = ry * vz - rz * vy
    hy = rz * vx - rx * vz
    hz = rx * vy - ry * vx
    h = math.sqrt(hx * hx + hy * hy + hz * hz)
    u = math.atan2(rz * h, -rx * hy + ry * hx)
    if u < 0.0:
        u += 2.0 * math.pi
    return u


def warm_test_coeffs(n_sat: int = 1) -> np.ndarray:
    """An SGP4 coefficient table (N_COEFF, n_sat) of an ISS-like near-Earth
    orbit, initialised by the core's kernel (for warm-up calls)."""
    from tracker.propagator.init import sgp4_init_many
    from tracker.propagator.layout import (EL_ARGP, EL_BSTAR, EL_ECC, EL_EPOCH_DAYS,
                                             EL_INCL, EL_M, EL_NO_KOZAI, EL_NODE, N_COEFF,
                                             N_ELEMENT)

    el = np.zeros((N_ELEMENT, n_sat))
    el[EL_EPOCH_DAYS] = 26130.5                 # days since 1949-12-31
    el[EL_NO_KOZAI] = 15.5 * 2.0 * math.pi / 1440.0
    el[EL_ECC] = 0.0005
    el[EL_INCL] = math.radians(51.6)
    el[EL_NODE] = 1.0
    el[EL_ARGP] = 2.0
    el[EL_M] = 3.0
    el[EL_BSTAR] = 1e-4
    coeffs = np.empty((N_COEFF, n_sat))
    sgp4_init_many(el, coeffs)
    return coeffs


def warm_kernels() -> None:
    """Compile (or load from numba's cache) this module's kernels with the
    argument types ``tracker.services.stats`` passes; run by ``tracker.warm``."""
    coeffs = warm_test_coeffs()
    n = 300
    t_s = np.arange(n, dtype=np.float64)
    sun_r = np.ascontiguousarray(np.tile(np.array([1.3e8, -6.0e7, -2.6e7]), (3, 1)))
    prev = new_state()
    alt = np.empty(n)
    events = np.empty(n, dtype=np.uint8)
    node_t = np.empty(n)
    acc = np.empty((2, N_ACC))
    last = np.empty(STATE_LEN)
    orbit_stats_block(coeffs, np.float64(10.0), t_s, 0, n, -100.0, 21600.0, sun_r, WGS84_A_KM,
                      SUN_RADIUS_KM, 7.29e-5, prev, alt, events, node_t, acc, 0, last)
    orbit_stats_chunk(coeffs, np.float64(10.0), t_s, -100.0, 21600.0, sun_r, WGS84_A_KM,
                      SUN_RADIUS_KM, 7.29e-5, prev, 2, alt, events, node_t, acc, last)
    arg_latitude_rad(7000.0, 1.0, 2.0, 0.1, 7.5, 0.2)
