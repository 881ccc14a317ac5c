"""The SGP4/SDP4 propagation step: coefficient table + time -> TEME r, v.

Spacetrack Report #3 (Hoots and Roehrich 1980) with the corrections of
Vallado et al., AIAA 2006-6753. Deep-space terms live in ``sdp4``.

Inputs: ``coeffs`` (N_COEFF, n_sat) from ``sgp4_init``; times in minutes
since each satellite's epoch. Outputs: position in km and velocity in km/s
in the TEME frame of date, and an error code per sample (``sgp4_layout``;
the same codes as ``sgp4.api.SGP4_ERRORS``). Codes 1-4 come with NaN
position and velocity; code 6 (decayed, radius below one earth radius)
still returns the computed position and velocity, as the reference does.

Public kernels
--------------
``sgp4_sample(coeffs, i_sat, tsince_min, state) -> (err, x, y, z, vx, vy, vz)``
    One satellite, one time (minutes since epoch), km and km/s TEME, for
    fused kernels; ``state`` is the resonance integrator scratch
    (``sdp4.RESONANCE_STATE_SIZE`` float64, zero-filled before a satellite's
    first call, then reused for that satellite only).
``sgp4_one(coeffs, i_sat, tsince_min, state, r_out, v_out) -> err``
    The same, writing ``r_out``/``v_out`` of shape (3,).
``propagate_into(coeffs, epoch_jd, epoch_fr, jd, fr, e_out, r_out, v_out)``
    Every satellite at every time (split Julian dates, UTC): ``e_out`` uint8
    (n_sat, n_t), ``r_out``/``v_out`` float64 (n_sat, n_t, 3), allocated by
    the caller. Parallel over satellites, or over times for one satellite.
``propagate_tsince_into(coeffs, tsince_min, e_out, r_out, v_out)``
    Same, with times given directly as minutes since each epoch, shape
    (n_sat, n_t).

The batch kernels send near-Earth satellites through ``sgp4_block`` and
deep-space ones (eccentricity below ``block.DEEP_BLOCK_MAX_ECC``) through
``deep_block`` (the same equations over blocks of times, vectorised with
polynomial sin/cos); satellites of higher eccentricity, and blocks whose
angles are too large for the polynomials, use ``sgp4_sample``. Over the
2022-07-15 catalog they agree with the reference within 2e-8 km and 1e-11
km/s.

Performance notes for ``sgp4_sample``: per-satellite work is precomputed in
``sgp4_init``; in the near-Earth branch pow, fmod and atan2 are gone (the
semi-major axis uses the stored (XKE/n0)^(2/3), the argument of latitude is
rotated from (sin u, cos u) instead of through atan2), and the Kepler
iterates and short-period corrections carry their sin/cos by small-angle
rotation (``sgp4_trig``). The deep-space branch uses libm sin/cos, atan2 and
fmod from the long-period terms on, in the reference's order: with the large
lunar-solar periodics of orbits with e near 1 the polynomial sin/cos and the
rotations cost up to ~1e-5 km there (kept within 1e-8 km of python-sgp4 up
to e = 0.999, tests/test_high_eccentricity.py). The short-period terms and
the output are ``short_period``'s, shared with the block kernel.
"""
from __future__ import annotations

import math

import numpy as np
from tracker.jit import njit, prange

from tracker.propagator import deep as sdp4, block as sgp4_block, trig as sgp4_trig
from tracker.propagator import deep_block
from tracker.propagator.block import BLOCK
from tracker.propagator.init import long_period_coefficients
from tracker.propagator.layout import (
    AO, ARGPDOT, ARGPO, AYCOF, BSTAR_CC4, BSTAR_CC5, CC1, CON41, COSIO, D2, D3,
    D4, DELMO, ECCO, ERR_DECAYED, ERR_MEAN_ECC, ERR_MEAN_MOTION, ERR_NONE,
    ERR_PERT_ECC, ERR_SEMILATUS, ETA, INCLO, IREZ, ISIMP, MDOT,
    METHOD, MO, NO, NODECF, NODEDOT, NODEO, OMGCOF, SINIO,
    SINMAO, T2COF, T3COF, T4COF, T5COF, TWOPI, X1MTH2, X2O3, X7THM1, XKE,
    XLCOF, XMCOF,
)
from tracker.propagator.deep import RESONANCE_STATE_SIZE
from tracker.propagator.short_period import orientation, short_period
from tracker.propagator.trig import wrap_twopi
from tracker.propagator.vtrig import sincos

