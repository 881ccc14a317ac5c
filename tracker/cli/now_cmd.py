"""``iss-tracker now``, ``positions`` and ``groundtrack``: parsing and formatting only.

The numbers come from ``tracker.services.position`` and ``tracker.services.groundtrack`` (the
same services the HTTP API calls). Heavy modules are imported inside the
command functions so that ``iss-tracker --help`` and other commands stay fast.

Output: ``now`` prints readable text, or one JSON document with ``--json``;
``positions`` prints JSON (default) or CSV; ``groundtrack`` GeoJSON (default)
or CSV. Warnings (stale elements) go to stderr in text and CSV output and
inside the document in JSON/GeoJSON output.
"""
from __future__ import annotations

import csv
import json
import math
import os
import sys

from tracker.cli import warn as _warn
from tracker import ranges as R
from tracker.cli.argtypes import add_json_option, add_store_options, bounded_float, command_store
from tracker.errors import UserError

MAX_POINTS = 10_000_000
_step_s = bounded_float("--step-s", "seconds")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "now", help="where the ISS is now (or at --time)",
        description="Position, altitude, speed, sunlight and footprint of the ISS at one time. "
                    "Always answers; old element sets give a warning.")
    p.add_argument("--time", default="now", metavar="T",
                   help="ISO 8601 with Z or an offset (2015-03-27T19:42:57Z), Unix seconds, "
                        "or 'now' (default)")
    p.add_argument("--units", choices=("km", "mi"), default="km", help="distance units (default km)")
    add_store_options(p, allow_stale=False)
    add_json_option(p)
    p.set_defaults(func=run_now)

    p = subparsers.add_parser(
        "positions", help="ISS positions at a series of times",
        description="Positions every --step-s seconds from --start to --end (inclusive), or at "
                    "the listed --times. Each row names the element set used and its age.")
    p.add_argument("--start", metavar="T", help="first time (ISO 8601 with Z/offset, Unix s, now)")
    p.add_argument("--end", metavar="T", help="last time (inclusive)")
    p.add_argument("--step-s", type=_step_s, default=None, metavar="S",
                   help=f"seconds between rows (default {R.POSITIONS_DEFAULT_STEP_S:g})")
    p.add_argument("--times", metavar="T1,T2,...", help="comma-separated list of times instead")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    add_store_options(p)
    p.set_defaults(func=run_positions)

    p = subparsers.add_parser(
        "groundtrack", help="the ISS ground track as GeoJSON or CSV",
        description="Sub-satellite track from --start to --end as a GeoJSON MultiLineString "
                    "split at the antimeridian (vertex times in properties.times), or CSV rows.")
    p.add_argument("--start", metavar="T", required=True, help="first time")
    p.add_argument("--end", metavar="T", required=True, help="last time (inclusive)")
    p.add_argument("--step-s", type=_step_s, default=R.GROUNDTRACK_DEFAULT_STEP_S, metavar="S",
                   help=f"seconds between points (default {R.GROUNDTRACK_DEFAULT_STEP_S:g})")
    p.add_argument("--format", choices=("geojson", "csv"), default="geojson")
    p.add_argument("--footprint", action="store_true",
                   help="add the visibility circle at the start time (GeoJSON only)")
    add_store_options(p)
    p.set_defaults(func=run_groundtrack)


# --- shared -------------------------------------------------------------------

def _context(args):
    """(store, eop, sun) for a command; the store honours --tle."""
    from tracker.astro.frames import default_earth_orientation
    from tracker.astro.sun import default_sun

    return command_store(args), default_earth_orientation(), default_sun()


def _fmt(x, spec):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


# --- now ----------------------------------------------------------------------

def run_now(args) -> int:
    from tracker.services.position import now_report
    from tracker.astro.time import Instant

    t = Instant.parse(args.time, parameter="--time")
    store, eop, sun = _context(args)
    doc = now_report(store, t, eop=eop, sun=sun, units=args.units)
    if args.json:
        print(json.dumps(doc, indent=2))
        return 0
    print(format_now_text(doc, args.units, label=store.label))
    _warn(doc["warnings"])
    return 0


def _hemi(value, pos, neg):
    return f"{abs(value):.4f}° {pos if value >= 0 else neg}"


