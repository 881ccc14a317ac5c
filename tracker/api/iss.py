"""Where the station is: /api/v1/iss/now, /positions, /groundtrack.

Thin handlers over ``tracker.services.position`` and ``tracker.services.groundtrack`` (the
services the CLI calls); resources come from ``resources.current()``.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
from flask import Blueprint, current_app, request

from tracker.api import cache, resources
from tracker.api.common import clean_warnings, elements_info, json_response
from tracker.api.limits import heavy_response
from tracker.api.query import parse
from tracker.astro.time import Instant, datetime_to_unix, format_utc, parse_time
from tracker.errors import UserError
from tracker.services.groundtrack import ground_track, track_geojson
from tracker.services.inputs import GroundTrackRequest, NowRequest, PositionsRequest
from tracker.services.position import now_report, position_rows, positions

bp = Blueprint("iss", __name__, url_prefix="/api/v1/iss")

def _selection_at(t: dt.datetime, store=None):
    return (store or resources.current().store).nearest(datetime_to_unix(t))


def station_now(t: dt.datetime, units: str, store=None) -> tuple[dict, object]:
    """The ``now`` report at ``t`` plus the API's element block; (body, selection).

    Memoized for 2 s per (time, units): concurrent "now" requests within the
    same second share one computation. Callers must not modify the result.
    """
    res = resources.current()
    store = store or res.store

    def compute():
        report = now_report(store, Instant.from_datetime(t), eop=res.earth, sun=res.sun,
                            units=units)
        selection = _selection_at(t, store)
        report["elements"] = elements_info(selection)
        report["warnings"] = clean_warnings(report["warnings"])
        return report, selection

    return cache.memo(("now", t.isoformat(), units, id(store)), compute)


@bp.get("/now")
def now():
    clock = resources.current().now().replace(microsecond=0)   # "now": to the whole second
    q = parse(NowRequest, now=clock)
    t = clock if q.time is None else q.time.datetime()
    body, selection = station_now(t, q.units, resources.current().store_for(q))
    max_age = 1 if request.args.get("time") in (None, "now") else 3600
    return json_response(body, selection=selection, max_age=max_age)


def _parse_timestamps(raw: str, clock, max_points: int) -> Instant:
    items = raw.split(",")
    if len(items) > max_points:
        raise UserError(f"timestamps: {len(items):,} times is more than the limit of "
                        f"{max_points:,} per request", parameter="timestamps")
    out = []
    for i, item in enumerate(items):
        if not item.strip():
            raise UserError(f"timestamps item {i + 1} is empty", parameter="timestamps")
        try:
            # the message names "timestamps item N" once; the problem's parameter is "timestamps"
            out.append(parse_time(item, now=clock, parameter=f"timestamps item {i + 1}"))
        except UserError as exc:
            raise type(exc)(str(exc), parameter="timestamps") from None
    return Instant.from_datetime(out)


@bp.route("/positions", methods=["GET", "POST"])
def positions_():
    """GET with a query string, or POST with the same fields as a form body
    (10,000 timestamps do not fit in a URL)."""
    res = resources.current()
    clock = res.now()
    max_points = int(current_app.config["MAX_POINTS"])
    q = parse(PositionsRequest, now=clock)
    times = None if q.timestamps is None else _parse_timestamps(q.timestamps, clock, max_points)
    return heavy_response(lambda: _positions(q, times, max_points))


def _positions(q: PositionsRequest, t: Instant | None, max_points: int):
    res = resources.current()
    store = res.store_for(q)
    if t is not None:
        table = positions(store, t, eop=res.earth, sun=res.sun,
                          allow_stale=q.allow_stale, parameter="timestamps")
        step_s = None
    else:
        step_s = q.step_s
        table = ground_track(store, q.start, q.end, step_s,
                             eop=res.earth, sun=res.sun, allow_stale=q.allow_stale,
                             max_points=max_points)
    first_time = dt.datetime.fromtimestamp(float(table.unix_s[0]), dt.timezone.utc)
    selection = _selection_at(first_time, store)
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


@cache.cached_get(bp, "/groundtrack", GroundTrackRequest)
def _groundtrack(q: GroundTrackRequest, clock):
    res = resources.current()
    store = res.store_for(q)
    start = clock if q.start is None else q.start.datetime()
    selection = _selection_at(start, store)
    if q.end is not None:
        end = q.end.datetime()
    else:
        try:
            end = start + dt.timedelta(minutes=1440.0 / selection.element_set.mean_motion_rev_day)
        except OverflowError:
            raise UserError(f"start: one orbital period after {format_utc(start)} is past the "
                            f"years this service answers for", parameter="start") from None
    table = ground_track(store, start, end, q.step_s, eop=res.earth, sun=res.sun,
                         allow_stale=q.allow_stale,
                         max_points=int(current_app.config["MAX_POINTS"]))
    geo = track_geojson(table, step_s=q.step_s, footprint=q.footprint)
    geo["elements"] = elements_info(selection)
    geo["warnings"] = clean_warnings(table.warnings)
    return json_response(geo, selection=selection, max_age=60, mimetype="application/geo+json")
