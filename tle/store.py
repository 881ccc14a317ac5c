"""Which element set to use at time t: the store of one satellite's sets.

An ``ElementStore`` holds one satellite's element sets (default: the ISS,
catalog number 25544) sorted by epoch, with sets whose epochs lie within
``DEDUP_S`` of the set kept before them dropped (for equal epochs the
first one given wins, so list preferred sources first). It is
built from the sets shipped in ``tle/data`` (``ElementStore.shipped()``),
optionally merged with the user's history file, or from a user's file alone
(``ElementStore.from_file(path)``), which then replaces the shipped sets.

Time t picks the set whose epoch is nearest: the store switches from one set
to the next at the midpoint between their epochs, the later set owning the
midpoint itself. ``nearest`` and ``segments`` use the same midpoints, so a
segment list and point look-ups always agree. Times are Unix seconds (UTC),
or split Julian dates (UTC) where noted.

Staleness: an answer more than ``WARN_AGE_DAYS`` from its set's epoch gets
a warning; beyond ``MAX_AGE_DAYS`` prediction commands refuse with
``StaleElementsError`` unless told ``allow_stale`` (``now`` always answers,
with the warning). Both state the age and the expected along-track error at
that age (``tle.accuracy``, the model behind the pass timing uncertainty).
Their texts suit every front end: they name no command-line flag or query
syntax; the CLI and the HTTP API each add their own remedy for a
``StaleElementsError`` (whose ``parameter`` is ``allow_stale``).

Only ``shipped``, ``from_file`` and ``load_store`` read files, and only the
paths they are given; nothing here reads the environment.
"""
from __future__ import annotations

import bisect
import datetime as dt
import functools
import logging
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from tle.accuracy import along_track_sigma_km, orbital_speed_km_s
from tle.elements import JD_UNIX_EPOCH, ElementSet
from tle.errors import NoElementSetError, StaleElementsError, TLEError
from tle.formats import parse_elements
from tle.parse import parse_tle_lines

ISS_SATNUM = 25544
DEDUP_S = 1.0                 # epochs closer than this are one element set
WARN_AGE_DAYS = 3.0           # |t - epoch| beyond this: warning
MAX_AGE_DAYS = 30.0           # beyond this: StaleElementsError unless allowed
SHIPPED_FILES = ("iss_2015_2016.tle", "iss_recent.tle")
HISTORY_NAME = "history.tle"  # the user's history file inside the data directory
MAX_FILE_BYTES = 32 * 1024 * 1024   # element files larger than this are refused

_log = logging.getLogger("tle.store")

_DAY_S = 86400.0


