"""How far the ISS propagation is from this CPU's limit (issue 13).

One run prints, for the benchmark case of ``scripts/bench_propagation.py``
(the ISS, 1,000,000 one-second steps, ``propagate_into`` into preallocated
outputs):

1. **Work per propagation**, counted, not estimated: the kernels' own source
   runs as plain Python (``tracker.jit.interpret()``, in a child process)
   on a ``float`` subclass that counts every +, -, *, / and unary op and
   every comparison; ``math`` and ``np`` in the kernel modules' namespaces
   are replaced by proxies that count sqrt, sin, cos, atan2, fmod, pow,
   floor, trunc... Both paths: the scalar step (``near._sample``) and the
   path the benchmark runs (``near._satellite_run``: the time conversion and
   the vectorised near-Earth block ``block.near_earth_block``, 64 times a
   block, whose lanes all iterate Kepler's equation until the slowest one
   converges). Operations between plain constants (folded by the compiler)
   are not counted; common subexpressions LLVM merges are (a few ops). The
   counted run's positions are checked against python-sgp4.
2. **The machine's measured limits** (numba probes, ``fastmath`` only in the
   FMA probe): independent FMA chains over 4 x 64 float64 (L1, zmm or ymm)
   on 1 and 2 threads; the same without FMA (separate mul and add, as our
   kernels compile: no fastmath); vectorised division and sqrt throughput;
   the clock from a dependent FMA chain (Zen 4: 4 cycles a FMA); a streaming
   write of the benchmark's output size (1e6 x (3 + 3) float64 + 1e6 uint8)
   on 1 and 2 threads.
3. **Our kernel** on 1 and 2 threads (wall and process CPU time), and the
   ratios: GFLOP/s achieved vs the probes' peak, the write bandwidth our
   outputs need vs the probe's, our 1 -> 2 thread scaling vs the FMA
   probe's; and, from the machine code numba cached for ``propagate_into``
   (``objdump``, when installed), the vector width of the block kernel.

Every timed call runs alternately with the others, after a warm-up (numba's
cache loaded or compiled once before timing), and the minimum of
``--repeat`` runs is kept. The load average is printed before and after.

    python scripts/cpu_limit.py [--repeat 9] [--count-blocks 128]
"""
from __future__ import annotations

import argparse
import collections
import glob
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

N_STEPS = 1_000_000                 # the benchmark's one-second steps
OUT_BYTES_PER_PROP = 6 * 8 + 1      # r, v float64 x 3 each, one uint8 error code
ZEN4_FMA_LATENCY_CYCLES = 4         # AMD family 19h: FMA latency 4 cycles
ZEN4_FLOPS_PER_CYCLE = 16           # two 256-bit FMA pipes: 2 x 4 lanes x 2 flops


# ---------------------------------------------------------------------------
# 1. Counting (child process, kernels as plain Python)
# ---------------------------------------------------------------------------

_N: collections.Counter = collections.Counter()
# Latency in cycles of each operation, for the critical path (set by count_ops
# from the parent's measurements); compares and selects are left out of it.
_LAT = {"add": 3.0, "sub": 3.0, "mul": 3.0, "div": 13.0, "sqrt": 21.0, "round": 3.0,
        "neg": 1.0, "abs": 1.0}


class CF(float):
    """A float that counts the arithmetic done with it (into ``_N``) and
    carries ``d``, the cycle at which it is ready when every operation
    starts as soon as its inputs are (its dependency chain's latency), and
    ``m``, whether a multiplication made it (an add or subtract taking one
    could be a fused multiply-add: counted as ``fusable``)."""

    __slots__ = ("d", "m")

    def __new__(cls, value, d=0.0, m=False):
        self = float.__new__(cls, value)
        self.d = d
        self.m = m
        return self

    def _op(name, fn):                                   # noqa: N805
        def method(a, b):
            if not isinstance(b, (float, int)):
                return NotImplemented
            _N[name] += 1
            if name in ("add", "sub") and (a.m or getattr(b, "m", False)):
                _N["fusable"] += 1
            return CF(fn(float(a), float(b)), max(a.d, getattr(b, "d", 0.0)) + _LAT.get(name, 0.0),
                      name == "mul")
        return method

    __add__ = _op("add", lambda a, b: a + b)
    __radd__ = _op("add", lambda a, b: b + a)
    __sub__ = _op("sub", lambda a, b: a - b)
    __rsub__ = _op("sub", lambda a, b: b - a)
    __mul__ = _op("mul", lambda a, b: a * b)
    __rmul__ = _op("mul", lambda a, b: b * a)
    __truediv__ = _op("div", lambda a, b: a / b)
    __rtruediv__ = _op("div", lambda a, b: b / a)
    __pow__ = _op("pow", lambda a, b: a ** b)
    __rpow__ = _op("pow", lambda a, b: b ** a)
    del _op

    def _cmp(fn):                                        # noqa: N805
        def method(a, b):
            if not isinstance(b, (float, int)):
                return NotImplemented
            _N["cmp"] += 1
            return fn(float(a), float(b))
        return method

    __lt__ = _cmp(float.__lt__)
    __le__ = _cmp(float.__le__)
    __gt__ = _cmp(float.__gt__)
    __ge__ = _cmp(float.__ge__)
    __eq__ = _cmp(float.__eq__)
    __ne__ = _cmp(float.__ne__)
    __hash__ = float.__hash__
    del _cmp

    def __neg__(self):
        _N["neg"] += 1
        return CF(-float(self), self.d + _LAT["neg"])

    def __pos__(self):
        return self

    def __abs__(self):
        _N["abs"] += 1
        return CF(abs(float(self)), self.d + _LAT["abs"])


