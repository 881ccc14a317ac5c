"""CLI: ``iss-tracker passes`` and ``overflights`` through ``tracker.cli.main``.

Bad input must give exactly one line on stderr and exit status 2. Output
numbers are checked against skyfield (``find_events`` with the element set
the store chose) or against the service called directly. The user's data
directory points at an empty temporary folder (shipped sets only).
"""
import csv
import datetime as dt
import io
import json

import numpy as np
import pytest
from skyfield.api import EarthSatellite, load, wgs84

from tle.store import ElementStore
from tracker.formats.ics import escape_text, fold
from tracker.places.gazetteer import resolve

from helpers import assert_one_line_error, run_cli

START = "2015-12-18T00:00:00Z"
START_UNIX = dt.datetime(2015, 12, 18, tzinfo=dt.timezone.utc).timestamp()


@pytest.mark.parametrize("argv, fragments", [
    (["passes", "--city", "Xyzzyville", "--start", START], ["no city named 'Xyzzyville'"]),
    (["passes", "--city", "Springfield", "--start", START], ["matches", "Illinois", "Springfield, US"]),
    (["passes", "--lat", "91", "--lon", "0", "--start", START], ["latitude", "-90 to 90"]),
    (["passes", "--lat", "45", "--lon", "-181", "--start", START], ["longitude", "-180 to 180"]),
    (["passes", "--lat", "45", "--start", START], ["--lat and --lon go together"]),
    (["passes", "--lat", "45", "--lon", "5", "--alt-m", "20000", "--start", START], ["altitude"]),
    (["passes", "--city", "Paris", "--days", "0", "--start", START], ["days 0", "more than 0"]),
    (["passes", "--city", "Paris", "--days", "-2", "--start", START], ["days -2", "more than 0"]),
    (["passes", "--city", "Paris", "--days", "31", "--start", START], ["days 31", "at most 30"]),
    # shorter than float seconds can hold: start + days * 86400 == start (was a traceback)
    (["passes", "--city", "Paris", "--days", "1e-300", "--start", START], ["days 1e-300", "1 s"]),
    (["passes", "--city", "Paris", "--start", "2055-01-01T00:00:00Z", "--allow-stale"],
     ["start", "1960-01-01T00:00:00Z .. 2050-01-01T00:00:00Z"]),
    (["passes", "--city", "Paris", "--start", "2049-12-30T00:00:00Z", "--allow-stale"],
     ["days", "2050-01-09"]),
    (["passes", "--city", "Paris", "--start", "0001-01-01T00:00:00+23:59"], ["--start", "1900"]),
    (["passes", "--city", "Paris", "--tz", "America", "--start", START], ["time zone", "IANA"]),
    (["passes", "--city", "Paris", "--min-elevation", "95", "--start", START], ["min elevation"]),
    (["passes", "--city", "Paris", "--tz", "Mars/Base", "--start", START], ["time zone", "IANA"]),
    (["passes", "--city", "Paris", "--start", "2015-12-18T00:00:00"], ["no time zone"]),
    (["passes", "--city", "Paris", "--start", "2020-06-01T00:00:00Z"],
     ["too old", "more than half an orbit", "--allow-stale", "iss-tracker tle update"]),
    (["passes", "--start", START], ["no place given"]),
    (["passes", "--city", "Paris", "--lat", "1", "--lon", "2", "--start", START], ["not both"]),
    (["passes", "--city", "Paris", "--days", "ten", "--start", START], ["--days must be a number"]),
    (["passes", "--city", "Paris", "--format", "csv", "--start", START], ["--all-cities"]),
    (["passes", "--all-cities", "--format", "json", "--start", START], ["CSV only"]),
    (["overflights", "--city", "Paris", "--start", START, "--end", "2015-12-17T00:00:00Z"],
     ["end (2015-12-17T00:00:00.000Z) must be after start (2015-12-18T00:00:00.000Z)"]),
    (["overflights", "--city", "Paris", "--start", START, "--end", "2015-12-19T00:00:00Z",
      "--radius-km", "0"], ["radius 0", "more than 0"]),
    (["overflights", "--lat", "0", "--lon", "200", "--start", START, "--end", "2015-12-19T00:00:00Z"],
     ["-180 to 180"]),
    (["overflights", "--city", "Springfield", "--start", START, "--end", "2015-12-19T00:00:00Z"],
     ["matches"]),
    (["overflights", "--city", "Paris", "--start", "2020-01-01T00:00:00Z", "--end", "2020-01-02T00:00:00Z"],
     ["too old"]),
    (["overflights", "--city", "Paris", "--start", START, "--end", "2051-01-01T00:00:00Z",
      "--allow-stale"], ["end", "2050-01-01T00:00:00Z"]),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, fragments):
    assert_one_line_error(*run_cli(capsys, *argv), *fragments)


def test_ics_unwritable_path(capsys, tmp_path):
    assert_one_line_error(*run_cli(capsys, "passes", "--city", "Paris", "--start", START, "--days", "1",
                               "--ics", str(tmp_path / "no" / "such" / "dir.ics")),
                          "cannot write the iCalendar file")


def test_stale_allowed_with_flag(capsys):
    code, out, err = run_cli(capsys, "passes", "--city", "Paris", "--start", "2020-06-01T00:00:00Z",
                         "--days", "1", "--allow-stale", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["warnings"] and "days after the epoch" in doc["warnings"][0]


def test_json_matches_skyfield(capsys):
    code, out, err = run_cli(capsys, "passes", "--city", "Paris", "--start", START, "--days", "2", "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert doc["place"]["geonameid"] == resolve("Paris").geonameid
    assert doc["timezone"] == "Europe/Paris" and doc["start_utc"] == "2015-12-18T00:00:00.000Z"
    assert doc["passes"] and doc["reason"] is None
    store = ElementStore.shipped()
    ts = load.timescale(builtin=True)
    topos = wgs84.latlon(doc["place"]["lat_deg"], doc["place"]["lon_deg"])
    for p in doc["passes"]:
        for name in ("rise", "culmination", "set"):
            e = p[name]
            t = dt.datetime.fromisoformat(e["time_utc"].replace("Z", "+00:00"))
            local = dt.datetime.fromisoformat(e["time_local"])
            assert abs((local - t).total_seconds()) < 0.5 and local.utcoffset() == dt.timedelta(hours=1)
            es = store.nearest(t.timestamp()).element_set
            sat = EarthSatellite(es.line1, es.line2, ts=ts)
            alt, az, dist = (sat - topos).at(ts.from_datetime(t)).altaz()
            assert e["elevation_deg"] == pytest.approx(alt.degrees, abs=0.01)
            # JSON times are to the millisecond; near the zenith azimuth turns fast,
            # so compare the azimuth as an arc on the sky (times cos elevation)
            d_az = (e["azimuth_deg"] - az.degrees + 180) % 360 - 180
            assert abs(d_az) * np.cos(np.radians(alt.degrees)) < 0.02
            assert e["range_km"] == pytest.approx(dist.km, abs=0.5)
        assert p["rise"]["elevation_deg"] == pytest.approx(10.0, abs=0.01)
        assert p["max_elevation_deg"] == p["culmination"]["elevation_deg"]
        assert p["visible"] == (p["visible_segment"] is not None)
        assert p["timing_uncertainty_s"] > 0 and "element_set_age_days" in p


def test_table_output(capsys):
    code, out, err = run_cli(capsys, "passes", "--city", "Paris", "--start", START, "--days", "1")
    assert code == 0 and err == ""
    assert "ISS passes over Paris, FR" in out and "Europe/Paris (UTC+01:00)" in out
    assert "shadow" in out          # a visible pass ending in the Earth's shadow that evening


def test_no_passes_far_north(capsys):
    code, out, err = run_cli(capsys, "passes", "--lat", "80", "--lon", "15", "--start", START,
                         "--days", "2", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["passes"] == [] and "latitude 80.00" in doc["reason"]
    code, out, err = run_cli(capsys, "passes", "--lat", "80", "--lon", "15", "--start", START, "--days", "2")
    assert code == 0 and "No passes:" in out


def test_auto_timezone_for_coordinates(capsys):
    code, out, err = run_cli(capsys, "passes", "--lat", "35.68", "--lon", "139.77", "--start", START,
                         "--days", "1", "--json")
    assert json.loads(out)["timezone"] == "Asia/Tokyo"
    code, out, err = run_cli(capsys, "passes", "--lat", "35.68", "--lon", "139.77", "--start", START,
                         "--days", "1", "--json", "--tz", "UTC")
    assert json.loads(out)["timezone"] == "UTC"


def _unfold(text):
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")       # every line ends in CRLF
    for line in text.split("\r\n")[:-1]:
        assert len(line.encode("utf-8")) <= 75
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_ics_file(capsys, tmp_path):
    path = tmp_path / "iss.ics"
    code, out, err = run_cli(capsys, "passes", "--city", "Paris", "--start", START, "--days", "3",
                         "--json", "--ics", str(path))
    assert code == 0 and "wrote" in err
    doc = json.loads(out)
    text = path.read_bytes().decode("utf-8")
    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(x.startswith("PRODID:") for x in lines)
    events = [i for i, x in enumerate(lines) if x == "BEGIN:VEVENT"]
    visible = [p for p in doc["passes"] if p["visible"]]
    assert len(events) == len(visible) > 0
    starts = [x.split(":", 1)[1] for x in lines if x.startswith("DTSTART:")]
    ends = [x.split(":", 1)[1] for x in lines if x.startswith("DTEND:")]
    for p, s, e in zip(visible, starts, ends):
        t = dt.datetime.fromisoformat(p["visible_segment"]["appear"]["time_utc"].replace("Z", "+00:00"))
        assert s == dt.datetime.fromtimestamp(round(t.timestamp()), dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        assert e > s
    summaries = [x for x in lines if x.startswith("SUMMARY:")]
    for p, summary in zip(visible, summaries):
        # "up to N°": the highest point of the visible segment
        top = float(summary.split("up to ")[1].split("°")[0])
        seg = p["visible_segment"]
        assert max(seg["appear"]["elevation_deg"], seg["disappear"]["elevation_deg"]) - 0.5 <= top
        assert top <= p["max_elevation_deg"] + 0.5
    for i in events:
        block = lines[i:lines.index("END:VEVENT", i)]
        names = {x.split(":", 1)[0].split(";")[0] for x in block}
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} <= names
    assert len({x for x in lines if x.startswith("UID:")}) == len(events)


@pytest.mark.nojit
def test_ics_folding_and_escaping():
    long = "DESCRIPTION:" + "é" * 100 + ";,\\"
    folded = fold(long)
    pieces = folded.split("\r\n")[:-1]
    assert all(len(p.encode("utf-8")) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert folded.replace("\r\n ", "") == long + "\r\n"
    assert escape_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"


def _unix(iso_z):
    return dt.datetime.fromisoformat(iso_z.replace("Z", "+00:00")).timestamp()


def test_all_cities_csv_matches_single_city_runs(capsys):
    code, out, err = run_cli(capsys, "passes", "--all-cities", "--days", "1", "--visible-only",
                         "--format", "csv", "--start", START)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) > 5000
    assert all(r["visible"] == "true" for r in rows)
    by_city = {}
    for r in rows:
        by_city.setdefault(r["geonameid"], []).append(r)
    rng = np.random.default_rng(3)
    for gid in rng.choice(sorted(by_city), 4, replace=False):
        code, out, err = run_cli(capsys, "passes", "--city", gid, "--days", "1", "--visible-only",
                             "--json", "--start", START)
        doc = json.loads(out)
        ours = [_unix(p["rise"]["time_utc"]) for p in doc["passes"]]
        theirs = [_unix(r["rise_utc"]) for r in by_city[gid]]     # CSV: rounded to the second
        assert ours == pytest.approx(theirs, abs=0.501)
        assert [p["magnitude"] for p in doc["passes"]] == \
            pytest.approx([float(r["magnitude"]) for r in by_city[gid]], abs=0.051)
        assert by_city[gid][0]["timezone"] == doc["timezone"]


def test_overflights_year_in_space(capsys):
    """Every night overflight of Ho Chi Minh City during the Year in Space, one command."""
    code, out, err = run_cli(capsys, "overflights", "--city", "Ho Chi Minh City",
                         "--start", "2015-03-27T19:42:57Z", "--end", "2016-03-02T04:26:00Z",
                         "--night-only", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["count"] > 10 and doc["count"] < doc["count_before_night_filter"]
    assert all(o["dark"] and o["sun_altitude_deg"] < -6 and o["ground_distance_km"] <= 100
               for o in doc["overflights"])
    times = [o["closest_approach"]["time_utc"] for o in doc["overflights"]]
    assert times == sorted(times) and times[0] > "2015-03-27T19:42:57" and times[-1] < "2016-03-02T04:26"
    assert doc["warnings"]            # gaps of up to 25 days between shipped sets


def test_overflights_table_and_csv(capsys):
    code, out, err = run_cli(capsys, "overflights", "--city", "Paris", "--start", START,
                         "--end", "2015-12-25T00:00:00Z", "--radius-km", "300")
    assert code == 0 and "overflights of Paris, FR" in out
    code, out2, err = run_cli(capsys, "overflights", "--city", "Paris", "--start", START,
                          "--end", "2015-12-25T00:00:00Z", "--radius-km", "300", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out2)))
    assert rows and all(float(r["ground_distance_km"]) <= 300 for r in rows)
    assert f"{len(rows)} overflight(s)" in out
