"""The thin adapter between a request's query string and its declaration.

``parse(Model)`` reads ``request.args`` (and, for POST, the form body) into
the operation's declaration in ``tracker.services.inputs``: unknown, repeated
or malformed parameters are refused before any work starts, each as a
``UserError`` naming the parameter (-> a 400 problem document).
"""
from __future__ import annotations

from flask import request

from tracker.api import resources
from tracker.errors import UserError

#: parameters every /api/v1 endpoint tolerates and ignores (jQuery's cache buster)
TOLERATED = ("_",)


def names_for(model) -> dict:
    return {f: f"query parameter '{f}'" for f in model.model_fields}


def raw_values(model, *, tolerated=TOLERATED) -> dict:
    """The request's parameters as text, by name; each may be given once."""
    sources = [request.args]
    if request.method == "POST":
        sources.append(request.form)
    values = {}
    for source in sources:
        for key in source.keys():
            items = source.getlist(key)
            if len(items) > 1 or key in values:
                raise UserError(f"query parameter '{key}' is given {max(len(items), 2)} times; "
                                f"give it once", parameter=key)
            if key in tolerated:
                continue
            values[key] = items[0]
    return values


def parse(model, *, now=None, tolerated=TOLERATED):
    """The validated declaration ``model`` of this request ("now" is the app's clock)."""
    if now is None:
        now = resources.current().now()
    return model.read(raw_values(model, tolerated=tolerated), now=now, names=names_for(model))


def given(name: str) -> bool:
    """Whether the client sent ``name`` (as opposed to the declared default)."""
    return name in request.args or (request.method == "POST" and name in request.form)
