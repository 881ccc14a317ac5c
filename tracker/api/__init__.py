"""The HTTP API: ``create_app()`` builds a Flask app serving JSON, GeoJSON,
iCalendar, the Open Notify compatible endpoints, the OpenAPI document and
the live map page.

Handlers are thin: they parse query parameters, call the same service
functions the CLI calls, and format the result. Resources that are costly to
build (element store, Earth orientation, Sun ephemeris, gazetteer) live on
``app.extensions["iss_tracker"]`` (see ``resources.py``), built once per app.

    from tracker.api import create_app
    app = create_app({"CLOCK": lambda: fixed_datetime})
"""
from __future__ import annotations

from flask import Flask

from tracker.api import cache, limits, problems, resources


def create_app(config=None) -> Flask:
    """Application factory (Flask tutorial style).

    ``config`` (a mapping) overrides the defaults below:

    TLE_FILE          element file to serve instead of the shipped sets
    DATA_DIR          user data directory of the element store (None: default)
    CLOCK             callable returning an aware UTC datetime ("now"); None:
                      the system clock. Tests pass a fixed or fast clock.
    CACHE_TTL_S       how long identical pass / ground-track requests are
                      answered from the in-app cache
    CACHE_MAX_ENTRIES size bound of that cache
    MAX_POINTS        most time points one positions/groundtrack request may ask
    MAP_REFRESH_S     how often the map page refreshes the station position
    HEAVY_SLOTS       heavy computations (passes, stats, tracks) run at once
    HEAVY_QUEUE       heavy requests that may wait for a slot (more: 503)
    HEAVY_WAIT_S      how long one may wait (then 503 with Retry-After)
    BATCH_MAX_OBJECTS, BATCH_MAX_PROPAGATIONS, BATCH_MAX_ACTIVE, BATCH_MAX_JOBS,
    BATCH_SCHEDULER   bounds and cluster of POST /api/v1/batch jobs (``tracker.api.batch``)
    """
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config.from_mapping(
        TLE_FILE=None,
        DATA_DIR=None,
        CLOCK=None,
        CACHE_TTL_S=60.0,
        CACHE_MAX_ENTRIES=512,
        MAX_POINTS=10_000,
        MAX_CONTENT_LENGTH=1 << 20,     # a form body: 10,000 timestamps fit in 700 kB
        MAP_REFRESH_S=5.0,
        HEAVY_SLOTS=2,
        HEAVY_QUEUE=8,
        HEAVY_WAIT_S=5.0,
        JSON_SORT_KEYS=False,
    )
    if config:
        app.config.from_mapping(config)
    app.json.sort_keys = False
    app.json.compact = True

    resources.init_app(app)
    problems.init_app(app)
    cache.init_app(app)
    limits.init_app(app)

    from tracker.api import batch, cities, iss, meta, opennotify, passes, stats, tle, transits
    for module in (meta, iss, passes, transits, stats, batch, tle, cities, opennotify):
        app.register_blueprint(module.bp)
    return app
