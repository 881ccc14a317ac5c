"""Numba kernels: events on a sampled track (rise/set, culmination, visibility).

The track is sampled at times ``t_s`` (n,) -- float seconds from a reference
instant chosen by the caller, non-decreasing -- with positions ``r`` (n, 3)
and velocities ``v`` (n, 3) in one Earth-fixed frame (ITRF, km and km/s;
``v`` must be the time derivative of ``r``, i.e. include -omega x r). Two
equal consecutive times mark a switch between element sets: the track may
jump there, and such a zero-length interval is never interpolated.

Between samples the track is the cubic Hermite interpolant of (r, v): with
30 s samples of a low Earth orbit its error is a few centimetres (the
fourth derivative of the position is ~r*omega^4 ~ 1e-8 km/s^4; the error is
h^4/384 times that), so events are located on the interpolant by bisection
to 1e-6 s with no further propagation.

Observers are WGS-84 geodetic ``lat_rad, lon_rad, alt_km`` (arrays, one per
observer). Elevations are geometric (no refraction), as in skyfield's
``altaz()``. Thresholds are given as the sine of the elevation.

Output of ``find_passes`` (one row per pass, columns ``P_*``): times in the
same seconds as ``t_s``, NaN for "outside the window". The scan
(``scan_passes_blocks``, or ``count_passes`` then ``fill_passes``) skips
blocks and intervals of the track that lie below an observer's horizon
plane (``track_blocks``, ``HERMITE_BOUND``): the passes are the same as with
every interval examined.
"""
from __future__ import annotations

import math

import numpy as np
from tracker.jit import njit, prange

from tracker.astro.frames_kernels import geodetic_to_itrf_one
from tracker.propagator.near import put_state

# columns of the pass table
P_RISE = 0          # threshold crossing upwards (NaN: above threshold at window start)
P_SET = 1           # crossing downwards (NaN: still above at window end)
P_CULM = 2          # time of the highest culmination in the window (NaN: none in the window)
P_CULM_SIN = 3      # sin(elevation) at P_CULM
P_PEAK_SIN = 4      # highest sin(elevation) in the window (culmination or window edge)
P_PEAK_T = 5        # time of P_PEAK_SIN
P_N_CULM = 6        # number of local maxima above the threshold within the pass
P_START = 7         # pass start clipped to the window (rise, or window start)
P_END = 8           # pass end clipped to the window (set, or window end)
N_PCOLS = 9

# columns of the visibility table
V_START = 0         # visible segment start (NaN: not visible)
V_END = 1
V_BRIGHT_T = 2      # time of the brightest (lowest) magnitude within the segment
V_MAG = 3           # that magnitude
N_VCOLS = 4

BISECT_TOL_S = 1e-6
# Below-the-horizon rejection in the scan (``_scan_observer``): on one interval
# the cubic Hermite interpolant f(s) of the observer's "up" distance
# (r - o).u satisfies f <= max(f0, f1) + 4/27 h (|f0'| + |f1'|) (h00 + h01 = 1,
# both in [0, 1]; |h10|, |h11| <= 4/27 h), so an interval where that bound is
# below -HORIZON_MARGIN_KM has a negative elevation throughout: no crossing
# and no maximum above a threshold >= 0 deg can lie in it, and the scan skips
# it without the elevation's square root and divisions.
HERMITE_BOUND = 4.0 / 27.0
HORIZON_MARGIN_KM = 1e-6
# The same test on blocks of SCAN_BLOCK intervals first (``track_blocks``): a
# sphere holding the whole interpolated track of the block; a block whose
# sphere lies below the horizon plane is skipped at once.
SCAN_BLOCK = 8
MAG_STEP_S = 5.0            # brightness sampled this often along a visible segment
TWILIGHT_STEP_S = 60.0      # Sun altitude sampled this often to find twilight crossings


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def hermite_weights(s, h):
    """Cubic Hermite weights at ``s`` in [0, 1] of an interval of length ``h``:
    ``(h00, h10, h01, h11)`` for the value from (p0, v0, p1, v1) and
    ``(d00, d10, d01, d11)`` for its time derivative."""
    s2 = s * s
    s3 = s2 * s
    return (2.0 * s3 - 3.0 * s2 + 1.0, (s3 - 2.0 * s2 + s) * h, -2.0 * s3 + 3.0 * s2,
            (s3 - s2) * h, (6.0 * s2 - 6.0 * s) / h, 3.0 * s2 - 4.0 * s + 1.0,
            (-6.0 * s2 + 6.0 * s) / h, 3.0 * s2 - 2.0 * s)


