"""``iss-tracker serve``: the HTTP API and map page under waitress.

waitress is a production WSGI server (pure Python, thread pool, no fork);
Flask's development server is never used. Put a reverse proxy in front for
TLS and public exposure (docs/deploy.md).
"""
from __future__ import annotations

import argparse
import ipaddress
import re
import sys

from tracker.cli.argtypes import bounded_float, bounded_int
from tracker.errors import UserError


_HOSTNAME_RE = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                          r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")


def _host(text: str) -> str:
    """An IPv4/IPv6 address or a host name (``256.1.1.1`` is neither)."""
    try:
        ipaddress.ip_address(text.strip("[]"))
        return text.strip("[]")
    except ValueError:
        pass
    if _HOSTNAME_RE.fullmatch(text) and not re.fullmatch(r"[0-9.]+", text):
        return text
    raise argparse.ArgumentTypeError(f"--host must be an IP address (127.0.0.1, ::1, 0.0.0.0) "
                                     f"or a host name, got {text!r}")


_port = bounded_int("port", 0, 65535, note=" (0: any free port)")
_workers = bounded_int("workers", 1, 256)
_hours = bounded_float("refresh interval", "hours", 0.01, 24 * 365)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "serve", help="serve the HTTP API and the live map page (waitress)",
        description="Serve the JSON API, the Open Notify compatible endpoints, /openapi.json "
                    "and the live map page with waitress, a production WSGI server.")
    p.add_argument("--host", type=_host, default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; use a reverse proxy for public access)")
    p.add_argument("--port", type=_port, default=8000, help="TCP port (default 8000; 0: any free port)")
    p.add_argument("--workers", type=_workers, default=16, metavar="N",
                   help="worker threads answering requests (default 16; heavy computations "
                        "may hold at most 3/4 of them, see heavy_budget)")
    p.add_argument("--tle", metavar="FILE", default=None,
                   help="serve the element sets of FILE (TLE/3LE/OMM) instead of the shipped ones")
    p.add_argument("--refresh-hours", type=_hours, default=None, metavar="H",
                   help="refresh the element sets every H hours in the background "
                        "(outcome shown in /health); default: never")
    p.set_defaults(func=run)


# waitress's limits, each set on purpose (issue 12: 1,001 connections trickling
# their headers stalled /health under waitress's defaults). waitress reads a
# request whole in its event loop before a worker thread sees it, so a slow
# client costs a socket and a small buffer, never a thread; what must be
# bounded is how many such sockets there are, how long an idle one lives and
# how much each may send. waitress has no deadline for the whole header
# block (a client sending one byte every few seconds stays "active"): in
# public, nginx's client_header_timeout provides it (docs/deploy.md).
WAITRESS_LIMITS = {
    # select() fails on descriptors above 1024, which a few hundred idle
    # clients reach; poll() has no such ceiling.
    "asyncore_use_poll": True,
    # open connections before waitress stops accepting (new clients then wait
    # in the kernel's backlog). Well above the 1,000+ trickling connections
    # the slowloris run holds, so /health still gets a socket; capped
    # by the process's descriptor limit at start (see _connection_limit).
    "connection_limit": 4000,
    # kernel queue of connections not yet accepted.
    "backlog": 2048,
    # a connection with no bytes in either direction for 30 s is closed
    # (waitress's default is 120 s); nginx's upstream keepalive_timeout must
    # stay below it (docs/deploy.md).
    "channel_timeout": 30,
    # how often idle connections are looked for (default 30 s): the 30 s
    # above is then enforced within 10 s.
    "cleanup_interval": 10,
    # request line plus headers (default 256 KiB): the longest URL the API
    # takes is far shorter (long time lists go in a POST body); larger: 431.
    "max_request_header_size": 64 * 1024,
    # request body (default 1 GiB): the app caps form bodies at 1 MiB
    # (MAX_CONTENT_LENGTH, a 413 problem+json); waitress refuses a declared
    # length beyond 2 MiB before reading it (its own plain 413), so no client
    # makes it buffer more, and the near misses still get the app's problem.
    "max_request_body_size": 2 << 20,
    # a body above 512 KiB (waitress's default, stated) is buffered in a
    # temporary file, not memory: 4,000 connections cannot hold 8 GB of RAM.
    "inbuf_overflow": 512 * 1024,
    # never show a traceback to a client (the default, stated).
    "expose_tracebacks": False,
    # X-Forwarded-* headers from an untrusted peer are dropped: the service
    # builds no absolute URL and trusts no client-supplied address.
    "clear_untrusted_proxy_headers": True,
    "ident": "iss-tracker",
}


