"""Orbit statistics: /api/v1/stats and /api/v1/missions/year-in-space.

Thin handlers over ``tracker.services.stats.orbit_stats`` and ``tracker.services.missions``
(the services behind ``iss-tracker stats``). /stats answers are cached like
passes; the mission preset is deterministic and computed once per app.
"""
from __future__ import annotations

import threading

from flask import Blueprint, current_app

from tracker.api import cache, resources
from tracker.api.common import elements_info, json_response, stale_warnings
from tracker.api.limits import MAX_STATS_SAMPLES, heavy
from tracker.api.query import parse
from tracker.astro.time import datetime_to_unix, format_utc
from tracker.errors import TimeRangeError
from tracker.ranges import STATS_STEP_S
from tracker.services.inputs import MissionRequest, StatsRequest
from tracker.services.missions import compare, get_mission, mission_store
from tracker.services.stats import count_samples, orbit_stats

bp = Blueprint("stats", __name__, url_prefix="/api/v1")

MISSION_EXTENSION = "iss_tracker_missions"


@bp.get("/stats")
def stats():
    q = parse(StatsRequest)
    return cache.cached(lambda: _stats(q))


def _stats(q: StatsRequest):
    res = resources.current()
    start, end, step_s, allow_stale = q.start, q.end, q.step_s, q.allow_stale
    # the service checks the interval (end after start, inside the services' time range)
    samples = count_samples(start, end, step_s)
    if samples > MAX_STATS_SAMPLES:
        raise TimeRangeError(
            f"{samples:,} samples from {format_utc(start)} to {format_utc(end)} every {step_s:g} s "
            f"is more than this API's limit of {MAX_STATS_SAMPLES:,} per request; use a larger step_s "
            f"(up to {STATS_STEP_S[1]:g} s) or a shorter interval", parameter="step_s")
    result = orbit_stats(res.store, start, end, step_s=step_s, allow_stale=allow_stale,
                         sun=res.sun)
    body = result.to_dict()
    selection = res.store.nearest(float(start.unix_s))
    body["element_set_epochs"] = [format_utc(e) for e in result.epochs]
    body["elements"] = elements_info(selection)
    body["warnings"] = stale_warnings(selection)
    return json_response(body, selection=selection, max_age=3600)


@bp.get("/missions/year-in-space")
def year_in_space():
    parse(MissionRequest)
    body, selection = _mission_document("year-in-space")
    return json_response(body, selection=selection, max_age=86400)


def _mission_document(key: str):
    """The mission's statistics and comparison, computed once per app (deterministic)."""
    memo = current_app.extensions.setdefault(MISSION_EXTENSION, {"lock": threading.Lock()})
    with memo["lock"]:
        if key not in memo:
            res = resources.current()
            mission = get_mission(key)
            store = mission_store(mission)
            result = heavy(lambda: orbit_stats(store, mission.start, mission.end,
                                               step_s=mission.step_s, allow_stale=False,
                                               sun=res.sun))
            body = result.to_dict()
            body["mission"] = compare(mission, result)
            selection = store.nearest(datetime_to_unix(mission.start))
            body["element_set_epochs"] = [format_utc(e) for e in result.epochs]
            body["elements"] = elements_info(selection)
            body["warnings"] = []
            memo[key] = (body, selection)
    return memo[key]