@njit(cache=True, nogil=True, error_model="numpy")
def hermite(t_s, r, v, i, t):
    """Track at time t from interval i = [t_s[i], t_s[i+1]] (cubic Hermite).

    Returns (x, y, z, vx, vy, vz): position (km) and its time derivative (km/s).
    """
    h = t_s[i + 1] - t_s[i]
    h00, h10, h01, h11, d00, d10, d01, d11 = hermite_weights((t - t_s[i]) / h, h)
    x = h00 * r[i, 0] + h10 * v[i, 0] + h01 * r[i + 1, 0] + h11 * v[i + 1, 0]
    y = h00 * r[i, 1] + h10 * v[i, 1] + h01 * r[i + 1, 1] + h11 * v[i + 1, 1]
    z = h00 * r[i, 2] + h10 * v[i, 2] + h01 * r[i + 1, 2] + h11 * v[i + 1, 2]
    vx = d00 * r[i, 0] + d10 * v[i, 0] + d01 * r[i + 1, 0] + d11 * v[i + 1, 0]
    vy = d00 * r[i, 1] + d10 * v[i, 1] + d01 * r[i + 1, 1] + d11 * v[i + 1, 1]
    vz = d00 * r[i, 2] + d10 * v[i, 2] + d01 * r[i + 1, 2] + d11 * v[i + 1, 2]
    return x, y, z, vx, vy, vz


@njit(cache=True, nogil=True, error_model="numpy")
def interval_at(t_s, t):
    """Index i of the interval [t_s[i], t_s[i+1]] (of positive length) holding t.

    Times at or beyond the ends use the first/last interval. At a repeated
    time (element-set switch) the later interval is used.
    """
    n = t_s.shape[0]
    i = np.searchsorted(t_s, t, side="right") - 1
    if i < 0:
        i = 0
    if i > n - 2:
        i = n - 2
    while i < n - 2 and t_s[i + 1] <= t_s[i]:
        i += 1
    while i > 0 and t_s[i + 1] <= t_s[i]:
        i -= 1
    return i


@njit(cache=True, nogil=True, error_model="numpy")
def interpolate_track(t_s, r, v, t_query, r_out, v_out):
    """Hermite track at times ``t_query`` (m,) -> fills r_out, v_out (m, 3).

    Serial: callers (bisection steps of the overflight and shadow searches)
    ask for tens to hundreds of times per call, where a parallel launch costs
    far more (~1.5 ms) than the work (~1 us).
    """
    for k in range(t_query.shape[0]):
        t = t_query[k]
        if not math.isfinite(t):
            for c in range(3):
                r_out[k, c] = math.nan
                v_out[k, c] = math.nan
            continue
        i = interval_at(t_s, t)
        x, y, z, vx, vy, vz = hermite(t_s, r, v, i, t)
        put_state(r_out, v_out, k, x, y, z, vx, vy, vz)


@njit(cache=True, nogil=True, error_model="numpy")
def _sin_el(x, y, z, vx, vy, vz, ox, oy, oz, ux, uy, uz):
    """sin(elevation) of the satellite from the observer and its time derivative."""
    dx = x - ox
    dy = y - oy
    dz = z - oz
    d = math.sqrt(dx * dx + dy * dy + dz * dz)
    du = dx * ux + dy * uy + dz * uz
    dv = dx * vx + dy * vy + dz * vz
    vu = vx * ux + vy * uy + vz * uz
    return du / d, vu / d - du * dv / (d * d * d)


@njit(cache=True, nogil=True, error_model="numpy")
def _g_at(t_s, r, v, i, t, ox, oy, oz, ux, uy, uz):
    x, y, z, vx, vy, vz = hermite(t_s, r, v, i, t)
    return _sin_el(x, y, z, vx, vy, vz, ox, oy, oz, ux, uy, uz)