def format_now_text(doc: dict, units: str, *, label: str = "ISS") -> str:
    """The readable form of a ``now_report`` document."""
    u = units
    tle = doc["tle"]
    return "\n".join([
        f"{label} at {doc['time']}",
        f"  position     {_hemi(doc['latitude_deg'], 'N', 'S')}, "
        f"{_hemi(doc['longitude_deg'], 'E', 'W')}",
        f"  altitude     {_fmt(doc[f'altitude_{u}'], ',.1f')} {u}",
        f"  speed        {_fmt(doc[f'speed_{u}_s'], '.3f')} {u}/s inertial, "
        f"{_fmt(doc[f'ground_speed_{u}_s'], '.3f')} {u}/s over the ground",
        f"  sunlight     {doc['visibility']}",
        f"  footprint    {_fmt(doc[f'footprint_{u}'], ',.0f')} {u} across",
        f"  Sun overhead {_hemi(doc['solar_latitude_deg'], 'N', 'S')}, "
        f"{_hemi(doc['solar_longitude_deg'], 'E', 'W')}",
        f"  elements     epoch {tle['epoch']} ({tle['age_days']:+.2f} days), {tle['source']}",
    ])


# --- positions ------------------------------------------------------------------

def _parse_times_list(text, now):
    """``--times T1,T2,...`` as one array ``Instant``."""
    from tracker.astro.time import Instant, parse_time

    parts = [p for p in (s.strip() for s in text.split(",")) if p]
    if not parts:
        raise UserError("--times: give at least one time, e.g. --times "
                        "2015-03-27T19:42:57Z,2015-03-27T20:00:00Z", parameter="times")
    if len(parts) > MAX_POINTS:
        raise UserError(f"--times: {len(parts):,} times is more than the limit of {MAX_POINTS:,}",
                        parameter="times")
    return Instant.from_datetime([parse_time(p, now=now, parameter="--times") for p in parts])


def run_positions(args) -> int:
    import datetime as dt

    from tracker.services.groundtrack import ground_track
    from tracker.services.position import position_rows, positions
    from tracker.astro.time import Instant

    now = dt.datetime.now(dt.timezone.utc)
    if args.times is not None:
        if args.start or args.end or args.step_s is not None:
            raise UserError("positions: give either --times or --start/--end/--step-s, not both",
                            parameter="times")
        times = _parse_times_list(args.times, now)
        store, eop, sun = _context(args)
        table = positions(store, times, eop=eop, sun=sun, allow_stale=args.allow_stale,
                          parameter="--times")
        step_s = None
    else:
        if not args.start or not args.end:
            raise UserError("positions: give --start and --end (and optionally --step-s, default "
                            f"{R.POSITIONS_DEFAULT_STEP_S:g}), or --times T1,T2,...",
                            parameter="start")
        start = Instant.parse(args.start, now=now, parameter="--start")
        end = Instant.parse(args.end, now=now, parameter="--end")
        step_s = R.POSITIONS_DEFAULT_STEP_S if args.step_s is None else args.step_s
        store, eop, sun = _context(args)
        table = ground_track(store, start, end, step_s, eop=eop, sun=sun,
                             allow_stale=args.allow_stale, max_points=MAX_POINTS)
    rows = position_rows(table)
    out = sys.stdout
    if args.format == "csv":
        _warn(table.warnings)
        _write_csv(out, rows)
        return 0
    head = {"count": len(rows), "step_s": step_s, "warnings": list(table.warnings)}
    text = json.dumps(head)[:-1]
    out.write(text + ', "positions": [')
    for i, row in enumerate(rows):
        out.write(("\n  " if i == 0 else ",\n  ") + json.dumps(row))
    out.write("\n]}\n")
    return 0


def _write_csv(out, rows):
    if not rows:
        return
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


# --- groundtrack -------------------------------------------------------------------

def run_groundtrack(args) -> int:
    import datetime as dt

    from tracker.services.groundtrack import ground_track, track_geojson
    from tracker.astro.time import Instant, format_utc_array

    now = dt.datetime.now(dt.timezone.utc)
    start = Instant.parse(args.start, now=now, parameter="--start")
    end = Instant.parse(args.end, now=now, parameter="--end")
    store, eop, sun = _context(args)
    table = ground_track(store, start, end, args.step_s, eop=eop, sun=sun,
                         allow_stale=args.allow_stale, max_points=MAX_POINTS)
    if args.format == "csv":
        if args.footprint:
            raise UserError("--footprint works with --format geojson only", parameter="footprint")
        from tracker.astro.sun import illumination_name

        _warn(table.warnings)
        times = format_utc_array(table.unix_s)
        names = {c: illumination_name(c) for c in (0, 1, 2, 255)}
        w = sys.stdout
        w.write("time,latitude_deg,longitude_deg,altitude_km,visibility\n")
        for i in range(len(table)):
            if table.error[i]:
                w.write(f"{times[i]},,,,unknown\n")
            else:
                w.write(f"{times[i]},{table.lat_deg[i]:.6f},{table.lon_deg[i]:.6f},"
                        f"{table.alt_km[i]:.3f},{names[int(table.illumination[i])]}\n")
        return 0
    _warn(table.warnings)
    doc = track_geojson(table, step_s=args.step_s, footprint=args.footprint)
    json.dump(doc, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")
    return 0
