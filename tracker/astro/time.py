"""Times at the boundaries: text -> aware UTC datetimes -> split Julian dates.

Everything here is UTC. Inside the core a time is a *split Julian date*
``(jd, fr)``: ``jd`` is a whole Julian day ending in ``.5`` (midnight UTC)
and ``fr`` the fraction of the day in ``[0, 1)``; a single float64 Julian
date would lose ~20 microseconds. Unix seconds here ignore leap seconds, as
POSIX does, so a UTC day is always 86,400 s long.

Accepted text for a time (``parse_time``):

* ISO 8601 with ``Z`` or an offset: ``2015-03-27T19:42:57Z``,
  ``2015-03-27T19:42:57.5+02:00`` (a time without either is refused: we will
  not guess a time zone);
* Unix seconds, integer or decimal: ``1427485377``, ``1427485377.25``
  (anything made only of digits is read as Unix seconds, so ``20150327`` is
  1970-08-22, not a date);
* ``now``: the ``now`` argument when given (pass a clock in for tests),
  otherwise the system clock.

Every accepted time lies in the years 1900-2199 (``PARSE_RANGE_TEXT``),
whichever form it came in; anything else is a ``TimeRangeError``, never an
``OverflowError`` (``0001-01-01T00:00:00+23:59`` is before year 1 in UTC).
The services answer for a narrower span, ``SERVICE_RANGE_TEXT`` (inside the
DE421 Sun ephemeris); ``check_service_range`` enforces it.

Output (``format_utc``) is always ISO 8601 with milliseconds and ``Z``:
``2015-03-27T19:42:57.000Z``.
"""
from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np

from tracker.constants import DAY_S, JD_UNIX_EPOCH  # noqa: F401 (re-exported)
from tracker.errors import TimeRangeError, UserError

_UNIX_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# Times parse_time accepts, in any form: years 1900..2199 (datetime itself stops at 9999).
_UNIX_MIN_S = -2208988800.0        # 1900-01-01T00:00:00Z
_UNIX_MAX_S = 7258118400.0         # 2200-01-01T00:00:00Z
PARSE_RANGE_TEXT = "1900-01-01T00:00:00Z .. 2200-01-01T00:00:00Z"
# Times the services compute for: inside the DE421 ephemeris (1900-2050) with a
# margin, and where SGP4 element sets of the era make sense.
SERVICE_MIN_UNIX_S = -315619200.0  # 1960-01-01T00:00:00Z
SERVICE_MAX_UNIX_S = 2524608000.0  # 2050-01-01T00:00:00Z
SERVICE_RANGE_TEXT = "1960-01-01T00:00:00Z .. 2050-01-01T00:00:00Z"

ACCEPTED_FORMS = ("ISO 8601 with Z or an offset (2015-03-27T19:42:57Z, "
                  "2015-03-27T19:42:57.5+02:00), Unix seconds (1427485377) or 'now'")


class TimeFormatError(UserError):
    """A time string that could not be read, or that has no time zone."""

    kind = "time-format"
    title = "Unreadable time"


def parse_time(text: str, *, now: dt.datetime | None = None,
               parameter: str = "time") -> dt.datetime:
    """Read one time (see the module docstring); return an aware UTC datetime.

    ``now`` is the clock reading used for the text ``"now"`` (aware datetime);
    when ``None`` the system clock is read. ``parameter`` names the option in
    error messages (``"start"``, ``"--time"``...).
    """
    if not isinstance(text, str):
        raise TimeFormatError(f"{parameter}: expected a time as text, got {text!r}; "
                              f"accepted: {ACCEPTED_FORMS}", parameter=parameter)
    s = text.strip()
    if s.lower() == "now":
        if now is None:
            return dt.datetime.now(dt.timezone.utc)
        return _as_utc(now, parameter)
    if _NUMBER.match(s):
        value = float(s)
        if not _UNIX_MIN_S <= value < _UNIX_MAX_S:
            raise TimeRangeError(
                f"{parameter}: Unix time {s} is outside the accepted range "
                f"{_UNIX_MIN_S:.0f} .. {_UNIX_MAX_S:.0f} s ({PARSE_RANGE_TEXT})",
                parameter=parameter)
        return _UNIX_EPOCH + dt.timedelta(seconds=value)
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        raise TimeFormatError(f"{parameter}: cannot read {text!r} as a time; "
                              f"accepted: {ACCEPTED_FORMS}", parameter=parameter) from None
    if t.tzinfo is None or t.utcoffset() is None:
        raise TimeFormatError(
            f"{parameter}: {text!r} has no time zone; add 'Z' for UTC or an offset "
            f"such as '+02:00' (e.g. {t.strftime('%Y-%m-%dT%H:%M:%S')}Z)",
            parameter=parameter)
    try:
        t = t.astimezone(dt.timezone.utc)
        in_range = _UNIX_MIN_S <= (t - _UNIX_EPOCH) / dt.timedelta(seconds=1) < _UNIX_MAX_S
    except OverflowError:           # the offset moves it before year 1 or after 9999
        in_range = False
    if not in_range:
        raise TimeRangeError(f"{parameter}: {text!r} is outside the accepted range "
                             f"{PARSE_RANGE_TEXT}", parameter=parameter)
    return t