def iso_z(unix_s: float) -> str:
    """Unix seconds -> ISO 8601 UTC with 'Z', to the second. A time outside
    years 1-9999 (an OMM epoch of 9999-12-31T23:59:59.999999 becomes
    10000-01-01 when split into Julian days) prints as the nearest end of
    that range, so an error message about it can still be written."""
    base = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    try:
        t = base + dt.timedelta(seconds=round(unix_s))
    except OverflowError:
        t = (dt.datetime.max if unix_s > 0 else dt.datetime.min).replace(tzinfo=dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Selection:
    """The set chosen for time ``t_unix_s`` and how far t is from its epoch
    (``age_days`` = t - epoch in days; negative when t precedes the epoch)."""

    element_set: ElementSet
    age_days: float
    t_unix_s: float

    @property
    def warning(self) -> str | None:
        """A one-line warning when |age| exceeds WARN_AGE_DAYS, else None."""
        return staleness_warning(self)

    @property
    def verdict(self) -> str:
        """'fresh' (|age| <= 3 d), 'aging' (<= 30 d) or 'stale'."""
        age = abs(self.age_days)
        if age > MAX_AGE_DAYS:
            return "stale"
        if age > WARN_AGE_DAYS:
            return "aging"
        return "fresh"


def days_text(age_days: float) -> str:
    """``|age_days|`` with one decimal, or more where one decimal would round
    onto a limit it is not (3.04 days is "3.04", never "3.0 ... more than 3
    days"); at most six, then "just over 3"."""
    age = abs(float(age_days))
    for digits in range(1, 7):
        text = f"{age:.{digits}f}"
        hit = [limit for limit in (WARN_AGE_DAYS, MAX_AGE_DAYS) if float(text) == limit != age]
        if not hit:
            return text
    return f"just {'over' if age > hit[0] else 'under'} {hit[0]:g}"


def _age_phrase(sel: Selection) -> str:
    es = sel.element_set
    when = "after" if sel.age_days >= 0 else "before"
    return (f"{iso_z(sel.t_unix_s)} is {days_text(sel.age_days)} days {when} the epoch "
            f"{iso_z(es.epoch_unix_s)} of the element set used (catalog {es.satnum}, from {es.source})")


def along_track_error_km(sel: Selection) -> float:
    """Expected 1-sigma along-track error (km) of a prediction from ``sel``."""
    es = sel.element_set
    return float(along_track_sigma_km(sel.age_days, es.ndot, es.mean_motion_rev_day))


def _error_phrase(sel: Selection) -> str:
    es = sel.element_set
    km = along_track_error_km(sel)
    speed_km_s = orbital_speed_km_s(es.mean_motion_rev_day)
    half_orbit_km = 0.5 * speed_km_s * 86400.0 / es.mean_motion_rev_day
    if km >= half_orbit_km:
        return ("expected error at this age more than half an orbit: where the station is "
                "along its orbit is unknown")
    s = km / speed_km_s
    when = f"{s:.0f} s" if s < 120 else f"{s / 60:.0f} min"
    return (f"expected error at this age about {km:,.0f} km along the orbit (events early or "
            f"late by about {when}, 1 sigma)")


def staleness_warning(sel: Selection) -> str | None:
    """Warning text when the selection is more than WARN_AGE_DAYS from its
    epoch, with the expected error at that age (``tle.accuracy``); else None.
    The same words in every front end: the CLI prints them after ``warning: ``,
    the API and the CLI's JSON documents carry them as they are."""
    if abs(sel.age_days) <= WARN_AGE_DAYS:
        return None
    return (f"{_age_phrase(sel)}, more than {WARN_AGE_DAYS:g} days; "
            f"{_error_phrase(sel)}; fresher element sets fix this")


def check_staleness(sel: Selection, *, allow_stale: bool = False) -> str | None:
    """The prediction commands' policy: raise ``StaleElementsError`` beyond
    MAX_AGE_DAYS unless ``allow_stale``; otherwise return the warning
    (or None)."""
    if abs(sel.age_days) > MAX_AGE_DAYS and not allow_stale:
        raise StaleElementsError(
            f"element set too old for this time: {_age_phrase(sel)}, more than the "
            f"{MAX_AGE_DAYS:g}-day limit; {_error_phrase(sel)}",
            age_days=sel.age_days, epoch=sel.element_set.epoch, limit_days=MAX_AGE_DAYS,
            along_track_km=along_track_error_km(sel))
    return staleness_warning(sel)


class ElementStore:
    """One satellite's element sets, sorted by epoch, deduplicated.

    ``ElementStore(sets, satnum=25544, description=...)`` keeps the sets of
    ``satnum`` only; raises ``NoElementSetError`` when none is left.
    """

    def __init__(self, sets, *, satnum: int = ISS_SATNUM, description: str = "the given sets",
                 skipped=()):
        all_sets = list(sets)
        mine = [es for es in all_sets if es.satnum == satnum]
        if not mine:
            others = sorted({es.satnum for es in all_sets})
            found = (f"only catalog numbers {', '.join(map(str, others[:5]))}"
                     f"{' ...' if len(others) > 5 else ''}" if others else "no element sets at all")
            raise NoElementSetError(f"no element set for catalog number {satnum} in "
                                    f"{description} ({found})", satnum=satnum)
        ordered = sorted(enumerate(mine), key=lambda item: (item[1].epoch_unix_s, item[0]))
        kept: list[ElementSet] = []
        for _, es in ordered:
            if kept and es.epoch_unix_s - kept[-1].epoch_unix_s < DEDUP_S:
                continue
            kept.append(es)
        self.satnum = satnum
        self.description = description
        # damaged history records left out (one-line messages: file, line, why)
        self.skipped: tuple[str, ...] = tuple(skipped)
        self.sets: tuple[ElementSet, ...] = tuple(kept)
        self.epochs_unix_s: tuple[float, ...] = tuple(es.epoch_unix_s for es in kept)
        # switch points: a + (b - a) / 2, the later set owns the midpoint
        self.switch_unix_s: tuple[float, ...] = tuple(
            a + (b - a) / 2.0 for a, b in zip(self.epochs_unix_s, self.epochs_unix_s[1:]))

    def __len__(self) -> int:
        return len(self.sets)

    def __iter__(self):
        return iter(self.sets)

    @property
    def label(self) -> str:
        """How output names the object: "ISS" for the default, else the newest
        set's name and the catalog number ("HST (20580)")."""
        if self.satnum == ISS_SATNUM:
            return "ISS"
        name = next((es.name for es in reversed(self.sets) if es.name), None)
        return f"{name} ({self.satnum})" if name else f"catalog {self.satnum}"

    def __repr__(self) -> str:
        return f"<ElementStore catalog {self.satnum}: {len(self)} sets from {self.description}>"

    # --- construction --------------------------------------------------------

    @classmethod
    def shipped(cls, *, satnum: int = ISS_SATNUM, history: str | os.PathLike | None = None):
        """The sets shipped with the package, merged with the user's history
        file at ``history`` when that path is given and exists."""
        sets = list(shipped_sets())
        description = "the shipped element sets"
        skipped: list[str] = []
        if history is not None and Path(history).exists():
            mine, skipped = read_history_file(history)
            sets.extend(mine)
            description += f" and {history}"
        return cls(sets, satnum=satnum, description=description, skipped=skipped)

    @classmethod
    def from_file(cls, path: str | os.PathLike, *, satnum: int = ISS_SATNUM):
        """Only the sets in the user's file (TLE/3LE, OMM JSON or CSV)."""
        return cls(read_element_file(path), satnum=satnum, description=str(path))

    # --- look-ups ----------------------------------------------------------------

    def index_at(self, unix_s: float) -> int:
        """Index of the set in force at ``unix_s``."""
        return bisect.bisect_right(self.switch_unix_s, unix_s)

    def nearest(self, unix_s: float | None = None, *, jd: float | None = None,
                fr: float = 0.0) -> Selection:
        """The set whose epoch is nearest to t, given as Unix seconds or as a
        split Julian date ``jd, fr`` (UTC). At an exact midpoint between two
        epochs the later set is chosen."""
        if (unix_s is None) == (jd is None):
            raise TypeError("nearest() takes either unix_s or jd (with fr)")
        if jd is not None:
            unix_s = ((jd - JD_UNIX_EPOCH) + fr) * _DAY_S
        es = self.sets[self.index_at(unix_s)]
        if jd is not None:
            age = (jd - es.epoch_jd) + (fr - es.epoch_fr)
        else:
            age = (unix_s - es.epoch_unix_s) / _DAY_S
        return Selection(es, age, unix_s)

    def segments(self, start_unix_s: float, end_unix_s: float) -> list[tuple[float, float, ElementSet]]:
        """Consecutive ``(t0, t1, element_set)`` covering [start, end] (Unix
        seconds), switching at the midpoints between epochs; the first t0 is
        ``start`` and the last t1 is ``end``."""
        if end_unix_s < start_unix_s:
            raise ValueError(f"segments(): end {end_unix_s} is before start {start_unix_s}")
        first, last = self.index_at(start_unix_s), self.index_at(end_unix_s)
        out = []
        t0 = start_unix_s
        for i in range(first, last):
            out.append((t0, self.switch_unix_s[i], self.sets[i]))
            t0 = self.switch_unix_s[i]
        out.append((t0, end_unix_s, self.sets[last]))
        return out

    def newest(self) -> ElementSet:
        """The set with the latest epoch."""
        return self.sets[-1]

    def oldest(self) -> ElementSet:
        """The set with the earliest epoch."""
        return self.sets[0]


# --- files -------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def shipped_sets() -> tuple[ElementSet, ...]:
    """Every set in the shipped files (package data, read once)."""
    sets = []
    for name in SHIPPED_FILES:
        text = (resources.files("tle") / "data" / name).read_text(encoding="ascii")
        sets.extend(parse_elements(text, source=f"{name} (shipped)", fmt="tle"))
    return tuple(sets)


def read_limited(path: str | os.PathLike, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``; ``TLEError`` when it is larger than ``limit``
    (read no further, so ``/dev/zero`` fails at once) or cannot be read."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise TLEError(f"{path}: no such element file") from None
    except OSError as exc:
        raise TLEError(f"{path}: cannot read element file ({exc.strerror or type(exc).__name__})") from None
    if len(data) > limit:
        raise TLEError(f"{path}: larger than {limit // 2**20} MiB; not an element file this tool reads")
    return data


def read_history_file(path: str | os.PathLike) -> tuple[list[ElementSet], list[str]]:
    """The sets of a history file and one message per damaged record left
    out (each also logged once as a warning naming the file and line), so a
    record edited by hand or written by an older version never stops the
    product. The writers (``tle.history``) check every write with this same
    reader."""
    path = Path(path)
    data = read_limited(path)
    sets, messages = parse_history_bytes(data, name=path.name, source=str(path))
    for message in messages:
        _log.warning("warning: %s", message)
    return sets, messages


def parse_history_bytes(data: bytes, *, name: str = HISTORY_NAME,
                        source: str | None = None) -> tuple[list[ElementSet], list[str]]:
    """(sets, messages about damaged records) of history-file bytes."""
    skipped: list = []
    if data.endswith(b"\n"):
        data = data[:-1]
    lines = data.split(b"\n") if data else []
    sets = parse_tle_lines(lines, source=source or name, skipped=skipped)
    messages = [f"{name} line {err.line_number}: damaged element set skipped ({err.detail})"
                for err in skipped]
    return sets, messages


def read_element_file(path: str | os.PathLike) -> list[ElementSet]:
    """Parse a TLE/3LE, OMM JSON or OMM CSV file (format detected)."""
    path = Path(path)
    data = read_limited(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TLEError(f"{path}: expected text (ASCII/UTF-8), found byte {data[exc.start]:#04x} "
                       f"at offset {exc.start}") from None
    return parse_elements(text, source=str(path))


def history_path(data_dir: str | os.PathLike) -> Path:
    """The user's history file inside ``data_dir``."""
    return Path(data_dir) / HISTORY_NAME


def default_data_dir(environ) -> Path:
    """The user's data directory from an environment mapping:
    ``$ISS_TRACKER_DATA``, else ``$XDG_DATA_HOME/iss-tracker``, else
    ``~/.local/share/iss-tracker`` (HOME from ``environ``). A leading ``~``
    is expanded (a quoted ``'~/x'`` names the home directory's ``x``, not
    ``./~/x``)."""
    home = environ.get("HOME") or os.path.expanduser("~")

    def expand(value):   # '~' and '~/x' from environ's HOME; '~user/x' as the system says
        if value == "~" or value.startswith("~/"):
            return Path(home + value[1:])
        return Path(os.path.expanduser(value))

    if environ.get("ISS_TRACKER_DATA"):
        return expand(environ["ISS_TRACKER_DATA"])
    if environ.get("XDG_DATA_HOME"):
        return expand(environ["XDG_DATA_HOME"]) / "iss-tracker"
    return Path(home) / ".local" / "share" / "iss-tracker"


def load_store(data_dir: str | os.PathLike | None = None, tle_file: str | os.PathLike | None = None,
               *, satnum: int = ISS_SATNUM) -> ElementStore:
    """The store a command should use: the user's ``tle_file`` alone when
    given; else the shipped sets plus the history in ``data_dir`` (if any)."""
    if tle_file is not None:
        return ElementStore.from_file(tle_file, satnum=satnum)
    history = history_path(data_dir) if data_dir is not None else None
    return ElementStore.shipped(satnum=satnum, history=history)
