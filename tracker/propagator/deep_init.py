"""Deep-space (SDP4) initialisation: lunar-solar and resonance coefficients.

The two steps of Spacetrack Report #3's DEEP initialisation as restructured
by Vallado et al. (AIAA 2006-6753):

* ``dscom``: positions of the Sun and Moon at epoch (low-precision series,
  angles in rad, days counted from 1900 Jan 0.5) and the coefficients of the
  lunar-solar periodic terms applied later by ``sdp4.dpper``.
* ``dsinit``: lunar-solar secular rates and, for orbits near the one-day
  (geosynchronous) or half-day (Molniya, e >= 0.5) commensurabilities, the
  geopotential resonance coefficients integrated later by ``sdp4.dspace``.

Both write straight into column ``i`` of the coefficient table (rows named
in ``sgp4_layout``); mean motion in rad/min, angles in rad.
"""
from __future__ import annotations

import math

import numpy as np
from tracker.jit import njit

from tracker.propagator.layout import (
    ARGPO, D2201, D2211, D3210, D3222, D4410, D4422, D5220, D5232, D5421,
    D5433, DEDT, DEL1, DEL2, DEL3, DIDT, DMDT, DNODT, DOMDT, E3, ECCO, EE2,
    GSTO, INCLO, IREZ, MDOT, MO, NO, NODEDOT, NODEO, SE2, SE3, SGH2, SGH3,
    SGH4, SH2, SH3, SI2, SI3, SL2, SL3, SL4, TWOPI, X2O3, XFACT, XGH2, XGH3,
    XGH4, XH2, XH3, XI2, XI3, XKE, XL2, XL3, XL4, XLAMO, ZMOL, ZMOS,
)

# Solar and lunar constants (Spacetrack Report #3, DEEP).
ZES = 0.01675            # solar eccentricity
ZEL = 0.05490            # lunar eccentricity
C1SS = 2.9864797e-6      # solar perturbation coefficient (rad/min)
C1L = 4.7968065e-7       # lunar perturbation coefficient (rad/min)
ZSINIS = 0.39785416      # sin, cos of the ecliptic obliquity
ZCOSIS = 0.91744867
ZCOSGS = 0.1945905       # sin, cos of the solar argument of perigee
ZSINGS = -0.98088458
ZNS = 1.19459e-5         # solar mean motion (rad/min)
ZNL = 1.5835218e-4       # lunar mean motion (rad/min)
# Resonance constants.
Q22 = 1.7891679e-6
Q31 = 2.1460748e-6
Q33 = 2.2123015e-7
ROOT22 = 1.7891679e-6
ROOT44 = 7.3636953e-9
ROOT54 = 2.1765803e-9
ROOT32 = 3.7393792e-7
ROOT52 = 1.1428639e-7
RPTIM = 4.37526908801129966e-3   # earth rotation, rad/min
_LOW_INCL_RAD = 5.2359877e-2     # 3 degrees


