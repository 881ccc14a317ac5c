"""Per-app resources: element store, Earth orientation, Sun ephemeris,
gazetteer, the clock, and the background element refresh.

One ``Resources`` object is attached to each app as
``app.extensions["iss_tracker"]``; handlers reach it through ``current()``.
The element store depends on the app's configuration: it is built on first
use (under a lock, so exactly once per app). Earth orientation, the Sun
ephemeris and the gazetteer are read-only data the same for every app: they
are the process-wide instances the CLI uses too
(``tracker.astro.frames.default_earth_orientation``, ``tracker.astro.sun.default_sun``,
``tracker.places.gazetteer.default_gazetteer``), loaded once per process. ``warm()``
loads everything ahead of time (``serve`` does that before it accepts
connections).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import threading
import time
from pathlib import Path

from flask import Flask, current_app

EXTENSION = "iss_tracker"
# an absolute folder in a message ("/srv/x/"), not a URL's path ("http://h/a/")
_FOLDER_RE = re.compile(r"(?<![\w.:/~-])/(?:[^\s'\"()<>,;/]+/)+")


class Resources:
    def __init__(self, config):
        self._config = config
        self._lock = threading.RLock()
        self._store = None
        self._objects = None            # every object's sets (tle.catalog), for norad/name
        self._object_stores = {}        # catalog number -> ElementStore
        self._dirs = None               # private folders, see public_text
        self.started_unix_s = time.time()
        self.refresh_hours = None
        self.last_refresh = None        # dict describing the last refresh outcome
        self._refresh_thread = None
        self._refresh_stop = threading.Event()

    # -- the clock -----------------------------------------------------------
    def now(self) -> dt.datetime:
        """Current time, an aware UTC datetime (the configured CLOCK if any)."""
        clock = self._config.get("CLOCK")
        if clock is None:
            return dt.datetime.now(dt.timezone.utc)
        value = clock()
        if value.tzinfo is None:
            raise RuntimeError("CLOCK must return an aware datetime")
        return value.astimezone(dt.timezone.utc)

    # -- resources -----------------------------------------------------------
    @property
    def store(self):
        store = self._store
        if store is None:
            with self._lock:
                if self._store is None:
                    self._store = self._load_store()
                store = self._store
        return store

    def _load_store(self):
        from tle.store import ElementStore, load_store
        store = load_store(data_dir=self._config.get("DATA_DIR"),
                           tle_file=self._config.get("TLE_FILE"))
        # answers name a file, never its path: each set's source (shown in
        # /api/v1/tle, in warnings and in 422 details) loses its directories
        sets = [es if es.source == self.public_source(es.source)
                else dataclasses.replace(es, source=self.public_source(es.source)) for es in store]
        return ElementStore(sets, satnum=store.satnum, skipped=store.skipped,
                            description=self.public_text(store.description))

    # -- what answers may say about the server's files -----------------------------
    def _private_dirs(self) -> tuple[str, ...]:
        dirs = self._dirs
        if dirs is None:
            found = set()
            for key in ("DATA_DIR", "TLE_FILE"):
                value = self._config.get(key)
                if not value:
                    continue
                path = Path(os.path.expanduser(str(value)))
                folder = path if key == "DATA_DIR" else path.parent
                for form in (folder.absolute(), folder.resolve()):
                    found.add(str(form))
            found.update((str(Path.home()), os.getcwd()))
            dirs = tuple(sorted((d.rstrip("/") + "/" for d in found if d.strip("/")),
                                key=len, reverse=True))
            self._dirs = dirs
        return dirs

    def public_text(self, text: str) -> str:
        """``text`` without the server's directories (the data directory,
        the served file's folder, the home and working directories, and any
        other absolute folder that exists here): an answer names a file,
        never its path."""
        text = str(text)
        for folder in self._private_dirs():
            text = text.replace(folder, "")
        if "/" in text:
            text = _FOLDER_RE.sub(lambda m: "" if os.path.isdir(m.group(0)) else m.group(0), text)
        return text

    def public_source(self, source: str) -> str:
        """An element set's source as an answer may show it: a URL or a
        shipped name as is, a file by its name only."""
        if source and os.path.isabs(source):
            return Path(source).name
        return self.public_text(source)

    def reload_store(self):
        """Re-read the element store (after a refresh wrote new sets)."""
        fresh = self._load_store()
        with self._lock:
            self._store = fresh
            self._objects = None
            self._object_stores = {}
        return fresh

    def store_for(self, q):
        """The store of the object a request names (``q.norad`` / ``q.name``,
        ``tle.catalog``); the ISS store when it names none."""
        norad, name = getattr(q, "norad", None), getattr(q, "name", None)
        if norad is None and name is None:
            return self.store
        with self._lock:
            if self._objects is None:
                from tle.catalog import object_sets
                self._objects = object_sets(self._config.get("DATA_DIR"),
                                            self._config.get("TLE_FILE"))
            objects, stores = self._objects, self._object_stores
        satnum = objects.resolve(norad=norad, name=name)
        store = stores.get(satnum)
        if store is None:
            store = stores.setdefault(satnum, objects.store(satnum))
        return store

    @property
    def earth(self):
        from tracker.astro.frames import default_earth_orientation
        return default_earth_orientation()

    @property
    def sun(self):
        from tracker.astro.sun import default_sun
        return default_sun()

    @property
    def gazetteer(self):
        from tracker.places.gazetteer import default_gazetteer
        return default_gazetteer()

    def warm(self):
        """Load every resource now instead of on the first request."""
        for name in ("store", "earth", "sun", "gazetteer"):
            getattr(self, name)

    # -- background refresh -------------------------------------------------
    def start_refresh(self, hours: float, refresh=None):
        """Refresh the element sets every ``hours`` in a daemon thread.

        ``refresh`` is the callable doing one refresh (default:
        ``tle.update.refresh`` with this app's data directory); each outcome
        is kept for /health and the store is reloaded after a success.
        """
        if hours <= 0:
            raise ValueError("refresh interval must be positive")
        self.refresh_hours = float(hours)
        if refresh is None:
            from tle.update import refresh as update_refresh

            def refresh():
                return update_refresh(self._config.get("DATA_DIR"))

        def loop():
            while not self._refresh_stop.is_set():
                self.refresh_once(refresh)
                if self._refresh_stop.wait(self.refresh_hours * 3600.0):
                    break

        self._refresh_thread = threading.Thread(target=loop, name="tle-refresh", daemon=True)
        self._refresh_thread.start()

    def refresh_once(self, refresh):
        started = self.now()
        try:
            outcome = refresh()
        except Exception as exc:   # noqa: BLE001 - a failed refresh must not stop serving
            self.last_refresh = {"time": started, "ok": False, "status": "failed",
                                 "detail": self.public_text(f"{type(exc).__name__}: {exc}")}
            return self.last_refresh
        ok = bool(getattr(outcome, "ok", True))
        status = str(getattr(outcome, "status", "ok" if ok else "failed"))
        self.last_refresh = {"time": started, "ok": ok, "status": status,
                             "detail": self.public_text(str(outcome))}
        if ok:
            try:
                self.reload_store()
            except Exception as exc:   # noqa: BLE001
                self.last_refresh = {"time": started, "ok": False, "status": "failed",
                                     "detail": self.public_text(
                                         f"reload failed: {type(exc).__name__}: {exc}")}
        return self.last_refresh

    def stop_refresh(self):
        self._refresh_stop.set()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = Resources(app.config)


def current() -> Resources:
    """The resources of the app handling the current request."""
    return current_app.extensions[EXTENSION]
