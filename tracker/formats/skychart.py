"""A pass drawn on a polar sky chart, as SVG.

The chart is the observer's sky seen lying on one's back, head to the
north: the centre is the zenith, the outer circle the horizon, north at the
top and east on the LEFT (as on star charts: the sky is seen from below).
Elevation maps linearly to the radius (``r = R (90 - el) / 90``), so the
30 and 60 degree rings are evenly spaced.

Drawn: the horizon, the 30 and 60 degree rings, the 8 compass points, the
whole path above the horizon (dashed where the station cannot be seen:
in Earth's shadow, or the sky too bright), the visible part (solid), an
arrow at its end giving the direction of motion, the point where the
station enters Earth's shadow, and the culmination with its local time.
The text is escaped; nothing in the file runs (no script, no external
reference), so it is safe to serve with the page's Content-Security-Policy.

    from tracker.formats.skychart import sky_chart_svg
    svg = sky_chart_svg(path, "Europe/Paris")      # path: tracker.services.passes.SkyPath
"""
from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from xml.sax.saxutils import escape

SIZE_PX = 360                    # the chart's square (the SVG scales: viewBox)
LEGEND_PX = 22                   # the line of text under it
RADIUS_PX = 150                  # the horizon circle
COMPASS = (("N", 0), ("NE", 45), ("E", 90), ("SE", 135), ("S", 180), ("SW", 225), ("W", 270),
           ("NW", 315))


def sky_xy(azimuth_deg, elevation_deg, *, radius: float = RADIUS_PX, size: float = SIZE_PX):
    """Chart coordinates (x right, y down, px) of a direction in the sky:
    north up, east left, the zenith at the centre. Elevations below the
    horizon are drawn on it."""
    c = size / 2.0
    r = radius * (90.0 - max(min(elevation_deg, 90.0), 0.0)) / 90.0
    a = math.radians(azimuth_deg)
    return c - r * math.sin(a), c - r * math.cos(a)


