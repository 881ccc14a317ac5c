"""Near-Earth SGP4 over a block of times, written so LLVM vectorises it.

The same equations as ``sgp4.sgp4_sample`` (near-Earth branch), rearranged
for SIMD: three loops over a block of at most ``BLOCK`` times (secular and
long-period terms; Kepler's equation; short-period terms and output), with
``sgp4_vtrig.sincos_poly`` in place of libm (and, for small increments, the
previous sine and cosine rotated by ``trig.sincos_small`` of the increment,
as the scalar kernel does) and selects in place of early returns; the short-period terms and output are ``short_period``'s, the
scalar step's own code. Error codes follow the reference order (1: mean eccentricity, then
4: semi-latus rectum, then 6: decayed) with NaN r, v for 1 and 4.

Kepler's equation keeps the reference iteration exactly: Newton steps
clamped to 0.95 rad, a lane stops when its step falls below 1e-12 rad or
after 10 evaluations, and the sine and cosine kept are those of the last
evaluated iterate; the block loops while any lane is still iterating.

Only for satellites with ``METHOD == 0`` and positive mean motion
(``near.propagate_block`` sends those that pass ``block_eligible`` here, or
to ``deep_block`` for METHOD 1; the helpers below serve both blocks).
``near_earth_block`` returns False, writing
nothing, when an angle exceeds ``sgp4_vtrig.VTRIG_MAX_ABS_RAD`` (years from
epoch) or a drag or short-period increment exceeds ``trig.SMALL_ANGLE_RAD``;
the caller then uses the scalar kernel for that block.
"""
from __future__ import annotations

import math

import numpy as np
from tracker.jit import njit

from tracker.propagator.layout import (
    AO, ARGPDOT, ARGPO, AYCOF, BSTAR_CC4, BSTAR_CC5, CC1, CON41, COSIO, D2,
    D3, D4, DELMO, ECCO, ERR_DECAYED, ERR_MEAN_ECC, ERR_NONE, ERR_SEMILATUS,
    ETA, ISIMP, MDOT, METHOD, MO, NO, NODECF, NODEDOT, NODEO, OMGCOF,
    SINIO, SINMAO, T2COF, T3COF, T4COF, T5COF, TWOPI,
    X1MTH2, X7THM1, XKE, XLCOF, XMCOF,
)
from tracker.propagator.short_period import orientation, short_period
from tracker.propagator.trig import SMALL_ANGLE_RAD, sincos_small
from tracker.propagator.vtrig import VTRIG_MAX_ABS_RAD, sincos_poly

BLOCK = 64
# Rows of the work array: 1-D, row k at [k * BLOCK, (k + 1) * BLOCK). The
# offsets are compile-time constants, which lets LLVM prove that the rows
# do not overlap and vectorise the loops without runtime alias checks.
(W_AXNL, W_AYNL, W_U, W_AM, W_NM, W_NODE, W_BAD_E, W_EO1, W_SIN, W_COS,
 W_ACTIVE, W_ERR, W_RX, W_RY, W_RZ, W_VX, W_VY, W_VZ, W_STEP) = range(19)
N_WORK = 19
WORK_SIZE = N_WORK * BLOCK