@njit(cache=True, nogil=True, error_model="numpy")
def _third_body_terms(zcosg, zsing, zcosi, zsini, zcosh, zsinh, cc, xnoi,
                      cosim, sinim, cosomm, sinomm, em, emsq, betasq, rtemsq):
    """Perturbation sums for one third body (Sun or Moon) on the orbit.

    Returns (s1..s7, z1, z2, z3, z11, z12, z13, z21, z22, z23, z31, z32, z33).
    """
    a1 = zcosg * zcosh + zsing * zcosi * zsinh
    a3 = -zsing * zcosh + zcosg * zcosi * zsinh
    a7 = -zcosg * zsinh + zsing * zcosi * zcosh
    a8 = zsing * zsini
    a9 = zsing * zsinh + zcosg * zcosi * zcosh
    a10 = zcosg * zsini
    a2 = cosim * a7 + sinim * a8
    a4 = cosim * a9 + sinim * a10
    a5 = -sinim * a7 + cosim * a8
    a6 = -sinim * a9 + cosim * a10

    x1 = a1 * cosomm + a2 * sinomm
    x2 = a3 * cosomm + a4 * sinomm
    x3 = -a1 * sinomm + a2 * cosomm
    x4 = -a3 * sinomm + a4 * cosomm
    x5 = a5 * sinomm
    x6 = a6 * sinomm
    x7 = a5 * cosomm
    x8 = a6 * cosomm

    z31 = 12.0 * x1 * x1 - 3.0 * x3 * x3
    z32 = 24.0 * x1 * x2 - 6.0 * x3 * x4
    z33 = 12.0 * x2 * x2 - 3.0 * x4 * x4
    z1 = 3.0 * (a1 * a1 + a2 * a2) + z31 * emsq
    z2 = 6.0 * (a1 * a3 + a2 * a4) + z32 * emsq
    z3 = 3.0 * (a3 * a3 + a4 * a4) + z33 * emsq
    z11 = -6.0 * a1 * a5 + emsq * (-24.0 * x1 * x7 - 6.0 * x3 * x5)
    z12 = (-6.0 * (a1 * a6 + a3 * a5)
           + emsq * (-24.0 * (x2 * x7 + x1 * x8) - 6.0 * (x3 * x6 + x4 * x5)))
    z13 = -6.0 * a3 * a6 + emsq * (-24.0 * x2 * x8 - 6.0 * x4 * x6)
    z21 = 6.0 * a2 * a5 + emsq * (24.0 * x1 * x5 - 6.0 * x3 * x7)
    z22 = (6.0 * (a4 * a5 + a2 * a6)
           + emsq * (24.0 * (x2 * x5 + x1 * x6) - 6.0 * (x4 * x7 + x3 * x8)))
    z23 = 6.0 * a4 * a6 + emsq * (24.0 * x2 * x6 - 6.0 * x4 * x8)
    z1 = z1 + z1 + betasq * z31
    z2 = z2 + z2 + betasq * z32
    z3 = z3 + z3 + betasq * z33
    s3 = cc * xnoi
    s2 = -0.5 * s3 / rtemsq
    s4 = s3 * rtemsq
    s1 = -15.0 * em * s4
    s5 = x1 * x3 + x2 * x4
    s6 = x2 * x3 + x1 * x4
    s7 = x2 * x4 - x1 * x3
    return (s1, s2, s3, s4, s5, s6, s7,
            z1, z2, z3, z11, z12, z13, z21, z22, z23, z31, z32, z33)


# Coefficient rows of each body's long-period periodics, in the order
# _periodic_coefficients writes them: e (2 terms), i (2), l (3), gh (3), h (2).
# Arrays, not tuples: numba types a tuple of int constants by its values,
# which would compile _periodic_coefficients once per body.
_SUN_ROWS = np.array([SE2, SE3, SI2, SI3, SL2, SL3, SL4, SGH2, SGH3, SGH4, SH2, SH3])
_MOON_ROWS = np.array([EE2, E3, XI2, XI3, XL2, XL3, XL4, XGH2, XGH3, XGH4, XH2, XH3])


@njit(cache=True, nogil=True, error_model="numpy")
def _periodic_coefficients(coeffs, i, rows, terms, emsq, ze):
    """Write one third body's periodic coefficients (``sdp4.dpper``) into
    ``rows`` of column ``i``, from its ``_third_body_terms`` and its
    eccentricity ``ze``."""
    (s1, s2, s3, s4, s5, s6, s7, z1, z2, z3, z11, z12, z13,
     z21, z22, z23, z31, z32, z33) = terms
    r_e2, r_e3, r_i2, r_i3, r_l2, r_l3, r_l4, r_gh2, r_gh3, r_gh4, r_h2, r_h3 = rows
    coeffs[r_e2, i] = 2.0 * s1 * s6
    coeffs[r_e3, i] = 2.0 * s1 * s7
    coeffs[r_i2, i] = 2.0 * s2 * z12
    coeffs[r_i3, i] = 2.0 * s2 * (z13 - z11)
    coeffs[r_l2, i] = -2.0 * s3 * z2
    coeffs[r_l3, i] = -2.0 * s3 * (z3 - z1)
    coeffs[r_l4, i] = -2.0 * s3 * (-21.0 - 9.0 * emsq) * ze
    coeffs[r_gh2, i] = 2.0 * s4 * z32
    coeffs[r_gh3, i] = 2.0 * s4 * (z33 - z31)
    coeffs[r_gh4, i] = -18.0 * s4 * ze
    coeffs[r_h2, i] = -2.0 * s2 * z22
    coeffs[r_h3, i] = -2.0 * s2 * (z23 - z21)


