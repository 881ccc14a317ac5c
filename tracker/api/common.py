"""Formatting shared by the blueprints: the element-set block every answer
carries, staleness warnings, and JSON responses with the element headers.
"""
from __future__ import annotations

from flask import current_app

from tracker.api import resources
from tracker.astro.time import datetime_to_unix, format_utc

def elements_info(selection) -> dict:
    """{"satnum", "name", "epoch", "age_days"} of the element set used."""
    es = selection.element_set
    return {
        "satnum": int(es.satnum),
        "name": es.name,
        "epoch": format_utc(es.epoch),
        "age_days": round(float(selection.age_days), 4),
    }


def stale_warnings(selection) -> list[str]:
    """The store's warning about the age of the element set, as a list (empty when fresh)."""
    text = selection.warning
    return clean_warnings([text] if text else [])


def clean_warnings(warnings) -> list[str]:
    """Service warnings without their CLI prefix ("warning: ..."), duplicates
    dropped; otherwise the CLI's text exactly (same case, same words)."""
    out = []
    res = resources.current()
    for w in warnings:
        w = res.public_text(w)        # a file's name, never its path
        w = w[len("warning: "):] if w.startswith("warning: ") else w
        if w not in out:
            out.append(w)
    return out


def element_headers(selection) -> dict:
    return {"X-Elements-Epoch": format_utc(selection.element_set.epoch),
            "X-Elements-Age-Days": f"{float(selection.age_days):.4f}"}


def json_response(body, *, selection=None, max_age=None, mimetype="application/json", status=200):
    """``body`` as compact JSON (see ``media_response``)."""
    return media_response(current_app.json.dumps(body, separators=(",", ":")), mimetype,
                          selection=selection, max_age=max_age, status=status)


def media_response(text, mimetype, *, selection=None, max_age=None, status=200):
    """An answer of ``mimetype`` with the element headers of ``selection``
    (the set it was computed from) and ``Cache-Control`` for ``max_age`` s."""
    response = current_app.response_class(text, status=status, mimetype=mimetype)
    if selection is not None:
        response.headers.update(element_headers(selection))
    if max_age is not None:
        response.headers["Cache-Control"] = f"public, max-age={int(max_age)}"
    return response


def current_selection(t=None):
    """The element set the store picks for ``t`` (default: now)."""
    res = resources.current()
    return res.store.nearest(datetime_to_unix(res.now() if t is None else t))