def _counting(prefix, fn):
    name = fn.__name__
    lat = _LAT["sqrt"] if name == "sqrt" else _LAT["round"] if name in ("floor", "trunc", "rint") \
        else 0.0                          # other calls: none on the ISS path (counted, printed)

    def wrapped(*args):
        if all(isinstance(a, (float, int)) for a in args):
            _N[f"{prefix}.{name}"] += 1
            out = fn(*[float(a) for a in args])
            d = max([getattr(a, "d", 0.0) for a in args]) + lat
            return CF(out, d) if isinstance(out, (float, np.floating)) else out
        return fn(*args)
    return wrapped


class _CountingModule:
    """``math`` or ``np`` for the kernel modules: the listed functions count
    their scalar calls, everything else is the real module's."""

    def __init__(self, real, prefix, names):
        self._real = real
        self._wrapped = {n: _counting(prefix, getattr(real, n)) for n in names
                         if hasattr(real, n)}

    def __getattr__(self, name):
        w = self._wrapped.get(name)
        return w if w is not None else getattr(self._real, name)


_MATH_NAMES = ("sqrt", "sin", "cos", "tan", "atan", "atan2", "asin", "acos", "exp", "log",
               "pow", "fmod", "fabs", "hypot", "cbrt")
_NP_NAMES = ("floor", "trunc", "rint", "fmod", "sqrt", "sin", "cos", "arctan2", "power",
             "exp", "log", "abs", "fabs")


