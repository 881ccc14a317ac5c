"""SGP4 initialisation: mean elements -> the per-satellite coefficient table.

Follows Spacetrack Report #3 with the corrections of Vallado, Crawford,
Hujsak and Kelso, "Revisiting Spacetrack Report #3" (AIAA 2006-6753):
WGS-72 constants, "improved" operation mode (sidereal time from the IAU-82
formula, not the AFSPC 1970 polynomial), and the deep-space branch chosen
for periods of 225 minutes or more (lunar-solar terms in ``deep_init``).

Input: a float64 array ``elements`` of shape ``(N_ELEMENT, n_sat)`` with the
rows of ``sgp4_layout.ELEMENT_NAMES`` (epoch in days since JD 2433281.5,
Kozai mean motion in rad/min, angles in rad, B* in 1/earth radii).
Output: ``coeffs`` of shape ``(N_COEFF, n_sat)``, filled column by column.
Nothing here raises on bad elements: impossible values (eccentricity >= 1,
negative mean motion) leave coefficients that make the propagator report
the same error codes as the reference implementation.
"""
from __future__ import annotations

import math

import numpy as np
from tracker.jit import njit, prange

from tracker.propagator import deep_init
from tracker.propagator.layout import (
    AO, ARGPDOT, ARGPO, AYCOF, BSTAR, BSTAR_CC4, BSTAR_CC5, CC1, CON41, COSIO,
    D2, D3, D4, DEEP_SPACE_PERIOD_MIN, DELMO, ECCO, EL_ARGP, EL_BSTAR,
    EL_ECC, EL_EPOCH_DAYS, EL_INCL, EL_M, EL_NO_KOZAI, EL_NODE, ETA, GSTO,
    INCLO, ISIMP, J2, J3OJ2, J4, JD_1950, MDOT, METHOD, MO, N_COEFF, NO,
    NODECF, NODEDOT, NODEO, OMGCOF, RADIUS_EARTH_KM, SINIO, SINMAO, T2COF,
    T3COF, T4COF, T5COF, TWOPI, X1MTH2, X2O3, X7THM1, XKE, XLCOF, XMCOF,
)

_DEG2RAD = math.pi / 180.0
_CUT_ZERO_DIVISOR = 1.5e-12   # stands in for 1 + cos(i) at i = 180 deg


@njit(cache=True, nogil=True, error_model="numpy")
def gstime_rad(jd_ut1):
    """Greenwich mean sidereal time (rad, [0, 2 pi)) from a UT1 Julian date.

    IAU-82 expression in seconds of time, as used by SGP4's improved mode.
    """
    tut1 = (jd_ut1 - 2451545.0) / 36525.0
    temp = (-6.2e-6 * tut1 * tut1 * tut1 + 0.093104 * tut1 * tut1
            + (876600.0 * 3600.0 + 8640184.812866) * tut1 + 67310.54841)
    temp = np.fmod(temp * _DEG2RAD / 240.0, TWOPI)
    if temp < 0.0:
        temp += TWOPI
    return temp


@njit(cache=True, nogil=True, error_model="numpy")
def long_period_coefficients(sini, cosi):
    """(aycof, xlcof): the J3 long-period coefficients for an inclination
    given by its sine and cosine (also used per time by the deep-space step)."""
    if abs(cosi + 1.0) > _CUT_ZERO_DIVISOR:
        xlcof = -0.25 * J3OJ2 * sini * (3.0 + 5.0 * cosi) / (1.0 + cosi)
    else:
        xlcof = -0.25 * J3OJ2 * sini * (3.0 + 5.0 * cosi) / _CUT_ZERO_DIVISOR
    return -0.5 * J3OJ2 * sini, xlcof


