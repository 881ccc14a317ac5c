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
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tle.elements import ElementSet
from tle.errors import HistoryError
from tle.formats import parse_elements
from tle.store import DEDUP_S, HISTORY_NAME, history_path
from tle.write import format_tle_text

STATE_NAME = "update_state.json"
LOCK_NAME = ".lock"
LOCK_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class MergeResult:
    """``added``: new sets written; ``total``: sets in the history now."""

    added: int
    total: int
    path: Path


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


def read_history(data_dir: str | os.PathLike) -> list[ElementSet]:
    """The sets in the history file (empty when there is none)."""
    path = history_path(data_dir)
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError(f"cannot read the element history {path}: {exc}") from None
    return parse_elements(text, source=str(path), fmt="tle")


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


def merge_into_history(data_dir: str | os.PathLike, sets: list[ElementSet]) -> MergeResult:
    """Lock, read the history, add the new sets, write it back atomically.
    The history file is not touched when nothing is new."""
    with locked(data_dir) as d:
        existing = read_history(d)
        merged, added = merge_sets(existing, sets)
        path = history_path(d)
        if added:
            if len(merged) < len(existing):   # cannot happen; never shorten the history
                raise HistoryError(f"refusing to write {path}: merge would drop sets")
            atomic_write_bytes(path, format_tle_text(merged).encode("ascii"))
        return MergeResult(added, len(merged), path)


def read_state(data_dir: str | os.PathLike) -> dict:
    """The per-source update state (empty when missing or unreadable: the
    state only paces requests, losing it is harmless)."""
    try:
        state = json.loads((Path(data_dir) / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def write_state(data_dir: str | os.PathLike, source: str, entry: dict) -> None:
    """Record ``entry`` for ``source`` (under the lock, atomically)."""
    with locked(data_dir) as d:
        state = read_state(d)
        state[source] = entry
        atomic_write_bytes(Path(d) / STATE_NAME,
                           (json.dumps(state, indent=1, sort_keys=True) + "\n").encode("utf-8"))
