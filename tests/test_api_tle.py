"""GET /api/v1/tle against an independent reading of the shipped files
(sgp4's own TLE parser, ``Satrec.twoline2rv``)."""
from __future__ import annotations

import datetime as dt

import pytest
from sgp4.api import Satrec

from tracker.api import create_app

from helpers import FIXED_NOW, shipped_pairs



def nearest_pair(t: dt.datetime):
    """The shipped pair whose epoch (as sgp4 reads it) is nearest to t."""
    jd_t = t.timestamp() / 86400.0 + 2440587.5
    best = min(shipped_pairs(), key=lambda p: abs(
        (lambda s: s.jdsatepoch + s.jdsatepochF)(Satrec.twoline2rv(*p)) - jd_t))
    sat = Satrec.twoline2rv(*best)
    return best, sat, jd_t - (sat.jdsatepoch + sat.jdsatepochF)


@pytest.mark.parametrize("when", [
    FIXED_NOW,
    dt.datetime(2015, 3, 27, 19, 42, 57, tzinfo=dt.timezone.utc),
    dt.datetime(2016, 1, 5, 3, 0, 0, tzinfo=dt.timezone.utc),
    dt.datetime(2026, 7, 1, 0, 0, 0, tzinfo=dt.timezone.utc),
])
def test_tle_is_the_nearest_shipped_set(client, when):
    query = "" if when is FIXED_NOW else "?time=" + when.strftime("%Y-%m-%dT%H:%M:%SZ")
    response = client.get("/api/v1/tle" + query)
    assert response.status_code == 200
    body = response.get_json()
    (line1, line2), sat, age_days = nearest_pair(when)
    assert (body["line1"], body["line2"]) == (line1, line2)
    assert body["age_days"] == pytest.approx(age_days, abs=1e-4)
    assert body["elements"]["age_days"] == pytest.approx(age_days, abs=1e-4)
    assert body["mean_motion_rev_day"] == pytest.approx(sat.no_kozai * 1440 / (2 * 3.141592653589793))
    assert body["inclination_deg"] == pytest.approx(sat.inclo * 180 / 3.141592653589793)
    assert body["period_min"] == pytest.approx(2 * 3.141592653589793 / sat.no_kozai)
    assert body["time"] == when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert float(response.headers["X-Elements-Age-Days"]) == pytest.approx(age_days, abs=1e-4)
    expected_verdict = "fresh" if abs(age_days) <= 3 else "aging" if abs(age_days) <= 30 else "stale"
    assert body["verdict"] == expected_verdict
    assert bool(body["warnings"]) == (abs(age_days) > 3)


def test_tle_today_is_stale_and_says_so():
    late = create_app({"CLOCK": lambda: dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc)})
    body = late.test_client().get("/api/v1/tle").get_json()
    assert body["verdict"] == "stale"
    assert body["age_days"] == pytest.approx(42.18, abs=0.01)
    assert "42.2 days" in body["warnings"][0]


@pytest.mark.parametrize("value, kind", [
    ("2015-03-27T19:42:57", "time-format"),       # naive: refused
    ("yesterday", "time-format"),
    ("99999999999", "time-range"),
    ("0001-01-01T00:00:00+23:59", "time-range"),   # offset pushes before year 1
    ("9999-12-31T23:59:59-23:59", "time-range"),   # ... or past year 9999
])
def test_tle_bad_time(client, value, kind):
    from urllib.parse import quote
    response = client.get("/api/v1/tle?time=" + quote(value))
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["type"].endswith(":" + kind)
    assert body["parameter"] == "time"


def test_tle_etag_follows_the_content_not_the_clock():
    """Two requests a few seconds apart (the body's time and age differ) carry
    the same ETag, and the second answers 304 to it; another set, another ETag."""
    import itertools
    ticks = itertools.count()
    clock = lambda: dt.datetime(2026, 10, 10, 12, 0, next(ticks) % 60, tzinfo=dt.timezone.utc)  # noqa: E731
    client = create_app({"CLOCK": clock}).test_client()
    first, second = client.get("/api/v1/tle"), client.get("/api/v1/tle")
    assert first.get_json()["time"] != second.get_json()["time"]
    assert first.headers["ETag"] == second.headers["ETag"]
    again = client.get("/api/v1/tle", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    other = client.get("/api/v1/tle?time=2015-06-01T00:00:00Z")
    assert other.headers["ETag"] != first.headers["ETag"]
