"""argparse ``type=`` validators and options shared by the subcommands.

Each validator factory returns a parser that raises
``argparse.ArgumentTypeError`` with a message naming the option, so argparse
prints ``error: argument --port: port must be in 0-65535 ..., got 70000``.
"""
from __future__ import annotations

import argparse
import math


def bounded_int(name: str, lo: int, hi: int, *, note: str = ""):
    """An int in ``lo..hi`` (inclusive); ``note`` (e.g. " (0: any free port)")
    follows the range in the out-of-range message."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be an integer {lo}-{hi}, got {text!r}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{name} must be in {lo}-{hi}{note}, got {value}")
        return value
    return parse


def bounded_float(name: str, unit: str, lo: float | None = None, hi: float | None = None):
    """A float in ``lo..hi`` (inclusive; NaN refused) given in ``unit`` (plural,
    e.g. "seconds"); with ``lo`` and ``hi`` None any finite float is accepted
    and range checks are left to the caller."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be a number of {unit}, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(
                f"{name} must be a finite number of {unit}, got {text!r}")
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


def add_allow_stale_option(parser, when: str = "the requested times") -> None:
    """``--allow-stale``: accept element sets more than 30 days from ``when``."""
    parser.add_argument("--allow-stale", action="store_true",
                        help=f"use element sets more than 30 days from {when}")
