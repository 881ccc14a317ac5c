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
    p.add_argument("--workers", type=_workers, default=8, metavar="N",
                   help="worker threads answering requests (default 8)")
    p.add_argument("--tle", metavar="FILE", default=None,
                   help="serve the element sets of FILE (TLE/3LE/OMM) instead of the shipped ones")
    p.add_argument("--refresh-hours", type=_hours, default=None, metavar="H",
                   help="refresh the element sets every H hours in the background "
                        "(outcome shown in /health); default: never")
    p.set_defaults(func=run)


def make_server(app, host: str, port: int, workers: int):
    """A waitress server bound to (host, port), not yet running (``.run()``)."""
    from waitress import create_server
    return create_server(app, host=host, port=port, threads=workers,
                         ident="iss-tracker", clear_untrusted_proxy_headers=True,
                         channel_timeout=30, connection_limit=1000)


def run(args) -> int:
    from tracker.api import create_app
    from tracker.api.resources import current
    import os

    if args.tle is not None and not os.path.isfile(args.tle):
        raise UserError(f"--tle: no such file: {args.tle}", parameter="--tle")
    from tle.store import default_data_dir
    app = create_app({"TLE_FILE": args.tle, "DATA_DIR": str(default_data_dir(os.environ))})
    with app.app_context():
        res = current()
        res.warm()           # load data and compile kernels before the first request
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
    host = server.effective_host
    shown = f"[{host}]" if ":" in str(host) else host
    if host in ("0.0.0.0", "::"):
        shown = "127.0.0.1"
    print(f"iss-tracker: serving the map at http://{shown}:{server.effective_port}/ "
          f"(API: /api/v1/..., /openapi.json; {args.workers} threads; Ctrl-C stops)", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        res.stop_refresh()
        server.close()
    print("iss-tracker: stopped", file=sys.stderr)
    return 0