_NAN = np.nan
_WORK_SIZE = max(sgp4_block.WORK_SIZE, deep_block.DEEP_WORK_SIZE)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def sgp4_sample(c, i, t, state):
    """Satellite ``i`` at ``t`` minutes since epoch.

    Returns ``(err, x_km, y_km, z_km, vx_km_s, vy_km_s, vz_km_s)`` (TEME).
    """
    # numba compiles a kernel once per argument type: a caller's literal 0
    # or prange index (uint64) would compile this small wrapper again, but
    # the SGP4/SDP4 step below only for int64. Inlined into the caller at
    # numba's IR level, so the wrapper costs no call (it did, ~2%).
    return _sample(c, np.int64(i), t, state)


@njit(cache=True, nogil=True, error_model="numpy")
def _sample(c, i, t, state):
    """``sgp4_sample`` for an int64 ``i``."""
    # ---- secular gravity and atmospheric drag ----
    xmdf = c[MO, i] + c[MDOT, i] * t
    argpm = c[ARGPO, i] + c[ARGPDOT, i] * t
    t2 = t * t
    nodem = c[NODEO, i] + c[NODEDOT, i] * t + c[NODECF, i] * t2
    tempa = 1.0 - c[CC1, i] * t
    tempe = c[BSTAR_CC4, i] * t
    templ = c[T2COF, i] * t2
    mm = xmdf
    if c[ISIMP, i] != 1.0:
        delomg = c[OMGCOF, i] * t
        delmtemp = 1.0 + c[ETA, i] * sincos(xmdf)[1]
        delm = c[XMCOF, i] * (delmtemp * delmtemp * delmtemp - c[DELMO, i])
        temp = delomg + delm
        mm = xmdf + temp
        argpm = argpm - temp
        t3 = t2 * t
        t4 = t3 * t
        tempa = tempa - c[D2, i] * t2 - c[D3, i] * t3 - c[D4, i] * t4
        tempe = tempe + c[BSTAR_CC5, i] * (sincos(mm)[0] - c[SINMAO, i])
        templ = templ + c[T3COF, i] * t3 + t4 * (c[T4COF, i] + t * c[T5COF, i])

    no = c[NO, i]
    nm = no
    em = c[ECCO, i]
    deep = c[METHOD, i] == 1.0
    if deep:
        em, argpm, inclm, mm, nodem, nm = sdp4.dspace(
            c, i, t, state, em, argpm, c[INCLO, i], mm, nodem, nm)
        if nm <= 0.0:
            return ERR_MEAN_MOTION, _NAN, _NAN, _NAN, _NAN, _NAN, _NAN
        am = (XKE / nm) ** X2O3 * tempa * tempa
    else:
        if nm <= 0.0:
            return ERR_MEAN_MOTION, _NAN, _NAN, _NAN, _NAN, _NAN, _NAN
        am = c[AO, i] * tempa * tempa          # AO = (XKE / no) ** (2/3)
    nm = XKE / (am * math.sqrt(am))
    em = em - tempe
    if em >= 1.0 or em < -0.001:
        return ERR_MEAN_ECC, _NAN, _NAN, _NAN, _NAN, _NAN, _NAN
    if em < 1.0e-6:
        em = 1.0e-6
    mm = mm + no * templ

    if deep:
        # ---- lunar-solar periodics ----
        # fmod, exact as the reference's: nodem enters the Lyddane terms of
        # dpper by value, not only modulo 2 pi.
        xlm = np.fmod(mm + argpm + nodem, TWOPI)
        nodem = np.fmod(nodem, TWOPI)
        argpm = np.fmod(argpm, TWOPI)
        mm = np.fmod(xlm - argpm - nodem, TWOPI)
        ep, xincp, nodep, argpp, mp = sdp4.dpper(c, i, t, em, inclm, nodem, argpm, mm)
        if xincp < 0.0:
            xincp = -xincp
            nodep = nodep + math.pi
            argpp = argpp - math.pi
        if ep < 0.0 or ep > 1.0:
            return ERR_PERT_ECC, _NAN, _NAN, _NAN, _NAN, _NAN, _NAN
        sinip = math.sin(xincp)
        cosip = math.cos(xincp)
        aycof, xlcof = long_period_coefficients(sinip, cosip)
        cosisq = cosip * cosip
        con41 = 3.0 * cosisq - 1.0
        x1mth2 = 1.0 - cosisq
        x7thm1 = 7.0 * cosisq - 1.0
    else:
        ep = em
        nodep = nodem
        argpp = argpm
        mp = mm
        xincp = c[INCLO, i]
        sinip = c[SINIO, i]
        cosip = c[COSIO, i]
        aycof = c[AYCOF, i]
        xlcof = c[XLCOF, i]
        con41 = c[CON41, i]
        x1mth2 = c[X1MTH2, i]
        x7thm1 = c[X7THM1, i]

    # ---- long-period periodics ----
    # Deep space takes libm sines and cosines and no rotations from here on:
    # lunar-solar periodics of very high apogee orbits (e -> 1) make the
    # result sensitive to the last bits of these angles (``sdp4.dpper``).
    if deep:
        sin_argpp = math.sin(argpp)
        cos_argpp = math.cos(argpp)
    else:
        sin_argpp, cos_argpp = sincos(argpp)
    axnl = ep * cos_argpp
    temp = 1.0 / (am * (1.0 - ep * ep))
    aynl = ep * sin_argpp + temp * aycof
    # u = mean longitude - node, i.e. M + omega + the long-period term.
    if deep:
        # In the reference's order and with its fmod: near perigee at high
        # eccentricity E moves by ~1/(1 - e) times any change of u.
        u = np.fmod(mp + argpp + nodep + temp * xlcof * axnl - nodep, TWOPI)
    else:
        u = wrap_twopi(mp + argpp + temp * xlcof * axnl)

    # ---- Kepler's equation for E + omega: Newton steps (at most 0.95 rad,
    # at most 10, stop below 1e-12), sin/cos carried along by rotation
    # (near-Earth) or from libm (deep space) ----
    eo1 = u
    if deep:
        sineo1 = math.sin(u)
        coseo1 = math.cos(u)
    else:
        sineo1, coseo1 = sincos(u)
    for ktr in range(10):
        tem5 = (u - aynl * coseo1 + axnl * sineo1 - eo1) / (
            1.0 - coseo1 * axnl - sineo1 * aynl)
        if abs(tem5) >= 0.95:
            tem5 = 0.95 if tem5 > 0.0 else -0.95
        if not abs(tem5) >= 1.0e-12 or ktr == 9:
            break
        eo1 = eo1 + tem5
        if deep:
            sineo1 = math.sin(eo1)
            coseo1 = math.cos(eo1)
        else:
            sineo1, coseo1 = sgp4_trig.rotate(sineo1, coseo1, tem5)

    # ---- short-period periodics (shared with the block kernel) ----
    pl, mrt, mvt, rvdot, sinu, cosu, dsu, xnode, dinc = short_period(
        axnl, aynl, am, nm, sineo1, coseo1, con41, x1mth2, x7thm1, cosip, sinip, nodep)
    if pl < 0.0:
        return ERR_SEMILATUS, _NAN, _NAN, _NAN, _NAN, _NAN, _NAN

    # ---- orientation vectors ----
    if deep:
        su = math.atan2(sinu, cosu) + dsu
        sinsu = math.sin(su)
        cossu = math.cos(su)
        xinc = xincp + dinc
        sini = math.sin(xinc)
        cosi = math.cos(xinc)
        snod = math.sin(xnode)
        cnod = math.cos(xnode)
    else:
        # su = atan2(sinu, cosu) + dsu: rotate (sin u, cos u); likewise
        # rotate (sin i, cos i) by dinc.
        norm = 1.0 / math.sqrt(sinu * sinu + cosu * cosu)
        sinsu, cossu = sgp4_trig.rotate(sinu * norm, cosu * norm, dsu)
        sini, cosi = sgp4_trig.rotate(sinip, cosip, dinc)
        snod, cnod = sincos(xnode)
    x, y, z, vx, vy, vz = orientation(mrt, mvt, rvdot, sinsu, cossu, sini, cosi, snod, cnod)
    err = ERR_DECAYED if mrt < 1.0 else ERR_NONE
    return err, x, y, z, vx, vy, vz


