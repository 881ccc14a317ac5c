"""Other objects than the ISS (issue 15.4): ``norad`` / ``name`` pick any
object of the element store; checked against skyfield with the 2022 catalog."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tle.catalog import object_sets
from tle.errors import NoElementSetError, UnknownObjectError

CATALOG = Path(__file__).parent / "data" / "catalog_2022-07-15.tle"
HUBBLE, CSS = 20580, 48274
T = "2022-07-15T12:00:00Z"


@pytest.fixture(scope="module")
def sources():
    return object_sets(tle_file=CATALOG)


@pytest.mark.parametrize("query, satnum", [
    ({}, 25544), ({"norad": HUBBLE}, HUBBLE), ({"name": "hubble"}, HUBBLE), ({"name": "HST"}, HUBBLE),
    ({"name": "css (tianhe-1)"}, CSS), ({"name": "Tiangong"}, CSS), ({"name": "ISS (ZARYA)"}, 25544),
])
def test_resolve(sources, query, satnum):
    assert sources.resolve(**query) == satnum


def test_resolve_refuses(sources):
    with pytest.raises(UnknownObjectError) as amb:
        sources.resolve(name="starlink")
    assert amb.value.status == 400 and len(amb.value.candidates) > 1 and "STARLINK" in str(amb.value)
    with pytest.raises(UnknownObjectError) as missing:
        sources.resolve(name="no such satellite")
    assert missing.value.status == 404
    with pytest.raises(NoElementSetError):
        sources.resolve(norad=339999)


@pytest.fixture(scope="module")
def catalog_client():
    import datetime as dt

    from tracker.api import create_app
    app = create_app({"CLOCK": lambda: dt.datetime(2022, 7, 15, 12, tzinfo=dt.timezone.utc),
                      "TESTING": True, "TLE_FILE": str(CATALOG)})
    return app.test_client()


def _skyfield_subpoint(ts, satnum, when):
    """skyfield's sub-satellite point; ``ts`` (conftest) carries the polar
    motion our frames apply (without it the two differ by ~14 m in 2022)."""
    from skyfield.api import EarthSatellite, wgs84
    lines = CATALOG.read_text().splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith(f"1 {satnum:5d}"))
    sat = EarthSatellite(lines[i], lines[i + 1], ts=ts)
    t = ts.from_datetime(when)
    pos = wgs84.subpoint_of(sat.at(t))
    return pos.latitude.degrees, pos.longitude.degrees, wgs84.height_of(sat.at(t)).km


@pytest.mark.parametrize("query, satnum", [({"norad": str(HUBBLE)}, HUBBLE), ({"name": "tiangong"}, CSS)])
def test_api_now_other_object(catalog_client, ts, query, satnum):
    import datetime as dt
    client = catalog_client
    r = client.get("/api/v1/iss/now", query_string={"time": T, **query})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["elements"]["satnum"] == satnum
    lat, lon, alt = _skyfield_subpoint(ts, satnum, dt.datetime(2022, 7, 15, 12, tzinfo=dt.timezone.utc))
    # 5e-5 deg is 5.6 m (issue 11's 5 m; the API rounds to 1e-5 deg, 1.1 m)
    assert abs(body["latitude_deg"] - lat) < 5e-5 and abs(body["longitude_deg"] - lon) < 5e-5
    assert abs(body["altitude_km"] - alt) < 0.01


def test_api_object_errors(catalog_client):
    client = catalog_client
    r = client.get("/api/v1/iss/now", query_string={"time": T, "name": "starlink"})
    assert r.status_code == 400 and r.mimetype == "application/problem+json"
    assert r.get_json()["type"].endswith("ambiguous-object") and r.get_json()["parameter"] == "name"
    r = client.get("/api/v1/iss/now", query_string={"time": T, "name": "hubble", "norad": "20580"})
    assert r.status_code == 400
    r = client.get("/api/v1/iss/now", query_string={"time": T, "name": "zzz nothing"})
    assert r.status_code == 404 and r.mimetype == "application/problem+json"


def test_api_passes_hubble_against_skyfield(catalog_client):
    """Hubble's passes over Nairobi (it never reaches Paris: 28.5 deg
    inclination) at 2022 times: rise/culmination within 1 s of skyfield."""
    from skyfield.api import EarthSatellite, load, wgs84
    client = catalog_client
    r = client.get("/api/v1/passes", query_string={"lat": "-1.29", "lon": "36.82", "name": "hubble",
                                                   "start": T, "days": "1", "min_elevation_deg": "10"})
    assert r.status_code == 200, r.get_json()
    passes = r.get_json()["passes"]
    assert passes
    lines = CATALOG.read_text().splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith(f"1 {HUBBLE:5d}"))
    ts = load.timescale(builtin=True)
    sat = EarthSatellite(lines[i], lines[i + 1], ts=ts)
    t0 = ts.utc(2022, 7, 15, 12)
    t, ev = sat.find_events(wgs84.latlon(-1.29, 36.82), t0, t0 + 1.0, altitude_degrees=10.0)
    culm = [tt for tt, e in zip(t, ev) if e == 1]
    ours = sorted(p["culmination"]["time_utc"]
                  for p in passes)
    assert len(ours) == len(culm)
    for a, b in zip(ours, culm):
        import datetime as dt
        ta = dt.datetime.fromisoformat(a.replace("Z", "+00:00"))
        assert abs((ta - b.utc_datetime()).total_seconds()) < 1.0


# --- the CLI: --norad / --name ---------------------------------------------------

@pytest.mark.parametrize("option", [("--norad", str(HUBBLE)), ("--name", "hubble")])
def test_cli_now_other_object(capsys, ts, option):
    import datetime as dt
    import json

    from helpers import run_cli
    code, out, err = run_cli(capsys, "now", "--time", T, "--tle", str(CATALOG), *option, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["tle"]["line1"].startswith(f"1 {HUBBLE}")
    lat, lon, alt = _skyfield_subpoint(ts, HUBBLE, dt.datetime(2022, 7, 15, 12, tzinfo=dt.timezone.utc))
    assert abs(doc["latitude_deg"] - lat) < 5e-5 and abs(doc["longitude_deg"] - lon) < 5e-5
    assert abs(doc["altitude_km"] - alt) < 0.01
    code, out, err = run_cli(capsys, "now", "--time", T, "--tle", str(CATALOG), *option)
    assert code == 0 and out.startswith(f"HST ({HUBBLE}) at "), out


def test_cli_passes_other_object_names_it(capsys):
    from helpers import run_cli
    code, out, err = run_cli(capsys, "passes", "--city", "Nairobi", "--start", T, "--days", "1",
                             "--tle", str(CATALOG), "--name", "tiangong")
    assert code == 0, err
    assert out.startswith(f"CSS (TIANHE-1) ({CSS}) passes over Nairobi")


@pytest.mark.parametrize("argv, fragments", [
    (("now", "--name", "starlink"), ("starlink", "matches", "catalog number")),
    (("now", "--name", "no such satellite"), ("no object named like",)),
    (("now", "--norad", "339999"), ("no element set for catalog number 339999",)),
    (("now", "--norad", "0"), ("--norad", "1-339999")),
    (("now", "--norad", "5", "--name", "x"), ("not allowed with",)),
    (("passes", "--city", "Nairobi", "--name", "starlink"), ("starlink",)),
])
def test_cli_object_errors(capsys, argv, fragments):
    from helpers import assert_one_line_error, run_cli
    assert_one_line_error(*run_cli(capsys, *argv, "--tle", str(CATALOG)), *fragments)


def test_cli_transits_other_object_names_it(capsys):
    from helpers import run_cli
    code, out, err = run_cli(capsys, "transits", "--city", "Nairobi", "--start", "2022-07-15T00:00:00Z",
                             "--days", "2", "--tle", str(CATALOG), "--norad", str(CSS))
    assert code == 0, err
    assert out.startswith(f"CSS (TIANHE-1) ({CSS}) transits of the")


def test_other_objects_get_no_iss_magnitude(capsys):
    """The brightness model is the ISS's: Hubble's visible passes carry none."""
    import json

    from helpers import run_cli
    code, out, err = run_cli(capsys, "passes", "--city", "Nairobi", "--start", T, "--days", "2",
                             "--tle", str(CATALOG), "--name", "hubble", "--json")
    assert code == 0, err
    passes = json.loads(out)["passes"]
    assert any(p["visible"] for p in passes)
    assert all(p["magnitude"] is None for p in passes)
    code, out, err = run_cli(capsys, "passes", "--city", "Nairobi", "--start", T, "--days", "2",
                             "--tle", str(CATALOG), "--json")
    assert any(p["magnitude"] is not None for p in json.loads(out)["passes"] if p["visible"])


def test_ics_names_the_object(catalog_client):
    import icalendar
    r = catalog_client.get("/api/v1/passes.ics", query_string={"city": "Nairobi", "days": "2",
                                                              "name": "hubble"})
    cal = icalendar.Calendar.from_ical(r.data)
    events = list(cal.walk("VEVENT"))
    assert events and all(str(e["summary"]).startswith("HST (20580) visible:") for e in events)
    assert str(cal["x-wr-calname"]).startswith("HST (20580) passes over Nairobi")
