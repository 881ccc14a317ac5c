"""No answer names a server path (issue 12, leaks): /api/v1/tle's source,
warnings (/iss-now.json and the JSON API), 422 details and /health name the
file, never the folder it is in. The server's folder here has a name that
would be easy to spot (``secret-folder-...``) and every answer body and
header is searched for it."""
from __future__ import annotations

import datetime as dt

import pytest

from tle.store import history_path, shipped_sets
from tle.update import refresh
from tracker.api import create_app

LATE = dt.datetime(2027, 6, 1, tzinfo=dt.timezone.utc)     # the newest shipped set is then stale

URLS = ["/api/v1/tle", "/iss-now.json", "/api/v1/iss/now", "/health",
        "/api/v1/passes?lat=48.85&lon=2.35",                          # 422: too old
        "/api/v1/passes?lat=48.85&lon=2.35&days=1&allow_stale=true",  # answer with warnings
        "/iss-pass.json?lat=48.85&lon=2.35",
        "/api/v1/iss/groundtrack?start=2027-06-01T00:00:00Z&end=2027-06-01T00:10:00Z",
        "/api/v1/overflights?lat=48.85&lon=2.35"]


def _iss_tle(es) -> str:
    return f"{es.name}\n{es.line1}\n{es.line2}\n"


@pytest.fixture
def secret(tmp_path):
    folder = tmp_path / "secret-folder-x7q"
    folder.mkdir()
    return folder


def _leaks(app, folder, urls=URLS):
    client = app.test_client()
    seen = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        text = response.get_data(as_text=True) + str(response.headers)
        seen[url] = response
        assert str(folder) not in text and "secret-folder" not in text, (url, text[:400])
    return seen


def test_a_served_file_is_named_not_its_path(secret):
    path = secret / "my_elements.tle"
    path.write_text(_iss_tle(shipped_sets()[-1]))
    seen = _leaks(create_app({"TLE_FILE": str(path), "CLOCK": lambda: LATE}), secret)
    assert seen["/api/v1/tle"].get_json()["source"] == "my_elements.tle"
    warnings = seen["/iss-now.json"].get_json()["warnings"]
    assert warnings and "from my_elements.tle" in warnings[0]
    assert seen["/api/v1/passes?lat=48.85&lon=2.35"].status_code == 422
    assert "my_elements.tle" in seen["/api/v1/passes?lat=48.85&lon=2.35"].get_json()["detail"]


def test_history_sets_and_refresh_outcome_are_named_not_their_path(secret):
    data = secret / "data"
    fresh = secret / "fresh.tle"
    base = shipped_sets()[-1]
    # one set a day after the newest shipped one, written by sgp4's own
    # fixed-column layout (the epoch field shifted, checksum recomputed)
    from sgp4.api import Satrec
    from sgp4.io import fix_checksum
    day = Satrec.twoline2rv(base.line1, base.line2).epochdays + 1.0
    line1 = fix_checksum(f"{base.line1[:20]}{day:012.8f}{base.line1[32:68]}")
    fresh.write_text(f"{base.name}\n{line1}\n{base.line2}\n")
    app = create_app({"DATA_DIR": str(data), "CLOCK": lambda: LATE})
    res = app.extensions["iss_tracker"]
    last = res.refresh_once(lambda: refresh(data, str(fresh), now_unix_s=LATE.timestamp()))
    assert last["ok"] and history_path(data).exists()
    seen = _leaks(app, secret)
    assert seen["/api/v1/tle"].get_json()["source"] == "history.tle"
    assert "history.tle" in seen["/health"].get_json()["refresh"]["last"]["detail"]


def test_degraded_health_names_the_file(secret):
    path = secret / "other_satellite.tle"
    es = shipped_sets()[0]                  # an ISS set renumbered to catalog 5
    line1 = "1 00005" + es.line1[7:]
    line2 = "2 00005" + es.line2[7:]
    from sgp4.io import fix_checksum
    path.write_text(f"VANGUARD\n{fix_checksum(line1[:68])}\n{fix_checksum(line2[:68])}\n")
    seen = _leaks(create_app({"TLE_FILE": str(path), "CLOCK": lambda: LATE}), secret,
                  ["/health", "/api/v1/tle", "/iss-now.json"])
    body = seen["/health"].get_json()
    assert body["status"] == "degraded" and "other_satellite.tle" in body["detail"]