@njit(cache=True, nogil=True, error_model="numpy")
def sgp4_one(coeffs, i_sat, tsince_min, state, r_out, v_out):
    """One satellite at one time; writes r_out (3,) km, v_out (3,) km/s TEME.

    ``state``: (RESONANCE_STATE_SIZE,) float64 scratch for this satellite.
    Returns the error code (0 = success).
    """
    err, x, y, z, vx, vy, vz = sgp4_sample(coeffs, i_sat, tsince_min, state)
    r_out[0] = x
    r_out[1] = y
    r_out[2] = z
    v_out[0] = vx
    v_out[1] = vy
    v_out[2] = vz
    return err


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def put_state(r, v, k, x, y, z, vx, vy, vz):
    """Write one state into row ``k`` of ``r`` and ``v`` ((m, 3) km, km/s)."""
    r[k, 0] = x
    r[k, 1] = y
    r[k, 2] = z
    v[k, 0] = vx
    v[k, 1] = vy
    v[k, 2] = vz


@njit(cache=True, nogil=True, error_model="numpy")
def block_scratch():
    """The scratch one satellite's ``propagate_block`` calls share:
    ``(state, work, ts, e_b, r_b, v_b)``: the zeroed resonance state
    (RESONANCE_STATE_SIZE), the blocks' work floats (the larger of the
    near-Earth WORK_SIZE and the deep-space DEEP_WORK_SIZE), BLOCK
    times (minutes since epoch) and BLOCK rows of output (uint8 codes,
    (BLOCK, 3) km and km/s)."""
    return (np.zeros(RESONANCE_STATE_SIZE), np.empty(_WORK_SIZE), np.empty(BLOCK),
            np.empty(BLOCK, dtype=np.uint8), np.empty((BLOCK, 3)), np.empty((BLOCK, 3)))


