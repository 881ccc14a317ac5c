"""Deep-space (SDP4) terms evaluated at each propagation time.

* ``dspace``: lunar-solar secular drift of the mean elements and, for
  resonant orbits, the Euler-Maclaurin integration (fixed 720-minute steps
  from epoch) of the mean longitude and mean motion under the geopotential
  resonance terms (Spacetrack Report #3 DEEP/DPSEC, as corrected in
  Vallado et al., AIAA 2006-6753).
* ``dpper``: lunar-solar long-period periodic terms, with the Lyddane
  modification for inclinations below 0.2 rad.

Units: minutes since epoch, radians, radians per minute.

The resonance integrator keeps a state ``(atime_min, xli_rad, xni_rad_min)``
and the rates at that step, owned by the caller (``RESONANCE_STATE_SIZE``
float64, zero-filled before a satellite's first time). Integration restarts from
epoch when the new time lies on the other side of epoch or nearer to it
than the stored step; otherwise it continues from the stored step. Steps sit
on the fixed grid k * 720 min, so results do not depend on the order in
which times are requested.
"""
from __future__ import annotations

import math

import numpy as np
from tracker.jit import njit

from tracker.propagator.deep_init import RPTIM, ZEL, ZES, ZNL, ZNS
from tracker.propagator.trig import wrap_twopi
from tracker.propagator.vtrig import sincos
from tracker.propagator.layout import (
    ARGPDOT, ARGPO, D2201, D2211, D3210, D3222, D4410, D4422, D5220, D5232,
    D5421, D5433, DEDT, DEL1, DEL2, DEL3, DIDT, DMDT, DNODT, DOMDT, E3, EE2,
    GSTO, IREZ, NO, SE2, SE3, SGH2, SGH3, SGH4, SH2, SH3, SI2, SI3, SL2, SL3,
    SL4, TWOPI, XFACT, XGH2, XGH3, XGH4, XH2, XH3, XI2, XI3, XL2, XL3, XL4,
    XLAMO, ZMOL, ZMOS,
)

RESONANCE_STATE_SIZE = 7
# state: atime_min, xli_rad, xni_rad_min, then the rates at that step and
# a flag saying they are there.
_S_XLDOT, _S_XNDT, _S_XNDDT, _S_VALID = 3, 4, 5, 6
STEP_MIN = 720.0
STEP2_MIN2 = 0.5 * STEP_MIN * STEP_MIN
# Phase constants of the half-day resonance terms (rad).
G22 = 5.7686396
G32 = 0.95240898
G44 = 1.8014998
G52 = 1.0508330
G54 = 4.4108898
# ... and of the one-day resonance terms.
FASX2 = 0.13130908
FASX4 = 2.8843198
FASX6 = 0.37448087


@njit(cache=True, nogil=True, error_model="numpy")
def _resonance_rates(c, i, irez, xli, xni, atime):
    """(dlambda/dt, dn/dt, d2n/dt2) of the resonance integrator at ``atime``."""
    if irez != 2:
        del1 = c[DEL1, i]
        del2 = c[DEL2, i]
        del3 = c[DEL3, i]
        s1, c1 = sincos(xli - FASX2)
        s2, c2 = sincos(2.0 * (xli - FASX4))
        s3, c3 = sincos(3.0 * (xli - FASX6))
        xndt = del1 * s1 + del2 * s2 + del3 * s3
        xldot = xni + c[XFACT, i]
        xnddt = (del1 * c1 + 2.0 * del2 * c2 + 3.0 * del3 * c3) * xldot
    else:
        xomi = c[ARGPO, i] + c[ARGPDOT, i] * atime
        x2omi = xomi + xomi
        x2li = xli + xli
        s2201, c2201 = sincos(x2omi + xli - G22)
        s2211, c2211 = sincos(xli - G22)
        s3210, c3210 = sincos(xomi + xli - G32)
        s3222, c3222 = sincos(-xomi + xli - G32)
        s4410, c4410 = sincos(x2omi + x2li - G44)
        s4422, c4422 = sincos(x2li - G44)
        s5220, c5220 = sincos(xomi + xli - G52)
        s5232, c5232 = sincos(-xomi + xli - G52)
        s5421, c5421 = sincos(xomi + x2li - G54)
        s5433, c5433 = sincos(-xomi + x2li - G54)
        d2201 = c[D2201, i]
        d2211 = c[D2211, i]
        d3210 = c[D3210, i]
        d3222 = c[D3222, i]
        d4410 = c[D4410, i]
        d4422 = c[D4422, i]
        d5220 = c[D5220, i]
        d5232 = c[D5232, i]
        d5421 = c[D5421, i]
        d5433 = c[D5433, i]
        xndt = (d2201 * s2201 + d2211 * s2211 + d3210 * s3210 + d3222 * s3222
                + d4410 * s4410 + d4422 * s4422 + d5220 * s5220 + d5232 * s5232
                + d5421 * s5421 + d5433 * s5433)
        xldot = xni + c[XFACT, i]
        xnddt = (d2201 * c2201 + d2211 * c2211 + d3210 * c3210 + d3222 * c3222
                 + d5220 * c5220 + d5232 * c5232
                 + 2.0 * (d4410 * c4410 + d4422 * c4422 + d5421 * c5421 + d5433 * c5433))
        xnddt = xnddt * xldot
    return xldot, xndt, xnddt


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def secular_drift(c, i, t, em, argpm, inclm, mm, nodem):
    """The lunar-solar secular drift of the mean elements over ``t`` minutes:
    the updated ``(em, argpm, inclm, mm, nodem)``."""
    return (em + c[DEDT, i] * t, argpm + c[DOMDT, i] * t, inclm + c[DIDT, i] * t,
            mm + c[DMDT, i] * t, nodem + c[DNODT, i] * t)