# Deep-space orbits at or above this eccentricity stay on the scalar libm
# path: near perigee E moves by ~1/(1 - e) times any rounding of u, and the
# block's few-ulp sines and fmod-free steps then show as 2e-7 km at e =
# 0.995 and 3e-4 km at 0.999 (the scalar path: 1e-8 km; at 0.99 the block
# is within 1e-8 km too). tests/test_high_eccentricity.py covers both sides.
DEEP_BLOCK_MAX_ECC = 0.99
_INV_TWOPI = 1.0 / TWOPI
_NAN = np.nan


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def block_eligible(c, i):
    """True if satellite ``i`` can use a block kernel: ``near_earth_block``
    (METHOD 0) or ``deep_block.deep_space_block`` (METHOD 1, eccentricity
    below DEEP_BLOCK_MAX_ECC)."""
    return c[NO, i] > 0.0 and (c[METHOD, i] == 0.0 or c[ECCO, i] < DEEP_BLOCK_MAX_ECC)


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"}, inline="always")
def near_earth_block(c, i, tsince_min, n, work, e_out, r_out, v_out):
    """Satellite ``i`` at ``tsince_min[:n]`` (minutes since epoch, n <= BLOCK).

    Writes ``e_out[j]`` and ``r_out[j, :]``, ``v_out[j, :]`` (km, km/s,
    TEME) for j < n; ``work`` is float64 scratch of size WORK_SIZE.
    Returns False (nothing written) if an angle is too large for the
    polynomial sine and cosine.
    """
    # As sgp4.sgp4_sample: the block kernel compiles for int64 indices only,
    # whatever integer type (literal, prange's uint64) the caller has.
    return _block(c, np.int64(i), tsince_min, np.int64(n), work, e_out, r_out, v_out)


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def _block(c, i, tsince_min, n, work, e_out, r_out, v_out):
    """``near_earth_block`` for int64 ``i`` and ``n``."""
    k = drag_coefficients(c, i)
    full_drag = c[ISIMP, i] != 1.0
    no = c[NO, i]
    ecco = c[ECCO, i]
    ao = c[AO, i]
    aycof = c[AYCOF, i]
    xlcof = c[XLCOF, i]

    # ---- secular and long-period terms; start Kepler at E + omega = u ----
    n_big = 0
    for j in range(n):
        xmdf, mm, argpm, nodem, tempa, tempe, templ, big = secular_drag(
            tsince_min[j], k, full_drag)
        n_big += big
        am = ao * tempa * tempa
        nm = XKE / (am * math.sqrt(am))
        em = ecco - tempe
        bad_e = (em >= 1.0) | (em < -0.001)
        em = 1.0e-6 if em < 1.0e-6 else em
        mm = mm + no * templ
        sin_argp, cos_argp = sincos_poly(argpm)
        axnl = em * cos_argp
        temp = 1.0 / (am * (1.0 - em * em))
        aynl = em * sin_argp + temp * aycof
        a = mm + argpm + temp * xlcof * axnl
        u = a - TWOPI * np.floor(a * _INV_TWOPI)
        n_big += ((abs(xmdf) > VTRIG_MAX_ABS_RAD) | (abs(mm) > VTRIG_MAX_ABS_RAD)
                  | (abs(argpm) > VTRIG_MAX_ABS_RAD) | (abs(nodem) > VTRIG_MAX_ABS_RAD))
        work[W_AXNL * BLOCK + j] = axnl
        work[W_AYNL * BLOCK + j] = aynl
        work[W_U * BLOCK + j] = u
        work[W_AM * BLOCK + j] = am
        work[W_NM * BLOCK + j] = nm
        work[W_NODE * BLOCK + j] = nodem
        work[W_BAD_E * BLOCK + j] = ERR_MEAN_ECC if bad_e else ERR_NONE
        work[W_EO1 * BLOCK + j] = u
        work[W_ACTIVE * BLOCK + j] = 1.0
    if n_big > 0:
        return False

    kepler_lanes(work, n, True)

    # ---- short-period terms, orientation, output ----
    con41 = c[CON41, i]
    x1mth2 = c[X1MTH2, i]
    x7thm1 = c[X7THM1, i]
    sinio = c[SINIO, i]
    cosio = c[COSIO, i]
    n_big = 0
    for j in range(n):
        axnl = work[W_AXNL * BLOCK + j]
        aynl = work[W_AYNL * BLOCK + j]
        am = work[W_AM * BLOCK + j]
        nm = work[W_NM * BLOCK + j]
        sineo1 = work[W_SIN * BLOCK + j]
        coseo1 = work[W_COS * BLOCK + j]
        n_big += finish_lane(work, j, axnl, aynl, am, nm, sineo1, coseo1, con41, x1mth2,
                             x7thm1, cosio, sinio, work[W_NODE * BLOCK + j])
    if n_big > 0:
        return False

    write_lanes(work, n, e_out, r_out, v_out)
    return True


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"}, inline="always")
def kepler_lanes(work, n, rotate_ok):
    """Kepler's equation for E + omega in lanes 0..n-1 of ``work``, all in
    step: reads rows W_U, W_AXNL, W_AYNL and starts from W_EO1 (= u, with
    W_ACTIVE 1); leaves the sine and cosine of the last evaluated iterate in
    W_SIN, W_COS. ``rotate_ok``: carry them by rotation once every step is
    small (near-Earth), else evaluate ``sincos_poly`` at each iterate.
    """
    # After the first evaluation, when every lane still iterating moved by
    # at most SMALL_ANGLE_RAD, the sine and cosine of the new iterate are
    # the previous ones rotated by that step (as the scalar kernel does).
    # (Counts, not a float max: LLVM vectorises integer sums only.)
    n_large = 1
    for it in range(10):
        n_active = 0
        rotate = rotate_ok & (it > 0) & (n_large == 0)
        n_large = 0
        for j in range(n):
            eo1 = work[W_EO1 * BLOCK + j]
            u = work[W_U * BLOCK + j]
            axnl = work[W_AXNL * BLOCK + j]
            aynl = work[W_AYNL * BLOCK + j]
            s_old = work[W_SIN * BLOCK + j]
            c_old = work[W_COS * BLOCK + j]
            if rotate:
                sd, cd = sincos_small(work[W_STEP * BLOCK + j])
                s = s_old * cd + c_old * sd
                co = c_old * cd - s_old * sd
            else:
                s, co = sincos_poly(eo1)
            tem5 = (u - aynl * co + axnl * s - eo1) / (1.0 - co * axnl - s * aynl)
            tem5 = 0.95 if tem5 >= 0.95 else tem5
            tem5 = -0.95 if tem5 <= -0.95 else tem5
            active = work[W_ACTIVE * BLOCK + j] == 1.0
            still = active & (abs(tem5) >= 1.0e-12) & (it < 9)
            work[W_SIN * BLOCK + j] = s if active else s_old
            work[W_COS * BLOCK + j] = co if active else c_old
            work[W_EO1 * BLOCK + j] = eo1 + tem5 if active else eo1
            work[W_STEP * BLOCK + j] = tem5 if still else 0.0
            work[W_ACTIVE * BLOCK + j] = 1.0 if still else 0.0
            n_large += still & (abs(tem5) > SMALL_ANGLE_RAD)
            n_active += still
        if n_active == 0:
            break


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"}, inline="always")
def write_lanes(work, n, e_out, r_out, v_out):
    """Copy lanes 0..n-1 of rows W_ERR, W_RX..W_VZ to the outputs."""
    for j in range(n):
        e_out[j] = np.uint8(work[W_ERR * BLOCK + j])
        r_out[j, 0] = work[W_RX * BLOCK + j]
        r_out[j, 1] = work[W_RY * BLOCK + j]
        r_out[j, 2] = work[W_RZ * BLOCK + j]
        v_out[j, 0] = work[W_VX * BLOCK + j]
        v_out[j, 1] = work[W_VY * BLOCK + j]
        v_out[j, 2] = work[W_VZ * BLOCK + j]


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"}, inline="always")
def drag_coefficients(c, i):
    """Satellite ``i``'s secular and drag coefficients, as ``secular_drag`` takes them."""
    return (c[MO, i], c[MDOT, i], c[ARGPO, i], c[ARGPDOT, i], c[NODEO, i], c[NODEDOT, i],
            c[NODECF, i], c[CC1, i], c[BSTAR_CC4, i], c[T2COF, i], c[OMGCOF, i], c[ETA, i],
            c[XMCOF, i], c[DELMO, i], c[D2, i], c[D3, i], c[D4, i], c[BSTAR_CC5, i],
            c[SINMAO, i], c[T3COF, i], c[T4COF, i], c[T5COF, i])


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"}, inline="always")
def secular_drag(t, k, full_drag):
    """Secular gravity and drag at ``t`` minutes since epoch, for one lane.

    ``k``: ``drag_coefficients``; ``full_drag``: ISIMP != 1. Returns
    ``(xmdf, mm, argpm, nodem, tempa, tempe, templ, big)``: mean anomaly
    before and after drag, argument of perigee and node (rad), the drag
    factors of a, e and L, and whether the drag term was too large for the
    small-angle rotation (the block then defers to the scalar kernel).
    """
    (mo, mdot, argpo, argpdot, nodeo, nodedot, nodecf, cc1, bstar_cc4, t2cof, omgcof, eta,
     xmcof, delmo, d2, d3, d4, bstar_cc5, sinmao, t3cof, t4cof, t5cof) = k
    xmdf = mo + mdot * t
    argpm = argpo + argpdot * t
    t2 = t * t
    nodem = nodeo + nodedot * t + nodecf * t2
    tempa = 1.0 - cc1 * t
    tempe = bstar_cc4 * t
    templ = t2cof * t2
    mm = xmdf
    big = False
    if full_drag:
        sin_xmdf, cos_xmdf = sincos_poly(xmdf)
        delmtemp = 1.0 + eta * cos_xmdf
        temp = omgcof * t + xmcof * (delmtemp * delmtemp * delmtemp - delmo)
        mm = xmdf + temp
        argpm = argpm - temp
        t3 = t2 * t
        t4 = t3 * t
        tempa = tempa - d2 * t2 - d3 * t3 - d4 * t4
        # sin(mm): (sin, cos) of xmdf rotated by the small drag term.
        sd, cd = sincos_small(temp)
        sin_mm = sin_xmdf * cd + cos_xmdf * sd
        big = abs(temp) > SMALL_ANGLE_RAD
        tempe = tempe + bstar_cc5 * (sin_mm - sinmao)
        templ = templ + t3cof * t3 + t4 * (t4cof + t * t5cof)
    return xmdf, mm, argpm, nodem, tempa, tempe, templ, big


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"}, inline="always")
def store_lane(work, j, pre, pl, mrt, x, y, z, vx, vy, vz):
    """Lane ``j``'s error code and state into rows W_ERR, W_RX..W_VZ.

    ``pre``: the code of a failure found before Kepler's equation (1, 2 or
    3, else 0), which wins; then 4 (semi-latus rectum ``pl`` < 0), then 6
    (decayed, ``mrt`` < 1 earth radius). NaN r, v for codes 1-4.
    """
    bad_pl = pl < 0.0
    err = ERR_NONE
    if mrt < 1.0:
        err = ERR_DECAYED
    if bad_pl:
        err = ERR_SEMILATUS
    if pre != ERR_NONE:
        err = pre
    nan = (pre != ERR_NONE) | bad_pl
    work[W_ERR * BLOCK + j] = err
    work[W_RX * BLOCK + j] = _NAN if nan else x
    work[W_RY * BLOCK + j] = _NAN if nan else y
    work[W_RZ * BLOCK + j] = _NAN if nan else z
    work[W_VX * BLOCK + j] = _NAN if nan else vx
    work[W_VY * BLOCK + j] = _NAN if nan else vy
    work[W_VZ * BLOCK + j] = _NAN if nan else vz


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"}, inline="always")
def finish_lane(work, j, axnl, aynl, am, nm, sineo1, coseo1, con41, x1mth2, x7thm1, cosi0,
                sini0, node):
    """Short-period terms, orientation and output of lane ``j`` (both blocks):
    from the long-period terms, E + omega's sine and cosine, the inclination
    functions and the inclination's cosine and sine before the short-period
    correction, and the node (rad). Stores the state and its code
    (``store_lane``, the failure code found earlier in row W_BAD_E); returns
    whether a short-period increment was too large for ``sincos_small``."""
    pl, mrt, mvt, rvdot, sinu, cosu, dsu, xnode, dinc = short_period(
        axnl, aynl, am, nm, sineo1, coseo1, con41, x1mth2, x7thm1, cosi0, sini0, node)
    norm = 1.0 / math.sqrt(sinu * sinu + cosu * cosu)
    sinu = sinu * norm
    cosu = cosu * norm
    # The short-period corrections to u and i are small angles.
    sd, cd = sincos_small(dsu)
    sinsu = sinu * cd + cosu * sd
    cossu = cosu * cd - sinu * sd
    sd, cd = sincos_small(dinc)
    sini = sini0 * cd + cosi0 * sd
    cosi = cosi0 * cd - sini0 * sd
    snod, cnod = sincos_poly(xnode)
    x, y, z, vx, vy, vz = orientation(mrt, mvt, rvdot, sinsu, cossu, sini, cosi, snod, cnod)
    store_lane(work, j, work[W_BAD_E * BLOCK + j], pl, mrt, x, y, z, vx, vy, vz)
    return (abs(dsu) > SMALL_ANGLE_RAD) | (abs(dinc) > SMALL_ANGLE_RAD)
