"""Seeded HTTP fuzz of every operation and parameter (issue 12, "Must show:
HTTP fuzz"): 0 answers 5xx, and every 4xx is an RFC 9457 problem document.

The operations and their parameters (name, type, minimum, maximum, format)
are read from the OpenAPI document (``tracker.api.openapi.build_spec``), so a
new parameter is fuzzed without touching this file. Each request starts from
cheap valid values (short spans, small day counts: an answer costs
milliseconds) and then damages one to three parameters with values from a
custom generator:

* out of range: just past each bound, -0, 1e308, 1e309, nan, inf, 1e-400;
* huge: 4,301-digit integers (Python's int-string limit is 4,300), a
  10,000-character value;
* malformed numbers: hex, '1_000', full-width and Arabic-Indic digits
  (``float`` reads those), padding, signs, exponents without digits;
* unicode: right-to-left override, NUL, combining marks, emoji, invalid
  UTF-8 (percent-encoded), lone surrogate escapes;
* repeated parameters, empty values (``p=``), bare names (``p``), unknown
  names, the ``_`` cache buster;
* times: naive, offsets of +23:59, years 0000/1957/9999, Unix seconds far
  out, 'now ', lowercase 'z';

plus form bodies for POST /api/v1/iss/positions, other methods, and junk
paths. The Flask test client runs it in-process (about 0.5 ms a request):
``N_DEFAULT`` requests in the default run, ``N_FULL`` (>= 10,000) under
``slow``. Schema-driven fuzzing with schemathesis is in
tests/test_openapi_fuzz.py.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import urllib.parse

import pytest

from tracker.api import create_app
from tracker.api.openapi import build_spec

SEED = 20261203
N_DEFAULT = 400
N_FULL = 10_500
FIXED_NOW = dt.datetime(2026, 10, 10, 12, 0, 0, tzinfo=dt.timezone.utc)

# cheap valid values: each answer costs milliseconds
VALID = {
    "time": ["now", "2026-10-10T12:00:00Z", "1791633600", "2015-06-01T00:00:00+02:00"],
    "units": ["km", "mi"],
    "start": ["2026-10-10T12:00:00Z", "1791633600", "now"],
    "end": ["2026-10-10T12:30:00Z", "1791635400"],
    "step_s": ["60", "300", "600"],
    "timestamps": ["1791633600,1791633660", "2026-10-10T12:00:00Z", "now"],
    "allow_stale": ["true", "false", "1", "no"],
    "footprint": ["true", "false"],
    "city": ["Paris", "Springfield, US, IL", "2988507", "Tokyo"],
    "lat": ["48.85", "-33.9", "0"],
    "lon": ["2.35", "151.2", "-74"],
    "alt_m": ["0", "35", "1200"],
    "tz": ["Europe/Paris", "UTC", "+05:30"],
    "days": ["0.05", "0.1", "0.2"],
    "min_elevation_deg": ["10", "0", "45"],
    "visible_only": ["true", "false"],
    "sun_max_deg": ["-6", "-12"],
    "radius_km": ["100", "500"],
    "night_only": ["true", "false"],
    "q": ["Par", "San", "Z"],
    "limit": ["5", "50"],
    "callback": ["cb", "jQuery123_4"],
    "alt": ["0", "100"],
    "n": ["1", "3"],
    "norad": ["25544"],
    "pass_index": ["0", "1"],
    "job_id": ["1", "0123456789abcdef"],
    "body": ["sun", "moon", "both"],
    "format": ["json", "geojson"],
    "name": ["iss", "ISS (ZARYA)"],
}
# a consistent cheap base per operation (observer, span)
BASE = {
    "/api/v1/iss/positions": {"start": "2026-10-10T12:00:00Z", "end": "2026-10-10T12:30:00Z",
                              "step_s": "60"},
    "/api/v1/iss/groundtrack": {"start": "2026-10-10T12:00:00Z", "end": "2026-10-10T12:30:00Z",
                                "step_s": "60"},
    "/api/v1/passes": {"lat": "48.85", "lon": "2.35", "days": "0.2"},
    "/api/v1/passes.ics": {"lat": "48.85", "lon": "2.35", "days": "0.2"},
    "/api/v1/passes/sky.svg": {"lat": "48.85", "lon": "2.35", "days": "0.2"},
    "/api/v1/overflights": {"lat": "48.85", "lon": "2.35", "days": "0.1"},
    "/api/v1/stats": {"start": "2026-10-10T12:00:00Z", "end": "2026-10-10T13:00:00Z",
                      "step_s": "600"},
    "/api/v1/cities": {"q": "Par"},
    "/iss-pass.json": {"lat": "48.85", "lon": "2.35", "n": "2"},
}
# operations whose valid answers cost tens of milliseconds are drawn less often
WEIGHT = {"/iss-pass.json": 0.25, "/api/v1/missions/year-in-space": 0.1, "/openapi.json": 0.2,
          "/": 0.2}
# a value valid on its own but costly: never chosen for these (the cost caps
# themselves are tested in tests/test_api_limits.py)
COSTLY = {"days"}

HUGE_INT = "9" * 4301
HOSTILE = [
    "", " ", "  5 ", "5\n", "\t", "+", "-", ".", "e5", "1e", "--1", "+-1", "0x10", "1_000",
    "１２", "١٢", "12\u0660", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e308", "1e309",
    "-1e309", "1e-400", "-0", "-0.0", "0.0000000000000000000001", HUGE_INT, "-" + HUGE_INT,
    "1" + "0" * 5000, "1." + "1" * 5000, "9" * 40, "x" * 10_000, "\u202eevil", "a\u0000b",
    "\u0000", "e\u0301\u0301\u0301", "\U0001F680", "東京", "Zürich", "%ff%fe", "%c0%af",
    "%ed%a0%80", "..%2f..%2fetc%2fpasswd", "<script>alert(1)</script>", "'; DROP TABLE x;--",
    "{{7*7}}", "${jndi:ldap://x}", "null", "true", "false", "[]", "{}", "[1,2]", "\"\"",
    "2026-10-10", "2026-10-10T12:00:00", "2026-10-10T12:00:00z", "2026-10-10 12:00:00Z",
    "2026-10-10T12:00:00+23:59", "2026-10-10T12:00:00-23:59", "2026-10-10T12:00:00+24:00",
    "0000-01-01T00:00:00Z", "0001-01-01T00:00:00+23:59", "1957-10-04T19:28:34Z",
    "9999-12-31T23:59:59.999999Z", "10000-01-01T00:00:00Z", "2026-02-30T00:00:00Z",
    "2026-10-10T25:00:00Z", "2026-10-10T12:00:60Z", "now ", "NOW", "yesterday",
    "-99999999999", "99999999999999", "1e20", "1791633600.5", "1791633600,", ",",
    ",,,", "1791633600,,1791633660", ("1791633600," * 3000).rstrip(","),
    "Paris,FR", "springfield", "0", "-1", "999999999999999999999", "Europe/Nowhere",
    "+99:99", "UTC+5", "km ", "MI", "miles", "yes please", "2", "TRUE", "callback()",
    "a.b.c", "$", "cb;alert(1)", "_" * 200,
]


def _number_edges(schema) -> list[str]:
    out = []
    lo, hi = schema.get("minimum"), schema.get("maximum")
    for bound, sign in ((lo, -1), (hi, +1)):
        if bound is None:
            continue
        for delta in (1e-9, 1.0, 1e6):
            out.append(repr(bound + sign * delta))
        out.append(repr(float(bound)) + "0000000001")
    if schema.get("type") == "integer":
        out += ["1.5", "2.0", "1e2", str(2**63), str(-2**63 - 1)]
    return out


def operations():
    """(method, path, [(name, schema)]) for every operation in the document."""
    spec = build_spec()
    out = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            params = [(p["name"], p.get("schema", {})) for p in op.get("parameters", [])]
            if method == "post" and path == "/api/v1/iss/positions":
                params = [(n, s) for n, s in
                          [(p["name"], p.get("schema", {})) for p in
                           spec["paths"][path]["get"].get("parameters", [])]]
            out.append((method.upper(), path, params))
    return out


def _damaged(rng, name, schema):
    kind = rng.random()
    if kind < 0.35 and schema.get("type") in ("number", "integer"):
        return rng.choice(_number_edges(schema) or HOSTILE)
    if kind < 0.45 and name not in COSTLY and name in VALID:
        return rng.choice(VALID[name])
    return rng.choice(HOSTILE)


def make_request(rng, ops):
    """(method, url or path, form data or None) for one fuzzed request."""
    r = rng.random()
    if r < 0.02:        # junk paths
        junk = rng.choice(["/api/v1//passes", "/api/v1/passes/", "/api/v2/passes", "/%2e%2e/",
                           "/api/v1/iss/now/..", "/static/../../etc/passwd", "/x" * 600,
                           "/api/v1/%ff", "/iss-now.json/", "//iss-now.json", "/api/v1/cities;x"])
        return rng.choice(["GET", "HEAD", "POST"]), junk + "?city=Paris", None
    method, path, params = rng.choices(ops, weights=[WEIGHT.get(o[1], 1.0) for o in ops])[0]
    if r < 0.04 and method == "GET":
        method = rng.choice(["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "POST"])
    values = dict(BASE.get(path, {}))
    pairs = []
    names = [n for n, _ in params]
    schemas = dict(params)
    damage = 0 if rng.random() < 0.15 else rng.randint(1, 3)      # 15 % left valid
    for name in rng.sample(names, k=min(len(names), damage)):
        values[name] = _damaged(rng, name, schemas[name])
    for name, value in values.items():
        pairs.append((name, value))
    extra = rng.random()
    if names and extra < 0.12:                       # repeated
        name = rng.choice(names)
        pairs.append((name, rng.choice(VALID.get(name, ["1"]) + HOSTILE[:5])))
    elif extra < 0.18:                               # unknown
        pairs.append((rng.choice(["_", "foo", "LAT", "lat ", "lat[]", "days%00", "\u00e9"]),
                      rng.choice(["1", "", HUGE_INT])))
    rng.shuffle(pairs)
    for name, value in [pv for pv in pairs if "{" + pv[0] + "}" in path]:   # path parameters
        path = path.replace("{" + name + "}", urllib.parse.quote(value, safe="", errors="surrogatepass")
                            or "x")
        pairs.remove((name, value))
    if method == "POST" and path == "/api/v1/iss/positions":
        return method, path, dict(pairs) if rng.random() < 0.7 else "&".join(
            f"{k}={v}" for k, v in pairs)
    parts = []
    for name, value in pairs:
        style = rng.random()
        raw = value if value.startswith("%") or "%2" in value else urllib.parse.quote(
            value, safe="", encoding="utf-8", errors="surrogatepass")
        if style < 0.05:
            parts.append(urllib.parse.quote(name))               # bare name, no '='
        elif style < 0.10:
            parts.append(f"{urllib.parse.quote(name)}=")         # empty
        else:
            parts.append(f"{urllib.parse.quote(name)}={raw}")
    return method, path + ("?" + "&".join(parts) if parts else ""), None


def check(response, method, url):
    status = response.status_code
    where = f"{method} {url[:300]}"
    assert status < 500, f"{where}: {status} {response.get_data(as_text=True)[:300]}"
    body = response.get_data(as_text=True)
    assert "Traceback" not in body, where
    if 400 <= status < 500 and method != "HEAD":
        assert response.mimetype == "application/problem+json", (where, status, body[:200])
        problem = json.loads(body)
        assert {"type", "title", "status", "detail"} <= set(problem), (where, problem)
        assert problem["status"] == status and problem["detail"], (where, problem)
        assert problem["type"].startswith("urn:iss-tracker:problem:"), (where, problem)


def run_fuzz(n, seed):
    app = create_app({"CLOCK": lambda: FIXED_NOW})
    client = app.test_client()
    ops = operations()
    rng = random.Random(seed)
    statuses = {}
    for _ in range(n):
        method, url, form = make_request(rng, ops)
        if form is None:
            response = client.open(url, method=method)
        elif isinstance(form, str):
            response = client.post(url, data=form.encode("utf-8", "surrogatepass"),
                                   content_type="application/x-www-form-urlencoded")
        else:
            response = client.post(url, data={k: v.encode("utf-8", "surrogatepass")
                                              for k, v in form.items()})
        check(response, method, url)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return statuses


def test_every_operation_is_covered():
    paths = {path for _, path, _ in operations()}
    assert {"/api/v1/passes", "/api/v1/stats", "/iss-pass.json", "/api/v1/iss/positions"} <= paths
    missing = sorted({name for _, _, params in operations() for name, _ in params} - set(VALID))
    assert not missing, f"parameters without cheap valid values: add them to VALID: {missing}"


def test_http_fuzz_default():
    statuses = run_fuzz(N_DEFAULT, SEED)
    print(f"\nHTTP fuzz: {N_DEFAULT} requests, statuses {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) == N_DEFAULT
    assert statuses.get(200, 0) > N_DEFAULT // 20 and statuses.get(400, 0) > N_DEFAULT // 4


@pytest.mark.slow
def test_http_fuzz_full():
    statuses = run_fuzz(N_FULL, SEED + 1)
    print(f"\nHTTP fuzz: {N_FULL} requests, statuses {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) == N_FULL >= 10_000
