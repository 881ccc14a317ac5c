"""/api/v1/passes through Flask's test client.

Oracle: skyfield's ``EarthSatellite.find_events`` (rise / culminate / set at
an altitude threshold, geometric, no refraction: the same definition the
service documents), with the shipped element set nearest the window; times
agree within 1 s, elevations within 0.05 deg. Local times are checked with
zoneinfo.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from skyfield.api import EarthSatellite, load, wgs84


from helpers import FIXED_NOW, assert_problem, newest_shipped_pair

PARIS = (48.85341, 2.3488)               # GeoNames 2988507
TS = load.timescale(builtin=True)


def newest_satellite():
    return EarthSatellite(*newest_shipped_pair(), ts=TS)


def skyfield_passes(lat, lon, alt_m, start, days, min_el):
    sat = newest_satellite()
    where = wgs84.latlon(lat, lon, elevation_m=alt_m)
    t, kind = sat.find_events(where, TS.from_datetime(start),
                              TS.from_datetime(start + dt.timedelta(days=days)),
                              altitude_degrees=min_el)
    passes, current = [], None
    for ti, k in zip(t, kind):
        if k == 0:
            current = {"rise": ti.utc_datetime()}
        elif k == 1 and current is not None:
            alt, _, _ = (sat - where).at(ti).altaz()
            if "culm" not in current or alt.degrees > current["max_el"]:
                current["culm"], current["max_el"] = ti.utc_datetime(), alt.degrees
        elif k == 2 and current is not None:
            current["set"] = ti.utc_datetime()
            passes.append(current)
            current = None
    return passes


def utc(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_passes_for_a_city_match_skyfield(client):
    r = client.get("/api/v1/passes?city=Paris&days=2&min_elevation_deg=10")
    assert r.status_code == 200
    body = r.get_json()
    assert body["place"]["geonameid"] == 2988507
    assert body["place"]["timezone"] == body["timezone"] == "Europe/Paris"
    ref = skyfield_passes(*PARIS, 0.0, FIXED_NOW, 2, 10.0)
    got = [p for p in body["passes"] if p["rise"] and p["set"]]
    assert len(got) == len(ref) >= 4
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    for p, q in zip(got, ref):
        assert abs((utc(p["rise"]["time_utc"]) - q["rise"]).total_seconds()) < 1.0
        assert abs((utc(p["set"]["time_utc"]) - q["set"]).total_seconds()) < 1.0
        assert abs((utc(p["culmination"]["time_utc"]) - q["culm"]).total_seconds()) < 1.0
        assert p["max_elevation_deg"] == pytest.approx(q["max_el"], abs=0.05)
        assert p["rise"]["elevation_deg"] == pytest.approx(10.0, abs=0.01)
        assert p["duration_s"] == pytest.approx((q["set"] - q["rise"]).total_seconds(), abs=2.0)
        local = dt.datetime.fromisoformat(p["rise"]["time_local"])
        assert local.utcoffset() == utc(p["rise"]["time_utc"]).astimezone(paris).utcoffset()
        assert abs((local - utc(p["rise"]["time_utc"])).total_seconds()) < 1.0
    assert body["elements"]["epoch"] == "2026-10-09T19:42:49.140Z"


def test_coordinates_give_the_same_passes_as_the_city(client):
    by_city = client.get("/api/v1/passes?city=2988507&days=1").get_json()
    by_coords = client.get(f"/api/v1/passes?lat={PARIS[0]}&lon={PARIS[1]}&days=1").get_json()
    assert [p["rise"] for p in by_city["passes"]] == [p["rise"] for p in by_coords["passes"]]
    assert by_coords["timezone"] == "Europe/Paris"     # nearest city within 300 km
    sea = client.get("/api/v1/passes?lat=-40&lon=-130&days=1").get_json()
    assert sea["timezone"] == "UTC"                     # open Pacific


def test_visible_only_is_a_subset(client):
    everything = client.get("/api/v1/passes?city=Paris&days=10").get_json()
    visible = client.get("/api/v1/passes?city=Paris&days=10&visible_only=true").get_json()
    assert visible["count_before_visible_filter"] == everything["count"]
    assert 0 < visible["count"] < everything["count"]
    rises = {p["rise"]["time_utc"] for p in everything["passes"] if p["rise"]}
    for p in visible["passes"]:
        assert p["visible"] and p["magnitude"] is not None
        assert p["rise"]["time_utc"] in rises


def test_time_zone_override_changes_only_local_times(client):
    a = client.get("/api/v1/passes?city=Paris&days=1").get_json()
    b = client.get("/api/v1/passes?city=Paris&days=1&tz=America/New_York").get_json()
    assert b["timezone"] == "America/New_York"
    assert b["place"]["timezone"] == "Europe/Paris"          # the place's own zone is kept
    assert [p["rise"]["time_utc"] for p in a["passes"]] == \
        [p["rise"]["time_utc"] for p in b["passes"]]
    assert b["passes"][0]["rise"]["time_local"].endswith("-04:00")


def test_passes_are_cached_within_a_minute(client):
    q = "/api/v1/passes?lat=35.68&lon=139.69&days=3"
    first = client.get(q)
    second = client.get("/api/v1/passes?days=3&lon=139.69&lat=35.68")    # same, reordered
    assert first.headers["X-Cache"] == "MISS" and second.headers["X-Cache"] == "HIT"
    assert first.get_data() == second.get_data()
    assert client.get(q, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_stale_window_is_refused_then_allowed(client):
    q = "/api/v1/passes?city=Paris&start=2026-11-21T00:00:00Z&days=2"
    body = assert_problem(client.get(q), 422, "allow_stale", "stale-elements")
    assert "allow_stale=true" in body["detail"] and "km along the orbit" in body["detail"]
    assert "--" not in body["detail"] and "iss-tracker" not in body["detail"]     # no CLI words
    ok = client.get(q + "&allow_stale=true")
    assert ok.status_code == 200 and ok.get_json()["warnings"]


@pytest.mark.parametrize("query, status, parameter", [
    ("", 400, "city"),
    ("city=Paris&lat=48&lon=2", 400, "city"),
    ("lat=48", 400, "lon"),
    ("lat=91&lon=0", 400, "lat"),
    ("lat=north&lon=0", 400, "lat"),
    ("lat=48&lon=-180.5", 400, "lon"),
    ("lat=48&lon=2&alt_m=20000", 400, "alt_m"),
    ("city=Paris&days=0", 400, "days"),
    ("city=Paris&days=31", 400, "days"),
    ("city=Paris&days=inf", 400, "days"),
    ("city=Paris&min_elevation_deg=90", 400, "min_elevation_deg"),
    ("city=Paris&min_elevation_deg=-1", 400, "min_elevation_deg"),
    ("city=Paris&sun_max_deg=-91", 400, "sun_max_deg"),
    ("city=Paris&visible_only=maybe", 400, "visible_only"),
    ("city=Paris&tz=Mars/Olympus_Mons", 400, "tz"),
    ("city=Paris&start=2026-10-10T12:00:00", 400, "start"),
    ("city=Paris&start=0001-01-01T00:00:00%2B23:59", 400, "start"),
    ("city=Paris&start=9999-12-31T23:59:59-23:59", 400, "start"),
    # a window too short for float seconds (start + days * 86400 == start): was a 500
    ("city=Paris&days=1e-300", 400, "days"),
    ("city=Paris&days=1e-9", 400, "days"),
    # outside the services' 1960-2049 range (the Sun ephemeris): was a 500 with allow_stale
    ("city=Paris&start=2055-01-01T00:00:00Z&allow_stale=true", 400, "start"),
    ("city=Paris&start=1950-01-01T00:00:00Z&allow_stale=true", 400, "start"),
    ("city=Paris&start=2049-12-25T00:00:00Z&days=10&allow_stale=true", 400, "days"),
    ("city=Paris&tz=America", 400, "tz"),           # a tzdata directory: was a 500
    ("city=Nowhereville", 404, "city"),
    ("city=Springfield", 400, "city"),
    ("city=Paris&color=red", 400, "color"),
])
def test_passes_bad_input(client, query, status, parameter):
    body = assert_problem(client.get("/api/v1/passes?" + query), status, parameter)
    assert "--" not in body["detail"]            # service texts name no CLI flag (was --lat/--lon)
    if status == 400:
        assert_problem(client.get("/api/v1/passes.ics?" + query), status, parameter)


def test_shortest_window_is_one_second(client):
    r = client.get("/api/v1/passes?city=Paris&days=" + repr(1 / 86400))
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert (utc(body["end_utc"]) - utc(body["start_utc"])).total_seconds() == pytest.approx(1.0)


def test_api_document_is_the_cli_document(client, capsys):
    """One formatter: /api/v1/passes is ``iss-tracker passes --json`` plus ``elements``
    (warnings without the CLI's "warning: " prefix)."""
    from tracker.cli import main
    # shipped sets only: conftest gives every test an empty ISS_TRACKER_DATA
    query = "city=Paris&start=2026-10-10T12:00:00Z&days=2&tz=America/New_York"
    api = client.get("/api/v1/passes?" + query).get_json()
    assert main(["passes", "--city", "Paris", "--start", "2026-10-10T12:00:00Z", "--days", "2",
                 "--tz", "America/New_York", "--json"]) == 0
    import json
    cli = json.loads(capsys.readouterr().out)
    assert set(api) - set(cli) == {"elements"}
    assert {k: v for k, v in api.items() if k not in ("elements", "warnings")} == \
        {k: v for k, v in cli.items() if k != "warnings"}
    assert api["passes"] and api["timezone"] == "America/New_York"


# ---------------------------------------------------------------- calendar

def _unfold(text):
    return text.replace("\r\n ", "")


def test_calendar_has_one_event_per_visible_pass(client):
    r = client.get("/api/v1/passes.ics?city=Paris&days=10")
    assert r.status_code == 200
    assert r.mimetype == "text/calendar"
    assert float(r.headers["X-Elements-Age-Days"]) == pytest.approx(0.6786, abs=1e-3)
    text = r.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    lines = _unfold(text).split("\r\n")
    starts = [l.split(":", 1)[1] for l in lines if l.startswith("DTSTART")]
    visible = client.get("/api/v1/passes?city=Paris&days=10&visible_only=true").get_json()
    assert len(starts) == visible["count"] == lines.count("BEGIN:VEVENT") > 0
    for start, p in zip(starts, visible["passes"]):
        appear = utc(p["visible_segment"]["appear"]["time_utc"])
        event = dt.datetime.strptime(start, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
        assert abs((event - appear).total_seconds()) <= 1.0


def test_calendar_bad_input_is_a_problem(client):
    assert_problem(client.get("/api/v1/passes.ics?lat=100&lon=0"), 400, "lat")


# ------------------------------------------------------------- overflights

def test_overflights_are_closest_approaches_within_the_radius(client):
    import math
    r = client.get("/api/v1/overflights?city=Paris&days=2&radius_km=400")
    assert r.status_code == 200
    body = r.get_json()
    assert body["count"] == len(body["overflights"]) > 0
    assert body["elements"]["epoch"] == "2026-10-09T19:42:49.140Z"
    sat = newest_satellite()

    def ground_km(t):
        sub = wgs84.subpoint_of(sat.at(TS.from_datetime(t)))
        p1, p2 = math.radians(PARIS[0]), sub.latitude.radians
        dl = sub.longitude.radians - math.radians(PARIS[1])
        h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * 6371.0088 * math.asin(math.sqrt(h))

    for o in body["overflights"]:
        t = utc(o["closest_approach"]["time_utc"])
        d = ground_km(t)
        assert o["ground_distance_km"] == pytest.approx(d, abs=0.5)
        assert d <= 400.0
        assert ground_km(t - dt.timedelta(seconds=20)) > d < ground_km(t + dt.timedelta(seconds=20))


@pytest.mark.parametrize("query, parameter", [
    ("city=Paris&days=1e-300", "days"),
    ("city=Paris&start=2049-12-25T00:00:00Z&days=10&allow_stale=true", "days"),
    ("city=Paris&start=2051-01-01T00:00:00Z&allow_stale=true", "start"),
    ("city=Paris&radius_km=0", "radius_km"),
    ("city=Paris&radius_km=2501", "radius_km"),
    ("city=Paris&night_only=sometimes", "night_only"),
    ("city=Paris&days=732", "days"),            # OVERFLIGHT_DAYS: 731 as the CLI (was 30)
    ("lat=1", "lon"),
])
def test_overflights_bad_input(client, query, parameter):
    assert_problem(client.get("/api/v1/overflights?" + query), 400, parameter)
