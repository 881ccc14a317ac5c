"""Batch statistics jobs: POST /api/v1/batch, GET /api/v1/batch/<id>[/result].

``POST /api/v1/batch?start=&end=[&step_s=]`` with an element file (TLE, 3LE
or OMM JSON/CSV text) as the body starts a job and answers ``202 Accepted``
with the job's URL (also in ``Location``). ``GET`` that URL for the status
(``queued``, ``running``, ``done``, ``failed``) and the progress
(propagations done of the total), then ``GET <url>/result`` for the rows
(the columns of ``iss-tracker batch-stats``, NaN as null).

Jobs run one at a time on a background thread, on the service's Dask
cluster when it has one (app config ``BATCH_SCHEDULER`` or
``$ISS_TRACKER_SCHEDULER``: ``tracker.services.batch_dask``; it must answer
within ``BATCH_CONNECT_TIMEOUT_S``, else the job fails), else in this
process on one core (the serial kernel, so the server keeps answering).
Bounds, each named by its 4xx: at most ``BATCH_MAX_OBJECTS`` objects and
``BATCH_MAX_PROPAGATIONS`` objects x samples per job (400), the body at
most the app's ``MAX_CONTENT_LENGTH`` (413), at most ``BATCH_MAX_ACTIVE``
jobs queued or running (429 with Retry-After), and the newest
``BATCH_MAX_JOBS`` jobs kept (the oldest finished one is forgotten first).

Jobs live in this process's memory only: a restart of the service loses
every job, queued, running or finished, and their URLs answer 404.
"""
from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

from flask import Blueprint, current_app, request, url_for

from tle.errors import TLEError
from tracker.api.common import json_response
from tracker.api.query import parse
from tracker.astro.time import check_service_range, format_utc
from tracker.errors import NotFoundError, UserError
from tracker.services.inputs import BatchRequest

bp = Blueprint("batch", __name__, url_prefix="/api/v1")

EXTENSION = "iss_tracker_batch"
DEFAULTS = {"BATCH_MAX_OBJECTS": 5_000, "BATCH_MAX_PROPAGATIONS": 50_000_000,
            "BATCH_MAX_ACTIVE": 2, "BATCH_MAX_JOBS": 16, "BATCH_SCHEDULER": None,
            "BATCH_CONNECT_TIMEOUT_S": 10.0}
JOB_ID_PATTERN = "^[0-9a-f]{32}$"


class TooManyJobs(UserError):
    status = 429
    kind = "too-many-jobs"
    title = "Too many batch jobs"

    def __init__(self, message):
        super().__init__(message)
        self.headers = {"Retry-After": "10"}


class JobNotReady(UserError):
    status = 409
    kind = "job-not-ready"
    title = "Batch job has no result"


class Job:
    def __init__(self, sets, plan, engine, connect_timeout_s=10.0):
        self.id = uuid.uuid4().hex
        self.sets, self.plan, self.engine = sets, plan, engine
        self.connect_timeout_s = connect_timeout_s
        self.status = "queued"
        self.created = dt.datetime.now(dt.timezone.utc)
        self.started = self.finished = None
        self.done = 0
        self.rows = None
        self.error = None
        self.lock = threading.Lock()

    def update(self, n):                 # the progress object of the services
        with self.lock:
            self.done += n

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")


class Jobs:
    def __init__(self, max_jobs, max_active):
        self.max_jobs, self.max_active = max_jobs, max_active
        self.lock = threading.Lock()
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-job")

    def add(self, job: Job) -> None:
        with self.lock:
            active = sum(j.active for j in self.jobs.values())
            if active >= self.max_active:
                raise TooManyJobs(f"{active} batch jobs are queued or running, the limit of "
                                  f"this service (BATCH_MAX_ACTIVE = {self.max_active}); retry "
                                  f"when one has finished")
            while len(self.jobs) >= self.max_jobs:
                old = next((k for k, j in self.jobs.items() if not j.active), None)
                if old is None:
                    raise TooManyJobs(f"this service keeps at most {self.max_jobs} batch jobs "
                                      f"(BATCH_MAX_JOBS) and none has finished")
                del self.jobs[old]
            self.jobs[job.id] = job
        self.executor.submit(_run, job)

    def get(self, job_id: str) -> Job:
        with self.lock:
            job = self.jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no batch job {job_id!r} on this server (jobs are kept in "
                                f"memory: a restart loses them, and only the newest "
                                f"{self.max_jobs} are kept)", parameter="job_id")
        return job


