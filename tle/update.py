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
new. Clocks are passed in (``now_unix_s``) so tests need no patching.
"""
from __future__ import annotations

import http.client
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from tle.elements import ElementSet
from tle.errors import TLEError, UpdateError
from tle.formats import detect_format, parse_elements
from tle.history import merge_into_history, read_state, write_state
from tle.store import DEDUP_S, ISS_SATNUM, ElementStore, history_path, iso_z, shipped_sets

CELESTRAK_GP = "https://celestrak.org/NORAD/elements/gp.php?CATNR={catnr}&FORMAT={fmt}"
CELESTRAK_FORMATS = {"tle": "TLE", "omm-json": "JSON"}
MIN_INTERVAL_S = 2 * 3600.0      # one request per source per 2 hours
TIMEOUT_S = 30.0                 # whole request, connect to last byte
MAX_FUTURE_DAYS = 1.0            # an epoch later than now + this is refused
MAX_BODY_BYTES = 32 * 1024 * 1024
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
        return self.status != "failed"

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict:
        return asdict(self) | {"ok": self.ok}


RefreshResult = UpdateResult


def default_source(catalog_number: int = ISS_SATNUM, fmt: str = "tle") -> str:
    """CelesTrak's GP query for one catalog number in ``fmt``."""
    return CELESTRAK_GP.format(catnr=catalog_number, fmt=CELESTRAK_FORMATS[fmt])


def _is_url(source: str) -> bool:
    return urllib.parse.urlsplit(source).scheme in ("http", "https")


# --- fetching ------------------------------------------------------------------

@dataclass(frozen=True)
class _Response:
    status: int            # 200 or 304
    body: bytes
    etag: str | None
    last_modified: str | None


