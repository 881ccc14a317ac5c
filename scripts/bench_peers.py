"""Benchmark: our SGP4/SDP4 against every installed peer, the same work, in one run.

    python scripts/bench_peers.py [--repeat 3] [--threads 1,2] [--cases iss,catalog,near,deep]

Peers come from the optional ``bench`` extra (``pip install -e '.[bench]'``,
best in a separate venv): satkit, cysgp4, sgp4-predict (``sgp4_predict``),
orbit-predictor, pyorbital; python-sgp4's ``SatrecArray`` is the reference.
A peer that is not installed is reported as "not installed" and skipped, so
the script also runs in the product venv.

The work (helpers shared with ``scripts/bench_propagation.py``):

* ISS, 1,000,000 one-second steps from its epoch (2022-07-15);
* the first 3,000 objects of tests/data/catalog_2022-07-15.tle x 1,440
  one-minute steps of 2022-07-15, then the near-Earth part and the
  deep-space part (period >= 225 min) of those objects alone.

Each tool gets its inputs in its own time representation, built before the
clock starts (Julian day pairs, MJD floats, datetimes, satkit ``time``
objects, numpy datetime64) and returns TEME position and velocity for every
(object, time). Tools whose API takes one instant per Python call
(sgp4-predict, orbit-predictor) and pyorbital's per-object loop on the
catalog are timed on a stated subset (``--scalar-props``,
``--loop-objects``: evenly spread objects, the first steps of the ISS run);
their figures are per propagation of that subset. pyorbital has no
deep-space (SDP4) model: those objects are "not supported".

Each thread count runs in a child process whose NUMBA_NUM_THREADS,
OMP_NUM_THREADS (cysgp4) and RAYON_NUM_THREADS (satkit) are set to it. In a
child the tools run alternately, one warm-up call each, then ``--repeat``
rounds; each figure is the minimum, in nanoseconds per propagation (one
object at one time), wall clock / process CPU time (CPU > wall: the tool
used more than one thread, or waited for a core). "x ours" is the tool's
wall time over ours, "CPU x" its CPU time over ours (> 1: we are faster;
on a loaded machine the CPU ratio is the steadier one). "max |dr| km" is the largest position difference from
python-sgp4 over the propagations the tool did (errors excluded; satkit
counts elapsed SI seconds across leap seconds, so it differs by ~7.6 km per
leap second between an element set's epoch and the time; orbit-predictor
and sgp4-predict use WGS-84 constants instead of WGS-72).
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_propagation as bp  # noqa: E402  (puts the repository root on sys.path)

PEERS = {"satkit": "satkit", "cysgp4": "cysgp4", "sgp4-predict": "sgp4_predict",
         "orbit-predictor": "orbit_predictor", "pyorbital": "pyorbital"}
TOOLS = ["ours", "SatrecArray", *PEERS]
UNIX_JD = 2440587.5


def _installed(tool: str) -> bool:
    module = PEERS.get(tool)
    return module is None or importlib.util.find_spec(module) is not None


def _version(tool: str) -> str:
    from importlib import metadata
    dist = {"ours": None, "SatrecArray": "sgp4"}.get(tool, tool)
    if dist is None:
        return "numba " + __import__("numba").__version__
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


# ---- the cases -----------------------------------------------------------------------

def cases(selected):
    out = []
    if "iss" in selected:
        from sgp4.api import Satrec
        s = Satrec.twoline2rv(*bp.ISS)
        unix = (s.jdsatepoch - UNIX_JD + s.jdsatepochF) * 86400.0 + np.arange(1_000_000.0)
        out.append(("ISS, 1,000,000 x 1 s", [bp.ISS], unix))
    pairs = bp._catalog_pairs(3000)
    unix = (2459775.5 - UNIX_JD) * 86400.0 + 60.0 * np.arange(1440)
    near = [p for p in pairs if not bp._is_deep(p)]
    deep = [p for p in pairs if bp._is_deep(p)]
    if "catalog" in selected:
        out.append(("3,000 objects x 1,440 min", pairs, unix))
    if "near" in selected:
        out.append((f"  near-Earth part ({len(near)})", near, unix))
    if "deep" in selected:
        out.append((f"  deep-space part ({len(deep)})", deep, unix))
    return out


def _jd_fr(unix):
    days = np.floor(unix / 86400.0)
    return UNIX_JD + days, (unix - days * 86400.0) / 86400.0


def _spread(n, k):
    """k indices evenly spread over range(n) (all of them when k >= n)."""
    return np.arange(n) if k >= n else np.unique(np.linspace(0, n - 1, k).round().astype(int))


def _utc_datetimes(unix, naive=False):
    tz = None if naive else dt.timezone.utc
    epoch = dt.datetime(1970, 1, 1, tzinfo=tz)
    return [epoch + dt.timedelta(seconds=float(u)) for u in unix]


# ---- one adapter per tool: (prepare) -> run() -> (positions km (nsat, ntime, 3), ok mask)

def make_ours(pairs, unix):
    from tracker.propagator.api import Elements, propagate
    els = Elements.from_tle(pairs)
    jd, fr = _jd_fr(unix)

    def run():
        e, r, v = propagate(els, jd, fr)
        return r, e == 0
    return run


def make_satrecarray(pairs, unix):
    from sgp4.api import Satrec, SatrecArray
    sats = SatrecArray([Satrec.twoline2rv(a, b) for a, b in pairs])
    jd, fr = _jd_fr(unix)

    def run():
        e, r, v = sats.sgp4(jd, fr)
        return r, e == 0
    return run


def make_satkit(pairs, unix):
    import satkit as sk
    tles = [sk.TLE.from_lines([a, b])[0] for a, b in pairs]
    times = [sk.time.from_unixtime(float(u)) for u in unix]
    single = len(tles) == 1

    def run():
        if single:   # satkit's single-element-set path is faster than a list of one
            p, v, err = sk.sgp4(tles[0], times, errflag=True)
            p, err = p[None], np.asarray(err).reshape(1, -1)
        else:
            p, v, err = sk.sgp4(tles, times, errflag=True)
        return p / 1000.0, np.asarray(err) == 0
    return run


def make_cysgp4(pairs, unix):
    import cysgp4
    tles = np.array([cysgp4.PyTle("x", a, b) for a, b in pairs], dtype=object)
    jd, fr = _jd_fr(unix)
    mjd = (jd - 2400000.5) + fr

    def run():
        res = cysgp4.propagate_many(mjd[np.newaxis, :], tles[:, np.newaxis], do_eci_pos=True,
                                    do_eci_vel=True, do_geo=False, do_topo=False,
                                    do_obs_pos=False, do_sat_azel=False)
        r = res["eci_pos"]
        return r, np.all(np.isfinite(r), axis=-1)
    return run


def _per_call_loop(preds, when, position_km, errors):
    """A benchmark run for a one-instant-per-call API: ``position_km(pred, t)``
    for every predictor and time; a call raising one of ``errors`` gives NaN."""
    def run():
        r = np.full((len(preds), len(when), 3), np.nan)
        for i, pred in enumerate(preds):
            row = r[i]
            for k, t in enumerate(when):
                try:
                    row[k] = position_km(pred, t)
                except errors:
                    pass
        return r, np.all(np.isfinite(r), axis=-1)
    return run


def make_sgp4_predict(pairs, unix):
    import sgp4_predict as sp
    preds = [sp.Predictor.from_tle(sp.Tle("x", a, b)) for a, b in pairs]
    when = _utc_datetimes(unix)

    def position_km(pred, t):
        pos = pred.propagate(t).position
        return pos.x / 1000.0, pos.y / 1000.0, pos.z / 1000.0
    return _per_call_loop(preds, when, position_km, (RuntimeError, ValueError))


def make_orbit_predictor(pairs, unix):
    from orbit_predictor.sources import get_predictor_from_tle_lines
    preds = [get_predictor_from_tle_lines((a, b)) for a, b in pairs]
    when = _utc_datetimes(unix, naive=True)

    # orbit_predictor.PropagationError and friends: any failure is a NaN
    return _per_call_loop(preds, when, lambda pred, t: pred.propagate_eci(t)[0], (Exception,))


def make_pyorbital(pairs, unix):
    from pyorbital.orbital import Orbital
    sats = [Orbital("x", line1=a, line2=b) for a, b in pairs]
    when = (np.round(unix * 1e6).astype(np.int64)).astype("datetime64[us]")

    def run():
        r = np.full((len(sats), len(when), 3), np.nan)
        for i, sat in enumerate(sats):
            p, v = sat.get_position(when, normalize=False)
            r[i] = np.asarray(p).T
        return r, np.all(np.isfinite(r), axis=-1)
    return run


MAKERS = {"ours": make_ours, "SatrecArray": make_satrecarray, "satkit": make_satkit,
          "cysgp4": make_cysgp4, "sgp4-predict": make_sgp4_predict,
          "orbit-predictor": make_orbit_predictor, "pyorbital": make_pyorbital}
SCALAR = {"sgp4-predict", "orbit-predictor"}


def subset_for(tool, pairs, unix, args):
    """(object indices, time indices, note) of the work this tool is timed on."""
    n_obj, n_t = len(pairs), len(unix)
    if tool in SCALAR:
        if n_obj == 1:
            k = min(n_t, args.scalar_props)
            return np.arange(1), np.arange(k), f"first {k:,} steps"
        objs = _spread(n_obj, max(1, args.scalar_props // n_t))
        return objs, np.arange(n_t), f"{len(objs)} of {n_obj} objects"
    if tool == "pyorbital":
        if any(bp._is_deep(p) for p in pairs):
            return None, None, "not supported (no SDP4)"
        if n_obj > args.loop_objects:
            objs = _spread(n_obj, args.loop_objects)
            return objs, np.arange(n_t), f"{len(objs)} of {n_obj} objects"
    return np.arange(n_obj), np.arange(n_t), ""


def run_child(args) -> list[dict]:
    """All cases at this process's thread count; one dict per (case, tool)."""
    import numba
    threads = numba.config.NUMBA_NUM_THREADS
    if importlib.util.find_spec("cysgp4"):
        import cysgp4
        cysgp4.set_num_threads(threads)
    rows = []
    for label, pairs, unix in cases(set(args.cases.split(","))):
        ref_r, ref_ok = make_satrecarray(pairs, unix)()
        runs, meta = [], []
        for tool in TOOLS:
            if tool not in args.tools:
                continue
            row = {"case": label, "tool": tool, "threads": threads}
            if not _installed(tool):
                rows.append({**row, "note": "not installed"})
                continue
            objs, steps, note = subset_for(tool, pairs, unix, args)
            if objs is None:
                rows.append({**row, "note": note})
                continue
            try:
                fn = MAKERS[tool]([pairs[i] for i in objs], unix[steps])
                r, ok = fn()                        # also the warm-up call
            except Exception as exc:  # noqa: BLE001 -- a peer failing is reported, not fatal
                rows.append({**row, "note": f"failed: {type(exc).__name__}: {exc}"[:120]})
                continue
            want_r, want_ok = ref_r[objs][:, steps], ref_ok[objs][:, steps]
            both = ok & want_ok
            dr = float(np.max(np.abs(r[both] - want_r[both]))) if both.any() else float("nan")
            runs.append(fn)
            meta.append({**row, "note": note, "props": int(len(objs) * len(steps)),
                         "dr_km": dr, "ok_frac": float(ok.mean())})
            del r, ok
        wall, cpu = bp._best(runs, args.repeat) if runs else ([], [])
        for m, w, c in zip(meta, wall, cpu):
            rows.append({**m, "wall_ns": w / m["props"] * 1e9, "cpu_ns": c / m["props"] * 1e9})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", default="1,2", help="thread counts, one child process each")
    parser.add_argument("--cases", default="iss,catalog,near,deep")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--scalar-props", type=int, default=100_000,
                        help="propagations timed for one-instant-per-call APIs")
    parser.add_argument("--loop-objects", type=int, default=500,
                        help="objects timed for pyorbital's per-object loop")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.tools = set(args.tools.split(","))
    if args.child:
        print(json.dumps(run_child(args)))
        return 0

    model, simd = bp._cpu_model()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{model} ({os.cpu_count()} CPUs; {simd}); load average {load:.2f} at start; "
          f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%dT%H:%MZ}; min of {args.repeat}, interleaved")
    print("versions: " + ", ".join(f"{t} {_version(t) if _installed(t) else '(not installed)'}"
                                   for t in TOOLS))
    rows = []
    for t in [int(x) for x in args.threads.split(",")]:
        env = dict(os.environ, NUMBA_NUM_THREADS=str(t), OMP_NUM_THREADS=str(t),
                   RAYON_NUM_THREADS=str(t))
        cmd = [sys.executable, __file__, "--child", "--repeat", str(args.repeat),
               "--cases", args.cases, "--tools", ",".join(sorted(args.tools)),
               "--scalar-props", str(args.scalar_props), "--loop-objects", str(args.loop_objects)]
        out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
        rows += json.loads(out.stdout.strip().splitlines()[-1])
    header = (f"{'case':28s} {'thr':>3s} {'tool':16s} {'ns/prop wall':>12s} {'CPU':>8s} "
              f"{'x ours':>7s} {'CPU x':>7s} {'max |dr| km':>11s}  note")
    print(header)
    print("-" * len(header))
    ours = {(r["case"], r["threads"]): r for r in rows
            if r["tool"] == "ours" and "wall_ns" in r}
    for r in sorted(rows, key=lambda r: (list(dict.fromkeys(x["case"] for x in rows)).index(r["case"]),
                                         r["threads"], TOOLS.index(r["tool"]))):
        if "wall_ns" not in r:
            print(f"{r['case']:28s} {r['threads']:3d} {r['tool']:16s} {'':>12s} {'':>8s} "
                  f"{'':>7s} {'':>7s} {'':>11s}  {r['note']}")
            continue
        base = ours.get((r["case"], r["threads"]))
        ratio = r["wall_ns"] / base["wall_ns"] if base else float("nan")
        cpu_ratio = r["cpu_ns"] / base["cpu_ns"] if base else float("nan")
        note = r["note"]
        if r["ok_frac"] < 1.0:
            note = (note + "; " if note else "") + f"{1 - r['ok_frac']:.1%} errors"
        print(f"{r['case']:28s} {r['threads']:3d} {r['tool']:16s} {r['wall_ns']:12.1f} "
              f"{r['cpu_ns']:8.1f} {ratio:6.2f}x {cpu_ratio:6.2f}x {r['dr_km']:11.1e}  {note}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