def check_service_range(unix_s, parameter: str = "time") -> None:
    """Raise ``TimeRangeError`` naming ``parameter`` unless every time (Unix
    seconds, scalar or array) is within ``SERVICE_RANGE_TEXT``."""
    unix_s = np.atleast_1d(np.asarray(unix_s, dtype=np.float64))
    if unix_s.size == 0:
        return
    bad = ~((unix_s >= SERVICE_MIN_UNIX_S) & (unix_s < SERVICE_MAX_UNIX_S))
    if bad.any():
        first = float(unix_s[bad][0])
        try:
            shown = format_utc(first)
        except (OverflowError, ValueError):      # beyond datetime's years 1..9999, or NaN
            shown = f"Unix time {first!r}"
        raise TimeRangeError(f"{parameter}: {shown} is outside the supported range "
                             f"{SERVICE_RANGE_TEXT}", parameter=parameter)


def _as_utc(t: dt.datetime, parameter: str = "time") -> dt.datetime:
    if not isinstance(t, dt.datetime):
        raise TimeFormatError(f"{parameter}: expected a datetime, got {t!r}", parameter=parameter)
    if t.tzinfo is None or t.utcoffset() is None:
        raise TimeFormatError(f"{parameter}: naive datetime {t.isoformat()}; give it a "
                              f"time zone (tzinfo=datetime.timezone.utc)", parameter=parameter)
    return t.astimezone(dt.timezone.utc)


def datetime_to_jdfr(t: dt.datetime) -> tuple[float, float]:
    """Aware datetime -> split Julian date UTC ``(jd, fr)``: jd ends in .5, fr in [0, 1)."""
    t = _as_utc(t)
    days = (t.date() - _UNIX_EPOCH.date()).days
    seconds = t.hour * 3600 + t.minute * 60 + t.second + t.microsecond * 1e-6
    return JD_UNIX_EPOCH + days, seconds / DAY_S


def datetime_to_unix(t: dt.datetime) -> float:
    """Aware datetime -> Unix seconds (float, microsecond resolution)."""
    return (_as_utc(t) - _UNIX_EPOCH) / dt.timedelta(seconds=1)


def unix_to_jdfr(unix_s) -> tuple[np.ndarray, np.ndarray]:
    """Unix seconds (array) -> split Julian dates UTC ``(jd, fr)``, float64 arrays."""
    unix_s = np.asarray(unix_s, dtype=np.float64)
    days = np.floor(unix_s / DAY_S)
    fr = (unix_s - days * DAY_S) / DAY_S
    # Rounding can give fr == 1.0 just below a midnight; move it to the next day.
    over = fr >= 1.0
    days = np.where(over, days + 1.0, days)
    fr = np.where(over, fr - 1.0, fr)
    return JD_UNIX_EPOCH + days, fr


def jdfr_to_unix(jd, fr) -> np.ndarray:
    """Split Julian dates UTC -> Unix seconds (float64 array, or 0-d for scalars)."""
    jd = np.asarray(jd, dtype=np.float64)
    fr = np.asarray(fr, dtype=np.float64)
    return (jd - JD_UNIX_EPOCH) * DAY_S + fr * DAY_S


def jdfr_to_datetime(jd: float, fr: float) -> dt.datetime:
    """One split Julian date -> aware UTC datetime (microsecond resolution)."""
    days = float(jd) - JD_UNIX_EPOCH
    whole = math.floor(days)
    seconds = round(((days - whole) + float(fr)) * DAY_S, 6)
    return _UNIX_EPOCH + dt.timedelta(days=whole, seconds=seconds)


