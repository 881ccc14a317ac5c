"""tracker.services.groundtrack: antimeridian splitting, footprint polygons, GeoJSON.

Oracles: hand-made paths with known crossings; for real tracks, the same
service at a 0.1 s step (the crossing latitude) and spherical trigonometry
(the footprint radius).
"""
import datetime as dt
import json
import math

import numpy as np
import pytest

from tracker.astro.frames import MEAN_EARTH_RADIUS_KM, footprint_km
from tracker.services.groundtrack import (footprint_polygon, ground_track, split_antimeridian,
                                 track_geojson)

UTC = dt.timezone.utc


def test_split_eastward_and_westward_crossings():
    lon = np.array([170.0, 178.0, -176.0, -170.0, 175.0, 160.0])
    lat = np.array([10.0, 12.0, 15.0, 16.0, 20.0, 21.0])
    t = np.arange(6) * 10.0
    lines = split_antimeridian(lon, lat, t)
    assert len(lines) == 3
    first, second, third = lines
    assert list(first.lon_deg) == [170.0, 178.0, 180.0]
    # 178 -> 184 (unwrapped): 180 is a third of the way; latitude 12 -> 15.
    assert first.lat_deg[-1] == pytest.approx(13.0)
    assert first.unix_s[-1] == pytest.approx(10.0 + 10.0 / 3)
    assert second.lon_deg[0] == -180.0 and second.lat_deg[0] == pytest.approx(13.0)
    # Westward: -170 -> 175 (unwrapped -185): 10/15 of the way to -180.
    assert second.lon_deg[-1] == -180.0
    assert second.lat_deg[-1] == pytest.approx(16.0 + 4.0 * 10.0 / 15.0)
    assert third.lon_deg[0] == 180.0 and list(third.lon_deg[1:]) == [175.0, 160.0]
    for line in lines:
        assert np.all(np.abs(np.diff(line.lon_deg)) <= 180.0)
        assert np.all(np.diff(line.unix_s) > 0)


def test_split_points_on_the_antimeridian_and_nan_gaps():
    lines = split_antimeridian(np.array([179.0, 180.0, -179.0, -178.0]),
                               np.zeros(4), np.arange(4.0))
    assert [list(ln.lon_deg) for ln in lines] == [[179.0, 180.0], [-180.0, -179.0, -178.0]]
    lines = split_antimeridian(np.array([10.0, 11.0, np.nan, 13.0, 14.0, np.nan]),
                               np.array([0.0, 1.0, np.nan, 3.0, 4.0, np.nan]), np.arange(6.0))
    assert [list(ln.lon_deg) for ln in lines] == [[10.0, 11.0], [13.0, 14.0]]
    single = split_antimeridian(np.array([5.0]), np.array([1.0]), np.array([0.0]))
    assert len(single) == 1 and len(single[0].lon_deg) == 1


def test_real_track_crossings_are_accurate(store, eop):
    start = dt.datetime(2015, 6, 1, tzinfo=UTC)
    table = ground_track(store, start, start + dt.timedelta(hours=6), 30.0, eop=eop, sun=None)
    lines = split_antimeridian(table.lon_deg, table.lat_deg, table.unix_s)
    assert len(lines) >= 4                       # ~4 orbits, one crossing each
    n_vertices = sum(len(ln.lon_deg) for ln in lines)
    assert n_vertices == len(table) + 2 * (len(lines) - 1)
    errors = []
    for a, b in zip(lines, lines[1:]):
        assert abs(a.lon_deg[-1]) == 180.0 and b.lon_deg[0] == -a.lon_deg[-1]
        assert a.lat_deg[-1] == b.lat_deg[0] and a.unix_s[-1] == b.unix_s[0]
        # The true crossing, from a 0.1 s track around the interpolated time.
        t_c = dt.datetime.fromtimestamp(a.unix_s[-1], UTC)
        fine = ground_track(store, t_c - dt.timedelta(seconds=30), t_c + dt.timedelta(seconds=30),
                            0.1, eop=eop, sun=None)
        crossing = split_antimeridian(fine.lon_deg, fine.lat_deg, fine.unix_s)[0]
        errors.append(abs(crossing.lat_deg[-1] - a.lat_deg[-1]))
        assert abs(crossing.unix_s[-1] - a.unix_s[-1]) < 0.5
    print(f"\ncrossing latitude at 30 s vs 0.1 s steps: max error {max(errors):.4f} deg")
    assert max(errors) < 0.02
    for ln in lines:
        assert np.all(np.abs(np.diff(ln.lon_deg)) < 10.0)


