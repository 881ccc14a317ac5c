"""Numba kernels of the transit search (``tracker.services.transits``).

Pure functions on floats and arrays. Times are Unix seconds (UTC); the
ephemeris grid is uniform in TT seconds (``tt = unix + (TAI - UTC) + 32.184``,
the leap-second table passed in), built by ``transits.EphemerisGrid``:

``g_dt`` (n,)      Delta T = TT - UT1, s (linear between nodes)
``g_pm`` (n, 2)    polar motion xp, yp, rad (linear)
``g_q`` (n, 9)     skyfield's ``TEME.rotation_at``: r_teme = Q r_gcrs, row-major (linear)
``g_pv`` (n, 3, 6) barycentric position (km) and velocity (km/s) of the Earth (0),
                   the Sun (1) and the Moon (2), ICRS axes (cubic Hermite)

Per time, ``_frame`` builds the GCRS -> ITRF matrix ``W Rz(GMST82) Q`` (the
same chain as skyfield: TEME -> ITRS through GMST 1982 and polar motion,
``tracker.astro.frames_kernels.teme_to_itrf_one``). ``_apparent`` computes
the apparent topocentric vectors of the station and of the body the way
skyfield's ``observe().apparent()`` does (light time iterated, relativistic
aberration from the observer's barycentric velocity); gravitational
deflection is left out (skyfield's deflection by the Sun, Jupiter, Saturn and
the Earth moves the Sun, the Moon and the station by under 0.005 arcsec).
"""
from __future__ import annotations

import math

import numpy as np
from tracker.jit import njit

from tracker.astro.frames_kernels import geodetic_one, gmst82_rad
from tracker.astro.grid import grid_cell
from tracker.services.events import hermite, hermite_weights
from tracker.constants import C_KM_S, DAY_S, JD_UNIX_EPOCH, WGS84_A_KM, WGS84_B_KM as B_KM  # noqa: F401
from tracker.propagator.deep import RESONANCE_STATE_SIZE
from tracker.propagator.near import sgp4_one

TT_MINUS_TAI_S = 32.184
EARTH, SUN, MOON = 0, 1, 2
CENTER_ITERATIONS = 5              # fixed-point steps of the centre-line point (most stop at 3)
CENTER_TOL_KM = 1e-4               # ... once a step moves the point by under 10 cm


@njit(cache=True, nogil=True, error_model="numpy")
def tt_of_unix(unix, leap_unix, leap_off):
    """TT seconds on the Unix scale: unix + TAI-UTC + 32.184."""
    j = np.searchsorted(leap_unix, unix, side="right") - 1
    off = leap_off[j] if j >= 0 else leap_off[0]
    return unix + off + TT_MINUS_TAI_S


@njit(cache=True, nogil=True, error_model="numpy")
def body_pv(tt0, h, g_pv, body, tt, out):
    """Barycentric position (km) and velocity (km/s) of ``body`` at TT ``tt``
    (cubic Hermite on the grid) into out (6,)."""
    n = g_pv.shape[0]
    k, s = grid_cell(tt0, h, n, tt)
    h00, h10, h01, h11, d00, d10, d01, d11 = hermite_weights(s, h)
    for c in range(3):
        p0 = g_pv[k, body, c]
        v0 = g_pv[k, body, 3 + c]
        p1 = g_pv[k + 1, body, c]
        v1 = g_pv[k + 1, body, 3 + c]
        out[c] = h00 * p0 + h10 * v0 + h01 * p1 + h11 * v1
        out[3 + c] = d00 * p0 + d10 * v0 + d01 * p1 + d11 * v1