@njit(cache=True, nogil=True, error_model="numpy")
def _root(t_s, r, v, i, a, b, up, ox, oy, oz, ux, uy, uz, sin_min):
    """Crossing of sin_min in [a, b] (interval i); ``up``: rising (g(a) < 0 <= g(b))."""
    while b - a > BISECT_TOL_S:
        m = 0.5 * (a + b)
        g, _ = _g_at(t_s, r, v, i, m, ox, oy, oz, ux, uy, uz)
        if (g >= sin_min) == up:
            b = m
        else:
            a = m
    return 0.5 * (a + b)


@njit(cache=True, nogil=True, error_model="numpy")
def _critical(t_s, r, v, i, a, b, ox, oy, oz, ux, uy, uz):
    """Zero of d(sin el)/dt in [a, b] where it changes sign (bisection)."""
    _, da = _g_at(t_s, r, v, i, a, ox, oy, oz, ux, uy, uz)
    while b - a > BISECT_TOL_S:
        m = 0.5 * (a + b)
        _, dm = _g_at(t_s, r, v, i, m, ox, oy, oz, ux, uy, uz)
        if (dm > 0.0) == (da > 0.0):
            a = m
        else:
            b = m
    return 0.5 * (a + b)


@njit(cache=True, nogil=True, error_model="numpy")
def track_blocks(t_s, r, v):
    """Bounding spheres of the interpolated track on blocks of ``SCAN_BLOCK``
    intervals: ``(centre (nb, 3) km, radius (nb,) km)``; block b covers the
    samples b*SCAN_BLOCK .. min((b+1)*SCAN_BLOCK, n-1). Each point of the
    cubic Hermite interpolant on an interval [i, i+1] lies within
    max(|r_i - c|, |r_i+1 - c|) + 4/27 h (|v_i| + |v_i+1|) of any c (see
    ``HERMITE_BOUND``); the radius uses the block's longest interval and
    fastest sample. A block with a non-finite sample gets radius +inf."""
    n = t_s.shape[0]
    nb = (n - 2) // SCAN_BLOCK + 1 if n >= 2 else 0
    centre = np.empty((nb, 3))
    radius = np.empty(nb)
    for b in range(nb):
        i0 = b * SCAN_BLOCK
        i1 = min(i0 + SCAN_BLOCK, n - 1)
        lo0 = hi0 = r[i0, 0]
        lo1 = hi1 = r[i0, 1]
        lo2 = hi2 = r[i0, 2]
        v2 = 0.0
        h = 0.0
        ok = True
        for j in range(i0, i1 + 1):
            x = r[j, 0]
            y = r[j, 1]
            z = r[j, 2]
            w = v[j, 0] * v[j, 0] + v[j, 1] * v[j, 1] + v[j, 2] * v[j, 2]
            if not (math.isfinite(x + y + z) and math.isfinite(w)):
                ok = False
            lo0 = min(lo0, x)
            hi0 = max(hi0, x)
            lo1 = min(lo1, y)
            hi1 = max(hi1, y)
            lo2 = min(lo2, z)
            hi2 = max(hi2, z)
            v2 = max(v2, w)
            if j < i1:
                h = max(h, t_s[j + 1] - t_s[j])
        cx = 0.5 * (lo0 + hi0)
        cy = 0.5 * (lo1 + hi1)
        cz = 0.5 * (lo2 + hi2)
        centre[b, 0] = cx
        centre[b, 1] = cy
        centre[b, 2] = cz
        if not ok:
            radius[b] = math.inf
            continue
        d2 = 0.0
        for j in range(i0, i1 + 1):
            dx = r[j, 0] - cx
            dy = r[j, 1] - cy
            dz = r[j, 2] - cz
            d2 = max(d2, dx * dx + dy * dy + dz * dz)
        radius[b] = math.sqrt(d2) + 2.0 * HERMITE_BOUND * h * math.sqrt(v2) + HORIZON_MARGIN_KM
    return centre, radius


@njit(cache=True, nogil=True, error_model="numpy")
def nonfinite_rows(r, v, out):
    """out[i] = whether row i of r or v (n, 3) holds a NaN or an infinity."""
    for i in range(r.shape[0]):
        bad = False
        for c in range(3):
            if not (math.isfinite(r[i, c]) and math.isfinite(v[i, c])):
                bad = True
        out[i] = bad


@njit(cache=True, nogil=True, error_model="numpy")
def _up_distance(r, v, i, ox, oy, oz, ux, uy, uz):
    """Sample i's height above the observer's horizon plane, (r - o).u (km),
    and its rate v.u (km/s): the numerator of sin(elevation) and its slope."""
    return ((r[i, 0] - ox) * ux + (r[i, 1] - oy) * uy + (r[i, 2] - oz) * uz,
            v[i, 0] * ux + v[i, 1] * uy + v[i, 2] * uz)