def _great_circle_deg(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    c = np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(np.radians(lon2 - lon1))
    return np.degrees(np.arccos(np.clip(c, -1, 1)))


def _ring_area(ring):
    x, y = np.array(ring).T
    return 0.5 * np.sum(x[:-1] * y[1:] - x[1:] * y[:-1])


def test_footprint_polygon_simple():
    geom = footprint_polygon(30.0, 10.0, 420.0)
    assert geom["type"] == "Polygon"
    ring = geom["coordinates"][0]
    assert ring[0] == ring[-1]
    lon, lat = np.array(ring).T
    radius_deg = math.degrees(footprint_km(420.0) / 2 / MEAN_EARTH_RADIUS_KM)
    assert np.allclose(_great_circle_deg(30.0, 10.0, lat, lon), radius_deg, atol=1e-5)
    assert _ring_area(ring) > 0               # counter-clockwise (RFC 7946)


def test_footprint_polygon_across_the_antimeridian():
    geom = footprint_polygon(-20.0, 175.0, 420.0)
    assert geom["type"] == "MultiPolygon"
    radius_deg = math.degrees(footprint_km(420.0) / 2 / MEAN_EARTH_RADIUS_KM)
    for polygon in geom["coordinates"]:
        ring = polygon[0]
        assert ring[0] == ring[-1]
        lon, lat = np.array(ring).T
        assert np.all((lon >= -180) & (lon <= 180))
        on_seam = np.abs(lon) == 180.0
        assert on_seam.sum() >= 2
        # Every vertex not on the seam is on the circle.
        assert np.allclose(_great_circle_deg(-20.0, 175.0, lat[~on_seam], lon[~on_seam]),
                           radius_deg, atol=1e-5)
        assert _ring_area(ring) > 0
    east, west = geom["coordinates"]
    assert max(p[0] for p in east[0]) == 180.0 and min(p[0] for p in west[0]) == -180.0


def test_footprint_polygon_around_a_pole():
    geom = footprint_polygon(80.0, 30.0, 420.0)
    assert geom["type"] == "Polygon"
    ring = geom["coordinates"][0]
    lon, lat = np.array(ring).T
    assert lat.max() == 90.0 and lon.min() == -180.0 and lon.max() == 180.0
    assert _ring_area(ring) > 0
    south = footprint_polygon(-85.0, 30.0, 420.0)["coordinates"][0]
    assert min(p[1] for p in south) == -90.0 and _ring_area(south) > 0


def test_track_geojson_structure(store, eop, sun):
    start = dt.datetime(2015, 6, 1, tzinfo=UTC)
    table = ground_track(store, start, start + dt.timedelta(hours=3), 30.0, eop=eop, sun=sun)
    doc = json.loads(json.dumps(track_geojson(table, step_s=30.0, footprint=True)))
    assert doc["type"] == "FeatureCollection"
    track, foot = doc["features"]
    assert track["geometry"]["type"] == "MultiLineString"
    coords = track["geometry"]["coordinates"]
    times = track["properties"]["times"]
    assert [len(c) for c in coords] == [len(t) for t in times]
    assert times[0][0] == "2015-06-01T00:00:00.000Z"
    assert times[-1][-1] == "2015-06-01T03:00:00.000Z"
    for line in coords:
        lon = np.array(line)[:, 0]
        assert np.all(np.abs(np.diff(lon)) < 180.0)
    assert foot["properties"]["kind"] == "footprint"
    assert foot["properties"]["center"] == coords[0][0]
    assert foot["geometry"]["type"] in ("Polygon", "MultiPolygon")


@pytest.mark.parametrize("start, end, parameter", [
    (dt.datetime(2049, 12, 31, 23, 0, tzinfo=UTC), dt.datetime(2050, 1, 1, 1, 0, tzinfo=UTC), "end"),
    (dt.datetime(1959, 12, 31, 23, 0, tzinfo=UTC), dt.datetime(1960, 1, 1, 1, 0, tzinfo=UTC), "start"),
])
def test_time_range_error_names_the_end_at_fault(store, eop, start, end, parameter):
    from tracker.errors import TimeRangeError
    with pytest.raises(TimeRangeError, match="1960-01-01T00:00:00Z .. 2050") as info:
        ground_track(store, start, end, 60.0, eop=eop, sun=None, allow_stale=True)
    assert info.value.parameter == parameter
