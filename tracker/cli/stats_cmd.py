"""``iss-tracker stats`` and ``batch-stats``: parsing and formatting only.

The numbers come from ``tracker.services.stats.orbit_stats`` (one satellite, element
sets stitched over the interval), ``tracker.services.missions`` (presets such as the
Year in Space, with the published figures) and ``tracker.services.batch.batch_stats``
(every object of an element file). A progress bar is drawn on stderr when
stderr is a terminal. Heavy modules are imported inside the functions.
"""
from __future__ import annotations

import csv
import json
import math
import os
import sys

from tracker.cli.argtypes import add_allow_stale_option, add_json_option, add_tle_option, bounded_float
from tracker.errors import PropagationError, UserError


def register(subparsers) -> None:
    # No `choices=`: that would import tracker.services.missions (and its element store)
    # on every command's start-up; get_mission() names the known missions.
    p = subparsers.add_parser(
        "stats", help="how far the ISS went: orbits, distance, altitude, sunrises over an interval",
        description="Orbit statistics over an interval, stitching the element sets (nearest "
                    "epoch, switching at midpoints): orbits from ascending-node crossings and "
                    "from the sets' revolution numbers, inertial and ground-track distance, "
                    "altitude range, re-boosts, sunrises and sunlight, data quality. "
                    "--mission year-in-space compares with NASA's published figures.")
    p.add_argument("--start", metavar="T", help="first time (ISO 8601 with Z/offset, Unix s, now)")
    p.add_argument("--end", metavar="T", help="last time")
    p.add_argument("--mission", metavar="NAME",
                   help="a preset interval and its element sets, compared with published "
                        "figures: year-in-space")
    p.add_argument("--step-s", type=bounded_float("--step-s", "seconds"), default=None, metavar="S",
                   help="seconds between samples (default 1; a --mission's own step, 1 s)")
    add_tle_option(p)
    add_allow_stale_option(p, "some moment of the interval")
    add_json_option(p)
    p.add_argument("--plot", metavar="FILE.png", help="draw the altitude, re-boosts and epochs")
    p.set_defaults(func=run_stats)

    p = subparsers.add_parser(
        "batch-stats", help="orbit statistics for every object of an element file",
        description="Per object of FILE: orbits (node crossings), perigee/apogee (mean "
                    "elements), sampled altitude range, and the decay time when SGP4 reports "
                    "error 6. Each object uses its own element set.")
    p.add_argument("file", metavar="FILE", help="TLE/3LE or OMM JSON/CSV file")
    p.add_argument("--start", metavar="T", required=True, help="first time")
    p.add_argument("--end", metavar="T", required=True, help="last time")
    p.add_argument("--step-s", type=bounded_float("--step-s", "seconds"), default=60.0, metavar="S",
                   help="seconds between samples (default 60)")
    p.add_argument("--format", choices=("csv", "json", "jsonl", "parquet"), default="csv",
                   help="output: csv (default), json (one document), jsonl (a row a line), "
                        "parquet (needs --output)")
    p.add_argument("--output", "-o", metavar="OUT", help="write the rows to OUT instead of stdout "
                   "(then a summary line goes to stderr)")
    p.add_argument("--engine", choices=("auto", "plain", "dask"), default="auto",
                   help="plain: this process; dask: a Dask cluster; auto (default): dask when "
                        "--workers/--scheduler/--dashboard or $ISS_TRACKER_SCHEDULER is given or "
                        "the job is large, else plain")
    p.add_argument("--workers", type=int, metavar="N",
                   help="size of the local Dask cluster (default: the cores available)")
    p.add_argument("--scheduler", metavar="ADDR",
                   help="a running Dask scheduler, e.g. tcp://host:8786 (default "
                        "$ISS_TRACKER_SCHEDULER; none: a local cluster on 127.0.0.1)")
    p.add_argument("--dashboard", action="store_true", help="print the Dask dashboard's address")
    p.add_argument("--connect-timeout-s", type=bounded_float("--connect-timeout-s", "seconds", 0.1, 600),
                   default=10.0, metavar="S",
                   help="give up on a Dask scheduler that does not answer, or has no worker, "
                        "after S seconds (default 10)")
    p.add_argument("--chunk-objects", type=int, metavar="N", help="objects per chunk (default 2048)")
    p.add_argument("--span-samples", type=int, metavar="N",
                   help="samples per time span of a chunk, rounded up to a multiple of 64 "
                        "(default 1472); the sums are bit-identical across engines for the "
                        "same value")
    p.set_defaults(func=run_batch)


