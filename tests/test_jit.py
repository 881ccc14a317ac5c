"""``tracker.jit``: ``iss-tracker now`` as a process runs its kernels as plain
Python (no numba import) and answers exactly what the compiled kernels answer."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap

import pytest

from helpers import run_cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _one_shot(argv, *, prelude=""):
    """Run ``iss-tracker ARGV`` as its own process, the way the console script
    does (``main()`` reading ``sys.argv``); also report whether numba was imported."""
    code = "\n".join([
        "import sys",
        f"sys.argv = ['iss-tracker'] + {list(argv)!r}",
        textwrap.dedent(prelude),
        "from tracker.cli import main",
        "code = main()",
        "print('NUMBA-IMPORTED' if 'numba' in sys.modules else 'NO-NUMBA', file=sys.stderr)",
        "sys.exit(code)"])
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def _times():
    rnd = random.Random(7)
    recent = [f"2026-10-{rnd.randint(1, 30):02d}T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:"
              f"{rnd.randint(0, 59):02d}Z" for _ in range(2)]
    history = f"2015-{rnd.randint(4, 12):02d}-{rnd.randint(1, 28):02d}T{rnd.randint(0, 23):02d}:17:03Z"
    return recent + [history]


@pytest.mark.parametrize("when", _times())
def test_now_as_a_process_skips_numba_and_answers_as_compiled(capsys, when):
    argv = ["now", "--time", when, "--json"]
    proc = _one_shot(argv)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "NO-NUMBA"
    code, out, err = run_cli(capsys, *argv)          # in-process: compiled kernels
    assert code == 0, err
    assert json.loads(proc.stdout) == json.loads(out)


@pytest.mark.parametrize("when", ["1960-01-01T00:00:00Z", "2049-01-01T00:00:00Z"])
def test_refusals_are_the_same_one_line(capsys, when):
    proc = _one_shot(["now", "--time", when])
    code, out, err = run_cli(capsys, "now", "--time", when)
    assert proc.returncode == code == 2
    assert proc.stderr.splitlines()[0] == err.strip()


def test_python_math_refusing_falls_back_to_compiled_code(capsys):
    """Where Python's math raises (sqrt of a negative) and compiled code
    answers NaN, the command runs again compiled and answers as compiled."""
    prelude = textwrap.dedent("""
        from tracker import jit
        assert jit.interpret()
        import tracker.propagator.near as near
        def refusing(*args):
            raise ValueError("math domain error")
        patched = [name for name, value in vars(near).items()
                   if isinstance(value, jit.Kernel) and name == "propagate_into"]
        assert patched, "no near.propagate_into kernel to patch"
        for name in patched:
            vars(near)[name].py_func_saved = vars(near)[name].py_func
            vars(near)[name].py_func = refusing
        # compiled code must be built from the real function
        _compile_all = jit.compile_all
        def compile_all():
            for name in patched:
                vars(near)[name].py_func = vars(near)[name].py_func_saved
            _compile_all()
        jit.compile_all = compile_all
    """)
    argv = ["now", "--time", "2026-10-10T06:00:00Z", "--json"]
    proc = _one_shot(argv, prelude=prelude)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "NUMBA-IMPORTED"
    code, out, err = run_cli(capsys, *argv)
    assert json.loads(proc.stdout) == json.loads(out)


def test_in_process_callers_keep_compiled_kernels():
    """``main(argv)`` (tests, embedding) never switches a process to Python mode."""
    from tracker import jit
    from tracker.propagator import near
    assert jit.MODE == "numba" and not isinstance(near.sgp4_one, jit.Kernel)
    assert type(near.sgp4_one).__module__.startswith("numba")
