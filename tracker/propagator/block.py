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

Only for satellites with ``METHOD == 0`` and positive mean motion (callers
check ``block_eligible``). ``near_earth_block`` returns False, writing
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

_INV_TWOPI = 1.0 / TWOPI
_NAN = np.nan


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def block_eligible(c, i):
    """True if satellite ``i`` can use ``near_earth_block``."""
    return c[METHOD, i] == 0.0 and c[NO, i] > 0.0


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
    mo = c[MO, i]
    mdot = c[MDOT, i]
    argpo = c[ARGPO, i]
    argpdot = c[ARGPDOT, i]
    nodeo = c[NODEO, i]
    nodedot = c[NODEDOT, i]
    nodecf = c[NODECF, i]
    cc1 = c[CC1, i]
    bstar_cc4 = c[BSTAR_CC4, i]
    t2cof = c[T2COF, i]
    full_drag = c[ISIMP, i] != 1.0
    omgcof = c[OMGCOF, i]
    eta = c[ETA, i]
    xmcof = c[XMCOF, i]
    delmo = c[DELMO, i]
    d2 = c[D2, i]
    d3 = c[D3, i]
    d4 = c[D4, i]
    bstar_cc5 = c[BSTAR_CC5, i]
    sinmao = c[SINMAO, i]
    t3cof = c[T3COF, i]
    t4cof = c[T4COF, i]
    t5cof = c[T5COF, i]
    no = c[NO, i]
    ecco = c[ECCO, i]
    ao = c[AO, i]
    aycof = c[AYCOF, i]
    xlcof = c[XLCOF, i]

    # ---- secular and long-period terms; start Kepler at E + omega = u ----
    n_big = 0
    for j in range(n):
        t = tsince_min[j]
        xmdf = mo + mdot * t
        argpm = argpo + argpdot * t
        t2 = t * t
        nodem = nodeo + nodedot * t + nodecf * t2
        tempa = 1.0 - cc1 * t
        tempe = bstar_cc4 * t
        templ = t2cof * t2
        mm = xmdf
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
            n_big += abs(temp) > SMALL_ANGLE_RAD
            tempe = tempe + bstar_cc5 * (sin_mm - sinmao)
            templ = templ + t3cof * t3 + t4 * (t4cof + t * t5cof)
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
        work[W_BAD_E * BLOCK + j] = 1.0 if bad_e else 0.0
        work[W_EO1 * BLOCK + j] = u
        work[W_ACTIVE * BLOCK + j] = 1.0
    if n_big > 0:
        return False

    # ---- Kepler's equation, all lanes in step ----
    # After the first evaluation, when every lane still iterating moved by
    # at most SMALL_ANGLE_RAD, the sine and cosine of the new iterate are
    # the previous ones rotated by that step (as the scalar kernel does).
    # (Counts, not a float max: LLVM vectorises integer sums only.)
    n_large = 1
    for it in range(10):
        n_active = 0
        rotate = (it > 0) & (n_large == 0)
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
        pl, mrt, mvt, rvdot, sinu, cosu, dsu, xnode, dinc = short_period(
            axnl, aynl, am, nm, sineo1, coseo1, con41, x1mth2, x7thm1, cosio, sinio,
            work[W_NODE * BLOCK + j])
        norm = 1.0 / math.sqrt(sinu * sinu + cosu * cosu)
        sinu = sinu * norm
        cosu = cosu * norm
        # The short-period corrections to u and i are small angles.
        sd, cd = sincos_small(dsu)
        sinsu = sinu * cd + cosu * sd
        cossu = cosu * cd - sinu * sd
        sd, cd = sincos_small(dinc)
        sini = sinio * cd + cosio * sd
        cosi = cosio * cd - sinio * sd
        n_big += (abs(dsu) > SMALL_ANGLE_RAD) | (abs(dinc) > SMALL_ANGLE_RAD)
        snod, cnod = sincos_poly(xnode)
        x, y, z, vx, vy, vz = orientation(mrt, mvt, rvdot, sinsu, cossu, sini, cosi,
                                          snod, cnod)

        bad_e = work[W_BAD_E * BLOCK + j] == 1.0
        bad_pl = pl < 0.0
        err = ERR_NONE
        if mrt < 1.0:
            err = ERR_DECAYED
        if bad_pl:
            err = ERR_SEMILATUS
        if bad_e:
            err = ERR_MEAN_ECC
        nan = bad_e | bad_pl
        work[W_ERR * BLOCK + j] = err
        work[W_RX * BLOCK + j] = _NAN if nan else x
        work[W_RY * BLOCK + j] = _NAN if nan else y
        work[W_RZ * BLOCK + j] = _NAN if nan else z
        work[W_VX * BLOCK + j] = _NAN if nan else vx
        work[W_VY * BLOCK + j] = _NAN if nan else vy
        work[W_VZ * BLOCK + j] = _NAN if nan else vz
    if n_big > 0:
        return False

    for j in range(n):
        e_out[j] = np.uint8(work[W_ERR * BLOCK + j])
        r_out[j, 0] = work[W_RX * BLOCK + j]
        r_out[j, 1] = work[W_RY * BLOCK + j]
        r_out[j, 2] = work[W_RZ * BLOCK + j]
        v_out[j, 0] = work[W_VX * BLOCK + j]
        v_out[j, 1] = work[W_VY * BLOCK + j]
        v_out[j, 2] = work[W_VZ * BLOCK + j]
    return True
