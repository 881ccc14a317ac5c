"""iCalendar (RFC 5545) document of visible ISS passes, built with ``icalendar``.

One ``VEVENT`` per visible pass, from the moment the station appears to the
moment it disappears (``DTSTART``/``DTEND`` in UTC, ``...Z`` form, rounded to
the second), with the directions, peak elevation and estimated magnitude in
``SUMMARY``. ``DESCRIPTION`` opens with the pass in the observer's local
time (the zone given, else the place's): when it appears and disappears, its
direction, its highest elevation and its magnitude; then the same events in
UTC with the whole pass (rise/culmination/set), the timing uncertainty
(68 % and 90 % bands) and the element-set epoch/age. The observer is in
``LOCATION`` and ``GEO``. ``UID`` is stable per pass (appearance second and observer).
``DTSTAMP`` is the ``now_unix_s`` passed in (no clock read here).

Serialisation (CRLF line ends, folding at 75 octets without splitting a UTF-8
sequence, TEXT escaping) is the ``icalendar`` library's.
"""
from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import icalendar
from icalendar.parser import Contentline

from tracker.services.passes import PassReport

PRODID = "-//iss-tracker//ISS passes//EN"


def escape_text(value: str) -> str:
    """A TEXT value escaped as in RFC 5545 3.3.11 (icalendar's ``vText``)."""
    return icalendar.vText(value).to_ical().decode("utf-8")


def fold(line: str) -> str:
    """One content line folded to at most 75 octets, CRLF-terminated (icalendar's folding)."""
    return Contentline(line).to_ical().decode("utf-8") + "\r\n"


def utc_second(unix_s: float) -> dt.datetime:
    """Aware UTC datetime of ``unix_s`` rounded to the nearest second."""
    return dt.datetime.fromtimestamp(round(unix_s), dt.timezone.utc)


def _hms(unix_s: float) -> str:
    return utc_second(unix_s).strftime("%H:%M:%SZ")


def _ymd_hm(unix_s: float) -> str:
    return dt.datetime.fromtimestamp(unix_s, dt.timezone.utc).strftime("%Y-%m-%d %H:%MZ")


def visible_peak(p):
    """The highest point of the visible segment: the culmination if it is
    visible, else the higher end of the segment."""
    for c in sorted(p.culminations, key=lambda e: -e.elevation_deg):
        if p.appear.unix_s <= c.unix_s <= p.disappear.unix_s:
            return c
    return max(p.appear, p.disappear, key=lambda e: e.elevation_deg)


def _summary(p, top, label: str = "ISS") -> str:
    mag = "" if p.magnitude is None else f", magnitude {p.magnitude:.1f}"
    return (f"{label} visible: {p.appear.compass} to {p.disappear.compass}, "
            f"up to {top.elevation_deg:.0f}° {top.compass}{mag}")


def _local_line(p, top, tz: str) -> str:
    """The visible pass in one sentence, in the observer's local time."""
    zone = ZoneInfo(tz)
    a, d = p.appear, p.disappear

    def local(unix_s):
        return utc_second(unix_s).astimezone(zone)

    start = local(a.unix_s)
    offset = start.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}"
    mag = "" if p.magnitude is None else f", magnitude {p.magnitude:.1f}"
    return (f"Local time ({tz}, {offset}): {start:%a %d %b %H:%M:%S} to "
            f"{local(d.unix_s):%H:%M:%S}, from the {a.compass} to the {d.compass}, "
            f"highest {top.elevation_deg:.0f}° in the {top.compass} at {local(top.unix_s):%H:%M:%S}"
            f"{mag}.")


def _uncertainty_text(p) -> str:
    def s(v):
        return f"{v:.1f}" if v < 10 else f"{v:.0f}"
    u68, u90 = p.uncertainty_68_s, p.uncertainty_90_s
    if math.isfinite(u68) and math.isfinite(u90):
        text = f"±{s(u68)} s (68 %), ±{s(u90)} s (90 %)"
    else:
        text = f"about ±{s(p.timing_uncertainty_s)} s"
    if p.may_cross_manoeuvre:
        text += "; a manoeuvre may lie between the element set and the pass, so it may be off by more"
    return text


def _description(p, top, tz: str) -> str:
    a, d = p.appear, p.disappear
    whole = []
    if p.rise is not None:
        whole.append(f"rises {_hms(p.rise.unix_s)} in the {p.rise.compass}")
    if p.culmination is not None:
        whole.append(f"culminates {_hms(p.culmination.unix_s)} at {p.culmination.elevation_deg:.0f}° "
                     f"{p.culmination.compass}")
    if p.set is not None:
        whole.append(f"sets {_hms(p.set.unix_s)} in the {p.set.compass}")
    start_note = " (leaves the Earth's shadow)" if p.appears_from_shadow else ""
    end_note = " (enters the Earth's shadow)" if p.disappears_into_shadow else ""
    lines = [_local_line(p, top, tz),
             f"Appears {_hms(a.unix_s)} in the {a.compass} at {a.elevation_deg:.0f}°{start_note}; "
             f"highest while visible {_hms(top.unix_s)} at {top.elevation_deg:.0f}° {top.compass}; "
             f"disappears {_hms(d.unix_s)} in the {d.compass} at {d.elevation_deg:.0f}°{end_note}."]
    if whole:
        lines.append("The pass: " + "; ".join(whole) + ".")
    lines.append(f"Timing uncertainty {_uncertainty_text(p)} (element set of "
                 f"{_ymd_hm(p.element_set_epoch_unix_s)}, {p.age_days:+.1f} days from its epoch). "
                 f"Times ending in Z are UTC.")
    return "\n".join(lines)


def passes_to_ics(report: PassReport, *, now_unix_s: float, tz: str | None = None,
                  label: str = "ISS") -> str:
    """The visible passes of ``report`` as an iCalendar document (str with CRLF);
    the descriptions give local times in ``tz`` (default: the place's zone);
    ``label`` names the object (``ElementStore.label``: "ISS", "HST (20580)")."""
    place = report.place
    tz = tz or place.timezone or "UTC"
    cal = icalendar.Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", PRODID)
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal["x-wr-calname"] = icalendar.vText(f"{label} passes over " + place.label)
    stamp = utc_second(now_unix_s)
    for p in report.passes:
        if not p.visible:
            continue
        a, d, top = p.appear, p.disappear, visible_peak(p)
        event = icalendar.Event()
        event.add("uid", f"iss-{round(a.unix_s)}-{place.lat_deg:.4f}-{place.lon_deg:.4f}@iss-tracker")
        event.add("dtstamp", stamp)
        event.add("dtstart", utc_second(a.unix_s))
        event.add("dtend", utc_second(max(d.unix_s, a.unix_s + 1)))
        event.add("summary", _summary(p, top, label))
        event.add("description", _description(p, top, tz))
        event.add("location", place.label)
        event.add("geo", (round(place.lat_deg, 6), round(place.lon_deg, 6)))
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")