@njit(cache=True, nogil=True, error_model="numpy")
def propagate_block(coeffs, i, ts, n, vector, work, state, e_b, r_b, v_b):
    """Satellite ``i`` at ``ts[:n]`` minutes since epoch (n <= BLOCK) into
    rows 0..n-1 of ``e_b``, ``r_b``, ``v_b``: the vectorised near-Earth or
    deep-space block when ``vector`` (``block_eligible``) and the block
    accepts the times, else ``sgp4_sample`` one time at a time. ``state``
    and ``work`` as ``block_scratch`` makes them."""
    if vector:
        if coeffs[METHOD, i] == 1.0:
            if deep_block.deep_space_block(coeffs, i, ts, n, work, state, e_b, r_b, v_b):
                return
        elif sgp4_block.near_earth_block(coeffs, i, ts, n, work, e_b, r_b, v_b):
            return
    for j in range(n):
        err, x, y, z, vx, vy, vz = sgp4_sample(coeffs, i, ts[j], state)
        e_b[j] = err
        put_state(r_b, v_b, j, x, y, z, vx, vy, vz)


@njit(cache=True, nogil=True, error_model="numpy")
def _satellite_run(coeffs, i, epoch_jd, epoch_fr, jd, fr, tsince, j0, j1,
                   e_row, r_rows, v_rows):
    """Satellite ``i`` at times j0 <= j < j1, written to rows j of the outputs.

    Times are ``tsince[j]`` (minutes since epoch) when ``tsince`` is not
    empty, else the split JDs ``jd[j], fr[j]``. Blocks of ``BLOCK`` times go
    through the vectorised near-Earth kernel where it applies.
    """
    state, work, ts, _, _, _ = block_scratch()
    vector = sgp4_block.block_eligible(coeffs, i)
    for b0 in range(j0, j1, BLOCK):
        n = min(BLOCK, j1 - b0)
        if tsince.shape[0] > 0:
            for j in range(n):
                ts[j] = tsince[b0 + j]
        else:
            for j in range(n):
                ts[j] = (jd[b0 + j] - epoch_jd) * 1440.0 + (fr[b0 + j] - epoch_fr) * 1440.0
        propagate_block(coeffs, i, ts, n, vector, work, state, e_row[b0:b0 + n],
                        r_rows[b0:b0 + n], v_rows[b0:b0 + n])


