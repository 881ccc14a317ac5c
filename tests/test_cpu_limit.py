"""scripts/cpu_limit.py's op counter: its dynamic counts against a static
count of the source, its ready times against the latencies by hand, and the
counted propagation against python-sgp4."""
from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "cpu_limit.py"


def _load():
    spec = importlib.util.spec_from_file_location("cpu_limit_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _static_counts(fn):
    """+, -, *, / and unary minus in fn's source, read by ``ast``, and the
    adds and subtracts with a product as an operand ("fusable")."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    names = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div"}
    counts = {}

    def is_product(node):
        return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and type(node.op) in names:
            counts[names[type(node.op)]] = counts.get(names[type(node.op)], 0) + 1
            if isinstance(node.op, (ast.Add, ast.Sub)) and (is_product(node.left)
                                                            or is_product(node.right)):
                counts["fusable"] = counts.get("fusable", 0) + 1
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            counts["neg"] = counts.get("neg", 0) + 1
    return counts


def test_counts_equal_the_source_of_a_straight_line_kernel():
    # orientation(): no branches, every operation has a variable operand and
    # every add takes its products directly, so each op of its source runs
    # exactly once
    from tracker.propagator import short_period

    cl = _load()
    fn = getattr(short_period.orientation, "py_func", short_period.orientation)
    rng = np.random.default_rng(7)
    args = [cl.CF(x) for x in rng.uniform(-1.0, 1.0, 9)]
    cl._N.clear()
    out = fn(*args)
    assert dict(cl._N) == _static_counts(fn)
    # and the values are the plain floats' own
    assert [float(v) for v in out] == list(fn(*[float(a) for a in args]))


def test_ready_time_is_the_longest_chain():
    cl = _load()
    lat = cl._LAT
    a, b, c, d = (cl.CF(x) for x in (1.5, 2.0, 3.0, 4.0))
    x = (a * b + c) / d
    assert x.d == lat["mul"] + lat["add"] + lat["div"]
    y = a * b * c + d                       # the two multiplies are the longer side
    assert y.d == 2 * lat["mul"] + lat["add"]
    assert float(x) == (1.5 * 2.0 + 3.0) / 4.0
    cl._N.clear()
    _ = 2.0 * 3.0 + a                       # constants folded: one add counted
    assert dict(cl._N) == {"add": 1}


def test_counted_propagation_agrees_with_python_sgp4():
    run = subprocess.run([sys.executable, str(SCRIPT), "--count-only", "--count-blocks", "2"],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    # the counted run is a real propagation: python-sgp4's positions
    assert got["max_dr_km"]["block"] < 1e-6
    assert got["max_dr_km"]["scalar"] < 1e-6
    assert got["n_samples"] == 128 and got["block_fallbacks"] == 0
    for path in ("block", "scalar"):
        counts = got["per_prop"][path]
        assert counts["mul"] > 0 and counts["add"] > 0 and counts["div"] > 0
        assert got["critical_path_cycles"][path] > 0
    assert 1 <= got["block_kepler_passes"] <= 10
    assert 1 <= got["scalar_kepler_passes"] <= 10