@njit(cache=True, nogil=True, error_model="numpy")
def _frame(unix, tt, tt0, h, g_dt, g_pm, g_q, m_out, w_out):
    """GCRS -> ITRF matrix into m_out (3, 3), TEME -> ITRF into w_out (3, 3);
    returns the Earth's rotation rate (rad/s)."""
    n = g_dt.shape[0]
    k, s = grid_cell(tt0, h, n, tt)
    dt = g_dt[k] + s * (g_dt[k + 1] - g_dt[k])
    xp = g_pm[k, 0] + s * (g_pm[k + 1, 0] - g_pm[k, 0])
    yp = g_pm[k, 1] + s * (g_pm[k + 1, 1] - g_pm[k, 1])
    day = math.floor(unix / DAY_S)
    fr_ut1 = (unix - day * DAY_S + (tt - dt - unix)) / DAY_S
    theta, theta_dot = gmst82_rad(JD_UNIX_EPOCH + day, fr_ut1)
    c = math.cos(theta)
    sn = math.sin(theta)
    cx = 1.0 - 0.5 * xp * xp
    sx = xp
    cy = 1.0 - 0.5 * yp * yp
    sy = yp
    # W = Rx(yp) Ry(xp) (as teme_to_itrf_one), Rz = passive rotation by theta
    # T = W Rz: rows
    # Rz rows: (c, s, 0), (-s, c, 0), (0, 0, 1)
    # Ry rows: (cx, 0, sx), (0, 1, 0), (-sx, 0, cx); Rx rows: (1,0,0), (0,cy,-sy), (0,sy,cy)
    ry = np.empty((3, 3))
    ry[0, 0] = cx * c
    ry[0, 1] = cx * sn
    ry[0, 2] = sx
    ry[1, 0] = -sn
    ry[1, 1] = c
    ry[1, 2] = 0.0
    ry[2, 0] = -sx * c
    ry[2, 1] = -sx * sn
    ry[2, 2] = cx
    for j in range(3):
        w_out[0, j] = ry[0, j]
        w_out[1, j] = cy * ry[1, j] - sy * ry[2, j]
        w_out[2, j] = sy * ry[1, j] + cy * ry[2, j]
    for i in range(3):
        for j in range(3):
            acc = 0.0
            for m in range(3):
                q0 = g_q[k, 3 * m + j]
                acc += w_out[i, m] * (q0 + s * (g_q[k + 1, 3 * m + j] - q0))
            m_out[i, j] = acc
    return theta_dot


@njit(cache=True, nogil=True, error_model="numpy")
def _aberrate(px, py, pz, vx, vy, vz, lt):
    """skyfield.relativity.add_aberration in km, km/s and s."""
    p1mag = lt * C_KM_S
    vemag = math.sqrt(vx * vx + vy * vy + vz * vz)
    beta = vemag / C_KM_S
    dot = px * vx + py * vy + pz * vz
    cosd = dot / (p1mag * vemag)
    gammai = math.sqrt(1.0 - beta * beta)
    p = beta * cosd
    q = (1.0 + p / (1.0 + gammai)) * lt
    r = 1.0 + p
    return (gammai * px + q * vx) / r, (gammai * py + q * vy) / r, (gammai * pz + q * vz) / r


