"""The ``iss-tracker`` command: argument parsing and output formatting only.

Each command group lives in its own module exposing ``register(subparsers)``;
a registered sub-parser sets ``func`` (args -> exit status). Bad input raises
``UserError`` (or ``tle.errors.TLEError``) and becomes one line on stderr with
exit status 2, never a traceback; ``cli_hint`` adds a remedy in command-line
terms where the service's neutral message needs one.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from tle.errors import TLEError
from tracker.errors import UserError

# Exit status for a failure that is our fault, not the input's (EX_SOFTWARE):
# fuzz tests treat it as a failure, unlike the 2 of a refused input.
EXIT_INTERNAL = 70

# Command modules, in the order they appear in --help.
COMMAND_MODULES = (
    "tracker.cli.now_cmd",
    "tracker.cli.passes_cmd",
    "tracker.cli.transits_cmd",
    "tracker.cli.stats_cmd",
    "tracker.cli.tle_cmd",
    "tracker.cli.serve_cmd",
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="iss-tracker",
                     description="Offline ISS tracking: where it is, when you can see it, how far it went.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for command in sub.choices.values():
        command.add_argument("-q", "--quiet", action="store_true",
                             help="no progress bar (bars draw only on a terminal anyway)")
    return parser


def cli_hint(exc) -> str | None:
    """The command line's own remedy for an error, in its syntax (service
    messages name no flags; the HTTP API words its remedies in
    ``tracker.api.problems``)."""
    from tle.errors import NoElementSetError, StaleElementsError
    if isinstance(exc, StaleElementsError):
        return ("get fresh elements with `iss-tracker tle update` (or pass --tle FILE), "
                "or pass --allow-stale to use these anyway")
    if isinstance(exc, NoElementSetError):
        return (f"get elements with `iss-tracker tle update --catalog-number {exc.satnum}` "
                "or pass --tle FILE")
    return None


def warn(warnings) -> None:
    """Print service warnings on stderr, one line each, prefixed ``warning:``."""
    for text in warnings:
        print(text if text.startswith("warning") else f"warning: {text}", file=sys.stderr)


# Commands that evaluate a few instants: run as a process, they skip numba
# (importing it and loading its cached code cost more than the arithmetic).
ONE_SHOT_COMMANDS = ("now",)


def _run(args, *, one_shot: bool) -> int:
    """``args.func(args)``; a one-shot command run as its own process
    (``iss-tracker now``) evaluates its kernels as plain Python
    (``tracker.jit.interpret``) and, if Python's math refuses what compiled
    code would answer (``math.sqrt`` of a negative: NaN there), runs again
    compiled."""
    if not (one_shot and args.command in ONE_SHOT_COMMANDS):
        return int(args.func(args) or 0)
    from tracker import jit
    if not jit.interpret():
        return int(args.func(args) or 0)
    try:
        return int(args.func(args) or 0)
    except (UserError, TLEError):
        raise
    except (ArithmeticError, ValueError, TypeError, IndexError):
        jit.compile_all()
        return int(args.func(args) or 0)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from tracker.formats import progress
    progress.QUIET = bool(getattr(args, "quiet", False))
    try:
        return _run(args, one_shot=argv is None)
    except (UserError, TLEError) as exc:
        message = " ".join(str(exc).split())
        hint = cli_hint(exc)
        print(f"iss-tracker: error: {message}{'; ' + hint if hint else ''}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("iss-tracker: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        # The machine said no (disk full, permission, missing file): the
        # user's to fix, so it is reported like bad input. Only the file's
        # name is shown, never the server's directories.
        name = os.path.basename(exc.filename) if exc.filename else None
        what = exc.strerror or type(exc).__name__
        print(f"iss-tracker: error: {what}{': ' + name if name else ''}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug of ours: still one line, never a traceback
        if os.environ.get("ISS_TRACKER_DEBUG"):
            raise
        print(f"iss-tracker: internal error ({type(exc).__name__}); please report it "
              "(ISS_TRACKER_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
