"""Deep-space SDP4 over a block of times, written so LLVM vectorises it.

The same equations as ``near.sgp4_sample``'s deep-space branch, arranged as
``block.near_earth_block`` arranges the near-Earth ones: loops over a block
of at most ``BLOCK`` times, with ``vtrig.sincos_poly`` and
``vtrig.atan2_poly`` in place of libm, ``trig.fmod_twopi`` (exact, as C
fmod) in place of fmod, and selects in place of branches:

1. secular gravity and drag (``block.secular_drag``) and the lunar-solar
   secular drift (``deep.secular_drift``);
2. for resonant orbits only, the resonance integrator (``deep.resonance``),
   one time after another: it carries a state from step to step, and its
   rates are evaluated once per 720-minute step, not per time;
3. the semi-major axis, the lunar-solar periodics (``deep.third_body_terms``,
   with the Lyddane form below 0.2 rad of inclination: the node's change
   is the angle between the old and the new (sin i sin node, sin i cos
   node), an ``atan2_poly`` of a rotated vector, which is the reference's
   atan2 and its +-2 pi correction in one step), the per-time inclination
   functions and the long-period terms;
4. Kepler's equation (``block.kepler_lanes``, a ``sincos_poly`` at every
   iterate: near perigee of a very eccentric orbit E moves by ~1/(1 - e)
   times any change of u, so no rotations);
5. short-period terms and orientation (``short_period``), as the near-Earth
   block but with the inclination of each time.

Error codes follow the reference order: 2 (mean motion), 1 (mean
eccentricity), 3 (perturbed eccentricity), 4 (semi-latus rectum), then 6
(decayed); NaN r, v for 1-4. ``deep_space_block`` returns False, writing
nothing, when an angle exceeds ``VTRIG_MAX_ABS_RAD``, a small-angle
increment exceeds ``SMALL_ANGLE_RAD`` or the mean motion moved too far for
the cube-root step (``_AM_RATIO_MAX``); the caller then uses the scalar
kernel for that block. Over the 2022-07-15 catalog's deep-space objects and
the high-eccentricity sets of tests/test_high_eccentricity.py it agrees with
python-sgp4 within the suite's 1e-6 km and 1e-9 km/s.
"""
from __future__ import annotations

import math

import numpy as np
from tracker.jit import njit

from tracker.propagator import deep as sdp4
from tracker.propagator.block import (
    BLOCK, N_WORK, W_ACTIVE, W_AXNL, W_AYNL, W_EO1, W_U, W_SIN, W_COS, W_NODE, W_AM, W_NM,
    W_BAD_E, drag_coefficients, finish_lane, kepler_lanes, secular_drag, write_lanes,
)
from tracker.propagator.deep_init import ZEL, ZES, ZNL, ZNS
from tracker.propagator.init import long_period_coefficients
from tracker.propagator.layout import (
    AO, E3, ECCO, EE2, ERR_MEAN_ECC, ERR_MEAN_MOTION, ERR_NONE, ERR_PERT_ECC, INCLO,
    IREZ, ISIMP, NO, SE2, SE3, SGH2, SGH3, SGH4, SH2, SH3, SI2, SI3, SL2, SL3, SL4,
    XGH2, XGH3, XGH4, XH2, XH3, XI2, XI3, XKE, XL2, XL3, XL4, ZMOL, ZMOS,
)
from tracker.propagator.trig import fmod_twopi
from tracker.propagator.vtrig import VTRIG_MAX_ABS_RAD, atan2_poly, sincos_poly

# Rows after the near-Earth block's (whose Kepler and output rows are shared).
(W_ARGP, W_MM, W_EM, W_INC, W_TEMPA, W_TEMPE, W_TEMPL, W_SINIP, W_COSIP, W_CON41,
 W_X1MTH2, W_X7THM1) = range(N_WORK, N_WORK + 12)