_TIME_CHUNK = 4 * BLOCK
_RESONANT_CHUNKS = 32
# The parallel kernels below pass satellite and time indices to
# ``_satellite_run`` as np.int64: numba would otherwise compile it (and the
# run and wrapper kernels it calls) once per integer type it sees, i.e. for a
# literal 0, for prange's index as first typed (int64) and again inside the
# parallel loop body (uint64).


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def propagate_into(coeffs, epoch_jd, epoch_fr, jd, fr, e_out, r_out, v_out):
    """Every satellite at every split-JD time; fills caller-allocated outputs.

    coeffs (N_COEFF, n_sat); epoch_jd, epoch_fr (n_sat,); jd, fr (n_t,) UTC;
    e_out uint8 (n_sat, n_t); r_out km, v_out km/s float64 (n_sat, n_t, 3).
    """
    n_sat = coeffs.shape[1]
    n_t = jd.shape[0]
    no_tsince = np.empty(0)
    zero = np.int64(0)
    if n_sat == 1:
        # Split the times across threads. A resonant satellite integrates
        # from epoch in every chunk, so it gets at most _RESONANT_CHUNKS.
        chunk = _TIME_CHUNK
        if coeffs[IREZ, 0] != 0.0:
            chunk = max(chunk, (n_t + _RESONANT_CHUNKS - 1) // _RESONANT_CHUNKS)
        n_chunk = (n_t + chunk - 1) // chunk
        for k in prange(n_chunk):
            j0 = np.int64(k) * chunk
            _satellite_run(coeffs, zero, epoch_jd[0], epoch_fr[0], jd, fr, no_tsince,
                           j0, min(j0 + chunk, n_t), e_out[0], r_out[0], v_out[0])
    else:
        for i in prange(n_sat):
            _satellite_run(coeffs, np.int64(i), epoch_jd[i], epoch_fr[i], jd, fr, no_tsince,
                           zero, n_t, e_out[i], r_out[i], v_out[i])


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def propagate_tsince_into(coeffs, tsince_min, e_out, r_out, v_out):
    """Satellite i at its own times tsince_min[i, :] (minutes since epoch).

    coeffs (N_COEFF, n_sat); tsince_min (n_sat, n_t); outputs as
    ``propagate_into``.
    """
    no_jd = np.empty(0)
    for i in prange(coeffs.shape[1]):
        _satellite_run(coeffs, np.int64(i), 0.0, 0.0, no_jd, no_jd, tsince_min[i], np.int64(0),
                       tsince_min.shape[1], e_out[i], r_out[i], v_out[i])
