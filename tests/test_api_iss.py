"""/api/v1/iss/now, /positions, /groundtrack through Flask's test client.

Oracle: skyfield's EarthSatellite (its own SGP4 + TEME->ITRS + WGS-84) fed
with the shipped element set whose epoch is nearest the requested time, read
by sgp4's parser. Our frames use the same IERS tables, so sub-points agree to
well under 0.001 deg; the tolerances below (0.002 deg, 20 m) leave room for
polar motion and rounding of the JSON (5 decimals, 3 for km).
"""
from __future__ import annotations

import datetime as dt
import math
from urllib.parse import quote

import numpy as np
import pytest
from sgp4.api import Satrec
from skyfield.api import EarthSatellite, load, wgs84

from tracker.api import create_app

from helpers import FIXED_NOW, assert_problem, shipped_pairs

KM_PER_MI = 1.609344
TS = load.timescale(builtin=True)


PAIRS = shipped_pairs()


def oracle(t: dt.datetime):
    jd_t = t.timestamp() / 86400 + 2440587.5
    l1, l2 = min(PAIRS, key=lambda p: abs(
        (lambda s: s.jdsatepoch + s.jdsatepochF - jd_t)(Satrec.twoline2rv(*p))))
    sat = EarthSatellite(l1, l2, ts=TS)
    geo = sat.at(TS.from_datetime(t))
    sub = wgs84.geographic_position_of(geo)
    return {"lat": sub.latitude.degrees, "lon": sub.longitude.degrees,
            "alt_km": sub.elevation.km, "speed_km_s": float(np.linalg.norm(geo.velocity.km_per_s)),
            "epoch": sat.epoch.utc_datetime()}


def dlon(a, b):
    return (a - b + 180.0) % 360.0 - 180.0


# --------------------------------------------------------------------- now

@pytest.mark.parametrize("when", [
    FIXED_NOW,
    dt.datetime(2015, 3, 27, 19, 42, 57, tzinfo=dt.timezone.utc),
    dt.datetime(2026, 7, 4, 3, 14, 15, 500000, tzinfo=dt.timezone.utc),
])
def test_now_matches_skyfield(client, when):
    q = "" if when is FIXED_NOW else "?time=" + quote(when.isoformat())
    response = client.get("/api/v1/iss/now" + q)
    assert response.status_code == 200
    body = response.get_json()
    ref = oracle(when)
    assert body["time"] == when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    assert body["latitude_deg"] == pytest.approx(ref["lat"], abs=0.002)
    assert dlon(body["longitude_deg"], ref["lon"]) == pytest.approx(0, abs=0.002)
    assert body["altitude_km"] == pytest.approx(ref["alt_km"], abs=0.02)
    assert body["speed_km_s"] == pytest.approx(ref["speed_km_s"], abs=1e-3)
    age = (when - ref["epoch"]) / dt.timedelta(days=1)
    assert body["elements"]["age_days"] == pytest.approx(age, abs=1e-4)
    assert float(response.headers["X-Elements-Age-Days"]) == pytest.approx(age, abs=1e-4)


def test_now_in_miles(client):
    km = client.get("/api/v1/iss/now").get_json()
    mi = client.get("/api/v1/iss/now?units=mi").get_json()
    assert "altitude_km" not in mi and "speed_mi_s" in mi
    assert mi["altitude_mi"] == pytest.approx(km["altitude_km"] / KM_PER_MI, abs=1e-3)
    assert mi["speed_mi_s"] == pytest.approx(km["speed_km_s"] / KM_PER_MI, abs=1e-4)
    assert mi["latitude_deg"] == km["latitude_deg"]


def test_now_without_time_is_the_clock_to_the_second():
    app = create_app({"CLOCK": lambda: FIXED_NOW + dt.timedelta(milliseconds=750)})
    body = app.test_client().get("/api/v1/iss/now").get_json()
    assert body["time"] == "2026-10-10T12:00:00.000Z"


def test_now_answers_with_stale_elements_and_warns():
    app = create_app({"CLOCK": lambda: dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc)})
    response = app.test_client().get("/api/v1/iss/now")
    assert response.status_code == 200
    body = response.get_json()
    assert body["elements"]["age_days"] > 42
    assert body["warnings"] and "42.2 days" in body["warnings"][0]


@pytest.mark.parametrize("query, parameter, kind", [
    ("time=2026-10-10T12:00:00", "time", "time-format"),          # naive
    ("time=tomorrow", "time", "time-format"),
    ("time=", "time", None),
    ("time=1950-01-01T00:00:00Z", "time", "time-range"),
    ("time=2049-06-01T00:00:00Z", "time", "time-range"),          # SGP4 fails that far out
    ("time=1e300", "time", None),
    ("time=9999-12-31T23:59:59-23:59", "time", "time-range"),     # past year 9999 in UTC
    ("time=0001-01-01T00:00:00%2B23:59", "time", "time-range"),   # before year 1 in UTC
    ("units=furlongs", "units", None),
    ("unit=mi", "unit", None),                                     # misspelt name
])
def test_now_bad_input(client, query, parameter, kind):
    assert_problem(client.get("/api/v1/iss/now?" + query), 400, parameter, kind)