@njit(cache=True, nogil=True, error_model="numpy")
def sgp4_init_one(elements, i, coeffs):
    """Fill column ``i`` of ``coeffs`` from column ``i`` of ``elements``."""
    for k in range(N_COEFF):
        coeffs[k, i] = 0.0
    epoch_days = elements[EL_EPOCH_DAYS, i]
    no_kozai = elements[EL_NO_KOZAI, i]
    ecco = elements[EL_ECC, i]
    inclo = elements[EL_INCL, i]
    nodeo = elements[EL_NODE, i]
    argpo = elements[EL_ARGP, i]
    mo = elements[EL_M, i]
    bstar = elements[EL_BSTAR, i]
    coeffs[ECCO, i] = ecco
    coeffs[INCLO, i] = inclo
    coeffs[NODEO, i] = nodeo
    coeffs[ARGPO, i] = argpo
    coeffs[MO, i] = mo
    coeffs[BSTAR, i] = bstar

    # Atmosphere parameters: s = 78 km, q0 = 120 km (as earth radii).
    ss = 78.0 / RADIUS_EARTH_KM + 1.0
    qzms2ttemp = (120.0 - 78.0) / RADIUS_EARTH_KM
    qzms2t = qzms2ttemp * qzms2ttemp * qzms2ttemp * qzms2ttemp

    # ---- epoch quantities; recover the Brouwer mean motion from Kozai's ----
    eccsq = ecco * ecco
    omeosq = 1.0 - eccsq
    rteosq = math.sqrt(omeosq) if omeosq >= 0.0 else np.nan
    cosio = math.cos(inclo)
    cosio2 = cosio * cosio
    ak = (XKE / no_kozai) ** X2O3
    d1 = 0.75 * J2 * (3.0 * cosio2 - 1.0) / (rteosq * omeosq)
    delta = d1 / (ak * ak)
    adel = ak * (1.0 - delta * delta
                 - delta * (1.0 / 3.0 + 134.0 * delta * delta / 81.0))
    delta = d1 / (adel * adel)
    no = no_kozai / (1.0 + delta)
    ao = (XKE / no) ** X2O3
    sinio = math.sin(inclo)
    po = ao * omeosq
    con42 = 1.0 - 5.0 * cosio2
    con41 = -con42 - cosio2 - cosio2
    posq = po * po
    rp = ao * (1.0 - ecco)
    gsto = gstime_rad(epoch_days + JD_1950)
    coeffs[NO, i] = no
    coeffs[AO, i] = ao
    coeffs[CON41, i] = con41
    coeffs[GSTO, i] = gsto
    coeffs[SINIO, i] = sinio
    coeffs[COSIO, i] = cosio

    if not (omeosq >= 0.0 or no >= 0.0):
        return

    isimp = 1.0 if rp < (220.0 / RADIUS_EARTH_KM + 1.0) else 0.0
    sfour = ss
    qzms24 = qzms2t
    perigee_km = (rp - 1.0) * RADIUS_EARTH_KM
    # For perigees below 156 km the atmosphere parameter s is lowered.
    if perigee_km < 156.0:
        sfour = perigee_km - 78.0
        if perigee_km < 98.0:
            sfour = 20.0
        qzms24temp = (120.0 - sfour) / RADIUS_EARTH_KM
        qzms24 = qzms24temp * qzms24temp * qzms24temp * qzms24temp
        sfour = sfour / RADIUS_EARTH_KM + 1.0
    pinvsq = 1.0 / posq

    # ---- drag coefficients C1..C5 ----
    tsi = 1.0 / (ao - sfour)
    eta = ao * ecco * tsi
    etasq = eta * eta
    eeta = ecco * eta
    psisq = abs(1.0 - etasq)
    coef = qzms24 * tsi ** 4.0
    coef1 = coef / psisq ** 3.5
    cc2 = coef1 * no * (ao * (1.0 + 1.5 * etasq + eeta * (4.0 + etasq))
                        + 0.375 * J2 * tsi / psisq * con41
                        * (8.0 + 3.0 * etasq * (8.0 + etasq)))
    cc1 = bstar * cc2
    cc3 = 0.0
    if ecco > 1.0e-4:
        cc3 = -2.0 * coef * tsi * J3OJ2 * no * sinio / ecco
    x1mth2 = 1.0 - cosio2
    cc4 = 2.0 * no * coef1 * ao * omeosq * (
        eta * (2.0 + 0.5 * etasq) + ecco * (0.5 + 2.0 * etasq)
        - J2 * tsi / (ao * psisq) * (
            -3.0 * con41 * (1.0 - 2.0 * eeta + etasq * (1.5 - 0.5 * eeta))
            + 0.75 * x1mth2 * (2.0 * etasq - eeta * (1.0 + etasq))
            * math.cos(2.0 * argpo)))
    cc5 = 2.0 * coef1 * ao * omeosq * (1.0 + 2.75 * (etasq + eeta) + eeta * etasq)

    # ---- secular rates of M, argument of perigee and node (J2, J2^2, J4) ----
    cosio4 = cosio2 * cosio2
    temp1 = 1.5 * J2 * pinvsq * no
    temp2 = 0.5 * temp1 * J2 * pinvsq
    temp3 = -0.46875 * J4 * pinvsq * pinvsq * no
    mdot = (no + 0.5 * temp1 * rteosq * con41
            + 0.0625 * temp2 * rteosq * (13.0 - 78.0 * cosio2 + 137.0 * cosio4))
    argpdot = (-0.5 * temp1 * con42
               + 0.0625 * temp2 * (7.0 - 114.0 * cosio2 + 395.0 * cosio4)
               + temp3 * (3.0 - 36.0 * cosio2 + 49.0 * cosio4))
    xhdot1 = -temp1 * cosio
    nodedot = xhdot1 + (0.5 * temp2 * (4.0 - 19.0 * cosio2)
                        + 2.0 * temp3 * (3.0 - 7.0 * cosio2)) * cosio
    xpidot = argpdot + nodedot
    omgcof = bstar * cc3 * math.cos(argpo)
    xmcof = 0.0
    if ecco > 1.0e-4:
        xmcof = -X2O3 * coef * bstar / eeta
    nodecf = 3.5 * omeosq * xhdot1 * cc1
    t2cof = 1.5 * cc1
    aycof, xlcof = long_period_coefficients(sinio, cosio)
    delmotemp = 1.0 + eta * math.cos(mo)
    delmo = delmotemp * delmotemp * delmotemp

    coeffs[ETA, i] = eta
    coeffs[CC1, i] = cc1
    coeffs[BSTAR_CC4, i] = bstar * cc4
    coeffs[BSTAR_CC5, i] = bstar * cc5
    coeffs[X1MTH2, i] = x1mth2
    coeffs[MDOT, i] = mdot
    coeffs[ARGPDOT, i] = argpdot
    coeffs[NODEDOT, i] = nodedot
    coeffs[OMGCOF, i] = omgcof
    coeffs[XMCOF, i] = xmcof
    coeffs[NODECF, i] = nodecf
    coeffs[T2COF, i] = t2cof
    coeffs[XLCOF, i] = xlcof
    coeffs[AYCOF, i] = aycof
    coeffs[DELMO, i] = delmo
    coeffs[SINMAO, i] = math.sin(mo)
    coeffs[X7THM1, i] = 7.0 * cosio2 - 1.0

    # ---- deep space: periods of 225 minutes or more ----
    if TWOPI / no >= DEEP_SPACE_PERIOD_MIN:
        coeffs[METHOD, i] = 1.0
        isimp = 1.0
        deep_init.deep_space_init(coeffs, i, epoch_days, eccsq, xpidot)

    # ---- higher-order drag terms (full model only) ----
    coeffs[ISIMP, i] = isimp
    if isimp != 1.0:
        cc1sq = cc1 * cc1
        d2 = 4.0 * ao * tsi * cc1sq
        temp = d2 * tsi * cc1 / 3.0
        d3 = (17.0 * ao + sfour) * temp
        d4 = 0.5 * temp * ao * tsi * (221.0 * ao + 31.0 * sfour) * cc1
        coeffs[D2, i] = d2
        coeffs[D3, i] = d3
        coeffs[D4, i] = d4
        coeffs[T3COF, i] = d2 + 2.0 * cc1sq
        coeffs[T4COF, i] = 0.25 * (3.0 * d3 + cc1 * (12.0 * d2 + 10.0 * cc1sq))
        coeffs[T5COF, i] = 0.2 * (3.0 * d4 + 12.0 * cc1 * d3 + 6.0 * d2 * d2
                                  + 15.0 * cc1sq * (2.0 * d2 + cc1sq))


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def sgp4_init_many(elements, coeffs):
    """Initialise every satellite: ``elements`` (N_ELEMENT, n) -> ``coeffs`` (N_COEFF, n)."""
    for i in prange(elements.shape[1]):
        # int64, not prange's uint64 in the loop body: one compiled callee.
        sgp4_init_one(elements, np.int64(i), coeffs)