DEEP_WORK_SIZE = (N_WORK + 12) * BLOCK
# The semi-major axis scales as (no / nm)^(2/3), taken by two Newton steps
# from its second-order expansion: full precision while |no / nm - 1| stays
# below this (resonant mean motions move by ~1e-4 relative).
_AM_RATIO_MAX = 0.01
_LYDDANE_INCL_RAD = 0.2


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"}, inline="always")
def deep_space_block(c, i, tsince_min, n, work, state, e_out, r_out, v_out):
    """Deep-space satellite ``i`` at ``tsince_min[:n]`` (minutes since epoch,
    n <= BLOCK), as ``block.near_earth_block``; ``work`` float64 of size
    DEEP_WORK_SIZE; ``state`` the satellite's resonance state
    (``deep.RESONANCE_STATE_SIZE``). Returns False (nothing written) where
    the block cannot take these times."""
    return _block(c, np.int64(i), tsince_min, np.int64(n), work, state, e_out, r_out, v_out)


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def _block(c, i, tsince_min, n, work, state, e_out, r_out, v_out):
    """``deep_space_block`` for int64 ``i`` and ``n``."""
    k = drag_coefficients(c, i)
    full_drag = c[ISIMP, i] != 1.0
    ecco = c[ECCO, i]
    inclo = c[INCLO, i]
    no = c[NO, i]

    # ---- 1. secular gravity, drag and lunar-solar drift ----
    n_big = 0
    for j in range(n):
        t = tsince_min[j]
        xmdf, mm, argpm, nodem, tempa, tempe, templ, big = secular_drag(t, k, full_drag)
        em, argpm, inclm, mm, nodem = sdp4.secular_drift(c, i, t, ecco, argpm, inclo, mm,
                                                         nodem)
        n_big += big | (abs(xmdf) > VTRIG_MAX_ABS_RAD)
        work[W_ARGP * BLOCK + j] = argpm
        work[W_MM * BLOCK + j] = mm
        work[W_NODE * BLOCK + j] = nodem
        work[W_EM * BLOCK + j] = em
        work[W_INC * BLOCK + j] = inclm
        work[W_TEMPA * BLOCK + j] = tempa
        work[W_TEMPE * BLOCK + j] = tempe
        work[W_TEMPL * BLOCK + j] = templ
        work[W_NM * BLOCK + j] = no
    if n_big > 0:
        return False

    # ---- 2. resonances: one time after another ----
    if c[IREZ, i] != 0.0:
        for j in range(n):
            mm, nm = sdp4.resonance(c, i, tsince_min[j], state, work[W_ARGP * BLOCK + j],
                                    work[W_NODE * BLOCK + j])
            work[W_MM * BLOCK + j] = mm
            work[W_NM * BLOCK + j] = nm

    # ---- 3. semi-major axis, lunar-solar periodics, long-period terms ----
    ao = c[AO, i]
    zmos = c[ZMOS, i]
    zmol = c[ZMOL, i]
    se2, se3, si2, si3 = c[SE2, i], c[SE3, i], c[SI2, i], c[SI3, i]
    sl2, sl3, sl4 = c[SL2, i], c[SL3, i], c[SL4, i]
    sgh2, sgh3, sgh4, sh2, sh3 = c[SGH2, i], c[SGH3, i], c[SGH4, i], c[SH2, i], c[SH3, i]
    ee2, e3, xi2, xi3 = c[EE2, i], c[E3, i], c[XI2, i], c[XI3, i]
    xl2, xl3, xl4 = c[XL2, i], c[XL3, i], c[XL4, i]
    xgh2, xgh3, xgh4, xh2, xh3 = c[XGH2, i], c[XGH3, i], c[XGH4, i], c[XH2, i], c[XH3, i]
    for j in range(n):
        t = tsince_min[j]
        nm = work[W_NM * BLOCK + j]
        mm = work[W_MM * BLOCK + j]
        argpm = work[W_ARGP * BLOCK + j]
        nodem = work[W_NODE * BLOCK + j]
        tempa = work[W_TEMPA * BLOCK + j]
        bad_n = nm <= 0.0
        # (XKE / nm)^(2/3) = AO * y^(2/3), y = no / nm: x^3 = y^2 by Newton.
        y = no / nm
        dy = y - 1.0
        x = 1.0 + dy * (2.0 / 3.0 - dy / 9.0)
        x = x - (x * x * x - y * y) / (3.0 * x * x)
        x = x - (x * x * x - y * y) / (3.0 * x * x)
        n_big += (abs(dy) > _AM_RATIO_MAX) & (nm > 0.0)
        am = ao * x * tempa * tempa
        nm = XKE / (am * math.sqrt(am))
        em = work[W_EM * BLOCK + j] - work[W_TEMPE * BLOCK + j]
        bad_e = (em >= 1.0) | (em < -0.001)
        em = 1.0e-6 if em < 1.0e-6 else em
        mm = mm + no * work[W_TEMPL * BLOCK + j]
        n_big += ((abs(mm) > VTRIG_MAX_ABS_RAD) | (abs(argpm) > VTRIG_MAX_ABS_RAD)
                  | (abs(nodem) > VTRIG_MAX_ABS_RAD))
        # The reference's fmods, in its order.
        xlm = fmod_twopi(mm + argpm + nodem)
        nodem = fmod_twopi(nodem)
        argpm = fmod_twopi(argpm)
        mm = fmod_twopi(xlm - argpm - nodem)

        # Lunar-solar periodics (deep.dpper).
        zm = zmos + ZNS * t
        sin_zm, _ = sincos_poly(zm)
        sinzf, coszf = sincos_poly(zm + 2.0 * ZES * sin_zm)
        ses, sis, sls, sghs, shs = sdp4.third_body_terms(
            sinzf, coszf, se2, se3, si2, si3, sl2, sl3, sl4, sgh2, sgh3, sgh4, sh2, sh3)
        zm = zmol + ZNL * t
        sin_zm, _ = sincos_poly(zm)
        sinzf, coszf = sincos_poly(zm + 2.0 * ZEL * sin_zm)
        sel, sil, sll, sghl, shll = sdp4.third_body_terms(
            sinzf, coszf, ee2, e3, xi2, xi3, xl2, xl3, xl4, xgh2, xgh3, xgh4, xh2, xh3)
        pe = ses + sel
        pinc = sis + sil
        pl = sls + sll
        pgh = sghs + sghl
        ph = shs + shll
        inclp = work[W_INC * BLOCK + j] + pinc
        ep = em + pe
        sinip, cosip = sincos_poly(inclp)
        mp = mm + pl
        # inclination >= 0.2 rad: the node and perigee periodics directly ...
        ph_i = ph / sinip
        argpp = argpm + (pgh - cosip * ph_i)
        nodep = nodem + ph_i
        if inclp < _LYDDANE_INCL_RAD:
            # ... else Lyddane's form on (sin i sin node, sin i cos node).
            sinop, cosop = sincos_poly(nodem)
            alfdp = sinip * sinop + (ph * cosop + pinc * cosip * sinop)
            betdp = sinip * cosop + (-ph * sinop + pinc * cosip * cosop)
            xls = mm + argpm + cosip * nodem + (pl + pgh - pinc * nodem * sinip)
            nodep = nodem + atan2_poly(alfdp * cosop - betdp * sinop,
                                       betdp * cosop + alfdp * sinop)
            argpp = xls - mp - cosip * nodep
        if inclp < 0.0:
            inclp = -inclp
            nodep = nodep + math.pi
            argpp = argpp - math.pi
        bad_pe = (ep < 0.0) | (ep > 1.0)
        sinip, cosip = sincos_poly(inclp)
        aycof, xlcof = long_period_coefficients(sinip, cosip)
        cosisq = cosip * cosip

        # Long-period periodics.
        sin_argpp, cos_argpp = sincos_poly(argpp)
        axnl = ep * cos_argpp
        temp = 1.0 / (am * (1.0 - ep * ep))
        aynl = ep * sin_argpp + temp * aycof
        u = fmod_twopi(mp + argpp + nodep + temp * xlcof * axnl - nodep)
        n_big += (abs(argpp) > VTRIG_MAX_ABS_RAD) | (abs(nodep) > VTRIG_MAX_ABS_RAD)

        pre = ERR_NONE
        if bad_pe:
            pre = ERR_PERT_ECC
        if bad_e:
            pre = ERR_MEAN_ECC
        if bad_n:
            pre = ERR_MEAN_MOTION
        work[W_BAD_E * BLOCK + j] = pre
        work[W_AXNL * BLOCK + j] = axnl
        work[W_AYNL * BLOCK + j] = aynl
        work[W_U * BLOCK + j] = u
        work[W_EO1 * BLOCK + j] = u
        work[W_ACTIVE * BLOCK + j] = 1.0
        work[W_AM * BLOCK + j] = am
        work[W_NM * BLOCK + j] = nm
        work[W_NODE * BLOCK + j] = nodep
        work[W_SINIP * BLOCK + j] = sinip
        work[W_COSIP * BLOCK + j] = cosip
        work[W_CON41 * BLOCK + j] = 3.0 * cosisq - 1.0
        work[W_X1MTH2 * BLOCK + j] = 1.0 - cosisq
        work[W_X7THM1 * BLOCK + j] = 7.0 * cosisq - 1.0
    if n_big > 0:
        return False

    # ---- 4. Kepler's equation ----
    kepler_lanes(work, n, False)

    # ---- 5. short-period terms, orientation, output ----
    n_big = 0
    for j in range(n):
        n_big += finish_lane(
            work, j, work[W_AXNL * BLOCK + j], work[W_AYNL * BLOCK + j], work[W_AM * BLOCK + j],
            work[W_NM * BLOCK + j], work[W_SIN * BLOCK + j], work[W_COS * BLOCK + j],
            work[W_CON41 * BLOCK + j], work[W_X1MTH2 * BLOCK + j], work[W_X7THM1 * BLOCK + j],
            work[W_COSIP * BLOCK + j], work[W_SINIP * BLOCK + j], work[W_NODE * BLOCK + j])
    if n_big > 0:
        return False

    write_lanes(work, n, e_out, r_out, v_out)
    return True