# --------------------------------------------------------------- positions

def test_positions_on_a_grid_match_skyfield(client):
    r = client.get("/api/v1/iss/positions?start=2026-10-10T12:00:00Z&end=2026-10-10T12:10:00Z"
                   "&step_s=150")
    assert r.status_code == 200
    body = r.get_json()
    assert body["count"] == 5 and body["step_s"] == 150
    for k, row in enumerate(body["positions"]):
        t = FIXED_NOW + dt.timedelta(seconds=150 * k)
        assert row["time"] == t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        ref = oracle(t)
        assert row["latitude_deg"] == pytest.approx(ref["lat"], abs=0.002)
        assert dlon(row["longitude_deg"], ref["lon"]) == pytest.approx(0, abs=0.002)
        assert row["altitude_km"] == pytest.approx(ref["alt_km"], abs=0.02)


def test_positions_at_listed_times_iso_and_unix_across_element_sets(client):
    times = [dt.datetime(2015, 4, 1, tzinfo=dt.timezone.utc),
             dt.datetime(2026, 10, 1, 6, 30, tzinfo=dt.timezone.utc),
             dt.datetime(2026, 10, 9, 23, 59, 59, tzinfo=dt.timezone.utc)]
    text = ",".join([times[0].strftime("%Y-%m-%dT%H:%M:%SZ"), str(int(times[1].timestamp())),
                     quote(times[2].astimezone(dt.timezone(dt.timedelta(hours=-5))).isoformat())])
    body = client.get("/api/v1/iss/positions?timestamps=" + text).get_json()
    assert body["count"] == 3 and body["step_s"] is None
    assert len(set(body["element_set_epochs"])) == 3
    for t, row in zip(times, body["positions"]):
        ref = oracle(t)
        assert row["latitude_deg"] == pytest.approx(ref["lat"], abs=0.002)
        assert dlon(row["longitude_deg"], ref["lon"]) == pytest.approx(0, abs=0.002)
        assert row["tle_epoch"][:19] == ref["epoch"].strftime("%Y-%m-%dT%H:%M:%S")


def test_positions_ten_thousand_points_is_the_limit(client):
    ok = client.get("/api/v1/iss/positions?start=2026-10-10T00:00:00Z&end=2026-10-10T02:46:39Z"
                    "&step_s=1")
    assert ok.status_code == 200 and ok.get_json()["count"] == 10_000
    too_many = client.get("/api/v1/iss/positions?start=2026-10-10T00:00:00Z"
                          "&end=2026-10-10T02:46:40Z&step_s=1")
    body = assert_problem(too_many, 400, "step_s")
    assert "10,001" in body["detail"] and "10,000" in body["detail"]
    listed = ",".join(str(1791590400 + i) for i in range(10_001))
    assert_problem(client.get("/api/v1/iss/positions?timestamps=" + listed), 400, "timestamps")


def test_positions_refuse_stale_unless_allowed(client):
    q = "/api/v1/iss/positions?start=2026-12-10T00:00:00Z&end=2026-12-10T00:01:00Z"
    body = assert_problem(client.get(q), 422, "allow_stale", "stale-elements")
    assert "allow_stale=true" in body["detail"] and "61.2 days" in body["detail"]
    r = client.get(q + "&allow_stale=true")
    assert r.status_code == 200 and r.get_json()["warnings"]


@pytest.mark.parametrize("query, parameter", [
    ("", "start"),
    ("start=now", "end"),
    ("start=2026-10-10T12:00:00&end=2026-10-10T13:00:00Z", "start"),
    ("start=2026-10-10T13:00:00Z&end=2026-10-10T12:00:00Z", "end"),
    ("start=now&end=2026-10-10T13:00:00Z&step_s=0", "step_s"),
    ("start=now&end=2026-10-10T13:00:00Z&step_s=-5", "step_s"),
    ("start=now&end=2026-10-10T13:00:00Z&step_s=nan", "step_s"),
    ("start=now&end=2026-10-10T13:00:00Z&step_s=abc", "step_s"),
    ("start=now&end=2026-10-10T13:00:00Z&step_s=86401", "step_s"),
    ("start=now&end=2026-10-10T13:00:00Z&allow_stale=maybe", "allow_stale"),
    ("timestamps=now&start=now", "timestamps"),
    ("timestamps=1791633600,,1791633660", "timestamps"),
    ("timestamps=1791633600,2026-10-10T12:00:00", "timestamps"),
    ("timestamps=1791633600,0001-01-01T00:00:00%2B23:59", "timestamps"),
    ("timestamps=1791633600,2051-01-01T00:00:00Z&allow_stale=true", "timestamps"),
    ("start=2049-12-31T23:00:00Z&end=2050-01-01T01:00:00Z&allow_stale=true", "end"),
])
def test_positions_bad_input(client, query, parameter):
    assert_problem(client.get("/api/v1/iss/positions?" + query), 400, parameter)


