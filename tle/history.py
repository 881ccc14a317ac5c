"""The user's element history on disk: lock, merge, atomic write.

Files in the data directory (``tle.store.default_data_dir``):

* ``history.tle`` -- every downloaded or imported element set (3LE text),
  sorted by catalog number then epoch, one set per epoch (sets within
  ``DEDUP_S`` of one already there are not added). The shipped files are
  never written.
* ``update_state.json`` -- per source: last request time (Unix s), ETag,
  Last-Modified.
* ``.lock`` -- an ``fcntl.flock`` lock held around every read-merge-write,
  so concurrent updaters serialise and none loses another's sets.

Every write goes to a temporary file in the same directory, is flushed and
fsynced, renamed over the old file with ``os.replace`` and the directory is
fsynced: a crash at any instant leaves either the old or the new file, never
a partial one. A merge never writes fewer sets than it read.

Nothing can poison the history: every set to be added is first written and
read back on its own (``tle.write.check_storable``), and the whole new file
is read back with the reader startup uses (``tle.store.parse_history_bytes``)
and compared with the sets it should hold, to each field's precision; a
value the TLE columns cannot hold raises ``UnstorableError`` naming the
record and the field, and nothing is written. A full disk (or any OSError
while writing) raises ``HistoryError``; the history is then unchanged. A
damaged record already in the file is skipped with a warning; the next
write keeps the old file as ``history.tle.damaged`` before leaving it out.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tle.elements import ElementSet
from tle.errors import HistoryError, TLEError, UnstorableError
from tle.store import DEDUP_S, HISTORY_NAME, history_path, parse_history_bytes, read_limited
from tle.write import check_storable, format_tle_text, roundtrip_mismatch

STATE_NAME = "update_state.json"
LOCK_NAME = ".lock"
LOCK_TIMEOUT_S = 60.0
DAMAGED_SUFFIX = ".damaged"

_log = logging.getLogger("tle.history")


@dataclass(frozen=True)
class MergeResult:
    """``added``: new sets written; ``total``: sets in the history now;
    ``skipped``: damaged records found in the history before the merge."""

    added: int
    total: int
    path: Path
    skipped: int = 0


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically and durably (temp file in the
    same directory, fsync, ``os.replace``, fsync of the directory)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _remove_orphans(data_dir: Path) -> None:
    """Temp files left by a writer that died (only called under the lock,
    when no writer can be mid-write)."""
    for name in (HISTORY_NAME, STATE_NAME):
        for orphan in data_dir.glob(f".{name}.*.tmp"):
            with contextlib.suppress(OSError):
                orphan.unlink()


@contextlib.contextmanager
def locked(data_dir: str | os.PathLike, *, timeout_s: float = LOCK_TIMEOUT_S):
    """Hold the data directory's lock (created with the directory if need
    be); raises HistoryError after ``timeout_s`` of waiting."""
    data_dir = Path(data_dir)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise HistoryError(f"cannot use the data directory {data_dir}: {exc.strerror}") from None
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise HistoryError(f"another iss-tracker update holds {data_dir / LOCK_NAME} "
                                       f"(waited {timeout_s:g} s); try again later") from None
                time.sleep(0.01)
        _remove_orphans(data_dir)
        yield data_dir
    finally:
        os.close(fd)   # releases the lock


def _read_history(path: Path, *, warn: bool = True):
    """(sets, damaged-record messages, raw bytes or None) of a history file."""
    try:
        data = read_limited(path)
    except TLEError as exc:
        if not path.exists():
            return [], [], None
        raise HistoryError(f"cannot read the element history: {exc}") from None
    sets, messages = parse_history_bytes(data, name=path.name, source=str(path))
    if warn:
        for message in messages:
            _log.warning("warning: %s", message)
    return sets, messages, data


def read_history(data_dir: str | os.PathLike) -> list[ElementSet]:
    """The sets in the history file (empty when there is none); damaged
    records are skipped with a warning, as at startup."""
    return _read_history(history_path(data_dir))[0]


def _key(es: ElementSet):
    return (es.satnum, es.epoch_unix_s)


def merge_sets(existing: list[ElementSet], new: list[ElementSet]) -> tuple[list[ElementSet], int]:
    """Existing sets plus those of ``new`` whose epoch is not within DEDUP_S
    of a set of the same satellite; sorted by (catalog number, epoch).
    Returns (merged, number added)."""
    merged = sorted(existing, key=_key)
    by_sat: dict[int, list[float]] = {}
    for es in merged:
        by_sat.setdefault(es.satnum, []).append(es.epoch_unix_s)
    added = 0
    for es in sorted(new, key=_key):
        epochs = by_sat.setdefault(es.satnum, [])
        if any(abs(es.epoch_unix_s - e) < DEDUP_S for e in epochs):
            continue
        epochs.append(es.epoch_unix_s)
        merged.append(es)
        added += 1
    merged.sort(key=_key)
    return merged, added


def record_label(es: ElementSet, index: int | None = None) -> str:
    """How an error names a set: its source, index there, catalog number."""
    where = f" record {index}" if index is not None else ""
    return f"{es.source}{where} (catalog {es.satnum}{', ' + repr(es.name) if es.name else ''})"


def check_sets(sets) -> None:
    """``UnstorableError`` (naming the record and field) for the first set
    the history file cannot hold exactly; nothing is written by this."""
    for index, es in enumerate(sets):
        try:
            check_storable(es, record_label(es, index))
        except UnstorableError as exc:
            raise UnstorableError(f"{exc}; nothing written", field=exc.field, record=exc.record) from None


def _write(path: Path, data: bytes) -> None:
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise HistoryError(f"cannot write {path.name} ({exc.strerror or type(exc).__name__}); "
                           f"history unchanged") from None


def merge_into_history(data_dir: str | os.PathLike, sets: list[ElementSet]) -> MergeResult:
    """Lock, read the history, add the new sets, write it back atomically.
    The history file is not touched when nothing is new. Every new set is
    checked first (``check_sets``) and the new file is read back and
    compared before it replaces the old one."""
    sets = list(sets)
    check_sets(sets)
    with locked(data_dir) as d:
        path = history_path(d)
        existing, damaged, old = _read_history(path)
        merged, added = merge_sets(existing, sets)
        if added:
            if len(merged) < len(existing):   # cannot happen; never shorten the history
                raise HistoryError(f"refusing to write {path.name}: merge would drop sets")
            data = format_tle_text(merged).encode("ascii")
            _verify(data, merged, path)
            if damaged:
                keep = path.with_name(path.name + DAMAGED_SUFFIX)
                _write(keep, old)
                _log.warning("warning: %s had %d damaged record%s; the old file is kept as %s",
                             path.name, len(damaged), "s" if len(damaged) != 1 else "", keep.name)
            _write(path, data)
        return MergeResult(added, len(merged), path, len(damaged))


def _verify(data: bytes, expected: list[ElementSet], path: Path) -> None:
    """Read ``data`` back with the startup reader; HistoryError unless it
    holds exactly ``expected`` (to each field's precision)."""
    back, problems = parse_history_bytes(data, name=path.name)
    if problems or len(back) != len(expected):
        raise HistoryError(f"refusing to write {path.name}: the new file does not read back "
                           f"({problems[0] if problems else f'{len(back)} of {len(expected)} sets'}); "
                           f"history unchanged")
    for index, (given, read) in enumerate(zip(expected, back)):
        diff = roundtrip_mismatch(given, read)
        if diff is not None:
            field, a, b = diff
            raise HistoryError(f"refusing to write {path.name}: {record_label(given, index)} field "
                               f"{field!r} reads back as {b!r}, not {a!r}; history unchanged")


def read_state(data_dir: str | os.PathLike) -> dict:
    """The per-source update state (the state only paces requests, so a
    missing file is empty, and an unreadable or corrupt one is treated as
    absent with a warning)."""
    path = Path(data_dir) / STATE_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        _log.warning("warning: cannot read %s (%s); treated as absent", STATE_NAME,
                     getattr(exc, "strerror", None) or type(exc).__name__)
        return {}
    try:
        state = json.loads(text)
    except (ValueError, RecursionError):
        state = None
    if not isinstance(state, dict):
        _log.warning("warning: %s is corrupt (not a JSON object of sources); treated as absent",
                     STATE_NAME)
        return {}
    return state


def write_state(data_dir: str | os.PathLike, source: str, entry: dict) -> None:
    """Record ``entry`` for ``source`` (under the lock, atomically). Never
    raises: a state that cannot be written only loses pacing (warning)."""
    try:
        with locked(data_dir) as d:
            state = read_state(d)
            state[source] = entry
            atomic_write_bytes(Path(d) / STATE_NAME,
                               (json.dumps(state, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    except (OSError, HistoryError) as exc:
        _log.warning("warning: cannot write %s (%s); request pacing not recorded", STATE_NAME,
                     getattr(exc, "strerror", None) or exc)