@njit(cache=True, nogil=True, error_model="numpy")
def resonance(c, i, t, state, argpm, nodem):
    """``(mm, nm)`` of a resonant satellite (``IREZ`` 1 or 2) at ``t``
    minutes since epoch: the integrated mean longitude (rad) turned into a
    mean anomaly with the drifted ``argpm`` and ``nodem``, and the mean
    motion (rad/min). Updates ``state``.

    The rates at the stored step are kept in ``state`` with it, so the
    many times that fall within one 720-minute step (an ordered batch) do
    not evaluate them again; the result is the same number as evaluating
    them anew.
    """
    irez = c[IREZ, i]
    no = c[NO, i]
    theta = wrap_twopi(c[GSTO, i] + t * RPTIM)
    atime = state[0]
    xli = state[1]
    xni = state[2]
    have_rates = state[_S_VALID] == 1.0
    # Restart from epoch when t is across epoch or nearer to it (a stored
    # epoch state, atime == 0, is the restart's own state: kept).
    if not have_rates or (atime != 0.0 and (t * atime <= 0.0 or abs(t) < abs(atime))):
        atime = 0.0
        xni = no
        xli = c[XLAMO, i]
        have_rates = False
    xldot = state[_S_XLDOT]
    xndt = state[_S_XNDT]
    xnddt = state[_S_XNDDT]
    delt = STEP_MIN if t > 0.0 else -STEP_MIN
    while True:
        if not have_rates:
            xldot, xndt, xnddt = _resonance_rates(c, i, irez, xli, xni, atime)
            have_rates = True
        if abs(t - atime) < STEP_MIN:
            break
        xli = xli + xldot * delt + xndt * STEP2_MIN2
        xni = xni + xndt * delt + xnddt * STEP2_MIN2
        atime = atime + delt
        have_rates = False
    state[0] = atime
    state[1] = xli
    state[2] = xni
    state[_S_XLDOT] = xldot
    state[_S_XNDT] = xndt
    state[_S_XNDDT] = xnddt
    state[_S_VALID] = 1.0

    ft = t - atime
    nm = xni + xndt * ft + xnddt * ft * ft * 0.5
    xl = xli + xldot * ft + xndt * ft * ft * 0.5
    if irez != 1.0:
        mm = xl - 2.0 * nodem + 2.0 * theta
    else:
        mm = xl - nodem - argpm + theta
    return mm, no + (nm - no)


