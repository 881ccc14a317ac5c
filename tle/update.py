"""Fresh elements: fetch from CelesTrak (or any URL or local file), validate,
merge into the user's history (``tle.history``).

``update()`` raises ``UpdateError`` with a one-line message naming the cause
(HTTP status, timeout, HTML page, truncated or empty body, bad TLE field,
wrong satellite, epoch in the future or older than what we have); the
history is then untouched. ``refresh()`` is the same for a background job
and never raises for network or data problems: it returns the outcome.

Etiquette (CelesTrak's published rules): at most one request per source per
``MIN_INTERVAL_S`` (2 hours) unless forced; conditional requests with
If-None-Match / If-Modified-Since from the last response; 304 means nothing
new. Only an answer from the server (success, 304, an HTTP error, or a body
we refuse) starts that clock: a request that got no answer (no network,
timeout) does not, so the next update tries again at once. A skipped update
returns status 'skipped' (``ok`` false; the CLI exits 3). ``timeout_s`` is
a deadline for the whole exchange (connect, headers, body): a server that
trickles bytes is cut off at it. Clocks are passed in (``now_unix_s``) so
tests need no patching.
"""
from __future__ import annotations

import functools
import http.client
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from tle.elements import ElementSet
from tle.errors import TLEError, UnstorableError, UpdateError
from tle.formats import detect_format, parse_elements
from tle.history import check_sets, merge_into_history, read_state, write_state
from tle.store import (DEDUP_S, ISS_SATNUM, MAX_FILE_BYTES, ElementStore, history_path, iso_z,
                       read_limited, shipped_sets)

CELESTRAK_GP = "https://celestrak.org/NORAD/elements/gp.php?CATNR={catnr}&FORMAT={fmt}"
CELESTRAK_GROUP = "https://celestrak.org/NORAD/elements/gp.php?GROUP={group}&FORMAT={fmt}"
CELESTRAK_FORMATS = {"tle": "TLE", "omm-json": "JSON"}
# CelesTrak GP group names ("stations", "visual", "gps-ops", "starlink"): lower-case words
GROUP_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
MIN_INTERVAL_S = 2 * 3600.0      # one request per source per 2 hours
TIMEOUT_S = 30.0                 # whole request, connect to last byte
MAX_FUTURE_DAYS = 1.0            # an epoch later than now + this is refused
MAX_BODY_BYTES = MAX_FILE_BYTES
EXIT_SKIPPED = 3                 # the CLI's exit status for a skipped update
_NO_ANSWER = ("timeout", "network")   # failures that do not start the etiquette clock
USER_AGENT = "iss-tracker/0.1 (offline ISS tracker; +https://celestrak.org/NORAD/documentation/gp-data-formats.php)"


@dataclass(frozen=True)
class UpdateResult:
    """Outcome of an update, import or refresh.

    status: 'updated' (sets added), 'unchanged' (nothing new in the answer),
    'not-modified' (HTTP 304), 'skipped' (asked too recently), or 'failed'
    (refresh only; ``cause`` and ``message`` say why).
    """

    status: str
    message: str
    source: str
    added: int = 0
    total: int = 0
    newest_epoch: str | None = None     # ISO 8601 Z, newest set in the answer
    cause: str | None = None
    checked_at: str | None = None       # ISO 8601 Z

    @property
    def ok(self) -> bool:
        """True when the source was asked and answered (a skip is not ok:
        nothing was checked)."""
        return self.status not in ("failed", "skipped")

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict:
        return asdict(self) | {"ok": self.ok}


RefreshResult = UpdateResult


def default_source(catalog_number: int = ISS_SATNUM, fmt: str = "tle", *,
                   group: str | None = None) -> str:
    """CelesTrak's GP query for one catalog number, or for a GP ``group``
    (every object of it, e.g. "stations": the ISS, the Chinese station and
    their visitors), in ``fmt``."""
    if group is not None:
        return CELESTRAK_GROUP.format(group=check_group(group), fmt=CELESTRAK_FORMATS[fmt])
    return CELESTRAK_GP.format(catnr=catalog_number, fmt=CELESTRAK_FORMATS[fmt])


