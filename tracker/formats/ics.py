"""iCalendar (RFC 5545) writer for visible ISS passes.

One ``VEVENT`` per visible pass, from the moment the station appears to the
moment it disappears (``DTSTART``/``DTEND`` in UTC, ``...Z`` form), with the
directions, peak elevation and estimated magnitude in ``SUMMARY`` and
``DESCRIPTION``, the observer in ``LOCATION`` and ``GEO``.

Format rules applied (RFC 5545 section 3.1 and 3.3.11): lines end in CRLF;
content lines longer than 75 octets are folded (CRLF + one space), never
inside a UTF-8 sequence; TEXT values escape backslash, semicolon, comma and
newline. ``DTSTAMP`` is the ``now_unix_s`` passed in (no clock read here).
"""
from __future__ import annotations

import datetime as dt

from tracker.services.passes import PassReport

PRODID = "-//iss-tracker//ISS passes//EN"
MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Fold one content line into CRLF-separated pieces of at most 75 octets."""
    raw = line.encode("utf-8")
    if len(raw) <= MAX_OCTETS:
        return line + "\r\n"
    pieces = []
    start = 0
    limit = MAX_OCTETS
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:   # do not split a UTF-8 sequence
            end -= 1
        pieces.append(raw[start:end].decode("utf-8"))
        start = end
        limit = MAX_OCTETS - 1                                   # continuation lines start with a space
    return "\r\n ".join(pieces) + "\r\n"


def ics_time(unix_s: float) -> str:
    """UTC date-time in the iCalendar form 20151218T184736Z (rounded to the second)."""
    t = dt.datetime.fromtimestamp(round(unix_s), dt.timezone.utc)
    return t.strftime("%Y%m%dT%H%M%SZ")


def _hms(unix_s: float) -> str:
    return dt.datetime.fromtimestamp(round(unix_s), dt.timezone.utc).strftime("%H:%M:%SZ")


def visible_peak(p):
    """The highest point of the visible segment: the culmination if it is
    visible, else the higher end of the segment."""
    for c in sorted(p.culminations, key=lambda e: -e.elevation_deg):
        if p.appear.unix_s <= c.unix_s <= p.disappear.unix_s:
            return c
    return max(p.appear, p.disappear, key=lambda e: e.elevation_deg)


def passes_to_ics(report: PassReport, *, now_unix_s: float) -> str:
    """The visible passes of ``report`` as an iCalendar document (str with CRLF)."""
    place = report.place
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text('ISS passes over ' + place.label)}"]
    for p in report.passes:
        if not p.visible:
            continue
        a, d, top = p.appear, p.disappear, visible_peak(p)
        mag = "" if p.magnitude is None else f", magnitude {p.magnitude:.1f}"
        summary = f"ISS visible: up to {top.elevation_deg:.0f}° {top.compass}{mag}"
        end_note = " (enters the Earth's shadow)" if p.disappears_into_shadow else ""
        sigma = p.timing_uncertainty_s
        sigma_text = f"{sigma:.1f}" if sigma < 10 else f"{sigma:.0f}"
        desc = (f"Appears {_hms(a.unix_s)} in the {a.compass} at {a.elevation_deg:.0f}°; "
                f"highest while visible {_hms(top.unix_s)} at {top.elevation_deg:.0f}° {top.compass}; "
                f"disappears {_hms(d.unix_s)} in the {d.compass} at {d.elevation_deg:.0f}°{end_note}.\n"
                f"Timing uncertainty about ±{sigma_text} s (element set {p.age_days:+.1f} days "
                f"from its epoch). Times are UTC.")
        uid = f"iss-{round(a.unix_s)}-{place.lat_deg:.4f}-{place.lon_deg:.4f}@iss-tracker"
        lines += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{ics_time(now_unix_s)}",
                  f"DTSTART:{ics_time(a.unix_s)}", f"DTEND:{ics_time(max(d.unix_s, a.unix_s + 1))}",
                  f"SUMMARY:{escape_text(summary)}", f"DESCRIPTION:{escape_text(desc)}",
                  f"LOCATION:{escape_text(place.label)}",
                  f"GEO:{place.lat_deg:.6f};{place.lon_deg:.6f}", "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines)
