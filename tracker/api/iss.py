"""Where the station is: /api/v1/iss/now, /positions, /groundtrack.

Thin handlers over ``tracker.services.position`` and ``tracker.services.groundtrack`` (the
services the CLI calls); resources come from ``resources.current()``.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
from flask import Blueprint, current_app, request

from tracker.api import cache, params, resources
from tracker.api.common import (API_V1_COMMON, clean_warnings, elements_info,
                                json_response)
from tracker.errors import UserError
from tracker.services.groundtrack import ground_track, track_geojson
from tracker.services.position import UNITS, now_report, position_rows, positions
from tracker.astro.time import datetime_to_jdfr, datetime_to_unix, format_utc, times_to_jdfr

bp = Blueprint("iss", __name__, url_prefix="/api/v1/iss")

MIN_STEP_S = 1.0
MAX_STEP_S = 86400.0
GROUNDTRACK_DEFAULT_STEP_S = 30.0
POSITIONS_DEFAULT_STEP_S = 60.0


def _selection_at(t: dt.datetime):
    return resources.current().store.nearest(datetime_to_unix(t))


def station_now(t: dt.datetime, units: str) -> tuple[dict, object]:
    """The ``now`` report at ``t`` plus the API's element block; (body, selection).

    Memoized for 2 s per (time, units): concurrent "now" requests within the
    same second share one computation. Callers must not modify the result.
    """
    res = resources.current()

    def compute():
        jd, fr = datetime_to_jdfr(t)
        report = now_report(res.store, jd, fr, eop=res.earth, sun=res.sun, units=units)
        selection = _selection_at(t)
        report["elements"] = elements_info(selection)
        report["warnings"] = clean_warnings(report["warnings"])
        return report, selection

    return cache.memo(("now", t.isoformat(), units, id(res.store)), compute)


@bp.get("/now")
def now():
    params.reject_unknown({"time", "units", *API_V1_COMMON})
    res = resources.current()
    clock = res.now().replace(microsecond=0)      # "now" is taken to the whole second
    t = params.get_time("time", now=clock, default=clock)
    units = params.get_choice("units", UNITS, default="km")
    body, selection = station_now(t, units)
    max_age = 1 if request.args.get("time") in (None, "now") else 3600
    return json_response(body, selection=selection, max_age=max_age)


def _parse_timestamps(raw: str, clock, max_points: int) -> list[dt.datetime]:
    from tracker.astro.time import parse_time
    items = raw.split(",")
    if len(items) > max_points:
        raise UserError(f"timestamps: {len(items):,} times is more than the limit of "
                        f"{max_points:,} per request", parameter="timestamps")
    out = []
    for i, item in enumerate(items):
        if not item.strip():
            raise UserError(f"timestamps: item {i + 1} is empty", parameter="timestamps")
        try:
            out.append(parse_time(item, now=clock, parameter=f"timestamps[{i}]"))
        except UserError as exc:
            raise type(exc)(f"timestamps: item {i + 1}: {exc}", parameter="timestamps") from None
    return out


def _grid_params(clock, default_step_s):
    start = params.get_time("start", now=clock, required=True)
    end = params.get_time("end", now=clock, required=True)
    step_s = params.get_float("step_s", lo=MIN_STEP_S, hi=MAX_STEP_S, default=default_step_s,
                              unit="s")
    return start, end, step_s


@bp.get("/positions")
def positions_():
    params.reject_unknown({"start", "end", "step_s", "timestamps", "allow_stale",
                           *API_V1_COMMON})
    res = resources.current()
    clock = res.now()
    max_points = int(current_app.config["MAX_POINTS"])
    allow_stale = params.get_bool("allow_stale", default=False)
    raw = params.get_str("timestamps", max_length=64 * max_points)
    if raw is not None:
        if any(k in request.args for k in ("start", "end", "step_s")):
            raise UserError("give either timestamps or start/end/step_s, not both",
                            parameter="timestamps")
        jd, fr = times_to_jdfr(_parse_timestamps(raw, clock, max_points))
        table = positions(res.store, jd, fr, eop=res.earth, sun=res.sun,
                          allow_stale=allow_stale, parameter="timestamps")
        step_s = None
    else:
        start, end, step_s = _grid_params(clock, POSITIONS_DEFAULT_STEP_S)
        table = ground_track(res.store, start, end, step_s, eop=res.earth, sun=res.sun,
                             allow_stale=allow_stale, max_points=max_points)
    first_time = dt.datetime.fromtimestamp(float(table.unix_s[0]), dt.timezone.utc)
    selection = _selection_at(first_time)
    used = sorted(set(int(k) for k in np.unique(table.set_index)))
    body = {
        "count": len(table),
        "step_s": step_s,
        "positions": position_rows(table),
        "elements": elements_info(selection),
        "element_set_epochs": [format_utc(table.sets[k].epoch_unix_s) for k in used],
        "warnings": clean_warnings(table.warnings),
    }
    return json_response(body, selection=selection, max_age=60)


@bp.get("/groundtrack")
def groundtrack():
    params.reject_unknown({"start", "end", "step_s", "allow_stale", "footprint",
                           *API_V1_COMMON})
    return cache.cached(_groundtrack)


def _groundtrack():
    res = resources.current()
    clock = res.now()
    start = params.get_time("start", now=clock, default=clock)
    selection = _selection_at(start)
    period = dt.timedelta(minutes=1440.0 / selection.element_set.mean_motion_rev_day)
    end = params.get_time("end", now=clock, default=start + period)
    step_s = params.get_float("step_s", lo=MIN_STEP_S, hi=MAX_STEP_S,
                              default=GROUNDTRACK_DEFAULT_STEP_S, unit="s")
    allow_stale = params.get_bool("allow_stale", default=False)
    footprint = params.get_bool("footprint", default=False)
    table = ground_track(res.store, start, end, step_s, eop=res.earth, sun=res.sun,
                         allow_stale=allow_stale,
                         max_points=int(current_app.config["MAX_POINTS"]))
    geo = track_geojson(table, step_s=step_s, footprint=footprint)
    geo["elements"] = elements_info(selection)
    geo["warnings"] = clean_warnings(table.warnings)
    return json_response(geo, selection=selection, max_age=60, mimetype="application/geo+json")
