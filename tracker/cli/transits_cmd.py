"""``iss-tracker transits``: parsing and formatting only.

The numbers come from ``tracker.services.transits`` (the service the HTTP API
calls too). Output: a readable table in the observer's local time, or one
JSON document (``--json``); ``--geojson FILE`` also writes the events' centre
lines as a GeoJSON FeatureCollection. Warnings go to stderr (inside the
document for JSON).
"""
from __future__ import annotations

import json
import sys

from tracker.cli import warn as _warn
from tracker.cli.argtypes import add_json_option, add_number_option, add_window_options
from tracker.cli.passes_cmd import _add_place_options, _local, _place_and_tz, _store, _tz_label
from tracker.errors import UserError


def register(subparsers) -> None:
    from tracker import ranges as R
    p = subparsers.add_parser(
        "transits", help="when the ISS crosses the Sun or the Moon seen from a place",
        description="Transits of the ISS across the Sun and the Moon (apparent positions from "
                    "DE421, light time and aberration on both, no refraction): time of closest "
                    "approach, crossing duration, separation and disc radius, the station's "
                    "size, range and direction, the distance to the centre line and its width, "
                    "and the timing uncertainty from the element set's age. Near misses within "
                    "--radius-km of the centre line are listed too.")
    _add_place_options(p, all_cities=False)
    add_window_options(p, R.TRANSIT_DAYS)
    p.add_argument("--body", choices=("sun", "moon", "both"), default="both",
                   help="which disc (default both)")
    add_number_option(p, "--radius-km", "km", default=R.DEFAULT_TRANSIT_RADIUS_KM, metavar="KM",
                      limits=R.TRANSIT_RADIUS_KM,
                      help="also list near misses with the observer within this distance of "
                           "the centre line, km, more than 0")
    add_json_option(p)
    p.add_argument("--geojson", metavar="FILE",
                   help="also write the events' centre lines to FILE (GeoJSON)")
    p.set_defaults(func=run_transits)


def run_transits(args) -> int:
    from tracker.astro.time import Instant
    from tracker.services.transits import find_transits, report_to_dict, report_to_geojson

    start = Instant.parse(args.start, parameter="--start")
    place, tz_name = _place_and_tz(args)
    names = {"days": "--days", "radius_km": "--radius-km"}
    store = _store(args)
    try:
        report = find_transits(place, start, args.days, store=store, body=args.body,
                               radius_km=args.radius_km, allow_stale=args.allow_stale)
    except UserError as exc:
        if exc.parameter in names and not str(exc).startswith("--"):
            raise UserError(f"{names[exc.parameter]}: {exc}", parameter=exc.parameter) from None
        raise
    if args.geojson:
        doc = report_to_geojson(report, tz_name)
        try:
            with open(args.geojson, "w", encoding="utf-8") as f:
                json.dump(doc, f)
        except OSError as exc:
            raise UserError(f"cannot write the GeoJSON file {args.geojson}: {exc.strerror}",
                            parameter="geojson") from None
        print(f"wrote {len(doc['features'])} centre line(s) to {args.geojson}", file=sys.stderr)
    if args.json:
        print(json.dumps(report_to_dict(report, tz_name), indent=2))
        return 0
    print(format_transits_table(report, tz_name, label=store.label))
    _warn(report.warnings)
    return 0


def format_transits_table(report, tz_name: str, *, label: str = "ISS") -> str:
    """The readable table of a TransitReport, times in ``tz_name``."""
    import zoneinfo
    tz = zoneinfo.ZoneInfo(tz_name)
    place = report.place
    bodies = " and ".join(b.capitalize() for b in report.bodies)
    head = [f"{label} transits of the {bodies} seen from {place.label} ({place.lat_deg:.4f}, "
            f"{place.lon_deg:.4f}, {place.alt_m:.0f} m)",
            f"{_local(report.start_unix_s, tz, '%Y-%m-%d %H:%M')} to "
            f"{_local(report.end_unix_s, tz, '%Y-%m-%d %H:%M')}, times in "
            f"{_tz_label(tz_name, report.start_unix_s)}; near misses within "
            f"{report.radius_km:g} km of the centre line; apparent positions, no refraction."]
    if not report.transits:
        return "\n".join(head + ["", "No transit or near miss in the window."])
    rows = [("Date", "Closest", "Body", "Kind", "Dur s", "Sep\"", "Radius\"", "ISS\"", "Range km",
             "Alt", "Az", "To line km", "Width km", "Sunlit", "±s 68/90")]
    for e in report.transits:
        rows.append((_local(e.unix_s, tz, "%Y-%m-%d"),
                     _local(e.unix_s, tz, "%H:%M:%S") + f".{int(e.unix_s * 10) % 10}",
                     e.body, e.kind, "-" if e.duration_s is None else f"{e.duration_s:.2f}",
                     f"{e.min_separation_arcsec:.0f}", f"{e.body_radius_arcsec:.0f}",
                     f"{e.iss_angular_size_arcsec:.0f}", f"{e.slant_range_km:.0f}",
                     f"{e.iss_altitude_deg:.1f}°", f"{e.iss_azimuth_deg:.1f}°",
                     f"{e.distance_to_centerline_km:.2f}", f"{e.centerline_width_km:.2f}",
                     "yes" if e.iss_sunlit else "no",
                     f"{e.uncertainty_68_s:.1f}/{e.uncertainty_90_s:.1f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(head + [""] + lines)