class _CountingWork:
    """The block kernel's 1-D scratch: counts loads and stores (L1 traffic)
    and the stores of each row; values read back as CF."""

    def __init__(self, size, block):
        self._a = [0.0] * size
        self._block = block
        self.row_stores = collections.Counter()

    def __getitem__(self, k):
        _N["work_load"] += 1
        v = self._a[k]
        return v if isinstance(v, CF) else CF(v)

    def __setitem__(self, k, v):
        _N["work_store"] += 1
        self.row_stores[k // self._block] += 1
        self._a[k] = v


def _cf_array(a):
    out = np.empty(np.shape(a), dtype=object)
    for idx, v in np.ndenumerate(np.asarray(a, dtype=np.float64)):
        out[idx] = CF(v)
    return out


def _ready(*values):
    return max(getattr(v, "d", 0.0) for v in values)


def count_ops(n_blocks, latencies=None):
    """Counts per propagation for the ISS case, and the critical path of one
    propagation in cycles (``latencies`` by op name, else ``_LAT``'s); a
    JSON-able dict."""
    _LAT.update(latencies or {})
    import tracker.jit
    if not tracker.jit.interpret():
        raise SystemExit("cpu_limit: kernel modules were imported before interpret()")
    from sgp4.api import Satrec

    from bench_propagation import ISS
    from tracker.propagator import block, deep, init, near, short_period, trig, vtrig
    from tracker.propagator.api import Elements
    from tracker.propagator.deep import RESONANCE_STATE_SIZE

    els = Elements.from_tle([ISS])                    # init runs uncounted (once per satellite)
    epoch_jd, epoch_fr = float(els.epoch_jd[0]), float(els.epoch_fr[0])
    for mod in (near, block, short_period, trig, vtrig, deep, init):
        if "math" in vars(mod):
            mod.math = _CountingModule(math, "math", _MATH_NAMES)
        if "np" in vars(mod):
            mod.np = _CountingModule(np, "np", _NP_NAMES)

    works = []

    def block_scratch():
        w = _CountingWork(block.WORK_SIZE, block.BLOCK)
        works.append(w)
        return (np.zeros(RESONANCE_STATE_SIZE), w, np.empty(block.BLOCK, dtype=object),
                np.empty(block.BLOCK, dtype=np.uint8), np.empty((block.BLOCK, 3), dtype=object),
                np.empty((block.BLOCK, 3), dtype=object))
    near.block_scratch = block_scratch

    block_results = []
    real_block = block.near_earth_block

    def near_earth_block(*args):
        ok = real_block(*args)
        block_results.append(bool(ok))
        return ok
    block.near_earth_block = near_earth_block

    # the sine/cosine polynomials' share: calls and the FLOPS done inside them
    trig_calls = collections.Counter()

    def attributed(name, fn):
        def wrapped(*args):
            before = _N["add"] + _N["sub"] + _N["mul"] + _N["div"]
            out = fn(*args)
            trig_calls[name] += 1
            trig_calls[name + " flops"] += _N["add"] + _N["sub"] + _N["mul"] + _N["div"] - before
            return out
        return wrapped
    poly = attributed("sincos_poly", vtrig.sincos_poly)
    small = attributed("sincos_small", trig.sincos_small)
    block.sincos_poly = vtrig.sincos_poly = poly
    block.sincos_small = trig.sincos_small = small

    rotations = [0]
    real_rotate = trig.rotate

    def rotate(*args):
        rotations[0] += 1
        return real_rotate(*args)
    trig.rotate = rotate

    c = _cf_array(els.coeffs)
    bsize = block.BLOCK
    # block starts spread over the benchmark's 1e6 steps, on its block grid
    starts = np.linspace(0, N_STEPS - bsize, n_blocks) // bsize
    starts = np.unique(starts.astype(np.int64) * bsize)
    sat = Satrec.twoline2rv(*ISS)
    result = {"n_samples": int(len(starts) * bsize), "n_blocks": int(len(starts))}
    max_dr = {"block": 0.0, "scalar": 0.0}
    per_path = {}

    # -- the benchmark's path: time conversion + near-Earth block --
    _N.clear()
    kepler_passes = []
    paths = {"block": [], "scalar": []}
    for b0 in starts:
        steps = np.arange(b0, b0 + bsize)
        jd = np.full(bsize, epoch_jd)
        fr = epoch_fr + steps / 86400.0
        e_row = np.empty(bsize, dtype=object)
        r_rows = np.empty((bsize, 3), dtype=object)
        v_rows = np.empty((bsize, 3), dtype=object)
        near._satellite_run(c, 0, CF(epoch_jd), CF(epoch_fr), _cf_array(jd), _cf_array(fr),
                            np.empty(0), 0, bsize, e_row, r_rows, v_rows)
        # W_ACTIVE is stored once per lane before Kepler, then once per lane a pass
        kepler_passes.append(works[-1].row_stores[block.W_ACTIVE] / bsize - 1)
        paths["block"] += [_ready(*r_rows[j], *v_rows[j]) for j in range(bsize)]
        _, ref_r, _ = sat.sgp4_array(jd, fr)
        max_dr["block"] = max(max_dr["block"],
                              float(np.max(np.abs(r_rows.astype(np.float64) - ref_r))))
    per_path["block"] = dict(_N)
    result["block_trig"] = {k: v / result["n_samples"] for k, v in trig_calls.items()}
    trig_calls.clear()
    result["block_fallbacks"] = int(sum(not ok for ok in block_results))
    result["block_kepler_passes"] = float(np.mean(kepler_passes))
    result["block_kepler_passes_max"] = float(np.max(kepler_passes))

    # -- the scalar step, same times --
    _N.clear()
    rotations[0] = 0
    state = np.zeros(RESONANCE_STATE_SIZE)
    for b0 in starts:
        for j in range(b0, b0 + bsize):
            fr = epoch_fr + j / 86400.0
            tsince = (fr - epoch_fr) * 1440.0        # minutes since epoch (jd = epoch_jd)
            out = near._sample(c, 0, CF(tsince), state)
            paths["scalar"].append(_ready(*out[1:]))
            _, ref_r, _ = sat.sgp4(epoch_jd, fr)
            max_dr["scalar"] = max(max_dr["scalar"],
                                   max(abs(float(out[1 + k]) - ref_r[k]) for k in range(3)))
    per_path["scalar"] = dict(_N)
    result["scalar_trig"] = {k: v / result["n_samples"] for k, v in trig_calls.items()}
    # each Kepler pass but the last ends with a rotation; the orientation rotates twice
    result["scalar_kepler_passes"] = rotations[0] / result["n_samples"] - 2 + 1
    n = result["n_samples"]
    result["per_prop"] = {p: {k: v / n for k, v in counts.items()}
                          for p, counts in per_path.items()}
    result["max_dr_km"] = max_dr
    result["critical_path_cycles"] = {k: float(np.mean(v)) for k, v in paths.items()}
    result["latencies_cycles"] = dict(_LAT)
    return result


def _summary(counts):
    """flops (add + sub + mul + div + sqrt), the other FP ops, the libm calls."""
    g = collections.defaultdict(float)
    for k, v in counts.items():
        if k in ("add", "sub"):
            g["add"] += v
        elif k in ("mul", "div", "neg", "abs", "cmp", "work_load", "work_store", "fusable"):
            g[k] += v
        elif k in ("math.sqrt", "np.sqrt"):
            g["sqrt"] += v
        elif k in ("np.floor", "np.trunc", "np.rint"):
            g["round"] += v
        else:
            g["calls"] += v
            g["call:" + k] = v
    g["flops"] = g["add"] + g["mul"] + g["div"] + g["sqrt"]
    # every op that occupies an FP pipe (compares become vcmppd / masks, floor vrndscalepd)
    g["fp_ops"] = g["flops"] + g["neg"] + g["abs"] + g["cmp"] + g["round"]
    return g


# ---------------------------------------------------------------------------
# 2. Probes (numba)
# ---------------------------------------------------------------------------

def _probes():
    from numba import prange

    from tracker.jit import njit

    def four_chains(step, **flags):
        """A probe over x (4, 64): 4 independent chains per lane, 8 dependent
        ``v = step(v, b, c)`` each a pass. ``step`` is inlined into the loop
        (numba's IR), so it compiles with the probe's ``flags``. Not cached:
        numba cannot cache closures."""
        def rows(x, n_iter, b, c):
            for _ in range(n_iter):
                for k in range(64):
                    v0 = x[0, k]
                    v1 = x[1, k]
                    v2 = x[2, k]
                    v3 = x[3, k]
                    for _s in range(8):
                        v0 = step(v0, b, c)
                        v1 = step(v1, b, c)
                        v2 = step(v2, b, c)
                        v3 = step(v3, b, c)
                    x[0, k] = v0
                    x[1, k] = v1
                    x[2, k] = v2
                    x[3, k] = v3
        return njit(nogil=True, error_model="numpy", **flags)(rows)

    def inline(fn):
        return njit(inline="always", error_model="numpy")(fn)

    mul_add = inline(lambda v, b, c: v * b + c)
    # with fastmath each step is one FMA; without, a vmulpd and a vaddpd
    fma_rows = four_chains(mul_add, fastmath=True)
    mul_add_rows = four_chains(mul_add)
    div_rows = four_chains(inline(lambda v, d, _c: d / v))                # x -> d / x
    sqrt_rows = four_chains(inline(lambda v, s, _c: math.sqrt(s * v)))    # x -> sqrt(s x)

    @njit(cache=True, nogil=True, fastmath={"contract"}, error_model="numpy")
    def fma_latency(n, b, c):
        """One dependent scalar FMA chain: n x the FMA latency."""
        v = 0.5
        for _ in range(n):
            v = v * b + c
        return v

    @njit(cache=True, nogil=True, error_model="numpy")
    def add_latency(n, c):
        """One dependent chain of additions (no fastmath: not reassociated)."""
        v = 0.5
        for _ in range(n):
            v = v + c
        return v

    @njit(cache=True, nogil=True, error_model="numpy")
    def mul_latency(n, b):
        """One dependent chain of multiplications."""
        v = 0.5
        for _ in range(n):
            v = v * b
        return v

    @njit(cache=True, nogil=True, error_model="numpy")
    def div_latency(n, d):
        """One dependent chain of IEEE divisions."""
        v = 1.5
        for _ in range(n):
            v = d / v
        return v

    @njit(cache=True, nogil=True, error_model="numpy")
    def sqrt_latency(n, s):
        """One dependent chain of square roots."""
        v = 1.5
        for _ in range(n):
            v = math.sqrt(s * v)
        return v

    @njit(cache=True, nogil=True, parallel=True, error_model="numpy")
    def fma_threads(x, n_iter, b, c):
        """fma_rows on x[k] (k < x.shape[0]), one row per thread."""
        for k in prange(x.shape[0]):
            fma_rows(x[k], n_iter, b, c)

    @njit(cache=True, nogil=True, parallel=True, error_model="numpy")
    def stream_write(e, r, v, n_chunk):
        """Write every row of the benchmark's output shapes once, n_chunk pieces."""
        n = e.shape[1]
        chunk = (n + n_chunk - 1) // n_chunk
        for k in prange(n_chunk):
            for j in range(k * chunk, min(n, (k + 1) * chunk)):
                x = j * 1.0e-3
                e[0, j] = 0
                r[0, j, 0] = x
                r[0, j, 1] = x
                r[0, j, 2] = x
                v[0, j, 0] = x
                v[0, j, 1] = x
                v[0, j, 2] = x

    return dict(fma_rows=fma_rows, mul_add_rows=mul_add_rows, div_rows=div_rows,
                sqrt_rows=sqrt_rows, fma_latency=fma_latency, add_latency=add_latency,
                mul_latency=mul_latency,
                div_latency=div_latency, sqrt_latency=sqrt_latency, fma_threads=fma_threads,
                stream_write=stream_write)


def _block_kernel_code(dispatcher):
    """Vector width of the block kernel in the machine code numba cached for
    ``propagate_into`` (its object file, disassembled by objdump); None if
    unavailable."""
    import pickle

    objdump = shutil.which("objdump")
    cache = getattr(dispatcher, "_cache", None)
    path = getattr(cache, "_cache_path", None)
    if objdump is None or path is None:
        return None
    files = sorted(glob.glob(os.path.join(path, "near.propagate_into-*.nbc")),
                   key=os.path.getmtime)
    if not files:
        return None
    found = []

    def walk(o):
        if isinstance(o, (bytes, bytearray)) and bytes(o[:4]) == b"\x7fELF":
            found.append(bytes(o))
        elif isinstance(o, (tuple, list)):
            for x in o:
                walk(x)
        elif isinstance(o, dict):
            for x in o.values():
                walk(x)
    try:
        walk(pickle.loads(Path(files[-1]).read_bytes()))
    except Exception:                                    # numba's private format changed
        return None
    if not found:
        return None
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".o") as f:
        f.write(found[0])
        f.flush()
        text = subprocess.run([objdump, "-d", "--no-show-raw-insn", f.name],
                              capture_output=True, text=True).stdout
    # the function whose symbol names tracker.propagator.block._block
    m = re.search(r"^[0-9a-f]+ <[^>]*5block6_block[^>]*>:\n(.*?)(?=^[0-9a-f]+ <|\Z)", text,
                  re.S | re.M)
    if m is None:
        return None
    ins = [line.split("\t", 1)[1] for line in m.group(1).splitlines() if "\t" in line]

    def count(pattern):
        return sum(1 for s in ins if re.search(pattern, s))
    return {
        "instructions": len(ins),
        "zmm_pd": count(r"^v\w+pd\s.*%zmm"),
        "ymm_pd": count(r"^v\w+pd\s.*%ymm"),
        "scalar_sd": count(r"^v\w+sd\s"),
        "fma": count(r"^vfn?m(add|sub)"),
        "zmm_div": count(r"^vdivpd.*%zmm"),
        "zmm_sqrt": count(r"^vsqrtpd.*%zmm"),
    }