def check_group(group: str) -> str:
    """A CelesTrak GP group name, or UpdateError (cause "group")."""
    if not isinstance(group, str) or not GROUP_PATTERN.fullmatch(group):
        raise UpdateError(f"group: {group!r} is not a CelesTrak GP group name (lower-case letters, "
                          "digits and '-', at most 32, e.g. stations, visual)", cause="group",
                          source=str(group))
    return group


def _is_url(source: str) -> bool:
    return urllib.parse.urlsplit(source).scheme in ("http", "https")


# --- fetching ------------------------------------------------------------------

@dataclass(frozen=True)
class _Response:
    status: int            # 200 or 304
    body: bytes
    etag: str | None
    last_modified: str | None


class _Deadline:
    """Shuts every socket it was given at the deadline, so no read (headers
    or body, however slowly a server trickles them) outlives it."""

    def __init__(self, timeout_s: float):
        self.fired = False
        self._socks = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(timeout_s, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def add(self, sock):
        with self._lock:
            self._socks.append(sock)
            fired = self.fired
        if fired:
            self._shut(sock)

    @staticmethod
    def _shut(sock):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _fire(self):
        with self._lock:
            self.fired = True
            socks = list(self._socks)
        for sock in socks:
            self._shut(sock)

    def cancel(self):
        self._timer.cancel()


class _DeadlineConnect:
    """Mixin: the connection's socket (TLS-wrapped for HTTPS) joins the deadline."""

    def __init__(self, *args, deadline, **kw):
        super().__init__(*args, **kw)
        self._deadline = deadline

    def connect(self):
        super().connect()
        self._deadline.add(self.sock)


class _HTTPConnection(_DeadlineConnect, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineConnect, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline):
        super().__init__()
        self._deadline = deadline

    def http_open(self, req):
        return self.do_open(functools.partial(_HTTPConnection, deadline=self._deadline), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline):
        super().__init__()
        self._deadline = deadline

    def https_open(self, req):
        return self.do_open(functools.partial(_HTTPSConnection, deadline=self._deadline), req,
                            context=self._context)


def _http_get(url: str, *, etag=None, last_modified=None, timeout_s=TIMEOUT_S) -> _Response:
    """GET with conditional headers; redirects followed; errors -> UpdateError.
    ``timeout_s`` bounds the whole exchange, not each read."""
    deadline = _Deadline(timeout_s)
    try:
        return _http_get_within(url, etag, last_modified, timeout_s, deadline)
    except UpdateError as exc:
        if deadline.fired and exc.cause != "timeout":
            raise _timed_out(url, timeout_s) from None
        raise
    finally:
        deadline.cancel()


def _timed_out(url, timeout_s):
    return UpdateError(f"{url}: timed out after {timeout_s:g} s; history unchanged",
                       cause="timeout", source=url)


def _http_get_within(url, etag, last_modified, timeout_s, deadline) -> _Response:
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
    if isinstance(etag, str) and etag:
        headers["If-None-Match"] = etag
    if isinstance(last_modified, str) and last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        request = urllib.request.Request(url, headers=headers)
        opener = urllib.request.build_opener(_HTTPHandler(deadline), _HTTPSHandler(deadline))
    except ValueError as exc:
        raise UpdateError(f"{url}: not a usable URL ({exc}); history unchanged",
                          cause="network", source=url) from None
    try:
        with opener.open(request, timeout=timeout_s) as resp:
            chunks, size = [], 0
            while True:
                if deadline.fired:
                    raise socket.timeout()
                chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise UpdateError(f"{url}: response larger than {MAX_BODY_BYTES // 2**20} MiB; "
                                      f"history unchanged", cause="too-large", source=url)
                chunks.append(chunk)
            if deadline.fired:
                raise socket.timeout()
            length = resp.headers.get("Content-Length")
            if length and length.strip().isdigit() and int(length) > size:
                raise UpdateError(f"{url}: response truncated (got {size} of {int(length)} bytes); "
                                  f"history unchanged", cause="truncated", source=url)
            return _Response(resp.status, b"".join(chunks), resp.headers.get("ETag"),
                             resp.headers.get("Last-Modified"))
    except UpdateError:
        raise
    except urllib.error.HTTPError as exc:
        exc.close()    # the error carries the open response
        if exc.code == 304:
            return _Response(304, b"", exc.headers.get("ETag") or etag,
                             exc.headers.get("Last-Modified") or last_modified)
        cause = "http-5xx" if 500 <= exc.code < 600 else f"http-{exc.code}"
        hint = {403: " (CelesTrak refuses clients that ask too often; wait 2 hours)",
                404: " (check the URL and catalog number)"}.get(exc.code, "")
        if cause == "http-5xx":
            hint = " (server error; try again later)"
        raise UpdateError(f"{url}: HTTP {exc.code} {exc.reason}{hint}; history unchanged",
                          cause=cause, source=url) from None
    except http.client.IncompleteRead as exc:
        if deadline.fired:
            raise _timed_out(url, timeout_s) from None
        raise UpdateError(f"{url}: response truncated (got {len(exc.partial)} bytes, "
                          f"{exc.expected} more expected); history unchanged",
                          cause="truncated", source=url) from None
    except (socket.timeout, TimeoutError):
        raise _timed_out(url, timeout_s) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)) or deadline.fired:
            raise _timed_out(url, timeout_s) from None
        text = getattr(reason, "strerror", None) or str(reason)
        raise UpdateError(f"{url}: cannot connect ({text}); history unchanged",
                          cause="network", source=url) from None
    except (http.client.HTTPException, ConnectionError, OSError, ValueError) as exc:
        if deadline.fired:
            raise _timed_out(url, timeout_s) from None
        raise UpdateError(f"{url}: connection failed ({type(exc).__name__}: {exc}); history unchanged",
                          cause="network", source=url) from None


