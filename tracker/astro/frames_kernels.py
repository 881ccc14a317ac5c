"""Numba kernels for Earth frames: TEME -> ITRF -> WGS-84 geodetic, topocentric.

Pure functions on floats and arrays: no I/O, no datetime, no globals other
than constants. The caller allocates output arrays; ``*_fill`` kernels fill
them. Shapes: ``n`` times/positions, vectors ``(n, 3)`` in km (positions) or
km/s (velocities). Angles are radians inside the kernels.

Frames
------
TEME   True Equator, Mean Equinox: the frame of SGP4's output.
PEF    Pseudo Earth Fixed: TEME rotated by GMST 1982 (from UT1) about z.
ITRF   PEF with polar motion applied (r_itrf = R1(-yp) R2(-xp) r_pef in the
       IERS passive-rotation notation; the TIO locator s' is neglected,
       < 0.0001 arcsec).
These follow Vallado et al., "Revisiting Spacetrack Report #3" (AIAA
2006-6753), appendix C.

All kernels run as plain Python under NUMBA_DISABLE_JIT=1. They are serial:
on the 2-core target a parallel loop did not pay (86,400 points take a few
ms) and loading a parallel kernel from the cache costs the CLI extra
start-up time.
"""
from __future__ import annotations

import math

from tracker.jit import njit
from tracker.astro.grid import sun_at
from tracker.astro.shadow import illumination_one
from tracker.propagator.near import put_state
from tracker.propagator.vtrig import sincos_poly

from tracker.constants import DAY_S, JD_J2000, WGS84_A_KM, WGS84_E2, WGS84_F  # noqa: F401

TAU = 2.0 * math.pi

GEODETIC_ITERATIONS = 2          # Bowring steps of geodetic_sin_cos_alt


@njit(cache=True, nogil=True, error_model="numpy")
def gmst82_rad(jd_ut1, fr_ut1):
    """GMST 1982 (IAU 1982 model) at split Julian date UT1.

    Returns ``(theta_rad, theta_dot_rad_s)``: the angle in [0, 2 pi) and
    its rate in radians per second of UT1.
    """
    t = ((jd_ut1 - JD_J2000) + fr_ut1) / 36525.0
    g_s = 67310.54841 + (8640184.812866 + (0.093104 - 6.2e-6 * t) * t) * t
    # 876600 h * t == (days since J2000) exactly, so add whole-day fractions
    # separately to keep precision: theta/2pi = frac(days + g_s/86400).
    whole = jd_ut1 - JD_J2000
    turns = (whole - math.floor(whole)) + fr_ut1 + g_s / DAY_S
    turns = turns - math.floor(turns)
    dg = 8640184.812866 + (2.0 * 0.093104 - 3.0 * 6.2e-6 * t) * t
    theta_dot = TAU * (1.0 + dg / (DAY_S * 36525.0)) / DAY_S
    return TAU * turns, theta_dot


@njit(cache=True, nogil=True, error_model="numpy")
def teme_to_itrf_one(jd, fr, dut1_s, xp_rad, yp_rad, rx, ry, rz, vx, vy, vz):
    """One TEME state (km, km/s) -> ITRF ``(x, y, z, vx, vy, vz)``.

    ``jd, fr``: split Julian date UTC; ``dut1_s``: UT1-UTC in seconds;
    ``xp_rad, yp_rad``: polar motion. The velocity includes the Earth-rotation
    term (v_pef = R v_teme - omega x r_pef); pass zeros for v if unwanted.
    """
    theta, theta_dot = gmst82_rad(jd, fr + dut1_s / DAY_S)
    s, c = sincos_poly(theta)            # theta in [0, 2 pi): no range check
    return rotate_teme_to_itrf(c, s, theta_dot, xp_rad, yp_rad, rx, ry, rz, vx, vy, vz)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def rotate_teme_to_itrf(c, s, theta_dot, xp_rad, yp_rad, rx, ry, rz, vx, vy, vz):
    """``teme_to_itrf_one`` given cos and sin of GMST and its rate (rad/s): for
    several vectors at one time, the sidereal angle computed once."""
    # TEME -> PEF: passive rotation by theta about z.
    px = c * rx + s * ry
    py = -s * rx + c * ry
    pz = rz
    qx = c * vx + s * vy + theta_dot * py
    qy = -s * vx + c * vy - theta_dot * px
    qz = vz
    # Polar motion is below 1e-5 rad: second-order cos/sin are exact in double.
    cx = 1.0 - 0.5 * xp_rad * xp_rad
    sx = xp_rad
    cy = 1.0 - 0.5 * yp_rad * yp_rad
    sy = yp_rad
    # PEF -> ITRF: r_itrf = rot_x(yp) rot_y(xp) r_pef (active rotations).
    a0 = cx * px + sx * pz
    a2 = -sx * px + cx * pz
    b0 = cx * qx + sx * qz
    b2 = -sx * qx + cx * qz
    return (a0, cy * py - sy * a2, sy * py + cy * a2,
            b0, cy * qy - sy * b2, sy * qy + cy * b2)


