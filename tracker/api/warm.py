"""Answer one request of each costly kind before serving, so that numba
compilation (or loading its on-disk cache) and first-use set-up are not paid
by the first user. Failures here are ignored: the endpoints report their own
errors when a real request comes.
"""
from __future__ import annotations

WARM_PATHS = (
    "/api/v1/iss/now",
    "/api/v1/iss/groundtrack?step_s=60&allow_stale=true",
    "/api/v1/passes?lat=48.85&lon=2.35&days=1&allow_stale=true",
    "/api/v1/cities?q=par",
    "/iss-now.json",
)


def warm_requests(app) -> dict:
    """GET each of WARM_PATHS through the test client; return {path: status}."""
    statuses = {}
    client = app.test_client()
    for path in WARM_PATHS:
        try:
            statuses[path] = client.get(path).status_code
        except Exception as exc:   # noqa: BLE001
            statuses[path] = f"{type(exc).__name__}"
    return statuses