@njit(cache=True, nogil=True, error_model="numpy")
def _apparent(unix, tt, r_teme, v_teme, ox, oy, oz, body, tt0, h, g_dt, g_pm, g_q, g_pv,
              m, w, pv, pve, out, reuse):
    """Apparent topocentric vectors (km, ITRF axes) of the station and of ``body``
    from the observer at ITRF (ox, oy, oz), km.

    out[0:3] station (apparent), out[3:6] body (apparent), out[6:9] station
    ITRF position (geometric), out[9:12] station geometric vector from the
    observer (ITRF), out[12] the Earth's rotation rate, out[13] the body's light
    time (s). ``m``, ``w`` (3, 3), ``pv``, ``pve`` (6,) scratch; with ``reuse``
    they (and out[12], out[13]) already hold this time's frame, Earth state and
    a light-time estimate (another observer at the same time).
    """
    if reuse:
        theta_dot = out[12]
    else:
        theta_dot = _frame(unix, tt, tt0, h, g_dt, g_pm, g_q, m, w)
        body_pv(tt0, h, g_pv, EARTH, tt, pve)
    # observer in GCRS (m^T) and its inertial velocity (omega x r in ITRF axes)
    og0 = m[0, 0] * ox + m[1, 0] * oy + m[2, 0] * oz
    og1 = m[0, 1] * ox + m[1, 1] * oy + m[2, 1] * oz
    og2 = m[0, 2] * ox + m[1, 2] * oy + m[2, 2] * oz
    wx = -theta_dot * oy
    wy = theta_dot * ox
    ov0 = m[0, 0] * wx + m[1, 0] * wy
    ov1 = m[0, 1] * wx + m[1, 1] * wy
    ov2 = m[0, 2] * wx + m[1, 2] * wy
    vo0 = pve[3] + ov0
    vo1 = pve[4] + ov1
    vo2 = pve[5] + ov2
    # station: GCRS = m^T w r_teme; w r_teme = ITRF
    ri0 = w[0, 0] * r_teme[0] + w[0, 1] * r_teme[1] + w[0, 2] * r_teme[2]
    ri1 = w[1, 0] * r_teme[0] + w[1, 1] * r_teme[1] + w[1, 2] * r_teme[2]
    ri2 = w[2, 0] * r_teme[0] + w[2, 1] * r_teme[1] + w[2, 2] * r_teme[2]
    vi0 = w[0, 0] * v_teme[0] + w[0, 1] * v_teme[1] + w[0, 2] * v_teme[2]
    vi1 = w[1, 0] * v_teme[0] + w[1, 1] * v_teme[1] + w[1, 2] * v_teme[2]
    vi2 = w[2, 0] * v_teme[0] + w[2, 1] * v_teme[1] + w[2, 2] * v_teme[2]
    sg0 = m[0, 0] * ri0 + m[1, 0] * ri1 + m[2, 0] * ri2
    sg1 = m[0, 1] * ri0 + m[1, 1] * ri1 + m[2, 1] * ri2
    sg2 = m[0, 2] * ri0 + m[1, 2] * ri1 + m[2, 2] * ri2
    sv0 = m[0, 0] * vi0 + m[1, 0] * vi1 + m[2, 0] * vi2 + pve[3]
    sv1 = m[0, 1] * vi0 + m[1, 1] * vi1 + m[2, 1] * vi2 + pve[4]
    sv2 = m[0, 2] * vi0 + m[1, 2] * vi1 + m[2, 2] * vi2 + pve[5]
    d0 = sg0 - og0
    d1 = sg1 - og1
    d2 = sg2 - og2
    lt = 0.0
    for _ in range(2):
        lt = math.sqrt((d0 - lt * sv0) ** 2 + (d1 - lt * sv1) ** 2 + (d2 - lt * sv2) ** 2) / C_KM_S
    a0, a1, a2 = _aberrate(d0 - lt * sv0, d1 - lt * sv1, d2 - lt * sv2, vo0, vo1, vo2, lt)
    # body: B(tt - lt) - E(tt) - o
    e0 = pve[0] + og0
    e1 = pve[1] + og1
    e2 = pve[2] + og2
    if reuse:
        lt = out[13]
    else:
        body_pv(tt0, h, g_pv, body, tt, pv)
        lt = math.sqrt((pv[0] - e0) ** 2 + (pv[1] - e1) ** 2 + (pv[2] - e2) ** 2) / C_KM_S
    for _ in range(2 if reuse else 3):
        body_pv(tt0, h, g_pv, body, tt - lt, pv)
        lt = math.sqrt((pv[0] - e0) ** 2 + (pv[1] - e1) ** 2 + (pv[2] - e2) ** 2) / C_KM_S
    b0, b1, b2 = _aberrate(pv[0] - e0, pv[1] - e1, pv[2] - e2, vo0, vo1, vo2, lt)
    # both into ITRF axes
    for i in range(3):
        out[i] = m[i, 0] * a0 + m[i, 1] * a1 + m[i, 2] * a2
        out[3 + i] = m[i, 0] * b0 + m[i, 1] * b1 + m[i, 2] * b2
    out[6] = ri0
    out[7] = ri1
    out[8] = ri2
    out[9] = ri0 - ox
    out[10] = ri1 - oy
    out[11] = ri2 - oz
    out[12] = theta_dot
    out[13] = lt