@njit(cache=True, nogil=True, error_model="numpy")
def _observer(lat_rad, lon_rad, alt_km, o):
    """Fill o with the observer's ITRF position; return the up unit vector."""
    geodetic_to_itrf_one(lat_rad, lon_rad, alt_km, o)
    cl = math.cos(lat_rad)
    return cl * math.cos(lon_rad), cl * math.sin(lon_rad), math.sin(lat_rad)


@njit(cache=True, nogil=True, error_model="numpy")
def _scan_observer(t_s, r, v, blk_c, blk_r, lat_rad, lon_rad, alt_km, sin_min, k, out, out_obs,
                   base, write, cap):
    """Find the passes of observer k; write rows from ``base`` when ``write``
    (at most ``cap`` of them; the count goes on).

    Returns the number of passes. A pass is a maximal time interval with
    sin(el) >= sin_min inside the window [t_s[0], t_s[-1]]. Intervals wholly
    below the horizon are skipped when sin_min >= 0 (whole blocks first:
    ``blk_c``, ``blk_r`` from ``track_blocks``; then single intervals, see
    ``HERMITE_BOUND``), and
    without ``write`` the crossing times are not refined (only counted): the
    passes found are the same as with every interval examined.
    """
    n = t_s.shape[0]
    o = np.empty(3)
    ux, uy, uz = _observer(lat_rad, lon_rad, alt_km, o)
    ox = o[0]
    oy = o[1]
    oz = o[2]
    # margin for skipping maxima that cannot reach the threshold (see below)
    count = 0
    g0, d0 = _sin_el(r[0, 0], r[0, 1], r[0, 2], v[0, 0], v[0, 1], v[0, 2], ox, oy, oz, ux, uy, uz)
    above = g0 >= sin_min
    # the open pass
    rise = math.nan
    culm_t = math.nan
    culm_g = -2.0
    peak_t = t_s[0]
    peak_g = g0
    n_culm = 0
    if above:
        rise = math.nan
    skip = sin_min >= 0.0
    ou = ox * ux + oy * uy + oz * uz
    f0 = 0.0
    fd0 = 0.0
    f_stale = True          # f0, fd0 not yet evaluated at sample i
    stale = False           # g0, d0 not yet evaluated at sample i (after skipped intervals)
    i = 0
    while i < n - 1:
        if skip and not above and i % SCAN_BLOCK == 0:
            b = i // SCAN_BLOCK
            if blk_c[b, 0] * ux + blk_c[b, 1] * uy + blk_c[b, 2] * uz - ou + blk_r[b] < 0.0:
                i = min(i + SCAN_BLOCK, n - 1)
                stale = True
                f_stale = True
                continue
        ta = t_s[i]
        tb = t_s[i + 1]
        if skip:
            if f_stale:
                f0, fd0 = _up_distance(r, v, i, ox, oy, oz, ux, uy, uz)
                f_stale = False
            f1, fd1 = _up_distance(r, v, i + 1, ox, oy, oz, ux, uy, uz)
            bound = HERMITE_BOUND * max(tb - ta, 0.0) * (abs(fd0) + abs(fd1)) + HORIZON_MARGIN_KM
            below = (not above) and f0 + bound < 0.0 and f1 + bound < 0.0
            f0 = f1
            fd0 = fd1
            if below:
                stale = True
                i += 1
                continue
        if stale:
            g0, d0 = _sin_el(r[i, 0], r[i, 1], r[i, 2], v[i, 0], v[i, 1], v[i, 2],
                             ox, oy, oz, ux, uy, uz)
            stale = False
        g1, d1 = _sin_el(r[i + 1, 0], r[i + 1, 1], r[i + 1, 2], v[i + 1, 0], v[i + 1, 1],
                         v[i + 1, 2], ox, oy, oz, ux, uy, uz)
        # up to 4 event candidates in this interval, in time order:
        # (kind, time, value); kind 0 = crossing, 1 = maximum
        n_ev = 0
        ev_kind = (0, 0, 0)
        ev_t0 = 0.0
        ev_t1 = 0.0
        ev_t2 = 0.0
        ev_g0 = 0.0
        ev_g1 = 0.0
        ev_g2 = 0.0
        if tb <= ta:
            # element-set switch: a jump, no interpolation
            if (g0 >= sin_min) != (g1 >= sin_min):
                n_ev = 1
                ev_kind = (0, 0, 0)
                ev_t0 = ta
            elif d0 > 0.0 and d1 <= 0.0 and max(g0, g1) >= sin_min:
                n_ev = 1
                ev_kind = (1, 0, 0)
                ev_t0 = ta
                ev_g0 = max(g0, g1)
        else:
            h = tb - ta
            # interior critical point, if the derivative changes sign
            has_crit = (d0 > 0.0) != (d1 > 0.0)
            tc = math.nan
            gc = 0.0
            is_max = d0 > 0.0
            if has_crit:
                # a maximum is refined only if it may reach the threshold: on a
                # concave arc g(t) <= g0 + g0' h (and g1 - g1' h); 2x margin
                if (not is_max) or g0 + 2.0 * h * d0 >= sin_min or g1 - 2.0 * h * d1 >= sin_min \
                        or g0 >= sin_min or g1 >= sin_min:
                    tc = _critical(t_s, r, v, i, ta, tb, ox, oy, oz, ux, uy, uz)
                    gc, _ = _g_at(t_s, r, v, i, tc, ox, oy, oz, ux, uy, uz)
                else:
                    has_crit = False
            if has_crit:
                # two monotonic pieces [ta, tc], [tc, tb]
                if (g0 >= sin_min) != (gc >= sin_min):
                    if write:
                        ev_t0 = _root(t_s, r, v, i, ta, tc, gc >= sin_min, ox, oy, oz, ux, uy, uz,
                                      sin_min)
                    n_ev = 1
                if is_max and gc >= sin_min:
                    if n_ev == 0:
                        ev_t0 = tc
                        ev_g0 = gc
                        ev_kind = (1, 0, 0)
                    else:
                        ev_t1 = tc
                        ev_g1 = gc
                        ev_kind = (0, 1, 0)
                    n_ev += 1
                if (gc >= sin_min) != (g1 >= sin_min):
                    tr = tc
                    if write:
                        tr = _root(t_s, r, v, i, tc, tb, g1 >= sin_min, ox, oy, oz, ux, uy, uz,
                                   sin_min)
                    if n_ev == 0:
                        ev_t0 = tr
                    elif n_ev == 1:
                        ev_t1 = tr
                    else:
                        ev_t2 = tr
                    n_ev += 1
            elif (g0 >= sin_min) != (g1 >= sin_min):
                if write:
                    ev_t0 = _root(t_s, r, v, i, ta, tb, g1 >= sin_min, ox, oy, oz, ux, uy, uz,
                                  sin_min)
                n_ev = 1
        for e in range(n_ev):
            if e == 0:
                kind = ev_kind[0]
                te = ev_t0
                ge = ev_g0
            elif e == 1:
                kind = ev_kind[1]
                te = ev_t1
                ge = ev_g1
            else:
                kind = ev_kind[2]
                te = ev_t2
                ge = ev_g2
            if kind == 1:
                if above:
                    n_culm += 1
                    if ge > culm_g:
                        culm_g = ge
                        culm_t = te
                    if ge > peak_g:
                        peak_g = ge
                        peak_t = te
            elif not above:
                above = True
                rise = te
                culm_t = math.nan
                culm_g = -2.0
                peak_g = sin_min
                peak_t = te
                n_culm = 0
            else:
                above = False
                if write and count < cap:
                    row = base + count
                    _write_pass(out, out_obs, row, k, rise, te, culm_t, culm_g, peak_g, peak_t, n_culm,
                                t_s[0], t_s[n - 1])
                count += 1
        if above and g1 > peak_g:
            peak_g = g1
            peak_t = tb
        g0 = g1
        d0 = d1
        i += 1
    if above:
        if write and count < cap:
            _write_pass(out, out_obs, base + count, k, rise, math.nan, culm_t, culm_g, peak_g, peak_t,
                        n_culm, t_s[0], t_s[n - 1])
        count += 1
    return count


