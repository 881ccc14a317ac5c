"""tracker.services.position: positions over element-set stitching, and the ``now`` report.

Oracle: skyfield 1.55, ``EarthSatellite(line1, line2, ts=ts).at(t)`` then
``wgs84.geographic_position_of``, for the same element set as ours. Skyfield
settings that match ours: ``load.timescale(builtin=True)`` (its bundled
UT1 table, which we read too) with the polar-motion table of the
skyfield-data ``finals2000A.all`` installed
(``skyfield.data.iers.install_polar_motion_table``), and the DE421 file of
skyfield-data. Times are built with ``ts.utc`` from the same UTC instants.
"""
import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from skyfield.api import EarthSatellite, wgs84
from skyfield.framelib import itrs

from tle.store import ElementStore, StaleElementsError
from tracker.errors import TimeRangeError, UserError
from tracker.astro.frames import footprint_km
from tracker.services.position import now_report, position_rows, positions
from tracker.astro.time import Instant, datetime_to_jdfr, format_utc, unix_to_jdfr

from helpers import sky_time_jdfr

KM_PER_MI = 1.609344                # international mile (exact, by definition)

UTC = dt.timezone.utc


def test_10000_random_times_match_skyfield(store, eop, sun, ts):
    """Sub-satellite point within 0.0005 deg and altitude within 5 m of skyfield."""
    rng = np.random.default_rng(2015)
    lo = dt.datetime(2015, 3, 2, tzinfo=UTC).timestamp()
    hi = dt.datetime(2016, 4, 12, tzinfo=UTC).timestamp()
    unix = np.sort(rng.uniform(lo, hi, 10_000))
    jd, fr = unix_to_jdfr(unix)
    table = positions(store, Instant.from_jdfr(jd, fr), eop=eop, sun=sun)
    assert len(table) == 10_000 and not table.error.any()
    assert len(np.unique(table.set_index)) > 50          # many element sets stitched
    t = sky_time_jdfr(ts, jd, fr)
    ref = {name: np.empty(len(jd)) for name in ("lat", "lon", "alt", "speed", "ef_speed")}
    for k in np.unique(table.set_index):
        rows = np.flatnonzero(table.set_index == k)
        es = store.sets[k]
        pos = EarthSatellite(es.line1, es.line2, ts=ts).at(t[rows])
        gp = wgs84.geographic_position_of(pos)
        ref["lat"][rows] = gp.latitude.degrees
        ref["lon"][rows] = gp.longitude.degrees
        ref["alt"][rows] = gp.elevation.km
        ref["speed"][rows] = np.linalg.norm(pos.velocity.km_per_s, axis=0)
        _, v_itrs = pos.frame_xyz_and_velocity(itrs)
        ref["ef_speed"][rows] = np.linalg.norm(v_itrs.km_per_s, axis=0)
    dlat = np.abs(table.lat_deg - ref["lat"])
    dlon = np.abs((table.lon_deg - ref["lon"] + 180.0) % 360.0 - 180.0)
    dalt_m = np.abs(table.alt_km - ref["alt"]) * 1000.0
    print(f"\n10,000 times vs skyfield: max |dlat| {dlat.max():.2e} deg, max |dlon| "
          f"{dlon.max():.2e} deg, max |dalt| {dalt_m.max():.2e} m")
    assert dlat.max() < 0.0005
    assert dlon.max() < 0.0005
    assert dalt_m.max() < 5.0
    assert np.max(np.abs(table.speed_km_s - ref["speed"])) < 1e-5
    assert np.max(np.abs(table.earth_fixed_speed_km_s - ref["ef_speed"])) < 1e-5
    assert np.all((table.lon_deg > -180) & (table.lon_deg <= 180))


def test_ground_speed_matches_finite_differences(store, eop, sun):
    """Ground speed = arc length between sub-satellite points 1 s apart (sphere of the local radius)."""
    start = dt.datetime(2015, 9, 1, 6, tzinfo=UTC).timestamp()
    unix = start + np.array([0.0, 600.0, 1300.0, 2900.0])
    jd, fr = unix_to_jdfr(np.concatenate([unix - 0.5, unix, unix + 0.5]))
    table = positions(store, Instant.from_jdfr(jd, fr), eop=eop, sun=sun)
    n = len(unix)
    lat = np.radians(table.lat_deg)
    lon = np.radians(table.lon_deg)
    a, b = slice(0, n), slice(2 * n, 3 * n)
    cos_d = (np.sin(lat[a]) * np.sin(lat[b])
             + np.cos(lat[a]) * np.cos(lat[b]) * np.cos(lon[b] - lon[a]))
    radius = np.linalg.norm(table.r_itrf_km[n:2 * n], axis=1) - table.alt_km[n:2 * n]
    arc_km = radius * np.arccos(np.clip(cos_d, -1, 1))
    # Geodetic vs geocentric latitude makes the sphere approximation ~0.3% off.
    assert np.allclose(table.ground_speed_km_s[n:2 * n], arc_km, rtol=5e-3)
    assert np.all((table.ground_speed_km_s > 6.5) & (table.ground_speed_km_s < 7.5))


def test_sets_follow_the_store_midpoints(store, eop):
    start = dt.datetime(2015, 6, 1, tzinfo=UTC).timestamp()
    end = start + 20 * 86400.0
    unix = np.linspace(start, end, 2000)
    table = positions(store, Instant.from_unix(unix), eop=eop, sun=None)
    for t0, t1, es in store.segments(start, end):
        inside = (unix >= t0) & (unix < t1)
        assert all(table.sets[k] is es for k in table.set_index[inside])
    assert np.allclose(table.age_days,
                       [(u - table.sets[k].epoch_unix_s) / 86400.0
                        for u, k in zip(unix, table.set_index)], atol=1e-8)
    assert np.all(table.illumination == 255)        # no Sun given
    rows = position_rows(table)
    assert rows[0]["time"] == format_utc(start)
    assert rows[0]["tle_epoch"] == format_utc(table.sets[table.set_index[0]].epoch_unix_s)