@njit(cache=True, nogil=True, error_model="numpy")
def teme_to_itrf_fill(jd, fr, dut1_s, xp_rad, yp_rad, r_teme, v_teme, r_out, v_out, with_v):
    """Batch of ``teme_to_itrf_one``: 1-D (n,) time arrays, (n, 3) vectors.

    Set ``with_v`` False to skip velocities (``v_teme``/``v_out`` may then be
    any (n, 3) arrays, e.g. the position arrays themselves).
    """
    n = r_teme.shape[0]
    for i in range(n):
        if with_v:
            vx, vy, vz = v_teme[i, 0], v_teme[i, 1], v_teme[i, 2]
        else:
            vx, vy, vz = 0.0, 0.0, 0.0
        x, y, z, ux, uy, uz = teme_to_itrf_one(jd[i], fr[i], dut1_s[i], xp_rad[i], yp_rad[i],
                                               r_teme[i, 0], r_teme[i, 1], r_teme[i, 2],
                                               vx, vy, vz)
        r_out[i, 0] = x
        r_out[i, 1] = y
        r_out[i, 2] = z
        if with_v:
            v_out[i, 0] = ux
            v_out[i, 1] = uy
            v_out[i, 2] = uz


@njit(cache=True, nogil=True, error_model="numpy")
def track_fill(jd, fr, dut1_s, xp_rad, yp_rad, r_teme, v_teme,
               r_itrf, v_itrf, lat_deg, lon_deg, alt_km, speed_km_s, ef_speed_km_s,
               ground_speed_km_s):
    """Fused TEME states -> ITRF states, WGS-84 geodetic and speeds, one pass.

    Inputs as ``teme_to_itrf_fill`` (velocities required). Fills (n, 3)
    ``r_itrf``, ``v_itrf`` and (n,) ``lat_deg``, ``lon_deg`` (-180, 180],
    ``alt_km``, ``speed_km_s`` = |v_teme|, ``ef_speed_km_s`` = |v_itrf| and
    ``ground_speed_km_s`` = the horizontal part of v_itrf scaled by
    (|r| - alt) / |r| (the sub-satellite point's speed over the ground).
    """
    to_deg = 180.0 / math.pi
    n = r_teme.shape[0]
    for i in range(n):
        vx, vy, vz = v_teme[i, 0], v_teme[i, 1], v_teme[i, 2]
        x, y, z, ux, uy, uz = teme_to_itrf_one(jd[i], fr[i], dut1_s[i], xp_rad[i], yp_rad[i],
                                               r_teme[i, 0], r_teme[i, 1], r_teme[i, 2],
                                               vx, vy, vz)
        put_state(r_itrf, v_itrf, i, x, y, z, ux, uy, uz)
        lat, lon, alt = geodetic_one(x, y, z)
        lat_deg[i] = lat * to_deg
        lon_deg[i] = lon * to_deg
        alt_km[i] = alt
        speed_km_s[i] = math.sqrt(vx * vx + vy * vy + vz * vz)
        ef2 = ux * ux + uy * uy + uz * uz
        ef_speed_km_s[i] = math.sqrt(ef2)
        radius = math.sqrt(x * x + y * y + z * z)
        radial = (ux * x + uy * y + uz * z) / radius
        horizontal = math.sqrt(max(ef2 - radial * radial, 0.0))
        ground_speed_km_s[i] = horizontal * (radius - alt) / radius


