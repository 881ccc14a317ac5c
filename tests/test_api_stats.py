"""/api/v1/stats and /api/v1/missions/year-in-space through Flask's test client.

Oracle for /stats: python-sgp4 (``Satrec.sgp4_array``) on the same element
set, sampled every 10 s: ascending-node crossings of TEME z and the
trapezoid integral of |v_TEME|. The window lies within one element set's
reign (2026-10-10, set of 2026-10-09T19:42Z), so no set switch is involved.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sgp4.api import Satrec


from helpers import newest_shipped_pair

KM_PER_MI = 1.609344


def newest_satrec():
    return Satrec.twoline2rv(*newest_shipped_pair())


def test_stats_match_python_sgp4(client):
    start = dt.datetime(2026, 10, 10, 0, 0, tzinfo=dt.timezone.utc)
    r = client.get("/api/v1/stats?start=2026-10-10T00:00:00Z&end=2026-10-10T12:00:00Z&step_s=10")
    assert r.status_code == 200
    body = r.get_json()
    sat = newest_satrec()
    t = np.arange(0, 12 * 3600 + 1, 10.0)
    jd = np.full(t.shape, 2440587.5 + start.timestamp() // 86400)
    fr = t / 86400.0
    e, rr, vv = sat.sgp4_array(jd, fr)
    assert not e.any()
    z = rr[:, 2]
    crossings = int(np.count_nonzero((z[:-1] < 0) & (z[1:] >= 0)))
    speed = np.linalg.norm(vv, axis=1)
    distance_km = float(np.sum((speed[1:] + speed[:-1]) / 2 * 10.0))
    assert body["samples"] == len(t)
    assert body["orbits"]["node_crossings"] == crossings
    assert 7 <= crossings <= 8                     # 12 h at 15.49 rev/day = 7.74 orbits
    assert body["distance"]["inertial_distance_km"] == pytest.approx(distance_km, rel=1e-6)
    assert body["distance"]["inertial_distance_mi"] == pytest.approx(distance_km / KM_PER_MI,
                                                                     rel=1e-6)
    assert 400 < body["altitude"]["min_alt_km"] < body["altitude"]["mean_alt_km"] \
        < body["altitude"]["max_alt_km"] < 440
    assert body["elements"]["epoch"] == "2026-10-09T19:42:49.140Z"
    assert body["elements"]["age_days"] == pytest.approx(
        (start - dt.datetime(2026, 10, 9, 19, 42, 49, 140000, tzinfo=dt.timezone.utc))
        / dt.timedelta(days=1), abs=1e-4)
    again = client.get("/api/v1/stats?start=2026-10-10T00:00:00Z&end=2026-10-10T12:00:00Z&step_s=10")
    assert again.headers["X-Cache"] == "HIT"


def test_year_in_space_against_nasa_figures(client):
    r = client.get("/api/v1/missions/year-in-space")
    assert r.status_code == 200
    body = r.get_json()
    m = body["mission"]
    # NASA press release, 1 March 2016: 5,440 orbits, 143,846,525 miles, 340 days
    assert m["nasa"]["orbits"] == 5440 and m["nasa"]["distance_mi"] == 143_846_525
    assert body["start"] == "2015-03-27T19:42:57.000Z" and body["end"] == "2016-03-02T04:26:00.000Z"
    # 340.36 days at ~15.55 rev/day -> ~5,296 node crossings; NASA's figure counts more
    assert m["ours"]["orbits"] == body["orbits"]["node_crossings"]
    assert abs(m["ours"]["orbits"] - 340.36 * 15.55) < 15
    assert abs(m["differences"]["ours_vs_nasa_distance_relative"]) < 0.05
    assert body["elements"]["epoch"].startswith("2015-03-27")
    # deterministic: the second answer comes from the per-app memo, byte for byte
    assert client.get("/api/v1/missions/year-in-space").get_data() == r.get_data()


def test_year_in_space_api_answers_what_the_cli_answers(client, capsys):
    """One definition (issue 16.2): the same step, so the same figures."""
    import json

    from helpers import run_cli
    body = client.get("/api/v1/missions/year-in-space").get_json()
    code, out, err = run_cli(capsys, "stats", "--mission", "year-in-space", "--json")
    assert code == 0, err
    cli = json.loads(out)
    assert body["step_s"] == cli["step_s"] == 1.0
    assert body["mission"] == cli["mission"]
    assert body["distance"] == cli["distance"] and body["orbits"] == cli["orbits"]


@pytest.mark.parametrize("query, status, parameter", [
    ("", 400, "start"),
    ("start=2026-10-10T00:00:00Z", 400, "end"),
    ("start=2026-10-10T00:00:00Z&end=2026-10-09T00:00:00Z", 400, "end"),
    ("start=2026-10-10T00:00:00&end=2026-10-11T00:00:00Z", 400, "start"),
    ("start=2026-10-10T00:00:00Z&end=2026-10-11T00:00:00Z&step_s=0.5", 400, "step_s"),
    ("start=2026-10-10T00:00:00Z&end=2026-10-11T00:00:00Z&step_s=601", 400, "step_s"),
    ("start=2026-10-01T00:00:00Z&end=2026-10-20T00:00:00Z&step_s=1", 400, "step_s"),
    ("start=2026-11-10T00:00:00Z&end=2026-11-11T00:00:00Z", 422, "allow_stale"),
    # past the Sun ephemeris (DE421 ends 2053): was EphemerisRangeError, a 500
    ("start=2054-01-01T00:00:00Z&end=2054-01-02T00:00:00Z&allow_stale=true", 400, "start"),
    ("start=2049-12-31T00:00:00Z&end=2050-01-02T00:00:00Z&allow_stale=true", 400, "end"),
    ("start=9999-12-31T23:59:59-23:59&end=2026-10-11T00:00:00Z", 400, "start"),
])
def test_stats_bad_input(client, query, status, parameter):
    r = client.get("/api/v1/stats?" + query)
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == "application/problem+json"
    body = r.get_json(force=True)
    assert body["parameter"] == parameter and parameter in body["detail"]


def test_year_in_space_takes_no_parameters(client):
    r = client.get("/api/v1/missions/year-in-space?step_s=1")
    assert r.status_code == 400 and r.get_json(force=True)["parameter"] == "step_s"
