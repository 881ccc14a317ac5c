"""An Open Notify client written the way the public tutorials wrote it works
unchanged against our server: real HTTP on 127.0.0.1 (waitress in a thread),
``requests`` and ``urllib`` as in the tutorials, only the host changed.
"""
from __future__ import annotations

import datetime as dt
import json
import time
import urllib.request

import pytest
import requests

from tracker.api import create_app

from helpers import served

CLOCK_T0 = dt.datetime(2026, 10, 10, 12, 0, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def base_url():
    t0 = time.monotonic()
    app = create_app({"CLOCK": lambda: CLOCK_T0 + dt.timedelta(seconds=time.monotonic() - t0)})
    with served(app) as url:
        yield url


# ---- tutorial code, verbatim apart from the host -------------------------

def where_is_the_iss(host):
    response = requests.get(host + "/iss-now.json")
    obj = response.json()
    latitude = float(obj["iss_position"]["latitude"])
    longitude = float(obj["iss_position"]["longitude"])
    timestamp = obj["timestamp"]
    return latitude, longitude, dt.datetime.fromtimestamp(timestamp, dt.timezone.utc)


def next_passes(host, lat, lon):
    parameters = {"lat": lat, "lon": lon}
    response = requests.get(host + "/iss-pass.json", params=parameters)
    data = response.json()["response"]
    return [(dt.datetime.fromtimestamp(p["risetime"], dt.timezone.utc), p["duration"]) for p in data]


def where_is_the_iss_urllib(host):
    req = urllib.request.urlopen(host + "/iss-now.json")
    obj = json.loads(req.read())
    return float(obj["iss_position"]["latitude"]), float(obj["iss_position"]["longitude"])

# ---------------------------------------------------------------------------


def test_tutorial_client_gets_a_moving_position(base_url):
    lat1, lon1, t1 = where_is_the_iss(base_url)
    assert -52 < lat1 < 52 and -180 <= lon1 <= 180        # 51.6 deg inclination
    assert abs((t1 - CLOCK_T0).total_seconds()) < 30
    time.sleep(1.1)
    lat2, lon2, t2 = where_is_the_iss(base_url)
    assert t2 > t1
    assert (lat2, lon2) != (lat1, lon1)
    lat3, lon3 = where_is_the_iss_urllib(base_url)
    assert -52 < lat3 < 52


def test_tutorial_client_gets_passes(base_url):
    passes = next_passes(base_url, 40.71, -74.0)
    assert len(passes) == 5
    for (rise, duration), (next_rise, _) in zip(passes, passes[1:]):
        assert 0 < duration < 15 * 60
        assert rise + dt.timedelta(seconds=duration) < next_rise


def test_jsonp_over_http(base_url):
    r = requests.get(base_url + "/iss-now.json", params={"callback": "showIss"})
    assert r.headers["Content-Type"].startswith("application/javascript")
    assert r.text.startswith("/**/showIss({") and r.text.endswith("});")


def test_bad_request_over_http_is_a_problem_document(base_url):
    r = requests.get(base_url + "/iss-pass.json", params={"lat": "north", "lon": 5})
    assert r.status_code == 400
    assert r.headers["Content-Type"] == "application/problem+json"
    assert r.json()["parameter"] == "lat"