@njit(cache=True, nogil=True, error_model="numpy")
def _angle(a0, a1, a2, b0, b1, b2):
    cx = a1 * b2 - a2 * b1
    cy = a2 * b0 - a0 * b2
    cz = a0 * b1 - a1 * b0
    return math.atan2(math.sqrt(cx * cx + cy * cy + cz * cz), a0 * b0 + a1 * b1 + a2 * b2)


@njit(cache=True, nogil=True, error_model="numpy")
def _up(ox, oy, oz):
    """Geodetic up unit vector of an ITRF point."""
    lat, lon, _alt = geodetic_one(ox, oy, oz)
    cl = math.cos(lat)
    return cl * math.cos(lon), cl * math.sin(lon), math.sin(lat)


@njit(cache=True, nogil=True, error_model="numpy")
def apparent_fill(unix, r_teme, v_teme, obs, body, leap_unix, leap_off, tt0, h, g_dt, g_pm,
                  g_q, g_pv, out):
    """Apparent geometry at times ``unix`` (n,) of station states (n, 3) TEME
    seen from the ITRF observer ``obs`` (3,) km; out (n, 12) as ``_apparent``."""
    m = np.empty((3, 3))
    w = np.empty((3, 3))
    pv = np.empty(6)
    pve = np.empty(6)
    row = np.empty(14)
    for i in range(unix.shape[0]):
        tt = tt_of_unix(unix[i], leap_unix, leap_off)
        _apparent(unix[i], tt, r_teme[i], v_teme[i], obs[0], obs[1], obs[2], body, tt0, h,
                  g_dt, g_pm, g_q, g_pv, m, w, pv, pve, row, False)
        for c in range(12):
            out[i, c] = row[c]


@njit(cache=True, nogil=True, error_model="numpy")
def body_itrf_fill(unix, body, leap_unix, leap_off, tt0, h, g_dt, g_pm, g_q, g_pv, out):
    """Geometric geocentric body positions (km, ITRF) at times ``unix`` (n,)."""
    m = np.empty((3, 3))
    w = np.empty((3, 3))
    pv = np.empty(6)
    pve = np.empty(6)
    for i in range(unix.shape[0]):
        tt = tt_of_unix(unix[i], leap_unix, leap_off)
        _frame(unix[i], tt, tt0, h, g_dt, g_pm, g_q, m, w)
        body_pv(tt0, h, g_pv, EARTH, tt, pve)
        body_pv(tt0, h, g_pv, body, tt, pv)
        g0 = pv[0] - pve[0]
        g1 = pv[1] - pve[1]
        g2 = pv[2] - pve[2]
        for c in range(3):
            out[i, c] = m[c, 0] * g0 + m[c, 1] * g1 + m[c, 2] * g2


