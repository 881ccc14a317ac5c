"""Open Notify compatible endpoints through Flask's test client: the exact
shapes of the original service, JSONP, strict callbacks, the stale policy.
Positions are checked against skyfield; pass rise times against skyfield's
find_events (10 deg threshold, the service's definition of a pass)."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from skyfield.api import EarthSatellite, load, wgs84

from tracker.api import create_app

from helpers import newest_shipped_pair

FIXED_NOW = dt.datetime(2026, 10, 10, 12, 0, 0, 400000, tzinfo=dt.timezone.utc)
TS = load.timescale(builtin=True)


@pytest.fixture(scope="module")
def client():
    return create_app({"CLOCK": lambda: FIXED_NOW}).test_client()


def newest_satellite():
    return EarthSatellite(*newest_shipped_pair(), ts=TS)


def test_iss_now_has_the_original_shape_and_position(client):
    r = client.get("/iss-now.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    assert set(body) == {"message", "timestamp", "iss_position"}     # fresh elements: no warnings
    assert body["message"] == "success"
    assert body["timestamp"] == 1791633600 and isinstance(body["timestamp"], int)
    lat, lon = body["iss_position"]["latitude"], body["iss_position"]["longitude"]
    assert isinstance(lat, str) and re.fullmatch(r"-?\d+\.\d{4}", lat)
    sub = wgs84.subpoint_of(newest_satellite().at(TS.from_datetime(FIXED_NOW.replace(microsecond=0))))
    assert float(lat) == pytest.approx(sub.latitude.degrees, abs=2e-4)
    assert float(lon) == pytest.approx(sub.longitude.degrees, abs=2e-4)
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert float(r.headers["X-Elements-Age-Days"]) == pytest.approx(0.6786, abs=1e-3)


def test_iss_now_jsonp(client):
    r = client.get("/iss-now.json?callback=app.handlers.iss_1")
    assert r.mimetype == "application/javascript"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    text = r.get_data(as_text=True)
    m = re.fullmatch(r"/\*\*/app\.handlers\.iss_1\((.*)\);", text, re.S)
    assert m
    assert json.loads(m.group(1)) == client.get("/iss-now.json").get_json()


@pytest.mark.parametrize("callback", [
    "alert(1)", "a;b", "x//", "<script>", "1abc", "a..b", "a.", ".a", "a-b", "é", "a" * 129,
    "cb%0aalert(1)", "",
])
def test_jsonp_callback_is_validated_strictly(client, callback):
    for path in ("/iss-now.json", "/iss-pass.json?lat=45&lon=5"):
        sep = "&" if "?" in path else "?"
        r = client.get(f"{path}{sep}callback={callback}")
        assert r.status_code == 400, (path, callback)
        assert r.mimetype == "application/problem+json"
        assert r.get_json(force=True)["parameter"] == "callback"
        assert callback not in r.get_data(as_text=True) or callback == ""


def test_iss_pass_has_the_original_shape_and_times(client):
    r = client.get("/iss-pass.json?lat=45.0&lon=-122.3&alt=100&n=4")
    assert r.status_code == 200
    body = r.get_json()
    assert body["message"] == "success"
    assert body["request"] == {"altitude": 100, "datetime": 1791633600, "latitude": 45.0,
                               "longitude": -122.3, "passes": 4}
    assert len(body["response"]) == 4
    sat = newest_satellite()
    where = wgs84.latlon(45.0, -122.3, elevation_m=100)
    t, kind = sat.find_events(where, TS.from_datetime(FIXED_NOW.replace(microsecond=0)),
                              TS.from_datetime(FIXED_NOW + dt.timedelta(days=3)), altitude_degrees=10)
    rises = [ti.utc_datetime().timestamp() for ti, k in zip(t, kind) if k == 0]
    sets = [ti.utc_datetime().timestamp() for ti, k in zip(t, kind) if k == 2]
    if sets and sets[0] < rises[0]:
        sets = sets[1:]
    for p, rise, set_ in zip(body["response"], rises, sets):
        assert set(p) == {"risetime", "duration"}
        assert isinstance(p["risetime"], int) and isinstance(p["duration"], int)
        assert abs(p["risetime"] - rise) <= 1
        assert abs(p["duration"] - (set_ - rise)) <= 2


def test_iss_pass_defaults_and_polar_observer(client):
    body = client.get("/iss-pass.json?lat=10&lon=10").get_json()
    assert body["request"]["passes"] == 5 and body["request"]["altitude"] == 100
    assert len(body["response"]) == 5
    polar = client.get("/iss-pass.json?lat=89.5&lon=0&n=2").get_json()
    assert polar["response"] == []          # 51.6 deg orbit: never 10 deg up from the pole


@pytest.mark.parametrize("query, parameter", [
    ("lon=5", "lat"), ("lat=45", "lon"), ("lat=abc&lon=5", "lat"), ("lat=45&lon=181", "lon"),
    ("lat=-90.01&lon=5", "lat"), ("lat=45&lon=5&alt=-1", "alt"), ("lat=45&lon=5&alt=10001", "alt"),
    ("lat=45&lon=5&n=0", "n"), ("lat=45&lon=5&n=101", "n"), ("lat=45&lon=5&n=2.5", "n"),
])
def test_iss_pass_bad_input(client, query, parameter):
    r = client.get("/iss-pass.json?" + query)
    assert r.status_code == 400
    body = r.get_json(force=True)
    assert r.mimetype == "application/problem+json" and body["parameter"] == parameter
    assert parameter in body["detail"]


def test_stale_elements_still_answer_with_warnings_and_header():
    late = create_app({"CLOCK": lambda: dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc)})
    c = late.test_client()
    now = c.get("/iss-now.json")
    assert now.status_code == 200
    assert float(now.headers["X-Elements-Age-Days"]) == pytest.approx(42.18, abs=0.01)
    assert "42.2 days" in now.get_json()["warnings"][0]
    passes = c.get("/iss-pass.json?lat=45&lon=5&n=1")
    assert passes.status_code == 200 and passes.get_json()["warnings"]
    assert len(passes.get_json()["response"]) == 1
