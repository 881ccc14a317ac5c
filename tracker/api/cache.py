"""Response policy: the in-app cache, ETag / Cache-Control, CORS.

* ``cached(compute)`` answers identical requests (same path, same query
  parameters in any order) from memory for ``CACHE_TTL_S`` seconds; used by
  the pass and ground-track endpoints, whose answers cost milliseconds to
  hundreds of milliseconds. A hit carries ``X-Cache: HIT``.
* Every successful GET gets a strong ``ETag`` (hash of the body) and answers
  ``304 Not Modified`` to a matching ``If-None-Match``; a handler sets its own
  ``Cache-Control`` with ``set_max_age`` (default ``no-cache``: revalidate).
* CORS: the API is public and read-only, so every response allows any origin.
"""
from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict

from flask import Flask, current_app, request

EXTENSION = "iss_tracker_cache"
MEMO_EXTENSION = "iss_tracker_memo"


class TTLCache:
    """A small thread-safe LRU with a time-to-live, keyed by request."""

    def __init__(self, ttl_s: float, max_entries: int, clock=time.monotonic):
        self.ttl_s = float(ttl_s)
        self.max_entries = int(max_entries)
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key):
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= now:
                if entry is not None:
                    del self._entries[key]
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key, value):
        with self._lock:
            self._entries[key] = (self._clock() + self.ttl_s, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self):
        return len(self._entries)


def request_key():
    """Path plus the query parameters, order-insensitive."""
    args = tuple(sorted(request.args.items(multi=True)))
    return (request.path, args)


def cached(compute):
    """Answer from the cache, or call ``compute()`` (-> Response) and keep a 200."""
    cache: TTLCache = current_app.extensions[EXTENSION]
    key = request_key()
    hit = cache.get(key)
    if hit is not None:
        body, status, headers = hit
        response = current_app.response_class(body, status=status, headers=headers)
        response.headers["X-Cache"] = "HIT"
        return response
    response = compute()
    if response.status_code == 200:
        cache.put(key, (response.get_data(), response.status_code, list(response.headers.items())))
    response.headers["X-Cache"] = "MISS"
    return response


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


def _after_request(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.setdefault("Access-Control-Expose-Headers",
                                "ETag, X-Elements-Age-Days, X-Cache")
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