@njit(cache=True, nogil=True, error_model="numpy")
def dspace(c, i, t, state, em, argpm, inclm, mm, nodem, nm):
    """Deep-space secular terms and resonances at ``t`` minutes since epoch.

    Takes the mean elements after the near-Earth secular update and returns
    the updated ``(em, argpm, inclm, mm, nodem, nm)``; updates ``state``.
    """
    em, argpm, inclm, mm, nodem = secular_drift(c, i, t, em, argpm, inclm, mm, nodem)
    if c[IREZ, i] != 0.0:
        mm, nm = resonance(c, i, t, state, argpm, nodem)
    return em, argpm, inclm, mm, nodem, nm


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _libm_sincos(x):
    """(sin x, cos x) from libm, correctly rounded or nearly so.

    The lunar-solar periodics multiply these by coefficients that reach
    hundreds of radians for orbits of very high apogee (e -> 1), so the few
    ulp of ``sincos_poly`` would show there as millimetres to metres of
    position; libm keeps the step within ~1e-7 km of the reference.
    """
    return math.sin(x), math.cos(x)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def third_body_terms(sinzf, coszf, e2, e3, i2, i3, l2, l3, l4, gh2, gh3, gh4, h2, h3):
    """One third body's periodic terms (de, di, dl, dgh, dh) from the sine
    and cosine of its true anomaly and its coefficients (shared with the
    vectorised block, which takes the sines from ``sincos_poly``)."""
    f2 = 0.5 * sinzf * sinzf - 0.25
    f3 = -0.5 * sinzf * coszf
    return (e2 * f2 + e3 * f3, i2 * f2 + i3 * f3, l2 * f2 + l3 * f3 + l4 * sinzf,
            gh2 * f2 + gh3 * f3 + gh4 * sinzf, h2 * f2 + h3 * f3)


@njit(cache=True, nogil=True, error_model="numpy")
def _third_body_periodics(zm, ze, e2, e3, i2, i3, l2, l3, l4, gh2, gh3, gh4, h2, h3):
    """One third body's periodic terms (de, di, dl, dgh, dh) at its mean
    anomaly ``zm`` (rad), from its eccentricity ``ze`` and coefficients."""
    sin_zm, cos_zm = _libm_sincos(zm)
    sinzf, coszf = _libm_sincos(zm + 2.0 * ze * sin_zm)
    return third_body_terms(sinzf, coszf, e2, e3, i2, i3, l2, l3, l4, gh2, gh3, gh4, h2, h3)


@njit(cache=True, nogil=True, error_model="numpy")
def dpper(c, i, t, ep, inclp, nodep, argpp, mp):
    """Apply lunar-solar periodics at ``t`` minutes since epoch.

    Returns the perturbed ``(ep, inclp, nodep, argpp, mp)``.
    """
    ses, sis, sls, sghs, shs = _third_body_periodics(
        c[ZMOS, i] + ZNS * t, ZES, c[SE2, i], c[SE3, i], c[SI2, i], c[SI3, i], c[SL2, i],
        c[SL3, i], c[SL4, i], c[SGH2, i], c[SGH3, i], c[SGH4, i], c[SH2, i], c[SH3, i])
    sel, sil, sll, sghl, shll = _third_body_periodics(
        c[ZMOL, i] + ZNL * t, ZEL, c[EE2, i], c[E3, i], c[XI2, i], c[XI3, i], c[XL2, i],
        c[XL3, i], c[XL4, i], c[XGH2, i], c[XGH3, i], c[XGH4, i], c[XH2, i], c[XH3, i])

    pe = ses + sel
    pinc = sis + sil
    pl = sls + sll
    pgh = sghs + sghl
    ph = shs + shll
    inclp = inclp + pinc
    ep = ep + pe
    sinip, cosip = _libm_sincos(inclp)

    if inclp >= 0.2:
        ph = ph / sinip
        pgh = pgh - cosip * ph
        argpp = argpp + pgh
        nodep = nodep + ph
        mp = mp + pl
    else:
        # Lyddane modification: apply the node and inclination periodics to
        # (sin i sin node, sin i cos node), which stay regular as i -> 0.
        sinop, cosop = _libm_sincos(nodep)
        alfdp = sinip * sinop
        betdp = sinip * cosop
        dalf = ph * cosop + pinc * cosip * sinop
        dbet = -ph * sinop + pinc * cosip * cosop
        alfdp = alfdp + dalf
        betdp = betdp + dbet
        nodep = np.fmod(nodep, TWOPI)    # exact, as the reference
        xls = mp + argpp + cosip * nodep
        dls = pl + pgh - pinc * nodep * sinip
        xls = xls + dls
        xnoh = nodep
        nodep = math.atan2(alfdp, betdp)
        if abs(xnoh - nodep) > math.pi:
            if nodep < xnoh:
                nodep = nodep + TWOPI
            else:
                nodep = nodep - TWOPI
        mp = mp + pl
        argpp = xls - mp - cosip * nodep
    return ep, inclp, nodep, argpp, mp
