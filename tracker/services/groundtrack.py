"""Ground tracks: the sub-satellite path over an interval, as GeoJSON or rows.

``ground_track(store, start, end, step_s, ...)`` samples ``positions`` on an
even time grid. ``split_antimeridian`` cuts the path into lines that never
jump across the 180-degree meridian: where consecutive points straddle it,
the crossing is interpolated linearly in (longitude unwrapped, latitude,
time) and one line ends at +/-180 while the next starts at -/+180 (at a
30 s step the interpolated crossing latitude is off by up to ~0.01 deg,
measured against a 0.1 s track in tests/test_groundtrack.py). Rows that could not be propagated (NaN) also break the line.

``footprint_polygon`` is the circle on the ground from which the satellite
is above the horizon (``tracker.astro.frames.footprint_km``: spherical Earth of
radius 6371 km), as a GeoJSON Polygon, a MultiPolygon when it straddles the
antimeridian, or a polygon closed along the pole when it covers a pole.
Coordinates are [longitude, latitude] in degrees (RFC 7946 order).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from tracker.astro.frames import MEAN_EARTH_RADIUS_KM, EarthOrientation, footprint_km
from tracker.services.position import PositionTable, positions
from tracker.astro.sun import SunEphemeris
from tracker.astro.time import (Instant, check_service_range, format_utc,
                              format_utc_array, time_grid)

DEFAULT_STEP_S = 30.0
COORD_DIGITS = 6          # 1e-6 deg is 0.1 m


@dataclass(frozen=True)
class TrackLine:
    """One unbroken piece of a ground track: arrays of equal length."""

    lon_deg: np.ndarray
    lat_deg: np.ndarray
    unix_s: np.ndarray


def ground_track(store, start, end, step_s: float = DEFAULT_STEP_S, *,
                 eop: EarthOrientation, sun: SunEphemeris | None,
                 allow_stale: bool = False, max_points: int = 10_000_000) -> PositionTable:
    """Positions every ``step_s`` seconds from ``start`` to ``end`` (inclusive;
    ``Instant``s, or what ``Instant.of`` reads).

    Raises ``TimeRangeError`` naming ``start`` or ``end`` when either is
    outside the services' range, ``UserError``s from ``time_grid`` (end <=
    start, bad step, too many points) and from ``positions`` (stale elements).
    """
    start = Instant.of(start, parameter="start")
    end = Instant.of(end, parameter="end")
    check_service_range(start.unix_s, "start")
    check_service_range(end.unix_s, "end")
    grid = Instant.from_jdfr(*time_grid(start.datetime(), end.datetime(), step_s,
                                        max_points=max_points))
    return positions(store, grid, eop=eop, sun=sun, allow_stale=allow_stale)


def split_antimeridian(lon_deg, lat_deg, unix_s) -> list[TrackLine]:
    """Cut a path into lines that do not cross the antimeridian (see module doc).

    Inputs are (n,) arrays with longitudes in (-180, 180]. A step is taken as
    crossing the antimeridian when the longitude changes by more than 180
    degrees (the short way round is across it).
    """
    lon = np.asarray(lon_deg, dtype=np.float64)
    lat = np.asarray(lat_deg, dtype=np.float64)
    t = np.asarray(unix_s, dtype=np.float64)
    ok = np.isfinite(lon) & np.isfinite(lat)
    lines: list[TrackLine] = []
    # Runs of finite points.
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    for a, b in zip(edges[::2], edges[1::2]):
        lines.extend(_split_run(lon[a:b], lat[a:b], t[a:b]))
    return lines


def _split_run(lon, lat, t) -> list[TrackLine]:
    jumps = np.flatnonzero(np.abs(np.diff(lon)) > 180.0)
    if len(jumps) == 0:
        return [TrackLine(lon.copy(), lat.copy(), t.copy())]
    out = []
    start = 0
    head_lon, head_lat, head_t = [], [], []
    for i in jumps:
        lon0, lon1 = lon[i], lon[i + 1]
        edge = 180.0 if lon0 > 0 else -180.0           # the side we leave from
        lon1u = lon1 + (360.0 if edge > 0 else -360.0)  # next point, unwrapped
        f = (edge - lon0) / (lon1u - lon0)
        lat_c = lat[i] + f * (lat[i + 1] - lat[i])
        t_c = t[i] + f * (t[i + 1] - t[i])
        seg_lon = np.concatenate([head_lon, lon[start:i + 1]])
        seg_lat = np.concatenate([head_lat, lat[start:i + 1]])
        seg_t = np.concatenate([head_t, t[start:i + 1]])
        if lon0 != edge:
            seg_lon = np.append(seg_lon, edge)
            seg_lat = np.append(seg_lat, lat_c)
            seg_t = np.append(seg_t, t_c)
        if len(seg_lon) >= 2:
            out.append(TrackLine(seg_lon, seg_lat, seg_t))
        start = i + 1
        if lon1 != -edge:
            head_lon, head_lat, head_t = [-edge], [lat_c], [t_c]
        else:
            head_lon, head_lat, head_t = [], [], []
    seg_lon = np.concatenate([head_lon, lon[start:]])
    if len(seg_lon) >= 2:
        out.append(TrackLine(seg_lon, np.concatenate([head_lat, lat[start:]]),
                             np.concatenate([head_t, t[start:]])))
    return out


# --- footprint -----------------------------------------------------------------

def footprint_ring(lat_deg: float, lon_deg: float, alt_km: float, n: int = 120):
    """(lon_unwrapped, lat) arrays of the footprint circle, counter-clockwise, closed.

    Longitudes are continuous (unwrapped around ``lon_deg``), so they may
    leave (-180, 180]; ``footprint_polygon`` cuts them.
    """
    delta = footprint_km(alt_km) / 2.0 / MEAN_EARTH_RADIUS_KM     # angular radius, rad
    phi = math.radians(lat_deg)
    bearing = -np.linspace(0.0, 2.0 * math.pi, n + 1)              # clockwise bearings = ccw ring
    sin_lat = math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * np.cos(bearing)
    lat2 = np.arcsin(np.clip(sin_lat, -1.0, 1.0))
    dlon = np.arctan2(np.sin(bearing) * math.sin(delta) * math.cos(phi),
                      math.cos(delta) - math.sin(phi) * sin_lat)
    lon2 = lon_deg + np.degrees(np.unwrap(dlon))
    return lon2, np.degrees(lat2)


def _clip(ring, keep):
    """Sutherland-Hodgman: clip a closed ring [(x, y), ...] to the half-plane keep(x) (x = lon)."""
    edge_x, side = keep
    out = []
    pts = ring[:-1]
    for k in range(len(pts)):
        p, q = pts[k - 1], pts[k]
        p_in = (p[0] - edge_x) * side <= 0
        q_in = (q[0] - edge_x) * side <= 0
        if q_in:
            if not p_in:
                out.append(_cross(p, q, edge_x))
            out.append(q)
        elif p_in:
            out.append(_cross(p, q, edge_x))
    if out:
        out.append(out[0])
    return out


def _cross(p, q, x):
    f = (x - p[0]) / (q[0] - p[0])
    return (x, p[1] + f * (q[1] - p[1]))


def footprint_polygon(lat_deg: float, lon_deg: float, alt_km: float, n: int = 120) -> dict:
    """GeoJSON geometry of the footprint circle (see module doc)."""
    lon, lat = footprint_ring(lat_deg, lon_deg, alt_km, n)
    span = lon[-1] - lon[0]
    if abs(span) > 180.0:                    # the ring winds round a pole
        pole = 90.0 if lat_deg > 0 else -90.0
        wrapped = (lon[:-1] + 180.0) % 360.0 - 180.0
        order = np.argsort(wrapped)
        wl, wa = wrapped[order], lat[:-1][order]
        # latitude where the circle meets +/-180 (interpolate across the seam)
        l0 = wa[0] + (wa[-1] - wa[0]) * (-180.0 - wl[0]) / ((wl[-1] - 360.0) - wl[0])
        ring = ([(-180.0, l0)] + list(zip(wl, wa)) + [(180.0, l0), (180.0, pole),
                                                       (-180.0, pole), (-180.0, l0)])
        if pole < 0:
            ring = ring[::-1]
        return {"type": "Polygon", "coordinates": [_coords(ring)]}
    ring = list(zip(lon, lat))
    if lon.max() <= 180.0 and lon.min() > -180.0:
        return {"type": "Polygon", "coordinates": [_coords(ring)]}
    edge = 180.0 if lon.max() > 180.0 else -180.0
    side = 1.0 if edge > 0 else -1.0
    inside = _clip(ring, (edge, side))                   # the part on our side of the seam
    outside = _clip(ring, (edge, -side))                 # the part beyond it, shifted back
    outside = [(x - 360.0 * side, y) for x, y in outside]
    return {"type": "MultiPolygon", "coordinates": [[_coords(inside)], [_coords(outside)]]}


def _coords(points):
    return [[round(float(x), COORD_DIGITS), round(float(y), COORD_DIGITS)] for x, y in points]


# --- GeoJSON and rows ----------------------------------------------------------------

def track_geojson(table: PositionTable, *, step_s: float, footprint: bool = False) -> dict:
    """A GeoJSON FeatureCollection: the track as a MultiLineString (``times``
    in properties parallel to each line's vertices), and with ``footprint``
    the footprint at the first time as a second feature."""
    lines = split_antimeridian(table.lon_deg, table.lat_deg, table.unix_s)
    coordinates = [np.round(np.column_stack([ln.lon_deg, ln.lat_deg]), COORD_DIGITS).tolist()
                   for ln in lines]
    times = [format_utc_array(ln.unix_s) for ln in lines]
    used = sorted(set(int(k) for k in np.unique(table.set_index)))
    features = [{
        "type": "Feature",
        "geometry": {"type": "MultiLineString", "coordinates": coordinates},
        "properties": {
            "kind": "ground_track",
            "start": format_utc(table.unix_s[0]),
            "end": format_utc(table.unix_s[-1]),
            "step_s": step_s,
            "points": len(table),
            "times": times,
            "tle_epochs": [format_utc(table.sets[k].epoch_unix_s) for k in used],
            "warnings": list(table.warnings),
        },
    }]
    if footprint and not table.error[0]:
        lat, lon, alt = float(table.lat_deg[0]), float(table.lon_deg[0]), float(table.alt_km[0])
        features.append({
            "type": "Feature",
            "geometry": footprint_polygon(lat, lon, alt),
            "properties": {"kind": "footprint", "time": format_utc(table.unix_s[0]),
                           "footprint_km": round(footprint_km(alt), 1),
                           "center": [round(lon, COORD_DIGITS), round(lat, COORD_DIGITS)],
                           "altitude_km": round(alt, 3)},
        })
    return {"type": "FeatureCollection", "features": features}
