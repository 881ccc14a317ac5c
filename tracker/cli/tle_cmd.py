"""``iss-tracker tle``: show, update and import element sets.

    iss-tracker tle show [--tle FILE] [--time T] [--catalog-number N] [--json]
    iss-tracker tle update [--source URL|FILE] [--catalog-number N]
                           [--format tle|omm-json] [--force] [--timeout S] [--json]
    iss-tracker tle import FILE [--catalog-number N] [--json]

``tle update`` exits 0 when the source answered (new sets, nothing new, or
304), 2 on an error, and 3 (``tle.update.EXIT_SKIPPED``) when it skipped
the request because the source answered less than 2 hours ago.

The user's history lives in ``$ISS_TRACKER_DATA`` (default
``$XDG_DATA_HOME/iss-tracker`` or ``~/.local/share/iss-tracker``). Parsing
and formatting only; the work is in ``tle.store`` and ``tle.update``.
"""
from __future__ import annotations

import json
import os

from tle.store import ISS_SATNUM, default_data_dir, iso_z, load_store
from tracker.cli.argtypes import bounded_float, catalog_number
from tracker.astro.time import datetime_to_unix, parse_time


_catalog_number = catalog_number("catalog number")
_timeout = bounded_float("timeout", "seconds", 0.1, 600)


def register(subparsers) -> None:
    p = subparsers.add_parser("tle", help="show, update or import element sets (TLE/OMM)",
                              description="Show the element set in use, fetch fresh ones from "
                                          "CelesTrak, or import a file into your element history.")
    sub = p.add_subparsers(dest="tle_command", metavar="ACTION", parser_class=type(p))
    sub.required = True

    show = sub.add_parser("show", help="the element set that would be used now (or at --time)")
    show.add_argument("--tle", metavar="FILE", default=None,
                      help="use only the sets in FILE (TLE/3LE, OMM JSON or CSV)")
    show.add_argument("--time", metavar="T", default="now",
                      help="ISO 8601 time with Z or offset, Unix seconds, or 'now' (default)")
    show.add_argument("--catalog-number", type=_catalog_number, default=ISS_SATNUM, metavar="N",
                      help=f"NORAD catalog number (default {ISS_SATNUM}, the ISS)")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(func=run_show)

    upd = sub.add_parser("update", help="fetch fresh elements (CelesTrak by default) into your history",
                         description="Fetch the newest element sets, validate them and merge them "
                                     "into your history. At most one request per source per 2 hours "
                                     "unless --force.")
    upd.add_argument("--source", metavar="URL", default=None,
                     help="URL or local file to read instead of CelesTrak's GP service")
    which = upd.add_mutually_exclusive_group()
    which.add_argument("--catalog-number", type=_catalog_number, default=ISS_SATNUM, metavar="N",
                       help=f"NORAD catalog number (default {ISS_SATNUM}, the ISS)")
    which.add_argument("--group", metavar="NAME", default=None,
                       help="a CelesTrak GP group instead of one object, e.g. stations (the ISS, "
                            "the Chinese station CSS and their visitors) or visual; then follow "
                            "one with --norad N or --name TEXT")
    upd.add_argument("--format", choices=("tle", "omm-json"), default="tle",
                     help="format asked of CelesTrak (default tle)")
    upd.add_argument("--force", action="store_true", help="ask even if asked less than 2 hours ago")
    upd.add_argument("--timeout", type=_timeout, default=None, metavar="S",
                     help="give up after S seconds (default: tle.update.TIMEOUT_S, 30)")
    upd.add_argument("--json", action="store_true", help="print JSON")
    upd.set_defaults(func=run_update)

    imp = sub.add_parser("import", help="merge a local element file into your history")
    imp.add_argument("file", metavar="FILE", help="TLE/3LE, OMM JSON or OMM CSV file")
    imp.add_argument("--catalog-number", type=_catalog_number, default=None, metavar="N",
                     help="import only this catalog number (default: every set in FILE)")
    imp.add_argument("--json", action="store_true", help="print JSON")
    imp.set_defaults(func=run_import)


def _data_dir():
    return default_data_dir(os.environ)


def show_report(store, t_unix_s: float) -> dict:
    """What ``tle show`` prints, as a JSON-ready dict."""
    sel = store.nearest(t_unix_s)
    es = sel.element_set
    return {
        "time": iso_z(t_unix_s),
        "catalog_number": es.satnum,
        "name": es.name,
        "epoch": iso_z(es.epoch_unix_s),
        "age_days": round(sel.age_days, 6),
        "source": es.source,
        "verdict": sel.verdict,
        "warning": sel.warning,
        "line1": es.line1,
        "line2": es.line2,
        "store": {"sets": len(store), "oldest_epoch": iso_z(store.oldest().epoch_unix_s),
                  "newest_epoch": iso_z(store.newest().epoch_unix_s), "from": store.description,
                  "skipped": list(getattr(store, "skipped", ()))},
    }


def run_show(args) -> int:
    t = datetime_to_unix(parse_time(args.time, parameter="--time"))
    store = load_store(data_dir=_data_dir(), tle_file=args.tle, satnum=args.catalog_number)
    report = show_report(store, t)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    when = "now" if args.time.strip().lower() == "now" else report["time"]
    age = report["age_days"]
    rel = "after" if age >= 0 else "before"
    print(f"element set for {when} ({report['time']}): catalog {report['catalog_number']}"
          f"{' ' + report['name'] if report['name'] else ''}")
    print(f"  epoch    {report['epoch']} ({abs(age):.2f} days {rel} it)")
    print(f"  source   {report['source']}")
    print(f"  verdict  {report['verdict']}")
    if report["line1"]:
        print(f"  line 1   {report['line1']}")
        print(f"  line 2   {report['line2']}")
    s = report["store"]
    print(f"  store    {s['sets']} sets, epochs {s['oldest_epoch']} .. {s['newest_epoch']} ({s['from']})")
    if s["skipped"]:
        n = len(s["skipped"])
        print(f"  skipped  {n} damaged record{'s' if n != 1 else ''} in the history: "
              + "; ".join(s["skipped"][:3]) + (" ..." if n > 3 else ""))
    if report["warning"]:
        print("warning: " + report["warning"])
        print("  get fresh elements with `iss-tracker tle update` (or `iss-tracker tle import FILE`)")
    return 0


def _print_result(result, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.to_dict(), indent=1))
    else:
        print(result.message)


def run_update(args) -> int:
    # Imported here: the HTTP stack costs ~20 ms that every other command
    # (`now` above all) would otherwise pay at start-up.
    from tle.update import EXIT_SKIPPED, TIMEOUT_S, default_source, update

    source = args.source or default_source(args.catalog_number, args.format, group=args.group)
    result = update(_data_dir(), source=source, catalog_number=args.catalog_number, fmt=args.format,
                    force=args.force, timeout_s=TIMEOUT_S if args.timeout is None else args.timeout,
                    group=args.group)
    _print_result(result, args.json)
    return EXIT_SKIPPED if result.status == "skipped" else 0


def run_import(args) -> int:
    from tle.update import import_file

    result = import_file(_data_dir(), args.file, catalog_number=args.catalog_number)
    _print_result(result, args.json)
    return 0