# --- stats ----------------------------------------------------------------------

def run_stats(args) -> int:
    from tle.store import default_data_dir, load_store
    from tracker.services.missions import compare, get_mission, mission_store
    from tracker.formats.plot import check_plot_path
    from tracker.formats.progress import ProgressBar
    from tracker.services.stats import count_samples, orbit_stats
    from tracker.astro.time import Instant, format_utc

    if args.plot:
        check_plot_path(args.plot)
    mission = None
    step_s = 1.0 if args.step_s is None else args.step_s
    if args.mission:
        if args.start or args.end or args.tle:
            raise UserError("--mission sets the interval and the element sets; do not combine "
                            "it with --start, --end or --tle", parameter="mission")
        mission = get_mission(args.mission)
        start, end = mission.start, mission.end
        step_s = mission.step_s if args.step_s is None else args.step_s
        total = count_samples(start, end, step_s)
        store = mission_store(mission)
    else:
        if not args.start or not args.end:
            raise UserError("stats: give --start and --end (or --mission year-in-space)",
                            parameter="start")
        start = Instant.parse(args.start, parameter="--start")
        end = Instant.parse(args.end, parameter="--end")
        total = count_samples(start, end, step_s)      # validates before loading anything
        store = load_store(default_data_dir(os.environ), args.tle)
    with ProgressBar(total, label="stats") as bar:
        result = orbit_stats(store, start, end, step_s=step_s,
                             allow_stale=args.allow_stale, progress=bar)
    if result.samples and result.failed_samples >= result.samples:
        why = "; ".join(w.removeprefix("warning: ") for w in result.warnings)
        raise PropagationError(f"stats: no position could be computed from {format_utc(start)} "
                               f"to {format_utc(end)} ({why}); choose an interval nearer the "
                               f"element sets' epochs", parameter="start")
    doc = result.to_dict()
    if mission is not None:
        doc["mission"] = compare(mission, result)
    if args.plot:
        from tracker.formats.plot import plot_altitude
        plot_altitude(result, args.plot, title=mission.title if mission else None)
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        print(format_stats_text(doc))
        if args.plot:
            print(f"plot written to {args.plot}")
    return 0


def _n(x, spec=",.0f"):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def _pct(x):
    return "n/a" if x is None else f"{100 * x:.2f}%"