def _polyline(points, **attrs) -> str:
    if len(points) < 2:
        return ""
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    extra = " ".join(f'{k.rstrip("_").replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<polyline points="{coords}" fill="none" {extra}/>'


def _runs(flags):
    """[(start, end)) index ranges where ``flags`` is constant, with the flag."""
    out, start = [], 0
    for i in range(1, len(flags) + 1):
        if i == len(flags) or flags[i] != flags[start]:
            out.append((start, i, bool(flags[start])))
            start = i
    return out


def sky_chart_svg(path, tz_name: str = "UTC", *, title: str | None = None) -> str:
    """The SVG document of one pass (``tracker.services.passes.SkyPath``);
    times in the zone ``tz_name``."""
    tz = zoneinfo.ZoneInfo(tz_name)
    p = path.pass_
    place = path.report.place

    def local(unix_s):
        return dt.datetime.fromtimestamp(round(unix_s), tz).strftime("%H:%M:%S")

    c = SIZE_PX / 2.0
    height = SIZE_PX + LEGEND_PX
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE_PX} {height}" '
             f'width="{SIZE_PX}" height="{height}" role="img" font-family="sans-serif" '
             f'font-size="11">']
    label = title or (f"Pass over {place.label}, highest {p.peak.elevation_deg:.0f}° at "
                      f"{local(p.peak.unix_s)} ({tz_name})")
    parts.append(f"<title>{escape(label)}</title>")
    parts.append(f'<rect width="{SIZE_PX}" height="{height}" fill="#0b1a2e"/>')
    # horizon and rings
    parts.append(f'<circle class="horizon" cx="{c}" cy="{c}" r="{RADIUS_PX}" fill="#12294a" '
                 f'stroke="#8aa4c8" stroke-width="1.5"/>')
    for ring in (30, 60):
        r = RADIUS_PX * (90 - ring) / 90.0
        parts.append(f'<circle class="ring ring-{ring}" cx="{c}" cy="{c}" r="{r:.1f}" fill="none" '
                     f'stroke="#4a6a94" stroke-dasharray="3 3"/>')
        parts.append(f'<text x="{c + 3:.1f}" y="{c - r - 3:.1f}" fill="#8aa4c8" '
                     f'font-size="9">{ring}°</text>')
    for name, az in COMPASS:
        x0, y0 = sky_xy(az, 0.0)
        x1, y1 = sky_xy(az, -1.0, radius=RADIUS_PX + 12)
        parts.append(f'<line x1="{c}" y1="{c}" x2="{x0:.1f}" y2="{y0:.1f}" stroke="#29456b" '
                     f'stroke-width="0.5"/>')
        weight = ' font-weight="bold"' if len(name) == 1 else ""
        parts.append(f'<text class="compass" x="{x1:.1f}" y="{y1 + 4:.1f}" text-anchor="middle" '
                     f'fill="#dfe8f5"{weight}>{name}</text>')
    # the path: dashed where not visible, solid where visible
    pts = [sky_xy(a, e) for a, e in zip(path.azimuth_deg.tolist(), path.elevation_deg.tolist())]
    for i0, i1, vis in _runs(path.visible.tolist()):
        seg = pts[max(i0 - 1, 0) if vis else i0:i1 + (0 if vis else 1)]
        if vis:
            parts.append(_polyline(seg, class_="visible", stroke="#ffd54a", stroke_width="3",
                                   stroke_linecap="round"))
        else:
            parts.append(_polyline(seg, class_="not-visible", stroke="#9fb3cc",
                                   stroke_width="1.5", stroke_dasharray="4 3"))
    # direction of motion: an arrowhead at the last point
    if len(pts) >= 2:
        (xa, ya), (xb, yb) = pts[-2], pts[-1]
        ang = math.atan2(yb - ya, xb - xa)
        head = [(xb, yb), (xb - 9 * math.cos(ang - 0.45), yb - 9 * math.sin(ang - 0.45)),
                (xb - 9 * math.cos(ang + 0.45), yb - 9 * math.sin(ang + 0.45))]
        parts.append('<polygon class="direction" points="' +
                     " ".join(f"{x:.1f},{y:.1f}" for x, y in head) + '" fill="#9fb3cc"/>')
    # rise and set
    for e, word in ((p.rise, "rise"), (p.set, "set")):
        if e is not None:
            x, y = sky_xy(e.azimuth_deg, e.elevation_deg)
            parts.append(f'<circle class="{word}" cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#9fb3cc"/>')
    # culmination
    top = p.culmination or p.peak
    x, y = sky_xy(top.azimuth_deg, top.elevation_deg)
    parts.append(f'<circle class="culmination" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#ffffff"/>')
    parts.append(f'<text class="culmination-time" x="{x + 7:.1f}" y="{y - 6:.1f}" fill="#ffffff">'
                 f'{local(top.unix_s)} · {top.elevation_deg:.0f}°</text>')
    # entry into Earth's shadow
    entry = path.shadow_entry
    if entry is not None:
        x, y = sky_xy(entry.azimuth_deg, entry.elevation_deg)
        parts.append(f'<circle class="shadow-entry" cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#0b1a2e" '
                     f'stroke="#ffd54a" stroke-width="2"/>')
        parts.append(f'<text x="{x + 7:.1f}" y="{y + 12:.1f}" fill="#ffd54a" font-size="10">'
                     f'enters shadow {local(entry.unix_s)}</text>')
    # legend
    vis_text = (f"visible {local(p.appear.unix_s)}–{local(p.disappear.unix_s)}"
                if p.visible else "not visible (station in shadow or sky too bright)")
    parts.append(f'<text class="legend" x="6" y="{height - 8}" fill="#dfe8f5" font-size="10">'
                 f'{escape(vis_text)}; times {escape(tz_name)}</text>')
    parts.append("</svg>")
    return "\n".join(s for s in parts if s) + "\n"