@njit(cache=True, nogil=True, error_model="numpy")
def geodetic_sin_cos_alt(p_km, z_km):
    """WGS-84 ``(sin lat, cos lat, N km, alt_km)`` of a point at distance
    ``p_km`` >= 0 from the polar axis and ``z_km`` above the equator plane;
    N is the prime-vertical radius of curvature at the geodetic latitude.

    Bowring's method (Survey Review 23, 1976) iterated GEODETIC_ITERATIONS
    times, with no trigonometric call and no branch, so loops over it
    vectorise (``kernels.stats``, ``kernels.batch_stats``). Against an
    80-bit reference from -10 km to 400,000 km of altitude, at every
    latitude including the poles: latitude within 3e-16 rad, altitude
    within 2e-10 km. The Earth's centre gives NaN.
    """
    b = WGS84_A_KM * (1.0 - WGS84_F)
    ep2 = WGS84_E2 / (1.0 - WGS84_E2)
    # Reduced latitude beta from the geocentric direction: tan(beta) = a z / (b p).
    sb = WGS84_A_KM * z_km
    cb = b * p_km
    num = 0.0
    den = 1.0
    for _ in range(GEODETIC_ITERATIONS):
        h = math.sqrt(sb * sb + cb * cb)
        s = sb / h
        c = cb / h
        num = z_km + ep2 * b * s * s * s
        den = p_km - WGS84_E2 * WGS84_A_KM * c * c * c
        # next reduced latitude: tan(beta) = (1 - f) tan(phi)
        sb = (1.0 - WGS84_F) * num
        cb = den
    h = math.sqrt(num * num + den * den)
    sl = num / h
    cl = den / h
    w = math.sqrt(1.0 - WGS84_E2 * sl * sl)
    # Distance from the ellipsoid along the normal; valid at every latitude.
    return sl, cl, WGS84_A_KM / w, p_km * cl + z_km * sl - WGS84_A_KM * w


@njit(cache=True, nogil=True, error_model="numpy")
def geodetic_one(x, y, z):
    """ITRF x, y, z (km) -> WGS-84 (lat_rad, lon_rad, alt_km), by
    ``geodetic_sin_cos_alt``. Longitude in (-pi, pi]."""
    lon = math.atan2(y, x)
    if lon == -math.pi:
        lon = math.pi
    sl, cl, _n_km, alt = geodetic_sin_cos_alt(math.sqrt(x * x + y * y), z)
    return math.atan2(sl, cl), lon, alt


@njit(cache=True, nogil=True, error_model="numpy")
def geodetic_fill(r_itrf, lat_deg, lon_deg, alt_km):
    """(n, 3) ITRF km -> fills (n,) lat_deg, lon_deg (-180, 180], alt_km (WGS-84)."""
    n = r_itrf.shape[0]
    to_deg = 180.0 / math.pi
    for i in range(n):
        lat, lon, alt = geodetic_one(r_itrf[i, 0], r_itrf[i, 1], r_itrf[i, 2])
        lat_deg[i] = lat * to_deg
        lon_deg[i] = lon * to_deg
        alt_km[i] = alt


@njit(cache=True, nogil=True, error_model="numpy")
def geodetic_to_itrf_one(lat_rad, lon_rad, alt_km, out):
    """WGS-84 geodetic -> ITRF km, into ``out`` (3,)."""
    sl = math.sin(lat_rad)
    cl = math.cos(lat_rad)
    n_km = WGS84_A_KM / math.sqrt(1.0 - WGS84_E2 * sl * sl)
    out[0] = (n_km + alt_km) * cl * math.cos(lon_rad)
    out[1] = (n_km + alt_km) * cl * math.sin(lon_rad)
    out[2] = (n_km * (1.0 - WGS84_E2) + alt_km) * sl