def format_stats_text(doc: dict) -> str:
    """The readable form of a stats document (``OrbitStats.to_dict`` [+ mission]).
    A figure that could not be computed (None: no valid sample) reads 'n/a'."""
    o, d, a, s, q = (doc["orbits"], doc["distance"], doc["altitude"], doc["sunlight"],
                     doc["data_quality"])
    rev = o["from_revnum"] or {}
    lines = [
        f"ISS from {doc['start']} to {doc['end']} ({_n(doc['duration_days'], '.2f')} days, "
        f"{_n(doc['samples'], ',')} samples every {_n(doc['step_s'], 'g')} s)",
        f"  orbits          {_n(o['node_crossings'], ',')} ascending-node crossings, "
        f"{_n(o['fractional'], ',.3f')} fractional",
        f"  revolution nos. {_n(rev.get('orbits_completed'), ',')} completed, "
        f"{_n(rev.get('orbits_fractional'), ',.3f')} fractional from the element sets "
        f"(difference {_n(rev.get('difference_fractional'), '+.3f')})",
        f"  inertial path   {_n(d['inertial_distance_km'])} km = {_n(d['inertial_distance_mi'])} mi",
        f"  ground track    {_n(d['ground_track_distance_km'])} km = "
        f"{_n(d['ground_track_distance_mi'])} mi (sub-satellite points, WGS-84)",
        f"  altitude        min {_n(a['min_alt_km'], '.1f')} km, mean {_n(a['mean_alt_km'], '.1f')} km, "
        f"max {_n(a['max_alt_km'], '.1f')} km (geodetic, WGS-84)",
        f"  sunlight        {_n(s['sunrises'], ',')} sunrises; daylight {_pct(s['daylight_fraction'])}, "
        f"penumbra {_pct(s['penumbra_fraction'])}, shadow {_pct(s['eclipsed_fraction'])}",
        f"  re-boosts       {len(doc['reboosts'])} (mean altitude up > 0.25 km between consecutive sets)",
    ]
    for b in doc["reboosts"]:
        lines.append(f"                  {b['after_epoch'][:16]} .. {b['before_epoch'][:16]}  "
                     f"{_n(b['step_km'], '+.2f')} km (decay-corrected "
                     f"{_n(b['decay_corrected_step_km'], '+.2f')})")
    lines.append(
        f"  element sets    {q['element_sets_used']} used (epochs {(q['first_epoch'] or '')[:10]} .. "
        f"{(q['last_epoch'] or '')[:10]}), largest gap {_n(q['largest_epoch_gap_days'], '.1f')} days, "
        f"max age {_n(q['max_age_days'], '.1f')} days, largest jump at a switch "
        f"{_n(q['largest_switch_jump_km'], ',.1f')} km")
    if doc.get("failed_samples"):
        why = q.get("propagation_failures") or ["SGP4 error codes"]
        lines.append(f"  failed samples  {doc['failed_samples']:,} ({'; '.join(why)})")
    if "mission" in doc:
        lines.extend(_mission_lines(doc["mission"]))
    return "\n".join(lines)


def _mission_lines(m: dict) -> list:
    nasa, ours, nom, diff = m["nasa"], m["ours"], m["nominal"], m["differences"]
    return [
        "",
        f"{m['title']}: NASA vs ours",
        f"  {'':18}{'NASA':>16}{'ours':>16}{'nominal model':>16}",
        f"  {'orbits':18}{nasa['orbits']:>16,}{ours['orbits']:>16,}{nom['orbits']:>16,}",
        f"  {'distance (mi)':18}{nasa['distance_mi']:>16,}{ours['inertial_distance_mi']:>16,.0f}"
        f"{nom['distance_mi']:>16,.0f}",
        f"  {'days':18}{nasa['days']:>16,}{ours['days']:>16.2f}{nom['days']:>16,}",
        f"  ours vs NASA: orbits {diff['ours_vs_nasa_orbits']:+,} "
        f"({100 * diff['ours_vs_nasa_orbits_relative']:+.2f}%), distance "
        f"{100 * diff['ours_vs_nasa_distance_relative']:+.2f}%",
        f"  nominal model: {nom['days']} days x {nom['orbits_per_day']} orbits/day = "
        f"{nom['orbits']:,} orbits, each a circle of 2 pi ({nom['earth_radius_km']:.1f} + "
        f"{nom['mean_alt_km']:.1f}) km = {nom['circumference_km']:,.1f} km; vs NASA: orbits "
        f"{100 * diff['nominal_vs_nasa_orbits_relative']:+.3f}%, distance "
        f"{100 * diff['nominal_vs_nasa_distance_relative']:+.3f}%",
        f"  the ISS went round {ours['orbits_per_day']:.3f} times a day (mean motion in the "
        f"element sets {ours['mean_motion_rev_day']:.3f} rev/day), not 16: hence {ours['orbits']:,}",
        f"  source: {nasa['citation']}",
    ]


# --- batch-stats ----------------------------------------------------------------------

AUTO_DASK_PROPAGATIONS = 200_000_000   # above this, auto runs on a local Dask cluster