def format_utc(t) -> str:
    """ISO 8601 UTC with milliseconds and ``Z``: ``2015-03-27T19:42:57.000Z``.

    ``t`` is an ``Instant`` (one), an aware datetime or Unix seconds (a
    float). Rounds to the nearest millisecond.
    """
    if isinstance(t, Instant):
        t = t.unix_s
    if isinstance(t, dt.datetime):
        t = _as_utc(t)
    else:
        t = _UNIX_EPOCH + dt.timedelta(seconds=float(t))
    ms = round(t.microsecond / 1000.0)
    t = t.replace(microsecond=0) + dt.timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{t.microsecond // 1000:03d}Z"


def format_utc_array(unix_s) -> list[str]:
    """Many Unix times -> ``format_utc`` strings (vectorised; same rounding to ms)."""
    unix_s = np.asarray(unix_s, dtype=np.float64)
    ms = np.round(unix_s * 1000.0).astype("int64").astype("datetime64[ms]")
    return [s + "Z" for s in np.datetime_as_string(ms, unit="ms").tolist()]


def time_grid(start: dt.datetime, end: dt.datetime, step_s: float, *,
              max_points: int = 10_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced times ``start, start + step_s, ...`` up to and including ``end``.

    Returns split Julian dates UTC ``(jd, fr)`` (float64 arrays). The first
    point is ``start``; the last is the latest grid point <= ``end``.
    Raises ``TimeRangeError`` for ``end <= start`` or more than ``max_points``
    points, ``UserError`` for a step that is not a positive finite number.
    """
    start = _as_utc(start, "start")
    end = _as_utc(end, "end")
    try:
        step_s = float(step_s)
    except (TypeError, ValueError):
        raise UserError(f"step_s: expected a number of seconds, got {step_s!r}",
                        parameter="step_s") from None
    if not math.isfinite(step_s) or step_s <= 0.0:
        raise UserError(f"step_s: must be a positive finite number of seconds, got {step_s!r}",
                        parameter="step_s")
    if end <= start:
        raise TimeRangeError(f"end ({format_utc(end)}) must be after start ({format_utc(start)})",
                             parameter="end")
    span_s = (end - start) / dt.timedelta(seconds=1)
    # A tiny tolerance so that an end exactly on the grid is included despite rounding.
    n = int(math.floor(span_s / step_s * (1.0 + 1e-12) + 1e-9)) + 1
    if n > max_points:
        raise TimeRangeError(
            f"{n:,} time points from {format_utc(start)} to {format_utc(end)} every "
            f"{step_s:g} s is more than the limit of {max_points:,}; use a shorter "
            f"interval or a larger step", parameter="step_s")
    jd0, fr0 = datetime_to_jdfr(start)
    total = fr0 + (np.arange(n, dtype=np.float64) * step_s) / DAY_S
    whole = np.floor(total)
    return jd0 + whole, total - whole


def times_to_jdfr(times) -> tuple[np.ndarray, np.ndarray]:
    """A sequence of aware datetimes -> split Julian date arrays ``(jd, fr)``."""
    pairs = [datetime_to_jdfr(t) for t in times]
    if not pairs:
        return np.empty(0), np.empty(0)
    jd, fr = zip(*pairs)
    return np.array(jd, dtype=np.float64), np.array(fr, dtype=np.float64)


class Instant:
    """A UTC instant, or an array of them: the one time type the kernels read.

    Built once where input is read, then passed along:
    ``Instant.parse(text, now=..., parameter=...)`` (the forms of
    ``parse_time``), ``Instant.from_unix(s)``, ``Instant.from_datetime(dt)``
    (one aware datetime or a sequence of them), ``Instant.from_jdfr(jd, fr)``.

    Carries ``jd``, ``fr`` (split Julian date UTC: ``jd`` ends in .5, ``fr`` in
    [0, 1)) and ``unix_s`` (POSIX seconds, leap seconds ignored), float64
    scalars for one instant and arrays for many. ``tt``, ``ut1`` (split
    Julian dates ``(whole, fraction)``), ``dut1_s`` (UT1-UTC) and ``sky``
    (the skyfield ``Time``) come lazily from the one timescale,
    ``tracker.astro.timescale.builtin_timescale()``. ``iso()`` formats with
    ``format_utc`` / ``format_utc_array``.
    """

    __slots__ = ("jd", "fr", "_unix_s", "_sky")

    def __init__(self, jd, fr, unix_s=None):
        jd = np.asarray(jd, dtype=np.float64)
        fr = np.asarray(fr, dtype=np.float64)
        jd, fr = np.broadcast_arrays(jd, fr)
        if jd.ndim == 0:
            self.jd, self.fr = np.float64(jd), np.float64(fr)
        else:
            self.jd, self.fr = np.ascontiguousarray(jd), np.ascontiguousarray(fr)
        self._unix_s = unix_s
        self._sky = None

    # --- construction ---------------------------------------------------------
    @classmethod
    def from_jdfr(cls, jd, fr) -> "Instant":
        """Split Julian dates UTC (scalars or arrays)."""
        return cls(jd, fr)

    @classmethod
    def from_unix(cls, unix_s) -> "Instant":
        """Unix seconds (scalar or array)."""
        unix = np.asarray(unix_s, dtype=np.float64)
        jd, fr = unix_to_jdfr(unix)
        return cls(jd, fr, np.float64(unix) if unix.ndim == 0 else unix)

    @classmethod
    def from_datetime(cls, t) -> "Instant":
        """One aware datetime, or a sequence of them (an array instant)."""
        if isinstance(t, dt.datetime):
            jd, fr = datetime_to_jdfr(t)
            return cls(jd, fr, np.float64(datetime_to_unix(t)))
        times = list(t)
        jd, fr = times_to_jdfr(times)
        return cls(jd, fr, np.array([datetime_to_unix(x) for x in times], dtype=np.float64))

    @classmethod
    def of(cls, value, *, parameter: str = "time") -> "Instant":
        """The instant a Python caller of a service means: an ``Instant`` (as
        is), an aware datetime or a sequence of them, Unix seconds (a number
        or an array) or text in ``parse_time``'s forms (errors name
        ``parameter``). Each service calls this once on its time arguments;
        the CLI and the HTTP API pass the ``Instant`` they parsed."""
        if isinstance(value, Instant):
            return value
        if isinstance(value, str):
            return cls.parse(value, parameter=parameter)
        if isinstance(value, dt.datetime):
            return cls.from_datetime(_as_utc(value, parameter))
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], dt.datetime):
            return cls.from_datetime([_as_utc(t, parameter) for t in value])
        return cls.from_unix(value)

    @classmethod
    def parse(cls, text: str, *, now: dt.datetime | None = None,
              parameter: str = "time") -> "Instant":
        """``parse_time`` (same forms, errors and range), as an ``Instant``."""
        return cls.from_datetime(parse_time(text, now=now, parameter=parameter))

    # --- views ----------------------------------------------------------------
    @property
    def unix_s(self):
        """Unix seconds (float64 scalar or array)."""
        if self._unix_s is None:
            u = jdfr_to_unix(self.jd, self.fr)
            self._unix_s = np.float64(u) if np.ndim(u) == 0 else u
        return self._unix_s

    @property
    def shape(self) -> tuple:
        return np.shape(self.jd)

    @property
    def is_scalar(self) -> bool:
        return np.ndim(self.jd) == 0

    def __len__(self) -> int:
        if self.is_scalar:
            raise TypeError("a single Instant has no length")
        return len(self.jd)

    def __getitem__(self, index) -> "Instant":
        if self.is_scalar:
            raise TypeError("a single Instant cannot be indexed")
        unix = None if self._unix_s is None else self._unix_s[index]
        return Instant(self.jd[index], self.fr[index], unix)

    def __repr__(self) -> str:
        if self.is_scalar:
            return f"Instant({self.iso()!r})"
        return f"Instant(<{len(self)} times>)"

    def datetime(self) -> dt.datetime:
        """Aware UTC datetime of a single instant (microsecond resolution)."""
        if not self.is_scalar:
            raise TypeError("datetime() needs a single Instant")
        return jdfr_to_datetime(self.jd, self.fr)

    def iso(self):
        """``format_utc`` text (one instant) or a list of it (an array)."""
        if self.is_scalar:
            return format_utc(float(self.unix_s))
        return format_utc_array(self.unix_s)

    # --- from the timescale (lazy) --------------------------------------------
    @property
    def sky(self):
        """The skyfield ``Time`` of these instants (built once, on first use)."""
        if self._sky is None:
            from tracker.astro.timescale import sky_time, sky_time_unix

            self._sky = (sky_time(self.jd, self.fr) if self._unix_s is None
                         else sky_time_unix(self._unix_s))
        return self._sky

    @property
    def tt(self):
        """TT as a split Julian date ``(whole, fraction)``."""
        t = self.sky
        return t.whole, t.tt_fraction

    @property
    def ut1(self):
        """UT1 as a split Julian date ``(whole, fraction)``."""
        t = self.sky
        return t.whole, t.ut1_fraction

    @property
    def dut1_s(self):
        """UT1-UTC in seconds."""
        return self.sky.dut1