def _read_local(path: str) -> bytes:
    if path.startswith("file://"):
        path = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
    try:
        return read_limited(path, MAX_BODY_BYTES)
    except TLEError as exc:
        cause = "too-large" if "larger than" in str(exc) else "file"
        raise UpdateError(f"{exc}; history unchanged", cause=cause, source=path) from None


# --- validation ----------------------------------------------------------------

_HTML_RE = re.compile(rb"^\s*(<!doctype html|<html|<head|<body|<\?xml|<)", re.IGNORECASE)
_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def parse_body(body: bytes, *, source: str, fmt: str | None = None,
               what: str = "response") -> list[ElementSet]:
    """Downloaded bytes (``what="response"``) or a local file's
    (``what="file"``) -> element sets, or UpdateError naming the cause."""
    if not body.strip():
        raise UpdateError(f"{source}: empty {what}; history unchanged", cause="empty", source=source)
    if _HTML_RE.match(body):
        title = _TITLE_RE.search(body)
        what = f" ({' '.join(title.group(1).decode('utf-8', 'replace').split())!r})" if title else ""
        raise UpdateError(f"{source}: got an HTML page{what} instead of element sets; history unchanged",
                          cause="html", source=source)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UpdateError(f"{source}: {what} is not text (byte {body[exc.start]:#04x} at offset "
                          f"{exc.start}); history unchanged", cause="format", source=source) from None
    fmt = fmt or detect_format(text)
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        raise UpdateError(f"{source}: only blank characters, no element sets; history unchanged",
                          cause="empty", source=source)
    if fmt == "tle" and not any(ln.startswith("1 ") for ln in lines):
        raise UpdateError(f"{source}: no element sets in the {what} (it says {lines[0].strip()[:80]!r}); "
                          f"history unchanged", cause="no-data", source=source)
    try:
        sets = parse_elements(text, source=source, fmt=fmt)
    except TLEError as exc:
        last_line = len(text.rstrip("\n").split("\n"))
        truncated = (getattr(exc, "found", None) == "end of file"
                     or (getattr(exc, "field", None) == "json" and getattr(exc, "found", None) == "")
                     or (not text.endswith("\n") and getattr(exc, "line_number", None) == last_line))
        if truncated:
            raise UpdateError(f"{what} truncated: {exc}; history unchanged",
                              cause="truncated", source=source) from None
        raise UpdateError(f"invalid element data: {exc}; history unchanged",
                          cause="format", source=source) from None
    if not sets:
        raise UpdateError(f"{source}: no element sets in the {what}; history unchanged",
                          cause="no-data", source=source)
    return sets