def _run(job: Job) -> None:
    from tracker.services.batch import iter_batch_rows

    job.status, job.started = "running", dt.datetime.now(dt.timezone.utc)
    rows = []
    try:
        if job.engine is None:
            for chunk in iter_batch_rows(job.sets, job.plan, progress=job, numba_threads=1):
                rows.extend(chunk)
        else:
            from tracker.services.batch_dask import iter_dask_rows, open_client
            with open_client(job.engine, connect_timeout_s=job.connect_timeout_s) as client:
                for chunk in iter_dask_rows(client, job.sets, job.plan, progress=job,
                                            stall_timeout_s=job.connect_timeout_s):
                    rows.extend(chunk)
    except Exception as exc:             # reported in the job's status, never raised
        if isinstance(exc, (UserError, TLEError)):
            status = getattr(exc, "status", 400)
            kind = getattr(exc, "kind", "invalid-input")
            title = getattr(exc, "title", "Invalid input")
            detail = " ".join(str(exc).split())
        else:
            status, kind, title = 500, "internal-error", "Internal server error"
            detail = f"the job failed ({type(exc).__name__}); it has been logged"
            import logging
            logging.getLogger(__name__).exception("batch job %s failed", job.id)
        job.error = {"type": "urn:iss-tracker:problem:" + kind, "title": title,
                     "status": status, "detail": detail}
        job.status = "failed"
    else:
        job.rows = rows
        job.status = "done"
    finally:
        job.sets = None                  # the element sets are not needed any more
        job.finished = dt.datetime.now(dt.timezone.utc)


def _jobs() -> Jobs:
    ext = current_app.extensions
    if EXTENSION not in ext:
        with _INIT_LOCK:
            if EXTENSION not in ext:
                cfg = current_app.config
                ext[EXTENSION] = Jobs(int(cfg.get("BATCH_MAX_JOBS", DEFAULTS["BATCH_MAX_JOBS"])),
                                      int(cfg.get("BATCH_MAX_ACTIVE",
                                                  DEFAULTS["BATCH_MAX_ACTIVE"])))
    return ext[EXTENSION]


_INIT_LOCK = threading.Lock()


def _limit(name):
    return current_app.config.get(name, DEFAULTS[name])


@bp.post("/batch")
def start_batch():
    import os

    from tle.formats import parse_elements
    from tracker.services.batch import make_plan

    q = parse(BatchRequest)
    start, end = q.start, q.end
    check_service_range(start.unix_s, "start")
    check_service_range(end.unix_s, "end")
    data = request.get_data(cache=False)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError("the body must be an element file as text (TLE, 3LE or OMM JSON/CSV, "
                        "UTF-8)", parameter="body") from None
    sets = parse_elements(text, source="request body") if text.strip() else []
    if not sets:
        raise UserError("the body holds no element sets; send a TLE, 3LE or OMM JSON/CSV "
                        "element file as the request body", parameter="body")
    max_objects = int(_limit("BATCH_MAX_OBJECTS"))
    if len(sets) > max_objects:
        raise UserError(f"{len(sets):,} element sets is more than this service's limit of "
                        f"{max_objects:,} objects per job (BATCH_MAX_OBJECTS)", parameter="body")
    plan = make_plan(len(sets), start, end, q.step_s)
    max_prop = int(_limit("BATCH_MAX_PROPAGATIONS"))
    if plan.propagations > max_prop:
        raise UserError(f"{len(sets):,} objects x {plan.samples:,} samples is more than this "
                        f"service's limit of {max_prop:,} propagations per job "
                        f"(BATCH_MAX_PROPAGATIONS); use a larger step_s, a shorter interval or "
                        f"fewer objects", parameter="step_s")
    engine = _limit("BATCH_SCHEDULER") or os.environ.get("ISS_TRACKER_SCHEDULER") or None
    job = Job(sets, plan, engine, float(_limit("BATCH_CONNECT_TIMEOUT_S")))
    _jobs().add(job)
    response = json_response(_status(job), status=202)
    response.headers["Location"] = _url(job)
    response.headers["Cache-Control"] = "no-store"
    return response


def _url(job: Job) -> str:
    return url_for("batch.batch_status", job_id=job.id)


def _time(t):
    return None if t is None else format_utc(t)


def _status(job: Job) -> dict:
    plan = job.plan
    with job.lock:
        done = min(job.done, plan.propagations)
    body = {"id": job.id, "status": job.status, "url": _url(job),
            "result_url": url_for("batch.batch_result", job_id=job.id),
            "created": _time(job.created), "started": _time(job.started),
            "finished": _time(job.finished),
            "start": format_utc(plan.start), "end": format_utc(plan.end), "step_s": plan.step_s,
            "objects": plan.n_objects, "samples": plan.samples,
            "propagations": plan.propagations, "propagations_done": done,
            "progress": 1.0 if job.status == "done" else done / plan.propagations,
            "engine": "dask" if job.engine else "in-process",
            "error": job.error}
    return body


@bp.get("/batch/<job_id>")
def batch_status(job_id):
    response = json_response(_status(_jobs().get(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/batch/<job_id>/result")
def batch_result(job_id):
    from tracker.formats.batch_output import json_row

    job = _jobs().get(job_id)
    if job.status != "done":
        why = (f"it failed: {job.error['detail']}" if job.status == "failed"
               else f"it is {job.status}; GET {_url(job)} for its progress")
        raise JobNotReady(f"batch job {job_id} has no result: {why}", parameter="job_id")
    plan = job.plan
    rows = [json_row(r) for r in job.rows]
    body = {"id": job.id, "start": format_utc(plan.start), "end": format_utc(plan.end),
            "step_s": plan.step_s, "samples": plan.samples, "objects": len(rows),
            "decayed": sum(r["decay_time"] is not None for r in rows),
            "failed": sum(bool(r["error_code"]) for r in rows), "rows": rows}
    response = json_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response