@njit(cache=True, nogil=True, error_model="numpy")
def _write_pass(out, out_obs, row, k, rise, set_, culm_t, culm_g, peak_g, peak_t, n_culm, t_first, t_last):
    out_obs[row] = k
    out[row, P_RISE] = rise
    out[row, P_SET] = set_
    out[row, P_CULM] = culm_t
    out[row, P_CULM_SIN] = culm_g if n_culm > 0 else math.nan
    out[row, P_PEAK_SIN] = peak_g
    out[row, P_PEAK_T] = peak_t
    out[row, P_N_CULM] = n_culm
    out[row, P_START] = rise if math.isfinite(rise) else t_first
    out[row, P_END] = set_ if math.isfinite(set_) else t_last


@njit(cache=True, nogil=True, error_model="numpy")
def count_passes(t_s, r, v, lat_rad, lon_rad, alt_km, sin_min, counts):
    """Number of passes above sin_min for every observer -> fills counts (m,) int64."""
    blk_c, blk_r = track_blocks(t_s, r, v)
    count_passes_blocks(t_s, r, v, blk_c, blk_r, lat_rad, lon_rad, alt_km, sin_min, counts)


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def count_passes_blocks(t_s, r, v, blk_c, blk_r, lat_rad, lon_rad, alt_km, sin_min, counts):
    """``count_passes`` given the track's ``track_blocks`` (computed once per track)."""
    dummy = np.empty((0, N_PCOLS))
    dummy_obs = np.empty(0, dtype=np.int64)
    for k in prange(lat_rad.shape[0]):
        # np.int64 indices: prange's index and a literal would each compile
        # _scan_observer (and _write_pass) again.
        counts[k] = _scan_observer(t_s, r, v, blk_c, blk_r, lat_rad[k], lon_rad[k], alt_km[k],
                                   sin_min, np.int64(k), dummy, dummy_obs, np.int64(0), False,
                                   np.int64(0))