def validate_sets(sets, *, source: str, catalog_number: int | None, now_unix_s: float) -> None:
    """Every set is for ``catalog_number`` (when given) and no epoch is more
    than MAX_FUTURE_DAYS after now."""
    for es in sets:
        if catalog_number is not None and es.satnum != catalog_number:
            raise UpdateError(f"{source}: expected elements for catalog number {catalog_number}, found "
                              f"{es.satnum} ({es.name or 'unnamed'}); history unchanged",
                              cause="wrong-satellite", source=source)
        if es.epoch_unix_s > now_unix_s + MAX_FUTURE_DAYS * 86400.0:
            raise UpdateError(f"{source}: element set epoch {iso_z(es.epoch_unix_s)} is more than "
                              f"{MAX_FUTURE_DAYS:g} day after now ({iso_z(now_unix_s)}); check the clock "
                              f"or the source; history unchanged", cause="future-epoch", source=source)


def _newest_known(data_dir, catalog_number: int) -> ElementSet | None:
    try:
        return ElementStore.shipped(satnum=catalog_number, history=history_path(data_dir)).newest()
    except TLEError:
        return None


# --- the operations ------------------------------------------------------------

def update(data_dir, *, source: str | None = None, catalog_number: int | None = ISS_SATNUM,
           fmt: str = "tle", force: bool = False, now_unix_s: float | None = None,
           timeout_s: float = TIMEOUT_S, group: str | None = None) -> UpdateResult:
    """Fetch the newest elements for ``catalog_number`` from ``source`` (a
    URL or a local path; default CelesTrak GP in ``fmt``) and merge them
    into the history in ``data_dir``. Raises UpdateError (history unchanged).

    ``group`` (a CelesTrak GP group, e.g. "stations") fetches every object of
    the group instead: any catalog number is accepted, each set must still be
    storable and not from the future, and sets already known are skipped."""
    now = time.time() if now_unix_s is None else now_unix_s
    if group is not None:
        check_group(group)
        catalog_number = None
    source = source or default_source(catalog_number, fmt, group=group)
    checked = iso_z(now)
    if _is_url(source):
        entry = read_state(data_dir).get(source)
        entry = entry if isinstance(entry, dict) else {}
        last = entry.get("last_request_unix_s")
        if (not force and isinstance(last, (int, float)) and not isinstance(last, bool)
                and 0 <= now - last < MIN_INTERVAL_S):
            wait_min = (MIN_INTERVAL_S - (now - last)) / 60.0
            return UpdateResult("skipped", f"skipped: {source} answered {(now - last) / 60.0:.0f} min ago "
                                f"and CelesTrak asks for at most one request per 2 hours; nothing "
                                f"fetched, history unchanged; next in {wait_min:.0f} min (or use --force)",
                                source, checked_at=checked)
        # Only an answer from the server starts the etiquette clock; the
        # validators (ETag, Last-Modified) are kept only once an answer has
        # been accepted, so a rejected body is asked for again in full
        # rather than answered with 304.
        answered = entry | {"last_request_unix_s": now}
        try:
            resp = _http_get(source, etag=entry.get("etag"), last_modified=entry.get("last_modified"),
                             timeout_s=timeout_s)
        except UpdateError as exc:
            if exc.cause not in _NO_ANSWER:
                write_state(data_dir, source, answered)
            raise
        if resp.status == 304:
            write_state(data_dir, source, answered)
            return UpdateResult("not-modified", f"{source}: not modified since the last request; "
                                "history unchanged", source, checked_at=checked)
        try:
            result = _validate_and_merge(data_dir, resp.body, source, catalog_number, now, checked)
        except BaseException:
            write_state(data_dir, source, answered)
            raise
        write_state(data_dir, source, {"last_request_unix_s": now, "etag": resp.etag,
                                       "last_modified": resp.last_modified})
        return result
    return _validate_and_merge(data_dir, _read_local(source), source, catalog_number, now, checked)