def _vector_lanes():
    """(float64 lanes, register name) of the widest vectors LLVM targets here:
    8 on zmm with AVX-512F, else 4 on ymm (AVX2)."""
    try:
        flags = next((ln.split(":", 1)[1].split() for ln in
                      Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("flags")), [])
    except OSError:
        flags = []
    return (8, "zmm") if "avx512f" in flags else (4, "ymm")


def _cpu_line():
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"

    def field(name):
        return next((line.split(":", 1)[1].strip() for line in text.splitlines()
                     if line.startswith(name)), "?")
    flags = field("flags").split()
    simd = [f for f in ("avx2", "fma", "avx512f", "avx512dq", "avx512vl") if f in flags]
    hyper = "hypervisor" if "hypervisor" in flags else "bare metal"
    try:
        siblings = Path("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list")
        siblings = siblings.read_text().strip()
    except OSError:
        siblings = "?"
    return (f"{field('model name')} (family {field('cpu family')} model {field('model')}), "
            f"{os.cpu_count()} vCPUs ({hyper}; cpu0's SMT siblings as the guest sees them: "
            f"{siblings}), {' '.join(simd)}, nominal {field('cpu MHz')} MHz")


def _load():
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--count-blocks", type=int, default=128,
                        help="blocks of 64 steps counted (spread over the 1e6 steps)")
    parser.add_argument("--count-only", action="store_true",
                        help="internal: print the counts as JSON and exit")
    parser.add_argument("--latencies", default="{}",
                        help="internal: JSON latencies in cycles for --count-only")
    args = parser.parse_args(argv)
    if args.count_only:
        print(json.dumps(count_ops(args.count_blocks, json.loads(args.latencies))))
        return 0

    load_before = _load()
    t_start = time.perf_counter()

    import llvmlite.binding as llvm
    import numba

    from bench_propagation import ISS
    from tracker.propagator import near
    from tracker.propagator.api import Elements, propagate_into

    print(f"{_cpu_line()}")
    print(f"numba {numba.__version__} (LLVM target {llvm.get_host_cpu_name()}), "
          f"{numba.config.NUMBA_NUM_THREADS} threads; "
          f"{time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime())}; "
          f"load average before {load_before}")

    # ---- latencies first: the clock, and the cycles the critical path counts ----
    p = _probes()
    lat_n = 20_000_000
    chains = {"fma": lambda n: p["fma_latency"](n, 0.999999, 1e-7),
              "add": lambda n: p["add_latency"](n, 1e-7),
              "mul": lambda n: p["mul_latency"](n, 0.999999),
              "div": lambda n: p["div_latency"](n, 1.5),
              "sqrt": lambda n: p["sqrt_latency"](n, 1.0000001)}
    chain_n = {"fma": lat_n, "add": lat_n, "mul": lat_n, "div": lat_n // 4, "sqrt": lat_n // 4}
    chain_ns = {}
    for name, fn in chains.items():
        fn(1000)                              # compile or load from cache
    for _ in range(5):
        for name, fn in chains.items():
            w0 = time.perf_counter()
            fn(chain_n[name])
            ns = (time.perf_counter() - w0) / chain_n[name] * 1e9
            chain_ns[name] = min(chain_ns.get(name, ns), ns)
    lat_ns = chain_ns["fma"]
    ghz = ZEN4_FMA_LATENCY_CYCLES / lat_ns
    cycles = {k: v * ghz for k, v in chain_ns.items()}
    cycles["sqrt"] -= cycles["mul"]           # the sqrt chain multiplies once a step
    latencies = {"add": round(cycles["add"]), "sub": round(cycles["add"]),
                 "mul": round(cycles["mul"]), "div": round(cycles["div"]),
                 "sqrt": round(cycles["sqrt"]), "round": round(cycles["add"])}

    t_count = time.perf_counter()
    child = subprocess.run([sys.executable, __file__, "--count-only",
                            "--count-blocks", str(args.count_blocks),
                            "--latencies", json.dumps(latencies)],
                           capture_output=True, text=True)
    if child.returncode != 0:
        sys.stderr.write(child.stderr)
        raise SystemExit("cpu_limit: counting failed")
    counted = json.loads(child.stdout)
    t_count = time.perf_counter() - t_count

    # ---- 1. counts ----
    blk = _summary(counted["per_prop"]["block"])
    sca = _summary(counted["per_prop"]["scalar"])
    print(f"\n1. Work per propagation (counted: ISS, {counted['n_samples']} times in "
          f"{counted['n_blocks']} blocks of 64 spread over the 1e6 s; {t_count:.1f} s)")
    hdr = (f"   {'path':34s} {'add/sub':>7s} {'mul':>6s} {'div':>5s} {'sqrt':>5s} {'FLOPS':>6s} "
           f"| {'neg':>4s} {'abs':>4s} {'floor':>5s} {'cmp':>5s} {'FP ops':>6s} | {'libm':>4s} "
           f"{'Kepler':>6s} {'max|dr| km':>10s}")
    print(hdr)
    for name, g, kp, dr in (
            ("scalar step (near._sample)", sca, counted["scalar_kepler_passes"],
             counted["max_dr_km"]["scalar"]),
            ("benchmark path (time + block)", blk, counted["block_kepler_passes"],
             counted["max_dr_km"]["block"])):
        print(f"   {name:34s} {g['add']:7.1f} {g['mul']:6.1f} {g['div']:5.1f} {g['sqrt']:5.1f} "
              f"{g['flops']:6.1f} | {g['neg']:4.1f} {g['abs']:4.1f} {g['round']:5.1f} "
              f"{g['cmp']:5.1f} {g['fp_ops']:6.1f} | {g['calls']:4.1f} {kp:6.2f} {dr:10.1e}")
    print(f"   FLOPS = add + sub + mul + div + sqrt (one each); FP ops adds neg, abs, floor/trunc "
          f"and compares; libm = other math/np calls;\n   Kepler = Newton passes per propagation "
          f"(block: per block, max {counted['block_kepler_passes_max']:.0f}, every lane runs "
          f"them); block fallbacks to the scalar step: {counted['block_fallbacks']}; "
          f"block scratch traffic {blk['work_load']:.0f} loads + {blk['work_store']:.0f} "
          f"stores of 8 B (L1)\n   per propagation; max|dr| vs python-sgp4 of the counted run.")
    print(f"   adds/subtracts taking a product (an FMA each if contracted): scalar step "
          f"{sca['fusable']:.1f}, benchmark path {blk['fusable']:.1f} of its {blk['mul']:.1f} "
          f"multiplies")
    for path, key in (("scalar step", "scalar_trig"), ("benchmark path", "block_trig")):
        tc = collections.defaultdict(float, counted[key])
        g = sca if key == "scalar_trig" else blk
        print(f"   {path}: sin/cos polynomials {tc['sincos_poly']:.2f} calls (vtrig.sincos_poly, "
              f"{tc['sincos_poly flops']:.0f} FLOPS) + {tc['sincos_small']:.2f} small-angle "
              f"(trig.sincos_small, {tc['sincos_small flops']:.0f} FLOPS) = "
              f"{100 * (tc['sincos_poly flops'] + tc['sincos_small flops']) / g['flops']:.0f} % "
              f"of its FLOPS")
    cp = counted["critical_path_cycles"]
    lats = counted["latencies_cycles"]
    print(f"   critical path of one propagation (its longest dependency chain, latencies in cycles "
          f"measured in 2.: add/sub {lats['add']:.0f}, mul {lats['mul']:.0f}, div "
          f"{lats['div']:.0f}, sqrt {lats['sqrt']:.0f},\n   floor = add, neg/abs "
          f"{lats['neg']:.0f}; "
          f"compares and selects left out): scalar step {cp['scalar']:.0f} cycles, block path "
          f"{cp['block']:.0f} cycles a lane")

    # ---- 2 and 3: timed, interleaved ----
    n_thr = numba.config.NUMBA_NUM_THREADS
    els = Elements.from_tle([ISS])
    jd = np.full(N_STEPS, els.epoch_jd[0])
    fr = els.epoch_fr[0] + np.arange(N_STEPS) / 86400.0
    e_out = np.empty((1, N_STEPS), np.uint8)
    r_out = np.empty((1, N_STEPS, 3))
    v_out = np.empty((1, N_STEPS, 3))
    x1 = np.full((4, 64), 0.5)
    xt = {k: np.full((k, 4, 64), 0.5) for k in sorted({1, n_thr})}
    xd = np.full((4, 64), 1.5)
    xs = np.full((4, 64), 1.5)
    fma_iter, div_iter, sqrt_iter = 400_000, 40_000, 60_000

    def with_threads(k, fn):
        def run():
            numba.set_num_threads(k)
            fn()
        return run

    tasks = {
        "fma 1": with_threads(1, lambda: p["fma_threads"](xt[1], fma_iter, 0.999999, 1e-7)),
        f"fma {n_thr}": with_threads(n_thr, lambda: p["fma_threads"](xt[n_thr], fma_iter,
                                                                    0.999999, 1e-7)),
        "mul+add 1": with_threads(1, lambda: p["mul_add_rows"](x1, fma_iter // 2, 0.999999, 1e-7)),
        "div 1": with_threads(1, lambda: p["div_rows"](xd, div_iter, 1.5, 0.0)),
        "sqrt 1": with_threads(1, lambda: p["sqrt_rows"](xs, sqrt_iter, 1.0000001, 0.0)),
        "stream 1": with_threads(1, lambda: p["stream_write"](e_out, r_out, v_out, 1)),
        f"stream {n_thr}": with_threads(n_thr, lambda: p["stream_write"](e_out, r_out, v_out,
                                                                         n_thr)),
        "ours 1": with_threads(1, lambda: propagate_into(els, jd, fr, e_out, r_out, v_out)),
        f"ours {n_thr}": with_threads(n_thr, lambda: propagate_into(els, jd, fr, e_out, r_out,
                                                                    v_out)),
    }
    t_warm = time.perf_counter()
    for fn in tasks.values():
        fn()                                  # compile or load from cache, fault pages
    t_warm = time.perf_counter() - t_warm
    wall = dict.fromkeys(tasks, float("inf"))
    cpu = dict.fromkeys(tasks, float("inf"))
    for _ in range(args.repeat):
        for name, fn in tasks.items():
            c0 = time.process_time()
            w0 = time.perf_counter()
            fn()
            wall[name] = min(wall[name], time.perf_counter() - w0)
            cpu[name] = min(cpu[name], time.process_time() - c0)
    numba.set_num_threads(n_thr)

    fma_flops = 2.0 * 4 * 64 * 8 * fma_iter
    gf = {k: fma_flops * k / wall[f"fma {k}"] / 1e9 for k in xt}
    gf_muladd = 2.0 * 4 * 64 * 8 * (fma_iter // 2) / wall["mul+add 1"] / 1e9
    div_ns = wall["div 1"] / (4 * 64 * 8 * div_iter) * 1e9
    sqrt_ns = wall["sqrt 1"] / (4 * 64 * 8 * sqrt_iter) * 1e9
    out_bytes = OUT_BYTES_PER_PROP * N_STEPS
    bw = {k: out_bytes / wall[f"stream {k}"] / 1e9 for k in xt}
    ours_ns = {k: wall[f"ours {k}"] / N_STEPS * 1e9 for k in xt}
    ours_cpu_ns = {k: cpu[f"ours {k}"] / N_STEPS * 1e9 for k in xt}
    fma_scaling = gf[n_thr] / gf[1]
    print(f"\n2. The machine, measured (min of {args.repeat}, interleaved with 3.; "
          f"warm-up {t_warm:.1f} s)")
    print(f"   clock from a dependent FMA chain: {lat_ns:.3f} ns a FMA -> {ghz:.2f} GHz at "
          f"{ZEN4_FMA_LATENCY_CYCLES} cycles; {ZEN4_FLOPS_PER_CYCLE} flops/cycle -> "
          f"{ZEN4_FLOPS_PER_CYCLE * ghz:.1f} GFLOP/s a core in theory")
    print(f"   FMA peak (fastmath, 4 x 64 lanes in L1): 1 thread {gf[1]:.1f} GFLOP/s, "
          f"{n_thr} threads {gf[n_thr]:.1f} GFLOP/s -> {n_thr} threads scale {fma_scaling:.2f}x")
    print(f"   mul + add without FMA, 1 thread: {gf_muladd:.1f} GFLOP/s")
    print(f"   IEEE division, vectorised, 1 thread: {div_ns:.3f} ns each "
          f"({1 / div_ns:.2f} G/s); sqrt: {sqrt_ns:.3f} ns each ({1 / sqrt_ns:.2f} G/s)")
    print(f"   latency (one dependent scalar chain, min of 5, before 1.): add {cycles['add']:.1f} "
          f"cycles, mul {cycles['mul']:.1f}, division {cycles['div']:.1f}, sqrt "
          f"{cycles['sqrt']:.1f}, FMA {ZEN4_FMA_LATENCY_CYCLES} (the clock's reference)")
    print(f"   streaming write of {out_bytes / 1e6:.0f} MB (the benchmark's outputs): 1 thread "
          f"{bw[1]:.1f} GB/s, {n_thr} threads {bw[n_thr]:.1f} GB/s "
          f"({bw[n_thr] / bw[1]:.2f}x)")

    code = _block_kernel_code(near.propagate_into)
    ours_scaling = ours_ns[1] / ours_ns[n_thr]
    print(f"\n3. Ours: propagate_into, ISS 1e6 x 1 s, preallocated outputs (threading layer "
          f"{numba.threading_layer()}; CPU = process time, the pool's idle threads included)")
    for k in xt:
        print(f"   {k} thread{'s' if k > 1 else ' '}: {ours_ns[k]:.1f} ns wall / "
              f"{ours_cpu_ns[k]:.1f} ns CPU per propagation")
    g_ours = {k: blk["flops"] / ours_ns[k] for k in xt}
    print(f"   achieved: {blk['flops']:.0f} FLOPS / {ours_ns[1]:.1f} ns = {g_ours[1]:.1f} GFLOP/s "
          f"on 1 thread = {100 * g_ours[1] / gf[1]:.0f} % of the FMA peak, "
          f"{100 * g_ours[1] / gf_muladd:.0f} % of the mul+add peak; {n_thr} threads "
          f"{g_ours[n_thr]:.1f} GFLOP/s = {100 * g_ours[n_thr] / gf[n_thr]:.0f} % of "
          f"{gf[n_thr]:.1f}")
    t_addmul = (blk["add"] + blk["mul"]) / gf_muladd
    t_fp = blk["fp_ops"] / gf_muladd
    t_div = blk["div"] * div_ns
    t_sqrt = blk["sqrt"] * sqrt_ns
    print(f"   time per propagation if only ... at the probes' 1-thread rates: add+mul "
          f"{t_addmul:.1f} ns, all {blk['fp_ops']:.0f} FP ops {t_fp:.1f} ns, "
          f"{blk['div']:.1f} divisions {t_div:.1f} ns, {blk['sqrt']:.1f} sqrt {t_sqrt:.1f} ns; "
          f"sum {t_fp + t_div + t_sqrt:.1f} ns")
    lanes, reg = _vector_lanes()
    lat_bound = cp["block"] / lanes / ghz
    print(f"   latency bound: the block path's {cp['block']:.0f}-cycle chain a lane, {lanes} lanes a "
          f"{reg} vector -> {lat_bound:.1f} ns per propagation if one vector's chain never overlapped "
          f"the next\n   (out-of-order overlap makes it less); the scalar step alone: "
          f"{cp['scalar'] / ghz:.1f} ns, one propagation at a time")
    need = {k: OUT_BYTES_PER_PROP / ours_ns[k] for k in xt}
    print(f"   output writes: {OUT_BYTES_PER_PROP} B per propagation -> {need[1]:.2f} GB/s on 1 "
          f"thread ({100 * need[1] / bw[1]:.0f} % of the probe's {bw[1]:.1f}), "
          f"{need[n_thr]:.2f} GB/s on {n_thr} ({100 * need[n_thr] / bw[n_thr]:.0f} % of "
          f"{bw[n_thr]:.1f})")
    print(f"   1 -> {n_thr} threads: ours {ours_scaling:.2f}x (CPU "
          f"{ours_cpu_ns[n_thr] / ours_cpu_ns[1]:.2f}x "
          f"the 1-thread CPU time), FMA probe {fma_scaling:.2f}x, streaming write "
          f"{bw[n_thr] / bw[1]:.2f}x")
    print(f"   to reach 25 ns on 1 thread: {ours_ns[1] / 25.0:.2f}x less time "
          f"({blk['flops']:.0f} FLOPS in 25 ns = {blk['flops'] / 25.0:.1f} GFLOP/s = "
          f"{100 * blk['flops'] / 25.0 / gf[1]:.0f} % of the FMA peak)")
    if code is None:
        print("   block kernel's machine code: not inspected (no objdump, or no numba cache)")
    else:
        print(f"   block kernel's machine code (numba's cache, objdump): {code['instructions']} "
              f"instructions, {code['zmm_pd']} packed-double on zmm (8 lanes), {code['ymm_pd']} on "
              f"ymm, {code['scalar_sd']} scalar (remainder loops), {code['fma']} FMA, "
              f"{code['zmm_div']} zmm div, {code['zmm_sqrt']} zmm sqrt")
    print(f"\nload average after {_load()}; {time.perf_counter() - t_start:.1f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