def _http_get(url: str, *, etag=None, last_modified=None, timeout_s=TIMEOUT_S) -> _Response:
    """GET with conditional headers; redirects followed; errors -> UpdateError."""
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    deadline = time.monotonic() + timeout_s
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as resp:
            chunks, size = [], 0
            while True:
                if time.monotonic() > deadline:
                    raise socket.timeout()
                chunk = resp.read(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise UpdateError(f"{url}: response larger than {MAX_BODY_BYTES // 2**20} MiB; "
                                      f"history unchanged", cause="too-large", source=url)
                chunks.append(chunk)
            length = resp.headers.get("Content-Length")
            if length and length.strip().isdigit() and int(length) > size:
                raise UpdateError(f"{url}: response truncated (got {size} of {int(length)} bytes); "
                                  f"history unchanged", cause="truncated", source=url)
            return _Response(resp.status, b"".join(chunks), resp.headers.get("ETag"),
                             resp.headers.get("Last-Modified"))
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
        raise UpdateError(f"{url}: response truncated (got {len(exc.partial)} bytes, "
                          f"{exc.expected} more expected); history unchanged",
                          cause="truncated", source=url) from None
    except (socket.timeout, TimeoutError):
        raise UpdateError(f"{url}: timed out after {timeout_s:g} s; history unchanged",
                          cause="timeout", source=url) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise UpdateError(f"{url}: timed out after {timeout_s:g} s; history unchanged",
                              cause="timeout", source=url) from None
        text = getattr(reason, "strerror", None) or str(reason)
        raise UpdateError(f"{url}: cannot connect ({text}); history unchanged",
                          cause="network", source=url) from None
    except (http.client.HTTPException, ConnectionError, OSError) as exc:
        raise UpdateError(f"{url}: connection failed ({type(exc).__name__}: {exc}); history unchanged",
                          cause="network", source=url) from None


def _read_local(path: str) -> bytes:
    if path.startswith("file://"):
        path = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UpdateError(f"{path}: cannot read ({exc.strerror}); history unchanged",
                          cause="file", source=path) from None


# --- validation ----------------------------------------------------------------

_HTML_RE = re.compile(rb"^\s*(<!doctype html|<html|<head|<body|<\?xml|<)", re.IGNORECASE)
_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def parse_body(body: bytes, *, source: str, fmt: str | None = None) -> list[ElementSet]:
    """Downloaded bytes -> element sets, or UpdateError naming the cause."""
    if not body.strip():
        raise UpdateError(f"{source}: empty response; history unchanged", cause="empty", source=source)
    if _HTML_RE.match(body):
        title = _TITLE_RE.search(body)
        what = f" ({' '.join(title.group(1).decode('utf-8', 'replace').split())!r})" if title else ""
        raise UpdateError(f"{source}: got an HTML page{what} instead of element sets; history unchanged",
                          cause="html", source=source)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UpdateError(f"{source}: response is not text (byte {body[exc.start]:#04x} at offset "
                          f"{exc.start}); history unchanged", cause="format", source=source) from None
    fmt = fmt or detect_format(text)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if fmt == "tle" and not any(ln.startswith("1 ") for ln in lines):
        raise UpdateError(f"{source}: no element sets in the response (it says {lines[0].strip()[:80]!r}); "
                          f"history unchanged", cause="no-data", source=source)
    try:
        sets = parse_elements(text, source=source, fmt=fmt)
    except TLEError as exc:
        last_line = len(text.splitlines())
        truncated = (getattr(exc, "found", None) == "end of file"
                     or (getattr(exc, "field", None) == "json" and getattr(exc, "found", None) == "")
                     or (not text.endswith("\n") and getattr(exc, "line_number", None) == last_line))
        if truncated:
            raise UpdateError(f"response truncated: {exc}; history unchanged",
                              cause="truncated", source=source) from None
        raise UpdateError(f"invalid element data: {exc}; history unchanged",
                          cause="format", source=source) from None
    if not sets:
        raise UpdateError(f"{source}: no element sets in the response; history unchanged",
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

def update(data_dir, *, source: str | None = None, catalog_number: int = ISS_SATNUM,
           fmt: str = "tle", force: bool = False, now_unix_s: float | None = None,
           timeout_s: float = TIMEOUT_S) -> UpdateResult:
    """Fetch the newest elements for ``catalog_number`` from ``source`` (a
    URL or a local path; default CelesTrak GP in ``fmt``) and merge them
    into the history in ``data_dir``. Raises UpdateError (history unchanged)."""
    now = time.time() if now_unix_s is None else now_unix_s
    source = source or default_source(catalog_number, fmt)
    checked = iso_z(now)
    if _is_url(source):
        entry = read_state(data_dir).get(source, {})
        last = entry.get("last_request_unix_s")
        if not force and isinstance(last, (int, float)) and 0 <= now - last < MIN_INTERVAL_S:
            wait_min = (MIN_INTERVAL_S - (now - last)) / 60.0
            return UpdateResult("skipped", f"{source} was asked {(now - last) / 60.0:.0f} min ago; "
                                f"CelesTrak asks for at most one request per 2 hours: next in "
                                f"{wait_min:.0f} min (or use --force)", source, checked_at=checked)
        # every request counts for pacing; the validators (ETag, Last-Modified)
        # are kept only once an answer has been accepted, so a rejected body
        # is asked for again in full rather than answered with 304
        write_state(data_dir, source, entry | {"last_request_unix_s": now})
        resp = _http_get(source, etag=entry.get("etag"), last_modified=entry.get("last_modified"),
                         timeout_s=timeout_s)
        if resp.status == 304:
            return UpdateResult("not-modified", f"{source}: not modified since the last request; "
                                "history unchanged", source, checked_at=checked)
        result = _validate_and_merge(data_dir, resp.body, source, catalog_number, now, checked)
        write_state(data_dir, source, {"last_request_unix_s": now, "etag": resp.etag,
                                       "last_modified": resp.last_modified})
        return result
    return _validate_and_merge(data_dir, _read_local(source), source, catalog_number, now, checked)


def _validate_and_merge(data_dir, body, source, catalog_number, now, checked) -> UpdateResult:
    sets = parse_body(body, source=source)   # format detected: TLE, OMM JSON or CSV
    validate_sets(sets, source=source, catalog_number=catalog_number, now_unix_s=now)
    newest = max(sets, key=lambda es: es.epoch_unix_s)
    have = _newest_known(data_dir, catalog_number)
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
    sets = parse_body(_read_local(source), source=source)
    if catalog_number is not None:
        sets = [es for es in sets if es.satnum == catalog_number]
        if not sets:
            raise UpdateError(f"{source}: no element set for catalog number {catalog_number}; "
                              f"history unchanged", cause="wrong-satellite", source=source)
    validate_sets(sets, source=source, catalog_number=None, now_unix_s=now)
    newest = max(sets, key=lambda es: es.epoch_unix_s)
    return _merge(data_dir, sets, source, newest, iso_z(now))


def _merge(data_dir, sets, source, newest, checked) -> UpdateResult:
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
        return UpdateResult("failed", f"{src}: {exc}", src, cause="file", checked_at=iso_z(now))
