"""argparse ``type=`` validators and options shared by the subcommands.

Each validator factory returns a parser that raises
``argparse.ArgumentTypeError`` with a message naming the option, so argparse
prints ``error: argument --port: port must be in 0-65535 ..., got 70000``.
"""
from __future__ import annotations

import argparse

from tracker.errors import UserError


def bounded_int(name: str, lo: int, hi: int, *, note: str = ""):
    """An int in ``lo..hi`` (inclusive), read as the HTTP API reads integers
    (``tracker.services.readers.read_integer``); ``note`` (e.g. " (0: any free
    port)") follows the range in the out-of-range message."""
    def parse(text: str) -> int:
        from tracker.services.readers import read_integer
        try:
            value = read_integer(text, name)
        except UserError as exc:
            raise argparse.ArgumentTypeError(f"{exc} ({lo}-{hi})") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{name} must be in {lo}-{hi}{note}, got {value}")
        return value
    return parse


def bounded_float(name: str, unit: str, lo: float | None = None, hi: float | None = None):
    """A finite decimal number, read as the HTTP API reads numbers
    (``tracker.services.readers.read_number``), given in ``unit`` (plural,
    e.g. "seconds"); in ``lo..hi`` when given. Without bounds, the range is
    checked by the service, against the same constants (``tracker.ranges``)
    the operation's declaration uses."""
    def parse(text: str) -> float:
        from tracker.services.readers import read_number
        try:
            value = float(read_number(text, f"{name}", within=f" of {unit}"))
        except UserError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if lo is not None and hi is not None and not lo <= value <= hi:
            raise argparse.ArgumentTypeError(
                f"{name} must be in {lo:g}-{hi:g} {unit}, got {text}")
        return value
    return parse


def add_tle_option(parser) -> None:
    """``--tle FILE``: the element sets to use instead of the shipped ones and the history."""
    parser.add_argument("--tle", metavar="FILE",
                        help="use only the element sets in FILE (TLE/3LE or OMM JSON/CSV) "
                             "instead of the shipped sets and your history")


def catalog_number(name: str = "--norad"):
    """A NORAD catalog number in ``tracker.ranges.CATALOG_NUMBER``."""
    from tracker.ranges import CATALOG_NUMBER
    return bounded_int(name, *CATALOG_NUMBER)


def add_object_options(parser) -> None:
    """``--norad N`` / ``--name TEXT``: the object to follow (default: the ISS),
    resolved among every satellite of the element sources (``tle.catalog``)."""
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--norad", type=catalog_number(), default=None, metavar="N",
                   help="NORAD catalog number of the object to follow (default 25544, the ISS); "
                        "any object in the store or the --tle file")
    g.add_argument("--name", default=None, metavar="TEXT",
                   help="object to follow by name instead: the catalog's name ('HST'), a common "
                        "name ('hubble', 'tiangong') or part of one that picks a single object")


def command_store(args):
    """The element store a command uses: ``--tle FILE`` alone or the shipped
    sets plus the user's history, for the object ``--norad``/``--name`` names
    (the ISS when the command has neither option or neither is given)."""
    import os

    from tle.store import default_data_dir, load_store

    norad, name = getattr(args, "norad", None), getattr(args, "name", None)
    data_dir = default_data_dir(os.environ)
    if norad is None and name is None:
        return load_store(data_dir, args.tle)
    from tle.catalog import load_object_store
    return load_object_store(data_dir, args.tle, norad=norad, name=name)


def add_allow_stale_option(parser, when: str = "the requested times") -> None:
    """``--allow-stale``: accept element sets more than 30 days from ``when``."""
    parser.add_argument("--allow-stale", action="store_true",
                        help=f"use element sets more than 30 days from {when}")


def add_number_option(parser, flag: str, unit: str, *, default: float, metavar: str, help: str,
                      limits: tuple | None = None) -> None:
    """``flag``: a number of ``unit`` (plural). The help text ends with the
    highest value from ``limits`` (a ``tracker.ranges`` pair, the one the
    API's declaration uses) and ``default`` (a ``tracker.ranges`` default),
    so the CLI and the API say the same; the service checks the range."""
    tail = f"at most {limits[1]:g}; " if limits else ""
    parser.add_argument(flag, type=bounded_float(flag, unit), default=default,
                        metavar=metavar, help=f"{help} ({tail}default {default:g})")


def add_window_options(parser, days_limits: tuple) -> None:
    """``--start T`` (default now) and ``--days N``: a window of up to ``days_limits[1]`` days."""
    from tracker.ranges import DEFAULT_DAYS

    parser.add_argument("--start", default="now", metavar="T",
                        help="window start: ISO 8601 with Z or an offset, Unix seconds, or "
                             "'now' (default)")
    add_number_option(parser, "--days", "days", default=DEFAULT_DAYS, metavar="N",
                      help="window length in days, more than 0", limits=days_limits)


def add_json_option(parser) -> None:
    """``--json``: one JSON document on stdout instead of the text."""
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def add_store_options(parser, *, allow_stale: bool = True) -> None:
    """The element-set options of an object command: ``--tle FILE``,
    ``--norad``/``--name`` and (unless the command always answers)
    ``--allow-stale``."""
    add_tle_option(parser)
    add_object_options(parser)
    if allow_stale:
        add_allow_stale_option(parser)