def test_stale_elements_refused_unless_allowed(store, eop):
    newest = store.newest()
    jd, fr = unix_to_jdfr(np.array([newest.epoch_unix_s + 40 * 86400.0]))
    with pytest.raises(StaleElementsError, match="30-day limit"):
        positions(store, Instant.from_jdfr(jd, fr), eop=eop, sun=None)
    table = positions(store, Instant.from_jdfr(jd, fr), eop=eop, sun=None, allow_stale=True)
    assert len(table.warnings) == 1 and "40.0 days after the epoch" in table.warnings[0]


def test_time_outside_supported_range(store, eop):
    jd, fr = datetime_to_jdfr(dt.datetime(2051, 1, 1, tzinfo=UTC))
    with pytest.raises(TimeRangeError, match="1960-01-01T00:00:00Z .. 2050-01-01T00:00:00Z") as info:
        positions(store, Instant.from_jdfr(jd, fr), eop=eop, sun=None, allow_stale=True)
    assert info.value.parameter == "time"
    # the caller names the input the times came from (the API's timestamps=)
    with pytest.raises(TimeRangeError, match="^timestamps: 2051-01-01") as info:
        positions(store, Instant.from_jdfr(jd, fr), eop=eop, sun=None, allow_stale=True,
                  parameter="timestamps")
    assert info.value.parameter == "timestamps"


def test_failed_propagation_gives_nan_rows_and_a_warning(store, eop, sun):
    es = store.sets[0]
    doomed = ElementStore([dataclasses.replace(es, bstar=0.05, line1=None, line2=None)])
    unix = es.epoch_unix_s + np.array([0.0, 20.0]) * 86400.0
    table = positions(doomed, Instant.from_unix(unix), eop=eop, sun=sun)
    assert table.error[0] == 0 and table.error[1] != 0
    assert np.isfinite(table.lat_deg[0]) and np.isnan(table.lat_deg[1])
    assert table.illumination[1] == 255
    assert any("could not be propagated" in w for w in table.warnings)
    rows = position_rows(table)
    assert rows[1]["latitude_deg"] is None and rows[1]["visibility"] == "unknown"
    with pytest.raises(TimeRangeError, match="cannot be propagated"):
        now_report(doomed, Instant.from_unix(unix[1:]), eop=eop, sun=sun)


def test_now_report_fields_against_skyfield(store, eop, sun, ts):
    when = dt.datetime(2015, 3, 27, 19, 42, 57, tzinfo=UTC)
    jd, fr = datetime_to_jdfr(when)
    doc = now_report(store, Instant.from_jdfr(jd, fr), eop=eop, sun=sun)
    assert doc["time"] == "2015-03-27T19:42:57.000Z"
    sel = store.nearest(when.timestamp())
    es = sel.element_set
    t = sky_time_jdfr(ts, jd, fr)
    sat = EarthSatellite(es.line1, es.line2, ts=ts)
    gp = wgs84.geographic_position_of(sat.at(t))
    assert abs(doc["latitude_deg"] - gp.latitude.degrees) < 0.0005
    assert abs(doc["longitude_deg"] - gp.longitude.degrees) < 0.0005
    assert abs(doc["altitude_km"] - gp.elevation.km) < 0.005
    assert doc["visibility"] == ("daylight" if sat.at(t).is_sunlit(sun._eph) else "eclipsed")
    assert doc["footprint_km"] == round(footprint_km(gp.elevation.km), 1)
    subsolar = wgs84.subpoint_of((sun._eph["sun"] - sun._eph["earth"]).at(t))
    assert abs(doc["solar_latitude_deg"] - subsolar.latitude.degrees) < 0.001
    assert abs(doc["solar_longitude_deg"] - subsolar.longitude.degrees) < 0.001
    assert doc["tle"] == {"epoch": format_utc(es.epoch_unix_s), "age_days": round(sel.age_days, 3),
                          "source": es.source, "line1": es.line1, "line2": es.line2}
    assert doc["warnings"] == []
    assert 7.6 < doc["speed_km_s"] < 7.8
    assert doc["earth_fixed_speed_km_s"] < doc["speed_km_s"]


def test_now_report_in_miles_and_stale_warning(store, eop, sun):
    when = dt.datetime(2026, 11, 21, 12, 0, tzinfo=UTC)     # 43 days after the newest set
    jd, fr = datetime_to_jdfr(when)
    km = now_report(store, Instant.from_jdfr(jd, fr), eop=eop, sun=sun)
    mi = now_report(store, Instant.from_jdfr(jd, fr), eop=eop, sun=sun, units="mi")
    assert "altitude_km" not in mi and "speed_km_s" not in mi
    assert math.isclose(mi["altitude_mi"], km["altitude_km"] / KM_PER_MI, abs_tol=1e-3)
    assert math.isclose(mi["speed_mi_s"], km["speed_km_s"] / KM_PER_MI, abs_tol=1e-4)
    assert math.isclose(mi["footprint_mi"], km["footprint_km"] / KM_PER_MI, abs_tol=0.1)
    assert len(km["warnings"]) == 1 and "days after the epoch" in km["warnings"][0]
    assert km["tle"]["age_days"] > 30
    with pytest.raises(UserError, match="km, mi"):
        now_report(store, Instant.from_jdfr(jd, fr), eop=eop, sun=sun, units="furlongs")


def test_warm_kernels_runs():
    from tracker.services.position import warm_kernels
    warm_kernels()