def run_batch(args) -> int:
    import contextlib
    import functools
    import time

    from tle.store import read_element_file
    from tracker.astro.time import Instant, format_utc
    from tracker.formats.batch_output import RowWriter
    from tracker.formats.progress import ProgressBar
    from tracker.services import batch as _b

    start = Instant.parse(args.start, parameter="--start")
    end = Instant.parse(args.end, parameter="--end")
    if args.format == "parquet" and not args.output:
        raise UserError("--format parquet needs --output FILE (Parquet is binary)",
                        parameter="output")
    for flag, value in (("--workers", args.workers), ("--chunk-objects", args.chunk_objects),
                        ("--span-samples", args.span_samples)):
        if value is not None and value < 1:
            raise UserError(f"{flag} must be at least 1, got {value}", parameter=flag)
    sets = read_element_file(args.file)
    if not sets:
        raise UserError(f"{args.file}: the file holds no element sets; give a TLE/3LE or OMM "
                        f"file with at least one object", parameter="file")
    plan = _b.make_plan(len(sets), start, end, args.step_s,
                        span_samples=args.span_samples or _b.DEFAULT_SPAN_SAMPLES,
                        chunk_objects=args.chunk_objects or _b.DEFAULT_CHUNK_OBJECTS)
    engine = args.engine
    if engine == "auto":
        from tracker.services.batch_dask import scheduler_address
        asked = args.workers or args.dashboard or scheduler_address(args.scheduler)
        engine = "dask" if asked or plan.propagations >= AUTO_DASK_PROPAGATIONS else "plain"
    elif engine == "plain" and (args.workers or args.scheduler or args.dashboard):
        raise UserError("--workers, --scheduler and --dashboard need --engine dask (or auto)",
                        parameter="engine")
    header = {"start": format_utc(start), "end": format_utc(end), "step_s": plan.step_s,
              "samples": plan.samples}
    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if engine == "plain":
            where = "in this process"
            chunks = _b.iter_batch_rows
        else:                   # connect first: a cluster error leaves no output behind
            from tracker.services.batch_dask import describe, iter_dask_rows, open_client
            client = stack.enter_context(open_client(args.scheduler, workers=args.workers,
                                                     dashboard=args.dashboard,
                                                     connect_timeout_s=args.connect_timeout_s))
            where = f"on Dask ({describe(client)})"
            if args.dashboard:
                print(f"batch-stats: Dask dashboard at {client.dashboard_link}",
                      file=sys.stderr, flush=True)
            chunks = functools.partial(iter_dask_rows, client,
                                       stall_timeout_s=args.connect_timeout_s)
        out = sys.stdout
        if args.output:
            out = stack.enter_context(open(args.output, "wb") if args.format == "parquet"
                                      else open(args.output, "w", newline=""))
            stack.callback(_remove_unless_done, args.output, done := [])
        writer = RowWriter(args.format, out, header, _b.COLUMNS)
        bar = stack.enter_context(ProgressBar(plan.propagations, label="batch-stats"))
        for rows in chunks(sets, plan, progress=bar):
            writer.write(rows)
        writer.close()
        if args.output:
            done.append(True)
    if args.output or sys.stderr.isatty():
        print(f"batch-stats: {writer.objects:,} objects x {plan.samples:,} samples "
              f"({plan.propagations:,} propagations) in {time.perf_counter() - t0:.1f} s "
              f"{where}; {writer.decayed} decayed, {writer.failed} failed"
              f"{'; rows in ' + args.output if args.output else ''}", file=sys.stderr)
    return 0


def _remove_unless_done(path, done) -> None:
    """Leave no half-written output file after an error."""
    if not done:
        try:
            os.remove(path)
        except OSError:
            pass


def _json_row(row: dict) -> dict:
    from tracker.formats.batch_output import json_row
    return json_row(row)


def _csv_value(v):
    from tracker.formats.batch_output import csv_value
    return csv_value(v)
