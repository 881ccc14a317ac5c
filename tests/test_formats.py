"""tracker.formats: the iCalendar document (read back by the ``icalendar``
library, an independent parser) and the tqdm-backed progress bar."""
import dataclasses
import datetime as dt
import io
import subprocess
import sys

import icalendar
import pytest

from tle.store import ElementStore
from tracker.formats.ics import passes_to_ics
from tracker.formats.progress import ProgressBar
from tracker.places.gazetteer import resolve
from tracker.services.passes import passes_for_place

UTC = dt.timezone.utc
START_UNIX = dt.datetime(2015, 12, 18, tzinfo=UTC).timestamp()
NOW_UNIX = dt.datetime(2015, 12, 17, 12, 34, 56, tzinfo=UTC).timestamp()


@pytest.fixture(scope="module")
def report():
    rep = passes_for_place(resolve("Paris"), START_UNIX, 5, store=ElementStore.shipped())
    assert sum(p.visible for p in rep.passes) >= 3
    assert any(not p.visible for p in rep.passes)    # the filter is exercised
    return rep


def _second(unix_s):
    return dt.datetime.fromtimestamp(round(unix_s), UTC)


def _check_lines(raw: bytes):
    assert raw.endswith(b"\r\n")
    body = raw[:-2]
    for line in body.split(b"\r\n"):
        assert b"\r" not in line and b"\n" not in line       # CRLF only, no bare CR/LF
        assert len(line) <= 75, line                          # octets
        line.decode("utf-8")                                  # no split UTF-8 sequence


def test_ics_events_match_the_report(report):
    text = passes_to_ics(report, now_unix_s=NOW_UNIX)
    raw = text.encode("utf-8")
    _check_lines(raw)
    cal = icalendar.Calendar.from_ical(raw)
    assert str(cal["version"]) == "2.0" and "iss-tracker" in str(cal["prodid"])
    events = list(cal.walk("VEVENT"))
    visible = [p for p in report.passes if p.visible]
    assert len(events) == len(visible)
    place = report.place
    for ev, p in zip(events, visible):
        start, end = ev.decoded("dtstart"), ev.decoded("dtend")
        assert start.utcoffset() == dt.timedelta(0) and end.utcoffset() == dt.timedelta(0)
        assert start == _second(p.appear.unix_s)
        assert end == _second(p.disappear.unix_s)
        assert ev.decoded("dtstamp") == _second(NOW_UNIX)
        assert "DTSTART:" + start.strftime("%Y%m%dT%H%M%SZ") in text    # Z form, no TZID
        summary = str(ev["summary"])
        top = float(summary.split("up to ")[1].split("°")[0])   # highest while visible
        assert max(p.appear.elevation_deg, p.disappear.elevation_deg) - 0.5 <= top
        assert top <= p.peak.elevation_deg + 0.5
        assert p.appear.compass in summary and p.disappear.compass in summary
        if p.magnitude is not None:
            assert f"magnitude {p.magnitude:.1f}" in summary
        desc = str(ev["description"])
        assert "±" in desc and " s " in desc
        assert f"{p.age_days:+.1f} days" in desc
        epoch = dt.datetime.fromtimestamp(p.element_set_epoch_unix_s, UTC)
        assert epoch.strftime("%Y-%m-%d %H:%M") in desc
        assert f"Appears {_second(p.appear.unix_s):%H:%M:%S}Z" in desc
        if p.rise is not None:
            assert f"rises {_second(p.rise.unix_s):%H:%M:%S}Z" in desc
        if p.set is not None:
            assert f"sets {_second(p.set.unix_s):%H:%M:%S}Z" in desc
        assert "\n" in desc                                   # escaped newline read back
        assert str(ev["location"]) == place.label
        lat, lon = ev.decoded("geo")
        assert lat == pytest.approx(place.lat_deg, abs=1e-6)
        assert lon == pytest.approx(place.lon_deg, abs=1e-6)
    uids = [str(ev["uid"]) for ev in events]
    assert len(set(uids)) == len(uids)
    # UIDs are stable: another DTSTAMP, same passes, same UIDs
    again = icalendar.Calendar.from_ical(passes_to_ics(report, now_unix_s=NOW_UNIX + 3600))
    assert [str(ev["uid"]) for ev in again.walk("VEVENT")] == uids


def test_ics_escapes_and_folds_hostile_labels(report):
    label = "Saint-Rémy; «Ville», \\ Hauts-de-Seine, " + "é°±" * 40 + "\nend"
    place = dataclasses.replace(report.place, name=label, geonameid=None)
    rep = dataclasses.replace(report, place=place)
    raw = passes_to_ics(rep, now_unix_s=NOW_UNIX).encode("utf-8")
    _check_lines(raw)
    assert b"\r\n " in raw                                    # something was folded
    cal = icalendar.Calendar.from_ical(raw)
    # X-WR-CALNAME is a non-standard property (the parser keeps it raw): TEXT-escaped by RFC 5545 3.3.11
    escaped = (label.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
               .replace("\n", "\\n"))
    unfolded = raw.decode("utf-8").replace("\r\n ", "").split("\r\n")
    assert "X-WR-CALNAME:ISS passes over " + escaped in unfolded
    for ev in cal.walk("VEVENT"):
        assert str(ev["location"]) == label


