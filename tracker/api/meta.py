"""The map page (/), /health and /openapi.json."""
from __future__ import annotations

import time
from importlib import resources as importlib_resources

from flask import Blueprint, current_app, jsonify

from tle.store import MAX_AGE_DAYS
from tracker import __version__
from tracker.api import cache, limits, resources
from tracker.api.common import elements_info
from tracker.api.openapi import build_spec
from tracker.astro.time import datetime_to_unix, format_utc

bp = Blueprint("meta", __name__)


@bp.get("/")
def index():
    page = importlib_resources.files("tracker.api").joinpath("static/index.html").read_text("utf-8")
    page = page.replace("__MAP_REFRESH_S__", f"{float(current_app.config['MAP_REFRESH_S']):g}")
    response = current_app.response_class(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/health")
def health():
    res = resources.current()
    now = res.now()
    body = {
        "status": "ok",
        "version": __version__,
        "time": format_utc(now),
        "uptime_s": round(time.time() - res.started_unix_s, 3),
    }
    try:
        selection = res.store.nearest(datetime_to_unix(now))
    except Exception as exc:   # noqa: BLE001 - health reports, never fails
        body["status"] = "degraded"
        body["elements"] = None
        body["detail"] = res.public_text(f"element sets unavailable: {exc}")
    else:
        body["elements"] = elements_info(selection)
        if selection.age_days > MAX_AGE_DAYS:
            body["status"] = "stale"
    last = res.last_refresh
    body["refresh"] = {
        "interval_hours": res.refresh_hours,
        "last": None if last is None else {
            "time": format_utc(last["time"]), "ok": last["ok"], "status": last["status"],
            "detail": last["detail"]},
    }
    c = current_app.extensions[cache.EXTENSION]
    body["cache"] = {"entries": len(c), "hits": c.hits, "misses": c.misses, "ttl_s": c.ttl_s}
    body["heavy"] = current_app.extensions[limits.EXTENSION].stats()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/openapi.json")
def openapi():
    response = jsonify(build_spec())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