@njit(cache=True, nogil=True, error_model="numpy")
def fill_passes(t_s, r, v, lat_rad, lon_rad, alt_km, sin_min, offsets, out, out_obs):
    """Pass table: observer k's passes go to rows offsets[k] .. offsets[k+1]-1 of
    ``out`` (n_pass, N_PCOLS) and ``out_obs`` (observer index)."""
    blk_c, blk_r = track_blocks(t_s, r, v)
    fill_passes_blocks(t_s, r, v, blk_c, blk_r, lat_rad, lon_rad, alt_km, sin_min, offsets, out,
                       out_obs)


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def fill_passes_blocks(t_s, r, v, blk_c, blk_r, lat_rad, lon_rad, alt_km, sin_min, offsets, out,
                       out_obs):
    """``fill_passes`` given the track's ``track_blocks``."""
    for k in prange(lat_rad.shape[0]):
        if offsets[k + 1] > offsets[k]:
            _scan_observer(t_s, r, v, blk_c, blk_r, lat_rad[k], lon_rad[k], alt_km[k], sin_min,
                           np.int64(k), out, out_obs, offsets[k], True,
                           offsets[k + 1] - offsets[k])


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def scan_passes_blocks(t_s, r, v, blk_c, blk_r, lat_rad, lon_rad, alt_km, sin_min, cap, out,
                       out_obs, counts):
    """Count and fill in one scan: observer k's first ``cap`` passes go to rows
    k*cap .. of ``out`` (m*cap, N_PCOLS) / ``out_obs``, and counts[k] gets its
    number of passes (more than ``cap``: the rows beyond were not written;
    the caller then fills with ``fill_passes_blocks`` and the exact counts)."""
    for k in prange(lat_rad.shape[0]):
        counts[k] = _scan_observer(t_s, r, v, blk_c, blk_r, lat_rad[k], lon_rad[k], alt_km[k],
                                   sin_min, np.int64(k), out, out_obs, np.int64(k) * cap, True,
                                   cap)


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def look_angles(t_s, r, v, lat_rad, lon_rad, alt_km, obs, t_query, az_deg, el_deg, range_km):
    """Azimuth (from north through east, [0, 360)), geometric elevation (deg)
    and range (km) of the track at ``t_query[q]`` seen from observer ``obs[q]``.
    NaN times give NaN."""
    for q in prange(t_query.shape[0]):
        t = t_query[q]
        if not math.isfinite(t):
            az_deg[q] = math.nan
            el_deg[q] = math.nan
            range_km[q] = math.nan
            continue
        k = obs[q]
        o = np.empty(3)
        geodetic_to_itrf_one(lat_rad[k], lon_rad[k], alt_km[k], o)
        i = interval_at(t_s, t)
        x, y, z, _, _, _ = hermite(t_s, r, v, i, t)
        dx = x - o[0]
        dy = y - o[1]
        dz = z - o[2]
        sl = math.sin(lat_rad[k])
        cl = math.cos(lat_rad[k])
        so = math.sin(lon_rad[k])
        co = math.cos(lon_rad[k])
        east = -so * dx + co * dy
        north = -sl * co * dx - sl * so * dy + cl * dz
        up = cl * co * dx + cl * so * dy + sl * dz
        az = math.degrees(math.atan2(east, north))
        if az < 0.0:
            az += 360.0
        if az >= 360.0:
            az -= 360.0
        az_deg[q] = az
        el_deg[q] = math.degrees(math.atan2(up, math.sqrt(east * east + north * north)))
        range_km[q] = math.sqrt(dx * dx + dy * dy + dz * dz)


