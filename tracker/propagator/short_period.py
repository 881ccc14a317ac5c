"""The SGP4 short-period periodics and output, shared by every path.

One copy of the equations, inlined (at numba's IR level) into both the
scalar step ``near._sample`` (near-Earth and deep space) and the vectorised
near-Earth block ``block._block``; each caller keeps only its own choice of
sine and cosine (libm, rotations, or the branch-free polynomials).

``short_period(axnl, aynl, am, nm, sineo1, coseo1, con41, x1mth2, x7thm1,
cosip, sinip, nodep)`` takes the long-period elements (axnl = e cos omega,
aynl = e sin omega + J3 term), the semi-major axis ``am`` (earth radii),
mean motion ``nm`` (rad/min), the sine and cosine of the solved E + omega
and the inclination functions, and returns

    (pl, mrt, mvt, rvdot, sinu, cosu, dsu, xnode, dinc)

pl: semi-latus rectum (earth radii; the caller reports error 4 when < 0,
the other values are then meaningless but finite or NaN, never raising);
mrt: radius (earth radii); mvt, rvdot: radial and transverse velocity
(earth radii per minute); (sinu, cosu): the argument of latitude u as an
unnormalised sine/cosine pair; dsu: the short-period correction to add to
u; xnode: the corrected node (rad); dinc: the correction to add to the
inclination (rad).

``orientation(mrt, mvt, rvdot, sinsu, cossu, sini, cosi, snod, cnod)``
returns TEME ``(x, y, z)`` km and ``(vx, vy, vz)`` km/s from those and the
sines and cosines of the corrected u, inclination and node.
"""
from __future__ import annotations

import math

from tracker.jit import njit

from tracker.propagator.layout import J2, RADIUS_EARTH_KM, VKMPERSEC, XKE

_INV_XKE = 1.0 / XKE


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def short_period(axnl, aynl, am, nm, sineo1, coseo1, con41, x1mth2, x7thm1,
                 cosip, sinip, nodep):
    """Short-period periodics; see the module docstring."""
    ecose = axnl * coseo1 + aynl * sineo1
    esine = axnl * sineo1 - aynl * coseo1
    el2 = axnl * axnl + aynl * aynl
    pl = am * (1.0 - el2)
    rl = am * (1.0 - ecose)
    inv_rl = 1.0 / rl
    rdotl = math.sqrt(am) * esine * inv_rl
    # abs(): no NaN-raising sqrt when pl < 0 (error 4, flagged by the caller).
    rvdotl = math.sqrt(abs(pl)) * inv_rl
    betal = math.sqrt(abs(1.0 - el2))
    temp = esine / (1.0 + betal)
    am_rl = am * inv_rl
    sinu = am_rl * (sineo1 - aynl - axnl * temp)
    cosu = am_rl * (coseo1 - axnl + aynl * temp)
    sin2u = (cosu + cosu) * sinu
    cos2u = 1.0 - 2.0 * sinu * sinu
    temp = 1.0 / pl
    temp1 = 0.5 * J2 * temp
    temp2 = temp1 * temp
    mrt = rl * (1.0 - 1.5 * temp2 * betal * con41) + 0.5 * temp1 * x1mth2 * cos2u
    dsu = -0.25 * temp2 * x7thm1 * sin2u
    xnode = nodep + 1.5 * temp2 * cosip * sin2u
    dinc = 1.5 * temp2 * cosip * sinip * cos2u
    mvt = rdotl - nm * temp1 * x1mth2 * sin2u * _INV_XKE
    rvdot = rvdotl + nm * temp1 * (x1mth2 * cos2u + 1.5 * con41) * _INV_XKE
    return pl, mrt, mvt, rvdot, sinu, cosu, dsu, xnode, dinc


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def orientation(mrt, mvt, rvdot, sinsu, cossu, sini, cosi, snod, cnod):
    """TEME position (km) and velocity (km/s); see the module docstring."""
    xmx = -snod * cosi
    xmy = cnod * cosi
    ux = xmx * sinsu + cnod * cossu
    uy = xmy * sinsu + snod * cossu
    uz = sini * sinsu
    vx = xmx * cossu - cnod * sinsu
    vy = xmy * cossu - snod * sinsu
    vz = sini * cossu
    r_km = mrt * RADIUS_EARTH_KM
    return (r_km * ux, r_km * uy, r_km * uz,
            (mvt * ux + rvdot * vx) * VKMPERSEC,
            (mvt * uy + rvdot * vy) * VKMPERSEC,
            (mvt * uz + rvdot * vz) * VKMPERSEC)