# -------------------------------------------------------------- groundtrack

def test_groundtrack_is_split_at_the_antimeridian_and_matches_skyfield(client):
    r = client.get("/api/v1/iss/groundtrack?start=2026-10-10T12:00:00Z&end=2026-10-10T15:00:00Z"
                   "&step_s=60")
    assert r.status_code == 200
    assert r.mimetype == "application/geo+json"
    geo = r.get_json()
    assert geo["type"] == "FeatureCollection" and geo["elements"]["satnum"] == 25544
    track = geo["features"][0]
    lines = track["geometry"]["coordinates"]
    assert track["geometry"]["type"] == "MultiLineString" and len(lines) >= 2
    for line in lines:
        lons = np.array([p[0] for p in line])
        assert np.all(np.abs(np.diff(lons)) < 180), "a line jumps across the antimeridian"
    for a, b in zip(lines[:-1], lines[1:]):
        assert abs(a[-1][0]) == 180 and abs(b[0][0]) == 180 and a[-1][0] == -b[0][0]
        assert a[-1][1] == pytest.approx(b[0][1], abs=1e-6)
    # every sampled vertex against skyfield
    times = [t for line in track["properties"]["times"] for t in line]
    points = [p for line in lines for p in line]
    checked = 0
    for t_text, (lon, lat) in zip(times, points):
        t = dt.datetime.fromisoformat(t_text.replace("Z", "+00:00"))
        if (t - FIXED_NOW).total_seconds() % 60:
            continue                      # an interpolated antimeridian vertex
        ref = oracle(t)
        assert lat == pytest.approx(ref["lat"], abs=0.002)
        assert dlon(lon, ref["lon"]) == pytest.approx(0, abs=0.002)
        checked += 1
    assert checked == 181


def test_groundtrack_default_is_one_orbit_from_now_and_is_cached(client):
    first = client.get("/api/v1/iss/groundtrack?footprint=true")
    assert first.status_code == 200 and first.headers["X-Cache"] == "MISS"
    props = first.get_json()["features"][0]["properties"]
    assert props["start"] == "2026-10-10T12:00:00.000Z"
    span_min = (dt.datetime.fromisoformat(props["end"][:-1]) -
                dt.datetime.fromisoformat(props["start"][:-1])).total_seconds() / 60
    assert 92.976 - 0.5 <= span_min <= 92.976       # one period of 92.976 min, on a 30-s grid
    assert first.get_json()["features"][1]["properties"]["kind"] == "footprint"
    second = client.get("/api/v1/iss/groundtrack?footprint=true")
    assert second.headers["X-Cache"] == "HIT"
    assert second.get_data() == first.get_data()
    assert second.headers["ETag"] == first.headers["ETag"]
    assert "max-age=60" in second.headers["Cache-Control"]
    assert client.get("/api/v1/iss/groundtrack?footprint=true",
                      headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_groundtrack_cache_expires():
    app = create_app({"CLOCK": lambda: FIXED_NOW, "CACHE_TTL_S": 0.0})
    c = app.test_client()
    assert c.get("/api/v1/iss/groundtrack").headers["X-Cache"] == "MISS"
    assert c.get("/api/v1/iss/groundtrack").headers["X-Cache"] == "MISS"


@pytest.mark.parametrize("query, parameter", [
    ("start=2026-10-10T12:00:00", "start"),
    ("end=2026-10-10T11:00:00Z", "end"),
    ("step_s=0.5", "step_s"),
    ("start=2026-10-10T00:00:00Z&end=2026-10-20T00:00:00Z&step_s=1", "step_s"),
    ("footprint=perhaps", "footprint"),
    ("start=2026-12-10T00:00:00Z", "allow_stale"),
    ("start=9999-12-31T23:00:00Z", "start"),     # start + one period overflowed: was a 500
    ("start=2199-12-31T23:00:00Z", "start"),     # was named "time", which this endpoint lacks
    ("start=2049-12-31T23:00:00Z&end=2050-01-01T01:00:00Z&allow_stale=true", "end"),
])
def test_groundtrack_bad_input(client, query, parameter):
    r = client.get("/api/v1/iss/groundtrack?" + query)
    assert_problem(r, 422 if parameter == "allow_stale" else 400, parameter)
    assert math.isfinite(r.get_json(force=True)["status"])