@njit(cache=True, nogil=True, error_model="numpy")
def _sun_sin_alt(t_s, sun_hat, t, ux, uy, uz):
    """sin(geometric altitude) of the Sun for an observer with up vector u.

    Sun direction linearly interpolated between samples and renormalised
    (parallax, < 9 arcsec, neglected).
    """
    i = interval_at(t_s, t)
    h = t_s[i + 1] - t_s[i]
    w = (t - t_s[i]) / h
    sx = (1.0 - w) * sun_hat[i, 0] + w * sun_hat[i + 1, 0]
    sy = (1.0 - w) * sun_hat[i, 1] + w * sun_hat[i + 1, 1]
    sz = (1.0 - w) * sun_hat[i, 2] + w * sun_hat[i + 1, 2]
    return (sx * ux + sy * uy + sz * uz) / math.sqrt(sx * sx + sy * sy + sz * sz)


@njit(cache=True, nogil=True, error_model="numpy")
def _sun_root(t_s, sun_hat, a, b, ux, uy, uz, sin_sun_max, dark_at_b):
    while b - a > BISECT_TOL_S:
        m = 0.5 * (a + b)
        dark = _sun_sin_alt(t_s, sun_hat, m, ux, uy, uz) <= sin_sun_max
        if dark == dark_at_b:
            b = m
        else:
            a = m
    return 0.5 * (a + b)


