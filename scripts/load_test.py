"""Load test: drive the served app over real HTTP on 127.0.0.1.

By default it starts ``iss-tracker serve --port 0`` (waitress, the production
server) in a subprocess, waits for the URL it prints, then sends requests
at a fixed rate (open loop: request i is due at start + i / rate, whether or
not earlier ones have finished) from a small thread pool, mixed over
/api/v1/iss/now, /api/v1/passes and /api/v1/iss/groundtrack. Latency is
measured from the moment a request was *due*, so a server that falls behind
is charged for the queueing too (no coordinated omission).

    python scripts/load_test.py                    # 60 s at 200 requests/s
    python scripts/load_test.py --duration 5       # smoke check
    python scripts/load_test.py --url http://127.0.0.1:8000   # an already running server
    python scripts/load_test.py --distinct         # no two pass/track requests alike

Prints p50/p99/max latency per kind and overall, the achieved throughput and
the error count; exits 1 on any error (non-200 answer, exception, or a
request that never got sent), 0 otherwise. The p99 goal for /now (50 ms) is
reported, not enforced by the exit status.

Two runs for issue 12 ("one client must not starve the others"):

    python scripts/load_test.py --mix heavy        # 10 % of the heaviest allowed requests
    python scripts/load_test.py --slowloris 1200   # 1,200 connections trickling headers

``--mix heavy``: 90 % light requests (/api/v1/iss/now, /iss-now.json,
/health) and 10 % of the heaviest requests the API accepts (stats at the
300,000-sample cap, 30-day passes / .ics from the horizon up, 30-day
overflights at the 2,500 km radius, 10,000-point tracks and positions), each
different, so none is a cache hit. Light and heavy requests are sent from
separate client pools, so a slow heavy answer never delays a light one on
the client's side. A 503 (heavy slots full, with Retry-After) or 429 is a
deliberate refusal, counted apart; anything else is an error. Goals: 0
errors, /health p99 < 100 ms, light p99 < 50 ms. The server's RSS before
and after is printed (when this script started it), with its child
processes' (serve's heavy-request workers). ``--heavy-share 0`` sends the
light requests alone: the floor the heavy mix is compared with.

``--slowloris N``: N connections each send a request line and then one more
header byte every ``--trickle-s`` seconds, never finishing; meanwhile
/health is asked every 0.1 s on fresh connections. Goal: every /health
answered within 1 s.
"""
from __future__ import annotations

import argparse
import http.client
import os
import queue
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse

NOW_P99_GOAL_MS = 50.0
LIGHT_P99_GOAL_MS = 50.0           # --mix heavy: every light kind
HEALTH_P99_GOAL_MS = 100.0         # --mix heavy: /health
SLOWLORIS_HEALTH_GOAL_S = 1.0      # --slowloris: every /health answer
REFUSALS = (503, 429)              # deliberate: heavy slots full / rate limited
LIGHT_KINDS = ("now", "iss-now", "health")
HEAVY_KINDS = ("stats", "passes30", "ics30", "overflights30", "track10k", "positions10k")