def _connection_limit(wanted: int) -> int:
    """``wanted``, or less when the descriptor limit cannot hold it (the soft
    limit is raised to the hard one first; 64 descriptors kept for files,
    the listening socket and the data the app loads)."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or hard > soft:
            target = wanted + 64 if hard == resource.RLIM_INFINITY else min(hard, wanted + 64)
            if target > soft:
                resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
                soft = target
        return max(16, min(wanted, soft - 64))
    except (ImportError, ValueError, OSError):
        return min(wanted, 1000)


def make_server(app, host: str, port: int, workers: int):
    """A waitress server bound to (host, port), not yet running (``.run()``),
    with the limits of ``WAITRESS_LIMITS``."""
    from waitress import create_server
    limits = WAITRESS_LIMITS | {"connection_limit": _connection_limit(
        WAITRESS_LIMITS["connection_limit"])}
    return create_server(app, host=host, port=port, threads=workers, **limits)


def heavy_budget(workers: int, slots: int | None = None, queue: int = 8) -> dict:
    """The app's HEAVY_SLOTS / HEAVY_QUEUE for ``workers`` waitress threads.

    ``slots`` defaults to the cores this process may use minus one (at least
    1): each slot runs its kernels on one thread (``tracker.api.limits.heavy``),
    so one core stays free for light requests (measured on 2 cores, 10 %
    heaviest requests at 200/s: /health p99 143 ms with 2 slots of 2 threads).

    A heavy request that waits for a slot waits in a waitress thread. With 8
    threads, 2 slots and 8 waiting places, heavy requests could hold every
    thread, and /health then queued behind them for seconds (measured: p99
    15 s with 10 % heavy requests at 200 requests/s). So running plus
    waiting heavy requests are kept to at most ``workers`` minus a reserve
    of a quarter of the threads (at least 2) for light requests."""
    if slots is None:
        from tracker.services.batch_dask import available_cores
        slots = max(1, available_cores() - 1)
    reserve = max(2, workers // 4)
    slots = max(1, min(slots, workers - reserve))
    return {"HEAVY_SLOTS": slots, "HEAVY_QUEUE": max(0, min(queue, workers - reserve - slots))}


# How often a thread holding the GIL hands it over (Python's default 5 ms): a
# light request needs the GIL dozens of times, and behind a heavy answer's
# Python work each wait could last a whole interval.
GIL_SWITCH_INTERVAL_S = 0.0005


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def run(args) -> int:
    import sys
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    from tracker.api import create_app
    from tracker.api.resources import current
    import os

    if args.tle is not None and not os.path.isfile(args.tle):
        raise UserError(f"--tle: no such file: {args.tle}", parameter="--tle")
    from tle.store import default_data_dir
    app = create_app({"TLE_FILE": args.tle, "DATA_DIR": str(default_data_dir(os.environ)),
                      **heavy_budget(args.workers)})
    from tracker.api.pool import start_pool, stop_pool
    # heavy requests are answered in worker processes (tracker.api.pool): their
    # Python work never holds this process's GIL. The workers load and warm
    # while this process does the same.
    pool = start_pool(app, wait=False)
    try:
        with app.app_context():
            res = current()
            res.warm()           # load data and compile kernels before the first request
            pool.wait_ready()
            from tracker.api.warm import warm_requests
            warm_requests(app)
            if args.refresh_hours:
                res.start_refresh(args.refresh_hours)
        try:
            server = make_server(app, args.host, args.port, args.workers)
        except (OSError, ValueError) as exc:     # in use, no such address, unresolvable name
            reason = getattr(exc, "strerror", None) or str(exc)
            raise UserError(f"cannot listen on {args.host}:{args.port}: {reason}",
                            parameter="--host") from None
    except BaseException:
        stop_pool(app)
        raise
    host = server.effective_host
    shown = f"[{host}]" if ":" in str(host) else host
    if host in ("0.0.0.0", "::"):
        shown = "127.0.0.1"
    print(f"iss-tracker: serving the map at http://{shown}:{server.effective_port}/ "
          f"(API: /api/v1/..., /openapi.json; {args.workers} threads; heavy requests in "
          f"{pool.workers} worker process{'es' if pool.workers > 1 else ''}; Ctrl-C stops)",
          flush=True)
    import signal
    signal.signal(signal.SIGTERM, _stop_on_sigterm)     # a clean stop: the workers too
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        res.stop_refresh()
        server.close()
        stop_pool(app)
    print("iss-tracker: stopped", file=sys.stderr)
    return 0