@njit(cache=True, nogil=True, error_model="numpy")
def magnitude_one(t_s, r, v, sun_hat, t, ox, oy, oz, std_mag):
    """Visual magnitude at time t for an observer at ITRF (ox, oy, oz), km.

    mag = std_mag + 5 log10(range / 1000 km) - 2.5 log10(F(phase)), with the
    diffuse (Lambert) sphere phase law normalised to 1 at 90 deg phase:
    F(a) = sin a + (pi - a) cos a, where a is the angle at the satellite between
    the directions to the Sun and to the observer. Returns +inf when F <= 1e-9.
    """
    i = interval_at(t_s, t)
    x, y, z, _, _, _ = hermite(t_s, r, v, i, t)
    h = t_s[i + 1] - t_s[i]
    w = (t - t_s[i]) / h
    sx = (1.0 - w) * sun_hat[i, 0] + w * sun_hat[i + 1, 0]
    sy = (1.0 - w) * sun_hat[i, 1] + w * sun_hat[i + 1, 1]
    sz = (1.0 - w) * sun_hat[i, 2] + w * sun_hat[i + 1, 2]
    sn = math.sqrt(sx * sx + sy * sy + sz * sz)
    dx = ox - x
    dy = oy - y
    dz = oz - z
    rng = math.sqrt(dx * dx + dy * dy + dz * dz)
    c = (sx * dx + sy * dy + sz * dz) / (sn * rng)
    c = min(1.0, max(-1.0, c))
    a = math.acos(c)
    f = math.sin(a) + (math.pi - a) * c
    if not f > 1e-9:            # back-lit (tracker.astro.visibility.BACKLIT_F)
        return math.inf
    return std_mag + 5.0 * math.log10(rng / 1000.0) - 2.5 * math.log10(f)


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def pass_visibility(t_s, r, v, sun_hat, lit_start, lit_end, lat_rad, lon_rad, alt_km,
                    obs, p_start, p_end, sin_sun_max, std_mag, out):
    """Visible segment and peak brightness of each pass -> ``out`` (n_pass, N_VCOLS).

    Visible = the station sunlit (inside one of the sorted, disjoint intervals
    ``[lit_start[j], lit_end[j]]``) and the observer's Sun at or below
    ``asin(sin_sun_max)``, between ``p_start[p]`` and ``p_end[p]`` (the pass,
    clipped to the window). If that set has several pieces the longest is
    reported. ``sun_hat`` (n, 3): unit vectors to the Sun (ITRF) at ``t_s``.
    """
    n_lit = lit_start.shape[0]
    for p in prange(obs.shape[0]):
        for c in range(N_VCOLS):
            out[p, c] = math.nan
        a = p_start[p]
        b = p_end[p]
        if not (b > a):
            continue
        k = obs[p]
        o = np.empty(3)
        ux, uy, uz = _observer(lat_rad[k], lon_rad[k], alt_km[k], o)
        best_a = math.nan
        best_b = math.nan
        j = np.searchsorted(lit_end, a, side="left")
        while j < n_lit and lit_start[j] < b:
            la = max(a, lit_start[j])
            lb = min(b, lit_end[j])
            j += 1
            if not (lb > la):
                continue
            # dark-sky sub-pieces of [la, lb]: sample the Sun altitude, bisect changes
            n_steps = int(math.ceil((lb - la) / TWILIGHT_STEP_S))
            step = (lb - la) / n_steps
            t_prev = la
            dark_prev = _sun_sin_alt(t_s, sun_hat, la, ux, uy, uz) <= sin_sun_max
            piece_a = la if dark_prev else math.nan
            for s in range(1, n_steps + 1):
                t_cur = lb if s == n_steps else la + s * step
                dark_cur = _sun_sin_alt(t_s, sun_hat, t_cur, ux, uy, uz) <= sin_sun_max
                if dark_cur != dark_prev:
                    tx = _sun_root(t_s, sun_hat, t_prev, t_cur, ux, uy, uz, sin_sun_max, dark_cur)
                    if dark_cur:
                        piece_a = tx
                    else:
                        if not (best_b - best_a >= tx - piece_a):
                            best_a = piece_a
                            best_b = tx
                        piece_a = math.nan
                dark_prev = dark_cur
                t_prev = t_cur
            if dark_prev and math.isfinite(piece_a):
                if not (best_b - best_a >= lb - piece_a):
                    best_a = piece_a
                    best_b = lb
        if not (best_b > best_a):
            continue
        out[p, V_START] = best_a
        out[p, V_END] = best_b
        # brightest moment: sample, then golden-section search around the best sample
        n_steps = max(2, int(math.ceil((best_b - best_a) / MAG_STEP_S)))
        step = (best_b - best_a) / n_steps
        m_best = math.inf
        s_best = 0
        for s in range(n_steps + 1):
            m = magnitude_one(t_s, r, v, sun_hat, best_a + s * step, o[0], o[1], o[2], std_mag)
            if m < m_best:
                m_best = m
                s_best = s
        lo = best_a + max(s_best - 1, 0) * step
        hi = best_a + min(s_best + 1, n_steps) * step
        gr = 0.3819660112501051
        x1 = lo + gr * (hi - lo)
        x2 = hi - gr * (hi - lo)
        f1 = magnitude_one(t_s, r, v, sun_hat, x1, o[0], o[1], o[2], std_mag)
        f2 = magnitude_one(t_s, r, v, sun_hat, x2, o[0], o[1], o[2], std_mag)
        while hi - lo > 1e-3:
            if f1 < f2:
                hi = x2
                x2 = x1
                f2 = f1
                x1 = lo + gr * (hi - lo)
                f1 = magnitude_one(t_s, r, v, sun_hat, x1, o[0], o[1], o[2], std_mag)
            else:
                lo = x1
                x1 = x2
                f1 = f2
                x2 = hi - gr * (hi - lo)
                f2 = magnitude_one(t_s, r, v, sun_hat, x2, o[0], o[1], o[2], std_mag)
        t_b = 0.5 * (lo + hi)
        m_b = magnitude_one(t_s, r, v, sun_hat, t_b, o[0], o[1], o[2], std_mag)
        if m_best < m_b:
            t_b = best_a + s_best * step
            m_b = m_best
        out[p, V_BRIGHT_T] = t_b
        out[p, V_MAG] = m_b