@njit(cache=True, nogil=True, error_model="numpy")
def topocentric_fill(r_itrf, lat_rad, lon_rad, alt_km, az_deg, el_deg, range_km):
    """Az/el/range of (n, 3) ITRF positions seen from one WGS-84 observer.

    Azimuth from north through east in [0, 360), elevation above the
    ellipsoid's tangent plane (geometric: no refraction), range in km.
    """
    sl = math.sin(lat_rad)
    cl = math.cos(lat_rad)
    so = math.sin(lon_rad)
    co = math.cos(lon_rad)
    n_km = WGS84_A_KM / math.sqrt(1.0 - WGS84_E2 * sl * sl)
    ox = (n_km + alt_km) * cl * co
    oy = (n_km + alt_km) * cl * so
    oz = (n_km * (1.0 - WGS84_E2) + alt_km) * sl
    to_deg = 180.0 / math.pi
    n = r_itrf.shape[0]
    for i in range(n):
        dx = r_itrf[i, 0] - ox
        dy = r_itrf[i, 1] - oy
        dz = r_itrf[i, 2] - oz
        north = -sl * co * dx - sl * so * dy + cl * dz
        east = -so * dx + co * dy
        up = cl * co * dx + cl * so * dy + sl * dz
        az = math.atan2(east, north) * to_deg
        if az < 0.0:
            az += 360.0
        if az >= 360.0:
            az -= 360.0
        az_deg[i] = az
        el_deg[i] = math.atan2(up, math.hypot(north, east)) * to_deg
        range_km[i] = math.sqrt(dx * dx + dy * dy + dz * dz)


@njit(cache=True, nogil=True, error_model="numpy")
def teme_to_itrf_sun_fill(jd, fr, dut1_s, xp_rad, yp_rad, r_teme, v_teme, unix_s, sun_t0_s,
                          sun_step_s, sun_nodes, earth_radius_km, sun_radius_km,
                          r_out, v_out, sun_hat_out, lit_out):
    """``teme_to_itrf_fill`` (with velocities) and, at the same times and with
    the same Earth rotation, the Sun: its ITRF unit vector (n, 3) and the
    station's illumination code (n,) uint8 (``shadow.illumination_one``).

    The Sun (TEME, km) is read by ``grid.sun_at`` from the nodes ``sun_nodes`` (m, 3), m >= 2,
    at ``sun_t0_s + k * sun_step_s`` (Unix s); ``unix_s`` (n,) are the times.
    One pass instead of interpolating, rotating and normalising arrays.
    """
    for i in range(r_teme.shape[0]):
        theta, theta_dot = gmst82_rad(jd[i], fr[i] + dut1_s[i] / DAY_S)
        s, c = sincos_poly(theta)
        x, y, z, ux, uy, uz = rotate_teme_to_itrf(c, s, theta_dot, xp_rad[i], yp_rad[i],
                                                  r_teme[i, 0], r_teme[i, 1], r_teme[i, 2],
                                                  v_teme[i, 0], v_teme[i, 1], v_teme[i, 2])
        put_state(r_out, v_out, i, x, y, z, ux, uy, uz)
        sx, sy, sz = sun_at(unix_s[i], sun_t0_s, sun_step_s, sun_nodes)
        lit_out[i] = illumination_one(r_teme[i, 0], r_teme[i, 1], r_teme[i, 2], sx, sy, sz,
                                      earth_radius_km, sun_radius_km)
        a, b, e, _, _, _ = rotate_teme_to_itrf(c, s, 0.0, xp_rad[i], yp_rad[i], sx, sy, sz,
                                               0.0, 0.0, 0.0)
        norm = 1.0 / math.sqrt(a * a + b * b + e * e)
        sun_hat_out[i, 0] = a * norm
        sun_hat_out[i, 1] = b * norm
        sun_hat_out[i, 2] = e * norm