def test_ics_without_visible_passes_is_an_empty_calendar(report):
    rep = dataclasses.replace(report, passes=[p for p in report.passes if not p.visible])
    cal = icalendar.Calendar.from_ical(passes_to_ics(rep, now_unix_s=NOW_UNIX))
    assert cal.name == "VCALENDAR" and list(cal.walk("VEVENT")) == []


# ------------------------------------------------------------------ progress

def test_progress_bar_forced_reaches_100_percent():
    out = io.StringIO()                                       # not a TTY: drawn only because forced
    with ProgressBar(7, label="work", stream=out, force=True, min_interval_s=0.0) as bar:
        for _ in range(3):
            bar.update(2)
        bar.update(5)                                         # clipped to the total
    text = out.getvalue()
    final = text.rstrip("\n").split("\r")[-1]
    assert text.endswith("\n") and final.startswith("work [" + "#" * 30 + "]")
    assert "100.0%" in final and "ETA" not in final
    assert " 85.7%" in text                                   # 6 of 7, drawn on the way
    assert bar.done == 7


def test_progress_bar_set_and_silence():
    quiet = io.StringIO()
    with ProgressBar(100, stream=quiet) as bar:               # StringIO is not a TTY
        bar.set(40)
        bar.set(250)
    assert quiet.getvalue() == "" and bar.done == 100
    with pytest.raises(ValueError):
        ProgressBar(-1)


def test_progress_bar_does_not_import_tqdm_unless_drawing():
    code = ("import io, sys\n"
            "from tracker.formats.progress import ProgressBar\n"
            "with ProgressBar(10, stream=io.StringIO()) as b:\n"
            "    b.update(10)\n"
            "assert 'tqdm' not in sys.modules, 'imported while silent'\n"
            "with ProgressBar(10, stream=io.StringIO(), force=True) as b:\n"
            "    b.update(10)\n"
            "assert 'tqdm' in sys.modules\n")
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True)


def test_ics_description_has_local_time_direction_elevation_magnitude(report):
    """The first line of each description is the visible pass in Paris local
    time (zoneinfo, independently of our formatter), with both directions,
    the highest elevation and the magnitude; a zone given overrides the place's."""
    from zoneinfo import ZoneInfo
    for tz in (None, "America/New_York"):
        cal = icalendar.Calendar.from_ical(passes_to_ics(report, now_unix_s=NOW_UNIX, tz=tz))
        zone = ZoneInfo(tz or "Europe/Paris")
        visible = [p for p in report.passes if p.visible]
        for ev, p in zip(cal.walk("VEVENT"), visible):
            first = str(ev["description"]).split("\n")[0]
            start = _second(p.appear.unix_s).astimezone(zone)
            end = _second(p.disappear.unix_s).astimezone(zone)
            assert first.startswith(f"Local time ({zone.key}, UTC{start:%z}"[:-2])
            assert f"{start:%H:%M:%S} to {end:%H:%M:%S}" in first
            assert f"from the {p.appear.compass} to the {p.disappear.compass}" in first
            top = max(p.appear.elevation_deg, p.disappear.elevation_deg)
            shown = float(first.split("highest ")[1].split("°")[0])
            assert top - 0.5 <= shown <= p.peak.elevation_deg + 0.5
            if p.magnitude is not None:
                assert f"magnitude {p.magnitude:.1f}" in first
            assert "(68 %)" in str(ev["description"]) and "(90 %)" in str(ev["description"])


def test_quiet_silences_a_bar_on_a_terminal(monkeypatch, capsys):
    """``--quiet`` on any command: a bar that would draw on a terminal stays silent."""
    from tracker.cli import main
    from tracker.formats import progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    drawn = Tty()
    with ProgressBar(10, stream=drawn) as bar:
        bar.update(10)
    assert "100.0%" in drawn.getvalue()
    assert main(["stats", "--start", "2026-10-10T00:00:00Z", "--end", "2026-10-10T00:10:00Z",
                 "--json", "--quiet"]) == 0
    assert progress.QUIET is True
    silent = Tty()
    with ProgressBar(10, stream=silent) as bar:
        bar.update(10)
    assert silent.getvalue() == ""
    capsys.readouterr()
    assert main(["now", "--time", "2026-10-10T00:00:00Z", "--json"]) == 0 and progress.QUIET is False
