"""GET /api/v1/tle[?time=] : the element set the store uses for the station
at ``time`` (default now), with its age, staleness verdict and TLE lines."""
from __future__ import annotations

import hashlib
import json

from flask import Blueprint

from tle.write import format_tle_lines
from tracker.api import resources
from tracker.api.common import elements_info, json_response, stale_warnings
from tracker.api.query import parse
from tracker.services.inputs import ElementsRequest
from tracker.astro.time import datetime_to_unix, format_utc

bp = Blueprint("tle", __name__, url_prefix="/api/v1")


def element_set_json(es) -> dict:
    line1, line2 = (es.line1, es.line2) if es.line1 and es.line2 else format_tle_lines(es)
    return {
        "satnum": int(es.satnum),
        "name": es.name,
        "intldesg": es.intldesg,
        "epoch": format_utc(es.epoch),
        "line1": line1,
        "line2": line2,
        "inclination_deg": es.inclination_deg,
        "raan_deg": es.raan_deg,
        "eccentricity": es.eccentricity,
        "arg_perigee_deg": es.arg_perigee_deg,
        "mean_anomaly_deg": es.mean_anomaly_deg,
        "mean_motion_rev_day": es.mean_motion_rev_day,
        "period_min": 1440.0 / es.mean_motion_rev_day,
        "bstar_per_earth_radius": es.bstar,
        "revnum": int(es.revnum),
        "source": es.source,
    }


@bp.get("/tle")
def current_tle():
    res = resources.current()
    now = res.now()
    q = parse(ElementsRequest, now=now)
    t = now if q.time is None else q.time.datetime()
    store = res.store_for(q)
    selection = store.nearest(datetime_to_unix(t))
    body = element_set_json(selection.element_set)
    body.update({
        "time": format_utc(t),
        "age_days": round(float(selection.age_days), 4),
        "verdict": selection.verdict,
        "sets_in_store": len(store),
        "warnings": stale_warnings(selection),
        "elements": elements_info(selection),
    })
    response = json_response(body, selection=selection, max_age=60)
    response.set_etag(content_etag(body, explicit_time=q.time is not None), weak=True)
    return response


def content_etag(body: dict, *, explicit_time: bool) -> str:
    """The ETag of an answer from what matters in it: the element set, its
    verdict and the store's size. Without ``time=`` the body also carries the
    current time and the age, which change on every request; a client holding
    the answer for the same set and verdict has what it needs (a weak ETag:
    equivalent, not byte-identical). With ``time=`` the whole body counts."""
    if explicit_time:
        key = body
    else:
        key = {k: body[k] for k in body if k not in ("time", "age_days", "warnings", "elements")}
    text = json.dumps(key, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
