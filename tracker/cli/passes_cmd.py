"""``iss-tracker passes`` and ``overflights``: parsing and formatting only.

The numbers come from ``tracker.services.passes`` and ``tracker.services.overflights`` (the
services the HTTP API calls too). Heavy modules are imported inside the
command functions so that ``--help`` stays fast.

Output: a readable table in the observer's local time (default), one JSON
document (``--json`` / ``--format json``), CSV (``--format csv``; the only
format of ``--all-cities``), and for passes an iCalendar file of the visible
passes (``--ics FILE``). Warnings go to stderr (inside the document for JSON).
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import math
import os
import sys

from tracker.cli import warn as _warn
from tracker import ranges as R
from tracker.cli.argtypes import (add_json_option, add_number_option, add_store_options,
                                   add_window_options, bounded_float, command_store)
from tracker.errors import UserError


def _add_place_options(p, *, all_cities: bool):
    g = p.add_argument_group("place (one of)")
    g.add_argument("--city", metavar="NAME",
                   help="city name, optionally qualified: 'Paris', 'Springfield, US, IL', "
                        "'Springfield, Illinois' (GeoNames cities of 15,000+ people)")
    g.add_argument("--lat", type=bounded_float("--lat", "degrees"), metavar="DEG", help="latitude, -90..90 (north +)")
    g.add_argument("--lon", type=bounded_float("--lon", "degrees"), metavar="DEG",
                   help="longitude, -180..180 (east +)")
    g.add_argument("--alt-m", type=bounded_float("--alt-m", "metres"), default=None, metavar="M",
                   help="observer height above the WGS-84 ellipsoid, m (default 0)")
    if all_cities:
        g.add_argument("--all-cities", action="store_true",
                       help="every gazetteer city at once (CSV only; progress bar on stderr)")
    p.add_argument("--tz", default="auto", metavar="auto|UTC|ZONE",
                   help="time zone of the local times: auto (the city's zone, or the nearest "
                        "city's within 300 km for --lat/--lon, else UTC), UTC, or an IANA zone")
    add_store_options(p)


def _pass_index(text):
    from tracker.cli.argtypes import bounded_int
    from tracker.ranges import PASS_INDEX
    return bounded_int("--pass-index", *PASS_INDEX)(text)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "passes", help="when the ISS can be seen from a place",
        description="ISS passes above --min-elevation: rise, culmination and set (time, azimuth, "
                    "elevation, compass), duration, whether it is visible (station sunlit and the "
                    "Sun at or below --sun-max-deg for the observer) with the visible segment and "
                    "an estimated magnitude, and a timing uncertainty from the element set's age.")
    _add_place_options(p, all_cities=True)
    add_window_options(p, R.PASS_DAYS)
    add_number_option(p, "--min-elevation", "degrees", default=R.DEFAULT_MIN_ELEVATION_DEG,
                      metavar="DEG",
                      help=f"rise/set threshold, geometric elevation in degrees, "
                           f"{R.MIN_ELEVATION_DEG[0]:g} or more and below {R.MIN_ELEVATION_DEG[1]:g}")
    p.add_argument("--visible-only", action="store_true", help="list only visible passes")
    add_number_option(p, "--sun-max-deg", "degrees", default=R.DEFAULT_SUN_MAX_DEG, metavar="DEG",
                      limits=R.SUN_MAX_DEG,
                      help="the observer's Sun must be at or below this altitude for a visible "
                           "pass (-6: civil twilight; -12 nautical, -18 astronomical)")
    add_json_option(p)
    p.add_argument("--format", choices=("table", "json", "csv"), default=None,
                   help="output format (default table; csv for --all-cities)")
    p.add_argument("--ics", metavar="FILE", help="also write the visible passes to an iCalendar file")
    p.add_argument("--sky-chart", metavar="FILE.svg",
                   help="also draw one pass (--pass-index) on a polar sky chart, SVG")
    p.add_argument("--pass-index", type=_pass_index, default=0, metavar="N",
                   help="the pass --sky-chart draws, 0 = the first listed (default 0)")
    p.set_defaults(func=run_passes)

    p = subparsers.add_parser(
        "overflights", help="when the ISS passes over a place (sub-satellite point within a radius)",
        description="Closest approaches of the sub-satellite point within --radius-km of a place: "
                    "time, ground distance, station altitude, and whether the ground below is dark "
                    "(Sun below -6 deg there). Works over the shipped 2015-2016 history too.")
    _add_place_options(p, all_cities=False)
    p.add_argument("--start", required=True, metavar="T", help="window start (ISO 8601, Unix s, now)")
    p.add_argument("--end", required=True, metavar="T", help="window end")
    add_number_option(p, "--radius-km", "km", default=R.DEFAULT_RADIUS_KM, metavar="KM",
                      limits=R.RADIUS_KM, help="ground distance limit, km, more than 0")
    p.add_argument("--night-only", action="store_true",
                   help="only overflights with the ground below in darkness")
    add_json_option(p)
    p.add_argument("--format", choices=("table", "json", "csv"), default=None, help="output format")
    p.set_defaults(func=run_overflights)


# --- shared -------------------------------------------------------------------

def _store(args):
    return command_store(args)


def _place_and_tz(args):
    """(Place, tz_name) from --city or --lat/--lon, --alt-m and --tz."""
    from tracker.places.gazetteer import Place, auto_timezone, resolve, validate_timezone

    has_coords = args.lat is not None or args.lon is not None
    if args.city and has_coords:
        raise UserError("give either --city or --lat/--lon, not both", parameter="city")
    if args.city:
        place = resolve(args.city)
        if args.alt_m is not None:
            checked = Place.from_coordinates(place.lat_deg, place.lon_deg, args.alt_m)
            place = dataclasses.replace(place, alt_m=checked.alt_m)
    elif has_coords:
        if args.lat is None or args.lon is None:
            raise UserError("--lat and --lon go together: give both (degrees, north and east positive)",
                            parameter="lat" if args.lat is None else "lon")
        tz = "UTC" if args.tz == "auto" else args.tz
        place = Place.from_coordinates(args.lat, args.lon, 0.0 if args.alt_m is None else args.alt_m,
                                       validate_timezone(tz, parameter="tz"))
        if args.tz == "auto":
            place = dataclasses.replace(place, timezone=auto_timezone(place.lat_deg, place.lon_deg))
    else:
        raise UserError("no place given: use --city NAME or --lat DEG --lon DEG", parameter="city")
    tz_name = place.timezone if args.tz == "auto" else validate_timezone(args.tz, parameter="tz")
    return place, tz_name


def _output_format(args, default="table"):
    if args.json and args.format not in (None, "json"):
        raise UserError(f"--json conflicts with --format {args.format}", parameter="format")
    return "json" if args.json else (args.format or default)


def _local(unix_s, tz, fmt="%H:%M:%S"):
    return dt.datetime.fromtimestamp(round(unix_s), tz).strftime(fmt)


def _utc(unix_s):
    return dt.datetime.fromtimestamp(round(unix_s), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hemi(value, pos, neg):
    return f"{abs(value):.4f}°{pos if value >= 0 else neg}"


def _tz_label(tz_name, unix_s):
    import zoneinfo
    offset = dt.datetime.fromtimestamp(unix_s, zoneinfo.ZoneInfo(tz_name)).strftime("%z")
    return f"{tz_name} (UTC{offset[:3]}:{offset[3:]})"


# --- passes -------------------------------------------------------------------

def run_passes(args) -> int:
    from tracker.astro.time import Instant

    start = Instant.parse(args.start, parameter="--start")
    if getattr(args, "all_cities", False):
        return _run_all_cities(args, start)
    fmt = _output_format(args)
    if fmt == "csv":
        raise UserError("--format csv is for --all-cities; use table or json", parameter="format")
    from tracker.services.passes import passes_for_place, report_to_dict

    place, tz_name = _place_and_tz(args)
    store = _store(args)
    options = dict(store=store, min_elevation_deg=args.min_elevation,
                   sun_max_deg=args.sun_max_deg, visible_only=args.visible_only,
                   allow_stale=args.allow_stale)
    if args.sky_chart:          # the chart's path comes with the listing it was picked from
        from tracker.services.passes import sky_path
        path = sky_path(place, start, args.days, index=args.pass_index, **options)
        report = path.report
        _write_sky_chart(args.sky_chart, args.pass_index, path, tz_name)
    else:
        report = passes_for_place(place, start, args.days, **options)
    if args.ics:
        _write_ics(args.ics, report, tz_name, label=store.label)
    if fmt == "json":
        print(json.dumps(report_to_dict(report, tz_name), indent=2))
        return 0
    print(format_passes_table(report, tz_name, label=store.label))
    _warn(report.warnings)
    return 0


def _write_sky_chart(file, index, path, tz_name) -> None:
    from tracker.formats.skychart import sky_chart_svg

    try:
        with open(file, "w", encoding="utf-8") as f:
            f.write(sky_chart_svg(path, tz_name))
    except OSError as exc:
        raise UserError(f"cannot write the sky chart {file}: {exc.strerror}",
                        parameter="sky_chart") from None
    print(f"wrote the sky chart of pass {index} to {file}", file=sys.stderr)


def _write_ics(path, report, tz_name=None, label="ISS") -> None:
    import time

    from tracker.formats.ics import passes_to_ics

    text = passes_to_ics(report, now_unix_s=time.time(), tz=tz_name, label=label)
    try:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as exc:
        raise UserError(f"cannot write the iCalendar file {path}: {exc.strerror}", parameter="ics") from None
    n = sum(1 for p in report.passes if p.visible)
    print(f"wrote {n} visible pass(es) to {path}", file=sys.stderr)


def format_passes_table(report, tz_name: str, *, label: str = "ISS") -> str:
    """The readable table of a PassReport, times in ``tz_name``."""
    import zoneinfo
    tz = zoneinfo.ZoneInfo(tz_name)
    place = report.place
    head = [
        f"{label} passes over {place.label} ({_hemi(place.lat_deg, 'N', 'S')} "
        f"{_hemi(place.lon_deg, 'E', 'W')}, {place.alt_m:.0f} m)",
        f"{_local(report.start_unix_s, tz, '%Y-%m-%d %H:%M')} to "
        f"{_local(report.end_unix_s, tz, '%Y-%m-%d %H:%M')}, times in {_tz_label(tz_name, report.start_unix_s)}",
        f"Rise/set at {report.min_elevation_deg:g}° elevation; visible = station sunlit and the Sun "
        f"at or below {report.sun_max_deg:g}° for the observer; ± = 1-sigma timing uncertainty.",
    ]
    if not report.passes:
        return "\n".join(head + ["", f"No passes: {report.reason}."])
    rows = [("Date", "Rise", "Az", "Highest", "El", "Az", "Set", "Az", "Dur", "Visible", "Mag", "±s")]
    notes = []
    for p in report.passes:
        first = p.rise or p.peak
        rise = (_local(p.rise.unix_s, tz), p.rise.compass) if p.rise else ("(up)", "")
        top = p.culmination or p.peak
        top_t = _local(top.unix_s, tz) + ("" if p.culmination else "*")
        set_ = (_local(p.set.unix_s, tz), p.set.compass) if p.set else ("(up)", "")
        dur = f"{int(p.duration_s // 60)}:{int(p.duration_s % 60):02d}"
        if p.visible:
            vis = (f"{_local(p.appear.unix_s, tz)} {p.appear.compass} - "
                   f"{_local(p.disappear.unix_s, tz)} {p.disappear.compass}"
                   + (" shadow" if p.disappears_into_shadow else ""))
            mag = f"{p.magnitude:.1f}" if p.magnitude is not None else ""
        else:
            vis, mag = "-", ""
        rows.append((_local(first.unix_s, tz, "%Y-%m-%d"), rise[0], rise[1], top_t,
                     f"{p.max_elevation_deg:.0f}°", top.compass, set_[0], set_[1], dur, vis, mag,
                     _sigma(p.timing_uncertainty_s)))
        if p.starts_before_window:
            notes.append("(up): the pass was already in progress at the window start")
        if p.ends_after_window:
            notes.append("(up): the pass continues after the window end")
        if p.culmination is None:
            notes.append("*: highest point inside the window (the culmination lies outside it)")
        if len(p.culminations) > 1:
            notes.append(f"the pass of {_local(first.unix_s, tz, '%Y-%m-%d %H:%M')} has "
                         f"{len(p.culminations)} culminations")
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    ages = [abs(p.age_days) for p in report.passes]
    epochs = [_utc(es.epoch_unix_s) for _, _, es in report.element_sets]
    shown = ", ".join(epochs[:3]) + (f" and {len(epochs) - 3} more" if len(epochs) > 3 else "")
    sources = sorted({es.source for _, _, es in report.element_sets})
    foot = [f"Element sets (epochs {shown}; from {', '.join(sources)}): "
            f"{min(ages):.1f} to {max(ages):.1f} days from their epochs at these passes."]
    unique_notes = list(dict.fromkeys(notes))
    return "\n".join(head + [""] + lines + [""] + unique_notes + foot)


def _sigma(s):
    return f"{s:.1f}" if s < 10 else f"{s:.0f}"


def _run_all_cities(args, start) -> int:
    from tracker.services.passes import ALL_CITIES_COLUMNS, all_cities_rows
    from tracker.places.gazetteer import default_gazetteer
    from tracker.formats.progress import ProgressBar

    if args.city or args.lat is not None or args.lon is not None:
        raise UserError("--all-cities takes no --city/--lat/--lon", parameter="all_cities")
    if _output_format(args, "csv") != "csv":
        raise UserError("--all-cities writes CSV only (--format csv)", parameter="format")
    if args.ics:
        raise UserError("--ics is for one place, not --all-cities", parameter="ics")
    if args.tz not in ("auto", "UTC"):
        raise UserError("--all-cities gives each city's own local time: use --tz auto", parameter="tz")
    gz = default_gazetteer()
    with ProgressBar(total=len(gz), label="passes") as bar:
        warnings, rows = all_cities_rows(
            gz, start, args.days, store=_store(args), min_elevation_deg=args.min_elevation,
            sun_max_deg=args.sun_max_deg, visible_only=args.visible_only,
            allow_stale=args.allow_stale, local_times=args.tz == "auto", progress=bar.set)
    _warn(warnings)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(ALL_CITIES_COLUMNS)
    out.writerows(rows)
    return 0


# --- overflights ------------------------------------------------------------------

def run_overflights(args) -> int:
    from tracker.services.overflights import find_overflights, report_to_dict
    from tracker.formats.progress import ProgressBar
    from tracker.astro.time import Instant

    start = Instant.parse(args.start, parameter="--start")
    end = Instant.parse(args.end, parameter="--end")
    fmt = _output_format(args)
    place, tz_name = _place_and_tz(args)
    with ProgressBar(total=1000, label="overflights") as bar:
        store = _store(args)
        report = find_overflights(place, start, end, store=store, radius_km=args.radius_km,
                                  night_only=args.night_only, allow_stale=args.allow_stale,
                                  progress=lambda frac: bar.set(int(1000 * frac)))
    doc = report_to_dict(report, tz_name)
    if fmt == "json":
        print(json.dumps(doc, indent=2))
        return 0
    if fmt == "csv":
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(("closest_approach_utc", "closest_approach_local", "ground_distance_km",
                      "subpoint_lat_deg", "subpoint_lon_deg", "altitude_km", "enter_utc", "exit_utc",
                      "sun_altitude_deg", "dark", "station_sunlit", "element_set_age_days",
                      "timing_uncertainty_s"))
        for o in doc["overflights"]:
            out.writerow((o["closest_approach"]["time_utc"], o["closest_approach"]["time_local"],
                          o["ground_distance_km"], o["subpoint_lat_deg"], o["subpoint_lon_deg"],
                          o["altitude_km"], (o["enter"] or {}).get("time_utc", ""),
                          (o["exit"] or {}).get("time_utc", ""), o["sun_altitude_deg"],
                          str(o["dark"]).lower(), str(o["station_sunlit"]).lower(),
                          o["element_set_age_days"], o["timing_uncertainty_s"]))
        _warn(report.warnings)
        return 0
    print(format_overflights_table(report, tz_name, label=store.label))
    _warn(report.warnings)
    return 0


def format_overflights_table(report, tz_name: str, *, label: str = "ISS") -> str:
    import zoneinfo
    tz = zoneinfo.ZoneInfo(tz_name)
    place = report.place
    kind = "night " if report.night_only else ""
    head = [f"{label} {kind}overflights of {place.label} ({_hemi(place.lat_deg, 'N', 'S')} "
            f"{_hemi(place.lon_deg, 'E', 'W')}) within {report.radius_km:g} km",
            f"{_utc(report.start_unix_s)} to {_utc(report.end_unix_s)}; local times in "
            f"{_tz_label(tz_name, report.start_unix_s)}; dark = Sun below -6° under the station"]
    if not report.overflights:
        extra = (f" ({report.n_total} in daylight or twilight)" if report.night_only and report.n_total else "")
        return "\n".join(head + ["", f"No overflights{extra}."])
    rows = [("Closest approach (UTC)", "Local", "Distance", "Altitude", "Ground", "Station", "±s")]
    for o in report.overflights:
        rows.append((_utc(o.unix_s), _local(o.unix_s, tz, "%Y-%m-%d %H:%M:%S"),
                     f"{o.ground_distance_km:.1f} km", f"{o.altitude_km:.1f} km",
                     f"dark ({o.sun_altitude_deg:.0f}°)" if o.dark else f"lit ({o.sun_altitude_deg:.0f}°)",
                     "sunlit" if o.station_sunlit else "shadow", _sigma(o.timing_uncertainty_s)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    total = f"{len(report.overflights)} overflight(s)"
    if report.night_only:
        total += f" at night, of {report.n_total} in all"
    return "\n".join(head + [""] + lines + ["", total + "."])
