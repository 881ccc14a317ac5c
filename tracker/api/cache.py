"""Response policy: the in-app cache, ETag / Cache-Control, CORS, security headers.

* ``cached(compute)`` answers identical requests (same path, same query
  parameters in any order; the tolerated ``_`` cache buster left out) from
  memory for ``CACHE_TTL_S`` seconds: a ``cachetools.TTLCache`` (LRU within
  ``CACHE_MAX_ENTRIES``) behind a lock. A hit carries ``X-Cache: HIT``.
  Only validated requests reach it (handlers parse first), so an unknown
  parameter is a 400, never a new key.
* Every successful GET gets a strong ``ETag`` (hash of the body) and answers
  ``304 Not Modified`` to a matching ``If-None-Match``; a handler sets its own
  ``Cache-Control`` (default ``no-cache``: revalidate).
* CORS (flask-cors): the API is public and read-only, so any origin may read.
* Every answer carries a Content-Security-Policy (scripts, styles and data
  from this origin only; no framing), ``X-Content-Type-Options: nosniff``,
  ``X-Frame-Options: DENY`` and ``Referrer-Policy: no-referrer``.
"""
from __future__ import annotations

import hashlib
import threading
import time
from urllib.parse import urlsplit

import cachetools
from flask import Flask, current_app, request
from flask_cors import CORS

from tracker.api.limits import heavy_response
from tracker.api import resources
from tracker.api.query import TOLERATED, parse

EXTENSION = "iss_tracker_cache"
MEMO_EXTENSION = "iss_tracker_memo"

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                                "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class TTLCache:
    """``cachetools.TTLCache`` with a lock and hit/miss counters (for /health)."""

    def __init__(self, ttl_s: float, max_entries: int, clock=time.monotonic):
        self.ttl_s = float(ttl_s)
        self.max_entries = int(max_entries)
        self._cache = cachetools.TTLCache(maxsize=self.max_entries, ttl=self.ttl_s, timer=clock)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key):
        with self._lock:
            value = self._cache.get(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
            return value

    def put(self, key, value):
        with self._lock:
            self._cache[key] = value

    def __len__(self):
        with self._lock:
            self._cache.expire()
            return len(self._cache)


def request_key():
    """Path plus the query parameters, order-insensitive, without the tolerated ones."""
    args = tuple(sorted((k, v) for k, v in request.args.items(multi=True) if k not in TOLERATED))
    return (request.method, request.path, args)


def cached(compute):
    """Answer from the cache, or call ``compute()`` (-> Response) in a heavy
    slot (``limits.heavy_response``: a worker process under ``serve``) and keep a 200."""
    cache: TTLCache = current_app.extensions[EXTENSION]
    key = request_key()
    hit = cache.get(key)
    if hit is not None:
        body, status, headers = hit
        response = current_app.response_class(body, status=status, headers=headers)
        response.headers["X-Cache"] = "HIT"
        return response
    response = heavy_response(compute)
    if response.status_code == 200:
        cache.put(key, (response.get_data(), response.status_code, list(response.headers.items())))
    response.headers["X-Cache"] = "MISS"
    return response


def cached_get(bp, rule: str, model):
    """Register ``compute(q, clock)`` as the cached GET ``rule`` of ``bp``:
    the query is parsed with the declaration ``model`` (relative times
    against ``clock``, the request's now), then answered from the cache or
    by ``compute`` in a heavy slot (``cached``). The endpoint is named after
    ``compute`` without its leading underscore."""
    def register(compute):
        def view():
            clock = resources.current().now()
            q = parse(model, now=clock)
            return cached(lambda: compute(q, clock))
        view.__name__ = compute.__name__.lstrip("_")
        view.__doc__ = compute.__doc__
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=view, methods=["GET"])
        return compute
    return register


def memo(key, compute):
    """Small short-lived memo for values (not responses): ``now`` positions per second.

    Many clients asking "where is it now" within the same second share one
    computation; entries live 2 s.
    """
    store: TTLCache = current_app.extensions[MEMO_EXTENSION]
    value = store.get(key)
    if value is None:
        value = compute()
        store.put(key, value)
    return value


def set_max_age(response, seconds: int):
    response.headers["Cache-Control"] = f"public, max-age={int(seconds)}"
    return response


def relative_location(response):
    """A redirect's Location as a path on this server: never a host taken from
    the request's Host header (werkzeug's routing redirects are absolute)."""
    location = response.headers.get("Location")
    if location and 300 <= response.status_code < 400:
        target = urlsplit(location)
        path = "/" + target.path.lstrip("/")
        response.headers["Location"] = path + (f"?{target.query}" if target.query else "")
    return response


def _after_request(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    relative_location(response)
    if request.method in ("GET", "HEAD") and response.status_code == 200 and not response.is_streamed:
        if "ETag" not in response.headers:
            response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
        response.headers.setdefault("Cache-Control", "no-cache")
        response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = TTLCache(app.config["CACHE_TTL_S"], app.config["CACHE_MAX_ENTRIES"])
    app.extensions[MEMO_EXTENSION] = TTLCache(2.0, 16)
    app.after_request(_after_request)
    CORS(app, origins="*", methods=["GET", "HEAD", "POST", "OPTIONS"],
         expose_headers=["ETag", "X-Elements-Epoch", "X-Elements-Age-Days", "X-Cache",
                         "Retry-After"])