@njit(cache=True, nogil=True, error_model="numpy")
def screen(t_s, r_itrf, v_itrf, body_itrf, obs, body_radius_km, margin_km, half_step_s,
           out_t, out_p):
    """Candidate closest approaches of the station to the line of sight to the body.

    Track samples ``t_s`` (n,) s, ITRF r (n, 3) km, v (n, 3) km/s (relative to
    the rotating Earth), the geocentric body (n, 3) km ITRF, one observer (3,)
    km. At every sample the station's offset p from the observer->body line
    and its rate are extrapolated linearly to the closest time within
    +- ``half_step_s``; a candidate is kept when the station and the body are
    above the horizon (-1 deg margin) and |p| at that time is at most
    ``margin_km`` plus the body's radius projected at the station's range.
    Returns the number of candidates written to out_t (time s) and out_p (|p| km).
    """
    ox, oy, oz = obs[0], obs[1], obs[2]
    ux, uy, uz = _up(ox, oy, oz)
    sin_low = math.sin(math.radians(-1.0))
    n_out = 0
    for i in range(t_s.shape[0]):
        dx = r_itrf[i, 0] - ox
        dy = r_itrf[i, 1] - oy
        dz = r_itrf[i, 2] - oz
        rng = math.sqrt(dx * dx + dy * dy + dz * dz)
        if not rng > 0.0:
            continue
        if (dx * ux + dy * uy + dz * uz) < sin_low * rng:
            continue
        bx = body_itrf[i, 0] - ox
        by = body_itrf[i, 1] - oy
        bz = body_itrf[i, 2] - oz
        bd = math.sqrt(bx * bx + by * by + bz * bz)
        bx /= bd
        by /= bd
        bz /= bd
        if (bx * ux + by * uy + bz * uz) < sin_low:
            continue
        along = dx * bx + dy * by + dz * bz
        if along <= 0.0:
            continue
        px = dx - along * bx
        py = dy - along * by
        pz = dz - along * bz
        vx, vy, vz = v_itrf[i, 0], v_itrf[i, 1], v_itrf[i, 2]
        va = vx * bx + vy * by + vz * bz
        qx = vx - va * bx
        qy = vy - va * by
        qz = vz - va * bz
        q2 = qx * qx + qy * qy + qz * qz
        tau = 0.0
        if q2 > 0.0:
            tau = -(px * qx + py * qy + pz * qz) / q2
        if tau > half_step_s:
            tau = half_step_s
        if tau < -half_step_s:
            tau = -half_step_s
        mx = px + tau * qx
        my = py + tau * qy
        mz = pz + tau * qz
        miss = math.sqrt(mx * mx + my * my + mz * mz)
        limit = margin_km + body_radius_km / bd * along
        if miss <= limit and n_out < out_t.shape[0]:
            out_t[n_out] = t_s[i] + tau
            out_p[n_out] = miss
            n_out += 1
    return n_out


@njit(cache=True, nogil=True, error_model="numpy")
def ray_ellipsoid(px, py, pz, dx, dy, dz):
    """Smallest s > 0 with p + s d on the WGS-84 ellipsoid (d unit); NaN if none."""
    k = WGS84_A_KM / B_KM
    qz = pz * k
    ez = dz * k
    a = dx * dx + dy * dy + ez * ez
    b = 2.0 * (px * dx + py * dy + qz * ez)
    c = px * px + py * py + qz * qz - WGS84_A_KM * WGS84_A_KM
    disc = b * b - 4.0 * a * c
    if disc < 0.0:
        return math.nan
    sq = math.sqrt(disc)
    s = (-b - sq) / (2.0 * a)
    if s <= 0.0:
        s = (-b + sq) / (2.0 * a)
        if s <= 0.0 or c < 0.0:
            return math.nan
    return s