def _validate_and_merge(data_dir, body, source, catalog_number, now, checked) -> UpdateResult:
    # format detected: TLE, OMM JSON or CSV
    sets = parse_body(body, source=source, what="response" if _is_url(source) else "file")
    validate_sets(sets, source=source, catalog_number=catalog_number, now_unix_s=now)
    newest = max(sets, key=lambda es: es.epoch_unix_s)
    have = None if catalog_number is None else _newest_known(data_dir, catalog_number)
    if have is not None and newest.epoch_unix_s < have.epoch_unix_s - 1.0:
        raise UpdateError(f"{source}: newest element set there (epoch {iso_z(newest.epoch_unix_s)}) is "
                          f"older than the one we have (epoch {iso_z(have.epoch_unix_s)}); "
                          f"history unchanged", cause="older", source=source)
    return _merge(data_dir, sets, source, newest, checked)


def import_file(data_dir, path, *, catalog_number: int | None = None,
                now_unix_s: float | None = None) -> UpdateResult:
    """Merge a local element file (TLE/3LE, OMM JSON or CSV; any epochs, all
    catalog numbers unless one is given) into the history."""
    now = time.time() if now_unix_s is None else now_unix_s
    source = str(path)
    sets = parse_body(_read_local(source), source=source, what="file")
    if catalog_number is not None:
        sets = [es for es in sets if es.satnum == catalog_number]
        if not sets:
            raise UpdateError(f"{source}: no element set for catalog number {catalog_number}; "
                              f"history unchanged", cause="wrong-satellite", source=source)
    validate_sets(sets, source=source, catalog_number=None, now_unix_s=now)
    newest = max(sets, key=lambda es: es.epoch_unix_s)
    return _merge(data_dir, sets, source, newest, iso_z(now))


def _merge(data_dir, sets, source, newest, checked) -> UpdateResult:
    # every set must be storable, even one that is already known: a file with
    # a value the history cannot hold is refused whole (naming the record)
    check_sets(sets)
    # sets the package already ships are not copied into the history
    shipped = {}
    for es in shipped_sets():
        shipped.setdefault(es.satnum, []).append(es.epoch_unix_s)
    fresh = [es for es in sets
             if not any(abs(es.epoch_unix_s - e) < DEDUP_S for e in shipped.get(es.satnum, ()))]
    result = merge_into_history(data_dir, fresh)
    epoch = iso_z(newest.epoch_unix_s)
    if result.added:
        message = (f"added {result.added} element set{'s' if result.added != 1 else ''} from {source} "
                   f"(newest epoch {epoch}); {result.total} in {result.path}")
        status = "updated"
    else:
        message = f"{source}: nothing new (newest epoch {epoch} already known); history unchanged"
        status = "unchanged"
    return UpdateResult(status, message, source, added=result.added, total=result.total,
                        newest_epoch=epoch, checked_at=checked)


def refresh(data_dir, source: str | None = None, *, catalog_number: int = ISS_SATNUM,
            fmt: str = "tle", force: bool = False, now_unix_s: float | None = None,
            timeout_s: float = TIMEOUT_S) -> RefreshResult:
    """``update()`` for background jobs (``serve --refresh-hours``): never
    raises for network, data or file problems; returns the outcome with
    status 'failed', ``cause`` and ``message`` instead (``str(result)`` is
    the message)."""
    now = time.time() if now_unix_s is None else now_unix_s
    src = source or default_source(catalog_number, fmt)
    if data_dir is None:
        return UpdateResult("failed", "no data directory configured for the element history", src,
                            cause="config", checked_at=iso_z(now))
    try:
        return update(data_dir, source=src, catalog_number=catalog_number, fmt=fmt, force=force,
                      now_unix_s=now, timeout_s=timeout_s)
    except UpdateError as exc:
        return UpdateResult("failed", str(exc), src, cause=exc.cause, checked_at=iso_z(now))
    except (TLEError, OSError) as exc:
        cause = "unstorable" if isinstance(exc, UnstorableError) else "file"
        return UpdateResult("failed", f"{src}: {exc}", src, cause=cause, checked_at=iso_z(now))