# Observers for the pass requests: (lat, lon) of a few cities, plus named cities.
PASS_QUERIES = [
    "lat=48.8566&lon=2.3522", "lat=40.7128&lon=-74.0060", "lat=35.6895&lon=139.6917",
    "lat=-33.8688&lon=151.2093", "lat=51.5074&lon=-0.1278", "lat=-23.5505&lon=-46.6333",
    "city=Berlin", "city=Nairobi", "city=Toronto", "city=Mumbai",
]


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(q / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[k]


def build_requests(n, seed, now_unix_s, distinct=False):
    """The request mix: 70 % now, 15 % passes, 15 % ground track (one orbit).

    ``distinct``: every pass and ground-track request differs (random observer,
    random start), so none is answered from the server's cache.
    """
    rng = random.Random(seed)
    minute = int(now_unix_s // 60) * 60
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.70:
            out.append(("now", "/api/v1/iss/now"))
        elif r < 0.85:
            if distinct:
                q = f"lat={rng.uniform(-60, 60):.5f}&lon={rng.uniform(-180, 180):.5f}"
            else:
                q = rng.choice(PASS_QUERIES)
            out.append(("passes", f"/api/v1/passes?{q}&days=3&allow_stale=true"))
        else:
            start = minute - 60 * rng.randrange(0, 5)
            if distinct:
                start = minute - rng.randrange(0, 86400)
            out.append(("groundtrack",
                        f"/api/v1/iss/groundtrack?start={start}&end={start + 5580}&step_s=30"
                        "&allow_stale=true"))
    return out


def build_heavy_mix(n, seed, heavy_share=0.10):
    """90 % light (now 50 %, /iss-now.json 20 %, /health 20 %), 10 % of the
    heaviest requests the API accepts, each different (random observer or
    start), so the server's cache never answers them."""
    rng = random.Random(seed)
    # 2026-09-05 .. 2026-10-09: the shipped recent sets (allow_stale for the edges)
    t_lo, t_hi = 1788566400, 1791500000
    out = []
    for _ in range(n):
        r = rng.random()
        if r >= heavy_share:
            light = rng.random()
            if light < 0.5 / 0.9:
                out.append(("now", "/api/v1/iss/now"))
            elif light < 0.7 / 0.9:
                out.append(("iss-now", "/iss-now.json"))
            else:
                out.append(("health", "/health"))
            continue
        kind = rng.choice(HEAVY_KINDS)
        lat, lon = f"{rng.uniform(-60, 60):.5f}", f"{rng.uniform(-180, 180):.5f}"
        start = rng.randrange(t_lo, t_hi)
        if kind == "stats":
            # 300,000 samples (the cap): 10 s steps over 34.7 days, or 600 s
            # steps over 5.7 years across both shipped periods
            if rng.random() < 0.5:
                start = rng.randrange(1786000000, t_hi)
                path = f"/api/v1/stats?start={start}&end={start + 2_999_990}&step_s=10"
            else:
                start = rng.randrange(1420070400, 1430000000)
                path = f"/api/v1/stats?start={start}&end={start + 179_999_400}&step_s=600"
        elif kind == "passes30":
            path = f"/api/v1/passes?lat={lat}&lon={lon}&days=30&min_elevation_deg=0&start={start}"
        elif kind == "ics30":
            path = f"/api/v1/passes.ics?lat={lat}&lon={lon}&days=30&min_elevation_deg=0&start={start}"
        elif kind == "overflights30":
            path = (f"/api/v1/overflights?lat={lat}&lon={lon}&days=30&radius_km=2500"
                    f"&start={start}")
        elif kind == "track10k":
            path = f"/api/v1/iss/groundtrack?start={start}&end={start + 9999}&step_s=1"
        else:
            path = f"/api/v1/iss/positions?start={start}&end={start + 9999}&step_s=1"
        out.append((kind, path + "&allow_stale=true"))
    return out


def rss_mib(pid):
    """Resident set size of process ``pid`` in MiB (Linux /proc), or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def descendants(pid):
    """Process ids of ``pid``'s children, grandchildren... (Linux /proc): the
    server's heavy-computation workers."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        parents.setdefault(int(stat[stat.rindex(")") + 2:].split()[1]), []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def rss_text(pid):
    """('S MiB' for the server plus its child processes' RSS when it has any, total MiB)."""
    own = rss_mib(pid)
    if own is None:
        return None
    workers = [r for r in (rss_mib(c) for c in descendants(pid)) if r is not None]
    if not workers:
        return f"{own:.1f} MiB", own
    total = own + sum(workers)
    return (f"{own:.1f} MiB + {len(workers)} child process{'es' if len(workers) > 1 else ''} "
            f"(heavy workers, multiprocessing's resource tracker) {sum(workers):.1f} MiB "
            f"= {total:.1f} MiB"), total


def drive(url, rate, plan, pools, route, *, timeout_s, accepted):
    """Open-loop driver: request i of ``plan`` ((kind, path) pairs) is due at
    start + i / ``rate`` and goes to the client pool ``route(kind)``
    (``pools``: pool name -> threads, one keep-alive connection each).
    An answer is ok when its status is in ``accepted``. Returns
    ``(planned, results, elapsed)``, results ``(kind, latency_s, service_s,
    ok, detail)`` with the latency counted from the due time."""
    parsed = urllib.parse.urlsplit(url)
    host, port = parsed.hostname, parsed.port or 80
    queues = {name: queue.Queue() for name in pools}
    results = []
    lock = threading.Lock()
    t0 = time.perf_counter() + 0.2

    def worker(work):
        conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
        while True:
            item = work.get()
            if item is None:
                return
            due, kind, path = item
            sent = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept": "application/json"})
                resp = conn.getresponse()
                resp.read()
                ok, detail = resp.status in accepted, resp.status
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
            except Exception as exc:   # noqa: BLE001 - every failure is counted, then reconnect
                ok, detail = False, f"{type(exc).__name__}: {exc}"
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
            done = time.perf_counter()
            with lock:
                results.append((kind, done - due, done - sent, ok, detail))

    threads = [threading.Thread(target=worker, args=(queues[name],), daemon=True)
               for name, count in pools.items() for _ in range(count)]
    for t in threads:
        t.start()
    for i, (kind, path) in enumerate(plan):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        queues[route(kind)].put((due, kind, path))
    for name, count in pools.items():
        for _ in range(count):
            queues[name].put(None)
    for t in threads:
        t.join(timeout=2 * timeout_s)
    return len(plan), results, time.perf_counter() - t0


def run_heavy(url, rate, duration_s, light_threads, heavy_threads, seed, heavy_share=0.10):
    """Separate client pools for light and heavy requests (a slow heavy
    answer never delays a light one on the client's side); 503/429 are
    deliberate refusals."""
    plan = build_heavy_mix(int(rate * duration_s), seed, heavy_share)
    return drive(url, rate, plan, {"light": light_threads, "heavy": heavy_threads},
                 lambda kind: "light" if kind in LIGHT_KINDS else "heavy",
                 timeout_s=60, accepted={200, *REFUSALS})


def report_heavy(n, results, elapsed):
    errors = [r for r in results if not r[3]]
    refused = [r for r in results if r[3] and r[4] in REFUSALS]
    print(f"requests planned {n}, completed {len(results)}, errors {len(errors)}, "
          f"deliberate refusals (503/429) {len(refused)}, elapsed {elapsed:.1f} s, "
          f"throughput {len(results) / elapsed:.1f} requests/s")
    print(f"{'kind':<15}{'count':>7}{'200':>7}{'503/429':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    p99 = {}
    for kind in LIGHT_KINDS + ("light",) + HEAVY_KINDS:
        rows = [r for r in results
                if r[0] == kind or (kind == "light" and r[0] in LIGHT_KINDS)]
        lat = sorted(r[1] * 1000 for r in rows)
        p99[kind] = percentile(lat, 99)
        print(f"{kind:<15}{len(rows):>7}{sum(r[4] == 200 for r in rows):>7}"
              f"{sum(r[4] in REFUSALS for r in rows):>9}{percentile(lat, 50):>9.2f}"
              f"{p99[kind]:>9.2f}{(lat[-1] if lat else float('nan')):>9.2f}")
    for r in errors[:10]:
        print(f"error: {r[0]}: {r[4]}")
    goals = [("errors (besides 503/429)", len(errors) + (n - len(results)) == 0,
              f"{len(errors) + (n - len(results))}"),
             (f"p99(/health) < {HEALTH_P99_GOAL_MS:.0f} ms", p99["health"] < HEALTH_P99_GOAL_MS,
              f"{p99['health']:.2f} ms"),
             (f"p99(light) < {LIGHT_P99_GOAL_MS:.0f} ms", p99["light"] < LIGHT_P99_GOAL_MS,
              f"{p99['light']:.2f} ms")]
    for name, met, value in goals:
        print(f"goal {name}: {'met' if met else 'NOT met'} ({value})")
    return sum(not met for _, met, _ in goals)


def run_slowloris(url, connections, duration_s, trickle_s):
    """``connections`` sockets trickling one header byte each every
    ``trickle_s`` s; /health asked every 0.1 s meanwhile. Returns the
    number of failed goals."""
    import socket
    parsed = urllib.parse.urlsplit(url)
    host, port = parsed.hostname, parsed.port or 80
    socks, refused_open = [], 0
    started = time.perf_counter()
    for i in range(connections):
        try:
            s = socket.create_connection((host, port), timeout=5)
            s.sendall(f"GET /health?slow={i} HTTP/1.1\r\nHost: x\r\n".encode())
            socks.append(s)
        except OSError:
            refused_open += 1
    print(f"slowloris: {len(socks)} connections open ({refused_open} could not be opened) "
          f"in {time.perf_counter() - started:.1f} s; trickling 1 header byte each every "
          f"{trickle_s:g} s for {duration_s:g} s", flush=True)
    stop = threading.Event()
    closed_by_server = [0]

    def trickle():
        k = 0
        while not stop.is_set():
            cycle = time.perf_counter()
            for s in list(socks):
                if stop.is_set():
                    break
                try:
                    s.send(b"X-a: b\r\n"[k % 8:k % 8 + 1])
                except OSError:
                    closed_by_server[0] += 1
                    socks.remove(s)
            k += 1
            stop.wait(max(0.0, trickle_s - (time.perf_counter() - cycle)))

    feeder = threading.Thread(target=trickle, daemon=True)
    feeder.start()
    latencies, failures = [], []
    end = time.perf_counter() + duration_s
    while time.perf_counter() < end:
        t = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(host, port, timeout=10)
            conn.request("GET", "/health")
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status != 200:
                failures.append(f"HTTP {resp.status}")
        except Exception as exc:   # noqa: BLE001
            failures.append(f"{type(exc).__name__}: {exc}")
        latencies.append(time.perf_counter() - t)
        time.sleep(max(0.0, 0.1 - (time.perf_counter() - t)))
    stop.set()
    feeder.join(timeout=10)
    still_open = len(socks)
    for s in socks:
        s.close()
    lat = sorted(x * 1000 for x in latencies)
    print(f"/health during slowloris: {len(lat)} requests, {len(failures)} failed, "
          f"p50 {percentile(lat, 50):.2f} ms, p99 {percentile(lat, 99):.2f} ms, "
          f"max {lat[-1]:.2f} ms; trickling connections still open at the end {still_open}, "
          f"closed by the server {closed_by_server[0]}")
    for f in failures[:5]:
        print(f"error: health: {f}")
    met = not failures and lat and lat[-1] < SLOWLORIS_HEALTH_GOAL_S * 1000
    print(f"goal every /health within {SLOWLORIS_HEALTH_GOAL_S:g} s with {connections} "
          f"trickling connections: {'met' if met else 'NOT met'} (max {lat[-1]:.2f} ms)")
    return 0 if met else 1


def start_server(workers):
    cmd = [sys.executable, "-m", "tracker", "serve", "--host", "127.0.0.1", "--port", "0",
           "--workers", str(workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        if m:
            threading.Thread(target=proc.stdout.read, daemon=True).start()   # keep draining
            return proc, m.group(1)
    proc.kill()
    raise SystemExit("server did not start:\n" + "".join(lines))


def run(url, rate, duration_s, threads, seed, distinct=False):
    plan = build_requests(int(rate * duration_s), seed, time.time(), distinct)
    return drive(url, rate, plan, {"all": threads}, lambda kind: "all", timeout_s=30,
                 accepted={200})


def report(n, results, elapsed):
    errors = [r for r in results if not r[3]]
    print(f"requests planned {n}, completed {len(results)}, errors {len(errors)}, "
          f"elapsed {elapsed:.1f} s, throughput {len(results) / elapsed:.1f} requests/s")
    print(f"{'kind':<12}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'p99 service ms':>16}")
    stats = {}
    for kind in ("now", "passes", "groundtrack", "all"):
        rows = [r for r in results if kind == "all" or r[0] == kind]
        lat = sorted(r[1] * 1000 for r in rows)
        svc = sorted(r[2] * 1000 for r in rows)
        stats[kind] = (percentile(lat, 50), percentile(lat, 99))
        print(f"{kind:<12}{len(rows):>7}{percentile(lat, 50):>9.2f}{percentile(lat, 99):>9.2f}"
              f"{(lat[-1] if lat else float('nan')):>9.2f}{percentile(svc, 99):>16.2f}")
    for r in errors[:10]:
        print(f"error: {r[0]}: {r[4]}")
    p99_now = stats["now"][1]
    print(f"goal p99(now) < {NOW_P99_GOAL_MS:.0f} ms: {'met' if p99_now < NOW_P99_GOAL_MS else 'NOT met'} "
          f"({p99_now:.2f} ms)")
    return len(errors) + (n - len(results))


def _raise_descriptor_limit(wanted):
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
        if target > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ImportError, ValueError, OSError):
        pass


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="target an already running server instead of starting one")
    ap.add_argument("--rate", type=float, default=200.0, help="requests per second (default 200)")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    ap.add_argument("--threads", type=int, default=16, help="client threads (default 16)")
    ap.add_argument("--server-workers", type=int, default=16, help="waitress threads (default 16, as serve)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--distinct", action="store_true",
                    help="make every pass and ground-track request different (no cache hits)")
    ap.add_argument("--mix", choices=("default", "heavy"), default="default",
                    help="heavy: 90 %% light requests, 10 %% of the heaviest allowed ones")
    ap.add_argument("--heavy-threads", type=int, default=32,
                    help="--mix heavy: client threads for the heavy requests (default 32)")
    ap.add_argument("--heavy-share", type=float, default=0.10, metavar="F",
                    help="--mix heavy: share of heavy requests (default 0.10; 0: the light "
                         "requests alone, the floor the heavy ones are compared with)")
    ap.add_argument("--slowloris", type=int, default=0, metavar="N",
                    help="hold N connections trickling their headers and time /health")
    ap.add_argument("--trickle-s", type=float, default=2.0,
                    help="--slowloris: seconds between two bytes of one connection (default 2)")
    args = ap.parse_args(argv)
    if args.rate <= 0 or args.duration <= 0:
        ap.error("--rate and --duration must be positive")
    if not 0 <= args.heavy_share <= 1:
        ap.error("--heavy-share must be between 0 and 1")
    if args.slowloris:
        _raise_descriptor_limit(args.slowloris + 256)
    proc = None
    url = args.url
    if url is None:
        proc, url = start_server(args.server_workers)
    try:
        rss_before = rss_text(proc.pid) if proc is not None else None
        if rss_before is not None:
            print(f"server RSS before: {rss_before[0]}", flush=True)
        if args.slowloris:
            print(f"target {url}: slowloris with {args.slowloris} connections "
                  f"(pid {os.getpid()})", flush=True)
            failures = run_slowloris(url, args.slowloris, args.duration, args.trickle_s)
        elif args.mix == "heavy":
            print(f"target {url}: {args.rate:g} requests/s for {args.duration:g} s, "
                  f"{100 * args.heavy_share:g} % heaviest "
                  f"allowed; client threads {args.threads} light + {args.heavy_threads} heavy "
                  f"(pid {os.getpid()})", flush=True)
            n, results, elapsed = run_heavy(url, args.rate, args.duration, args.threads,
                                            args.heavy_threads, args.seed, args.heavy_share)
            failures = report_heavy(n, results, elapsed)
        else:
            print(f"target {url}: {args.rate:g} requests/s for {args.duration:g} s, "
                  f"{args.threads} client threads (pid {os.getpid()})", flush=True)
            n, results, elapsed = run(url, args.rate, args.duration, args.threads, args.seed,
                                      args.distinct)
            failures = report(n, results, elapsed)
        rss_after = rss_text(proc.pid) if proc is not None else None
        if rss_after is not None and rss_before is not None:
            print(f"server RSS after: {rss_after[0]} "
                  f"(change {rss_after[1] - rss_before[1]:+.1f} MiB)", flush=True)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