@njit(cache=True, nogil=True, error_model="numpy")
def _secular_rate(terms, emsq, zn):
    """Secular rates (de/dt, di/dt, dM/dt, d(omega)/dt, d(node)/dt * sin i)
    caused by one third body (its ``_third_body_terms``) whose mean motion
    is ``zn`` (rad/min)."""
    (s1, s2, s3, s4, s5, s6, s7, z1, z2, z3, z11, z12, z13,
     z21, z22, z23, z31, z32, z33) = terms
    dedt = s1 * zn * s5
    didt = s2 * zn * (z11 + z13)
    dmdt = -zn * s3 * (z1 + z3 - 14.0 - 6.0 * emsq)
    domdt = s4 * zn * (z31 + z33 - 6.0)
    dnodt_sini = -zn * s2 * (z21 + z23)
    return dedt, didt, dmdt, domdt, dnodt_sini


@njit(cache=True, nogil=True, error_model="numpy")
def deep_space_init(coeffs, i, epoch_days, eccsq, xpidot):
    """dscom + dsinit for satellite ``i`` (near-Earth rows already filled).

    ``epoch_days``: days since JD 2433281.5; ``eccsq``: e^2 at epoch;
    ``xpidot``: d(argp + node)/dt from J2/J4 (rad/min).
    """
    ecco = coeffs[ECCO, i]
    inclo = coeffs[INCLO, i]
    nodeo = coeffs[NODEO, i]
    argpo = coeffs[ARGPO, i]
    no = coeffs[NO, i]

    # ---------------- dscom: Sun and Moon at epoch ----------------
    em = ecco
    snodm = math.sin(nodeo)
    cnodm = math.cos(nodeo)
    sinomm = math.sin(argpo)
    cosomm = math.cos(argpo)
    sinim = math.sin(inclo)
    cosim = math.cos(inclo)
    emsq = em * em
    betasq = 1.0 - emsq
    rtemsq = math.sqrt(betasq)

    day = epoch_days + 18261.5           # days since 1900 Jan 0.5
    xnodce = np.fmod(4.5236020 - 9.2422029e-4 * day, TWOPI)
    stem = math.sin(xnodce)
    ctem = math.cos(xnodce)
    zcosil = 0.91375164 - 0.03568096 * ctem
    zsinil = math.sqrt(1.0 - zcosil * zcosil)
    zsinhl = 0.089683511 * stem / zsinil
    zcoshl = math.sqrt(1.0 - zsinhl * zsinhl)
    gam = 5.8351514 + 0.0019443680 * day
    zx = 0.39785416 * stem / zsinil
    zy = zcoshl * ctem + 0.91744867 * zsinhl * stem
    zx = math.atan2(zx, zy)
    zx = gam + zx - xnodce
    zcosgl = math.cos(zx)
    zsingl = math.sin(zx)
    xnoi = 1.0 / no

    sun = _third_body_terms(ZCOSGS, ZSINGS, ZCOSIS, ZSINIS, cnodm, snodm, C1SS, xnoi,
                            cosim, sinim, cosomm, sinomm, em, emsq, betasq, rtemsq)
    zcosh = zcoshl * cnodm + zsinhl * snodm
    zsinh = snodm * zcoshl - cnodm * zsinhl
    moon = _third_body_terms(zcosgl, zsingl, zcosil, zsinil, zcosh, zsinh, C1L, xnoi,
                             cosim, sinim, cosomm, sinomm, em, emsq, betasq, rtemsq)

    coeffs[ZMOL, i] = np.fmod(4.7199672 + 0.22997150 * day - gam, TWOPI)
    coeffs[ZMOS, i] = np.fmod(6.2565837 + 0.017201977 * day, TWOPI)
    _periodic_coefficients(coeffs, i, _SUN_ROWS, sun, emsq, ZES)
    _periodic_coefficients(coeffs, i, _MOON_ROWS, moon, emsq, ZEL)

    # ---------------- dsinit: secular rates and resonances ----------------
    nm = no
    irez = 0
    if 0.0034906585 < nm < 0.0052359877:
        irez = 1            # one-day resonance (geosynchronous)
    if 8.26e-3 <= nm <= 9.24e-3 and em >= 0.5:
        irez = 2            # half-day resonance (Molniya)
    coeffs[IREZ, i] = irez

    near_equatorial = inclo < _LOW_INCL_RAD or inclo > math.pi - _LOW_INCL_RAD
    ses, sis, sls, sghs, shs = _secular_rate(sun, emsq, ZNS)
    if near_equatorial:
        shs = 0.0
    if sinim != 0.0:
        shs = shs / sinim
    sgs = sghs - cosim * shs
    dedt_l, didt_l, dmdt_l, sghl, shll = _secular_rate(moon, emsq, ZNL)
    dedt = ses + dedt_l
    didt = sis + didt_l
    dmdt = sls + dmdt_l
    if near_equatorial:
        shll = 0.0
    domdt = sgs + sghl
    dnodt = shs
    if sinim != 0.0:
        domdt = domdt - cosim / sinim * shll
        dnodt = dnodt + shll / sinim
    coeffs[DEDT, i] = dedt
    coeffs[DIDT, i] = didt
    coeffs[DMDT, i] = dmdt
    coeffs[DOMDT, i] = domdt
    coeffs[DNODT, i] = dnodt

    if irez == 0:
        return
    theta = coeffs[GSTO, i]
    mo = coeffs[MO, i]
    mdot = coeffs[MDOT, i]
    nodedot = coeffs[NODEDOT, i]
    aonv = (nm / XKE) ** X2O3

    if irez == 2:
        # Half-day resonance: eccentricity functions G(l,m,p,q) are fits in e.
        cosisq = cosim * cosim
        e = ecco
        esq = eccsq
        eoc = e * esq
        g201 = -0.306 - (e - 0.64) * 0.440
        if e <= 0.65:
            g211 = 3.616 - 13.2470 * e + 16.2900 * esq
            g310 = -19.302 + 117.3900 * e - 228.4190 * esq + 156.5910 * eoc
            g322 = -18.9068 + 109.7927 * e - 214.6334 * esq + 146.5816 * eoc
            g410 = -41.122 + 242.6940 * e - 471.0940 * esq + 313.9530 * eoc
            g422 = -146.407 + 841.8800 * e - 1629.014 * esq + 1083.4350 * eoc
            g520 = -532.114 + 3017.977 * e - 5740.032 * esq + 3708.2760 * eoc
        else:
            g211 = -72.099 + 331.819 * e - 508.738 * esq + 266.724 * eoc
            g310 = -346.844 + 1582.851 * e - 2415.925 * esq + 1246.113 * eoc
            g322 = -342.585 + 1554.908 * e - 2366.899 * esq + 1215.972 * eoc
            g410 = -1052.797 + 4758.686 * e - 7193.992 * esq + 3651.957 * eoc
            g422 = -3581.690 + 16178.110 * e - 24462.770 * esq + 12422.520 * eoc
            if e > 0.715:
                g520 = -5149.66 + 29936.92 * e - 54087.36 * esq + 31324.56 * eoc
            else:
                g520 = 1464.74 - 4664.75 * e + 3763.64 * esq
        if e < 0.7:
            g533 = -919.22770 + 4988.6100 * e - 9064.7700 * esq + 5542.21 * eoc
            g521 = -822.71072 + 4568.6173 * e - 8491.4146 * esq + 5337.524 * eoc
            g532 = -853.66600 + 4690.2500 * e - 8624.7700 * esq + 5341.4 * eoc
        else:
            g533 = -37995.780 + 161616.52 * e - 229838.20 * esq + 109377.94 * eoc
            g521 = -51752.104 + 218913.95 * e - 309468.16 * esq + 146349.42 * eoc
            g532 = -40023.880 + 170470.89 * e - 242699.48 * esq + 115605.82 * eoc

        # Inclination functions F(l,m,p).
        sini2 = sinim * sinim
        f220 = 0.75 * (1.0 + 2.0 * cosim + cosisq)
        f221 = 1.5 * sini2
        f321 = 1.875 * sinim * (1.0 - 2.0 * cosim - 3.0 * cosisq)
        f322 = -1.875 * sinim * (1.0 + 2.0 * cosim - 3.0 * cosisq)
        f441 = 35.0 * sini2 * f220
        f442 = 39.3750 * sini2 * sini2
        f522 = 9.84375 * sinim * (sini2 * (1.0 - 2.0 * cosim - 5.0 * cosisq)
                                  + 0.33333333 * (-2.0 + 4.0 * cosim + 6.0 * cosisq))
        f523 = sinim * (4.92187512 * sini2 * (-2.0 - 4.0 * cosim + 10.0 * cosisq)
                        + 6.56250012 * (1.0 + 2.0 * cosim - 3.0 * cosisq))
        f542 = 29.53125 * sinim * (2.0 - 8.0 * cosim
                                   + cosisq * (-12.0 + 8.0 * cosim + 10.0 * cosisq))
        f543 = 29.53125 * sinim * (-2.0 - 8.0 * cosim
                                   + cosisq * (12.0 + 8.0 * cosim - 10.0 * cosisq))

        xno2 = nm * nm
        ainv2 = aonv * aonv
        temp1 = 3.0 * xno2 * ainv2
        temp = temp1 * ROOT22
        coeffs[D2201, i] = temp * f220 * g201
        coeffs[D2211, i] = temp * f221 * g211
        temp1 = temp1 * aonv
        temp = temp1 * ROOT32
        coeffs[D3210, i] = temp * f321 * g310
        coeffs[D3222, i] = temp * f322 * g322
        temp1 = temp1 * aonv
        temp = 2.0 * temp1 * ROOT44
        coeffs[D4410, i] = temp * f441 * g410
        coeffs[D4422, i] = temp * f442 * g422
        temp1 = temp1 * aonv
        temp = temp1 * ROOT52
        coeffs[D5220, i] = temp * f522 * g520
        coeffs[D5232, i] = temp * f523 * g532
        temp = 2.0 * temp1 * ROOT54
        coeffs[D5421, i] = temp * f542 * g521
        coeffs[D5433, i] = temp * f543 * g533
        coeffs[XLAMO, i] = np.fmod(mo + nodeo + nodeo - theta - theta, TWOPI)
        coeffs[XFACT, i] = mdot + dmdt + 2.0 * (nodedot + dnodt - RPTIM) - no
    else:
        # One-day resonance.
        g200 = 1.0 + emsq * (-2.5 + 0.8125 * emsq)
        g310 = 1.0 + 2.0 * emsq
        g300 = 1.0 + emsq * (-6.0 + 6.60937 * emsq)
        f220 = 0.75 * (1.0 + cosim) * (1.0 + cosim)
        f311 = 0.9375 * sinim * sinim * (1.0 + 3.0 * cosim) - 0.75 * (1.0 + cosim)
        f330 = 1.0 + cosim
        f330 = 1.875 * f330 * f330 * f330
        del1 = 3.0 * nm * nm * aonv * aonv
        coeffs[DEL2, i] = 2.0 * del1 * f220 * g200 * Q22
        coeffs[DEL3, i] = 3.0 * del1 * f330 * g300 * Q33 * aonv
        coeffs[DEL1, i] = del1 * f311 * g310 * Q31 * aonv
        coeffs[XLAMO, i] = np.fmod(mo + nodeo + argpo - theta, TWOPI)
        coeffs[XFACT, i] = mdot + xpidot - RPTIM + dmdt + domdt + dnodt - no