@njit(cache=True, nogil=True, error_model="numpy")
def _center_point(unix, tt, r_teme, v_teme, body, tt0, h, g_dt, g_pm, g_q, g_pv, m, w, pv, pve,
                  row, g_out, guess):
    """The ground point (ITRF km, into g_out (3,)) from which the station is
    centred on the body at ``unix``; returns the residual separation (rad), NaN
    when the shadow line misses the Earth.

    The geometric direction from the point to the station that puts the
    apparent station on the apparent body is found by fixed-point steps from
    the geocentric body direction plus ``guess`` (3,) (the correction of a
    neighbouring time, or zeros); ``guess`` is updated with this time's.
    """
    theta_dot = _frame(unix, tt, tt0, h, g_dt, g_pm, g_q, m, w)
    body_pv(tt0, h, g_pv, EARTH, tt, pve)
    body_pv(tt0, h, g_pv, body, tt, pv)
    g0 = pv[0] - pve[0]
    g1 = pv[1] - pve[1]
    g2 = pv[2] - pve[2]
    ux = m[0, 0] * g0 + m[0, 1] * g1 + m[0, 2] * g2
    uy = m[1, 0] * g0 + m[1, 1] * g1 + m[1, 2] * g2
    uz = m[2, 0] * g0 + m[2, 1] * g1 + m[2, 2] * g2
    nu = math.sqrt(ux * ux + uy * uy + uz * uz)
    b0x, b0y, b0z = ux / nu, uy / nu, uz / nu
    ux = b0x + guess[0]
    uy = b0y + guess[1]
    uz = b0z + guess[2]
    row[12] = theta_dot
    row[13] = nu / C_KM_S
    rx = w[0, 0] * r_teme[0] + w[0, 1] * r_teme[1] + w[0, 2] * r_teme[2]
    ry = w[1, 0] * r_teme[0] + w[1, 1] * r_teme[1] + w[1, 2] * r_teme[2]
    rz = w[2, 0] * r_teme[0] + w[2, 1] * r_teme[1] + w[2, 2] * r_teme[2]
    gx, gy, gz = math.nan, math.nan, math.nan
    resid = math.nan
    for it in range(CENTER_ITERATIONS):
        nrm = math.sqrt(ux * ux + uy * uy + uz * uz)
        s = ray_ellipsoid(rx, ry, rz, -ux / nrm, -uy / nrm, -uz / nrm)
        if not math.isfinite(s):
            return math.nan
        nx = rx - s * ux / nrm
        ny = ry - s * uy / nrm
        nz = rz - s * uz / nrm
        moved2 = (nx - gx) ** 2 + (ny - gy) ** 2 + (nz - gz) ** 2
        gx, gy, gz = nx, ny, nz
        if moved2 < CENTER_TOL_KM * CENTER_TOL_KM:
            break
        _apparent(unix, tt, r_teme, v_teme, gx, gy, gz, body, tt0, h, g_dt, g_pm, g_q, g_pv,
                  m, w, pv, pve, row, True)
        na = math.sqrt(row[0] ** 2 + row[1] ** 2 + row[2] ** 2)
        nb = math.sqrt(row[3] ** 2 + row[4] ** 2 + row[5] ** 2)
        ng = math.sqrt(row[9] ** 2 + row[10] ** 2 + row[11] ** 2)
        resid = _angle(row[0], row[1], row[2], row[3], row[4], row[5])
        # geometric direction that puts the apparent station on the apparent body
        ux = row[3] / nb - (row[0] / na - row[9] / ng)
        uy = row[4] / nb - (row[1] / na - row[10] / ng)
        uz = row[5] / nb - (row[2] / na - row[11] / ng)
    nrm = math.sqrt(ux * ux + uy * uy + uz * uz)
    guess[0] = ux / nrm - b0x
    guess[1] = uy / nrm - b0y
    guess[2] = uz / nrm - b0z
    g_out[0] = gx
    g_out[1] = gy
    g_out[2] = gz
    return resid


@njit(cache=True, nogil=True, error_model="numpy")
def _center_scratch():
    """Scratch of ``_center_point``: ``(m, w, pv, pve, row, g, guess)``."""
    return (np.empty((3, 3)), np.empty((3, 3)), np.empty(6), np.empty(6), np.empty(14),
            np.empty(3), np.zeros(3))


