"""Schema-driven fuzzing: schemathesis generates requests from /openapi.json
and sends them to the WSGI app (no network); every answer must be non-5xx and
valid against the document (status code listed, media type, body schema,
headers), and requests the document calls invalid must be refused with 4xx.

Positive cases (valid per the document) and negative cases (a parameter of
the wrong type, out of range, missing...) are generated for every
operation; the test counts them and requires at least MIN_REQUESTS in all.
Hypothesis is derandomized so a run is reproducible.

Time parameters have the custom format ``iss-time`` (documented in the
spec); the strategy registered below produces what a client would send:
mostly well-formed times across and outside the element sets' coverage,
'now', Unix seconds, and some arbitrary text, so both the answers and the
refusals are exercised.
"""
from __future__ import annotations

import datetime as dt

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               negative_data_rejection,
                                               response_headers_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

from tracker.api import create_app
from tracker.api.openapi import build_spec

MIN_REQUESTS = 1000
FIXED_NOW = dt.datetime(2026, 10, 10, 12, 0, 0, tzinfo=dt.timezone.utc)

def problem_names_its_parameter(ctx, response, case):
    """House rule: a 4xx is a problem document whose detail names the parameter at fault."""
    if 400 <= response.status_code < 500:
        assert response.headers.get("content-type", [""])[0].startswith("application/problem+json")
        body = response.json()
        if body.get("parameter"):
            assert body["parameter"] in body["detail"], body
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance,
          problem_names_its_parameter]

# (positive, negative) examples per operation; the default for unlisted ones.
EXAMPLES = {
    "/api/v1/passes": (30, 25),
    "/api/v1/passes.ics": (15, 15),
    "/api/v1/passes/sky.svg": (15, 15),
    "/api/v1/overflights": (10, 15),
    "/api/v1/transits": (10, 15),
    "/api/v1/stats": (12, 15),
    "/api/v1/missions/year-in-space": (3, 0),
    "/iss-pass.json": (12, 25),
    "/iss-now.json": (30, 20),
    "/api/v1/batch": (20, 20),
    "/api/v1/batch/{job_id}": (10, 10),
    "/api/v1/batch/{job_id}/result": (10, 10),
}
DEFAULT_EXAMPLES = (120, 50)

_UTC = dt.timezone.utc
_TIMES = st.datetimes(min_value=dt.datetime(1950, 1, 1), max_value=dt.datetime(2060, 1, 1),
                      timezones=st.just(_UTC))
_COVERED = st.one_of(
    st.datetimes(min_value=dt.datetime(2026, 9, 1), max_value=dt.datetime(2026, 11, 30),
                 timezones=st.just(_UTC)),
    st.datetimes(min_value=dt.datetime(2015, 3, 1), max_value=dt.datetime(2016, 4, 30),
                 timezones=st.just(_UTC)))
ISS_TIME = st.one_of(
    st.just("now"),
    _COVERED.map(lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")),
    _COVERED.map(lambda t: t.astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30)))
                 .isoformat()),
    _COVERED.map(lambda t: str(int(t.timestamp()))),
    _TIMES.map(lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
    _TIMES.map(lambda t: t.replace(tzinfo=None).isoformat()),       # naive: refused
    st.text(max_size=20),                                            # anything at all
)
schemathesis.openapi.format("iss-time", ISS_TIME.filter(lambda s: 1 <= len(s) <= 64))


def test_fuzz_every_operation():
    app = create_app({"CLOCK": lambda: FIXED_NOW})
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    counts = {}
    failures = []
    spec_paths = build_spec()["paths"]
    for result in schema.get_all_operations():
        operation = result.ok()
        spec_op = spec_paths[operation.path][operation.method.lower()]
        has_parameters = bool(spec_op.get("parameters") or spec_op.get("requestBody"))
        positive, negative = EXAMPLES.get(operation.path, DEFAULT_EXAMPLES)
        for mode, n in ((GenerationMode.POSITIVE, positive), (GenerationMode.NEGATIVE, negative)):
            if n == 0 or (mode is GenerationMode.NEGATIVE and not has_parameters):
                continue        # nothing to make invalid
            key = (operation.label, mode.value)
            counts[key] = 0
            checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=n, derandomize=True, database=None, deadline=None,
                      phases=[Phase.explicit, Phase.generate, Phase.shrink],
                      suppress_health_check=list(HealthCheck))
            def run(case):
                counts[key] += 1
                case.call_and_validate(checks=checks)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:   # collect every failure, then report
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    total = sum(counts.values())
    print(f"\nschemathesis: {total} requests over {len(counts)} operation/mode pairs")
    assert not failures, "\n\n".join(failures)
    assert total >= MIN_REQUESTS, counts