@njit(cache=True, nogil=True, error_model="numpy")
def centerline_fill(unix, r_teme, v_teme, body, leap_unix, leap_off, tt0, h, g_dt, g_pm, g_q,
                    g_pv, g_out, resid_out):
    """Centre-line ground points (ITRF km, (n, 3); NaN where none) at times
    ``unix`` (n,) for station states (n, 3) TEME; residual separations (rad)."""
    m, w, pv, pve, row, g, guess = _center_scratch()
    for i in range(unix.shape[0]):
        tt = tt_of_unix(unix[i], leap_unix, leap_off)
        res = _center_point(unix[i], tt, r_teme[i], v_teme[i], body, tt0, h, g_dt, g_pm, g_q,
                            g_pv, m, w, pv, pve, row, g, guess)
        if not math.isfinite(res):
            guess[:] = 0.0
        resid_out[i] = res
        for c in range(3):
            g_out[i, c] = g[c] if math.isfinite(res) else math.nan


@njit(cache=True, nogil=True, error_model="numpy")
def track_centerline(t0_unix, t_s, r_teme, v_teme, start_s, step_s, n, body, leap_unix,
                     leap_off, tt0, h, g_dt, g_pm, g_q, g_pv, lat_out, lon_out, resid_out):
    """Whole-Earth centre line: ``n`` times from ``start_s`` every ``step_s``
    (seconds from the track start) on the Hermite-interpolated TEME track;
    fills geodetic lat/lon (deg; NaN where the shadow line misses the Earth)
    and the residual separations (rad)."""
    m, w, pv, pve, row, g, guess = _center_scratch()
    rr = np.empty(3)
    vv = np.empty(3)
    to_deg = 180.0 / math.pi
    i = 0
    n_grid = t_s.shape[0]
    for k in range(n):
        t = start_s + k * step_s
        while i < n_grid - 2 and (t_s[i + 1] <= t or t_s[i + 1] <= t_s[i]):
            i += 1
        if not (t_s[i + 1] > t_s[i]) or not math.isfinite(r_teme[i, 0]) \
                or not math.isfinite(r_teme[i + 1, 0]):
            lat_out[k] = math.nan
            lon_out[k] = math.nan
            resid_out[k] = math.nan
            continue
        rr[0], rr[1], rr[2], vv[0], vv[1], vv[2] = hermite(t_s, r_teme, v_teme, i, t)
        unix = t0_unix + t
        tt = tt_of_unix(unix, leap_unix, leap_off)
        res = _center_point(unix, tt, rr, vv, body, tt0, h, g_dt, g_pm, g_q, g_pv, m, w, pv,
                            pve, row, g, guess)
        resid_out[k] = res
        if not math.isfinite(res):
            guess[:] = 0.0
        if math.isfinite(res):
            lat, lon, _alt = geodetic_one(g[0], g[1], g[2])
            lat_out[k] = lat * to_deg
            lon_out[k] = lon * to_deg
        else:
            lat_out[k] = math.nan
            lon_out[k] = math.nan


@njit(cache=True, nogil=True, error_model="numpy")
def propagate_serial(coeffs, epoch_jd, epoch_fr, jd, fr, e_out, r_out, v_out):
    """Satellite 0 of ``coeffs`` at split-JD times (n,), serially (the refinement
    asks for a few times per call, where a parallel launch costs more than the
    work). As ``tracker.propagator.api.propagate``: codes 1-4 give NaN."""
    state = np.zeros(RESONANCE_STATE_SIZE)
    r = np.empty(3)
    v = np.empty(3)
    for j in range(jd.shape[0]):
        for c in range(RESONANCE_STATE_SIZE):
            state[c] = 0.0
        ts = (jd[j] - epoch_jd) * 1440.0 + (fr[j] - epoch_fr) * 1440.0
        err = sgp4_one(coeffs, 0, ts, state, r, v)
        e_out[j] = err
        bad = 1 <= err <= 4
        for c in range(3):
            r_out[j, c] = math.nan if bad else r[c]
            v_out[j, c] = math.nan if bad else v[c]
