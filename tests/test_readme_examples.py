"""Every example command line of README.md works as written.

The lines are taken from the README's ``sh`` code blocks (nothing is typed
here), and each one runs in bash in a fresh folder that, like the clone,
holds ``.venv`` (the environment running these tests) and ``tests/`` (the
fixtures some examples read). The element history is an empty temporary
folder (``ISS_TRACKER_DATA``, as tests/conftest.py does) and the network is
closed (proxies pointing at a closed 127.0.0.1 port): every example must
exit 0 and print no traceback. Lines that cannot run here are listed in
``EXCLUDED`` with the reason; a line of the README that is neither run nor
excluded fails ``test_every_example_is_run_or_excluded_with_a_reason``.
"""
from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

# The start of an excluded line -> why it is not run here.
EXCLUDED = {
    "make ": "sets up .venv and then serves or runs the whole suite (this test runs inside it)",
    ".venv/bin/iss-tracker serve": "runs until stopped; tests/test_api_serve.py starts the server",
    ".venv/bin/dask ": "starts a Dask scheduler or worker that runs until stopped; "
                       "tests/test_batch_dask.py starts both on 127.0.0.1",
    ".venv/bin/iss-tracker batch-stats tests/data/catalog_2022-07-15.tle --scheduler": "needs the "
        "cluster of the two lines above; tests/test_batch_dask.py runs batch-stats --scheduler",
    ".venv/bin/iss-tracker tle update": "the only command that uses the network; tests/test_update.py "
                                        "runs it against a 127.0.0.1 server",
}
# Examples whose cost is fixed by their input, not by a span that could be
# shortened: run in the slow set (`make test`, CI), not in `make test-fast`.
SLOW = {
    " batch-stats tests/data/catalog_2022-07-15.tle": "parses the 22,677-object catalog (about 4 s)",
    " passes --all-cities": "loads and searches all 34,006 gazetteer cities (about 3 s)",
    " now --tle tests/data/catalog_2022-07-15.tle": "parses the 22,677-object catalog (about 4 s)",
}
# A documented exit status other than 0 (none today).
EXPECTED_STATUS: dict[str, int] = {}
TIMEOUT_S = 120


def readme_lines() -> list[str]:
    """The command lines of the README's sh code blocks (comments and blanks left out)."""
    lines, inside = [], False
    for raw in README.read_text(encoding="utf-8").splitlines():
        fence = raw.strip()
        if fence.startswith("```"):
            inside = not inside and fence[3:].strip() in ("sh", "bash", "console", "shell")
            continue
        if inside and fence and not fence.startswith("#"):
            lines.append(fence)
    return lines


def excluded_reason(line: str) -> str | None:
    return next((why for start, why in EXCLUDED.items() if line.startswith(start)), None)


EXAMPLES = [line for line in readme_lines() if excluded_reason(line) is None]


def test_every_example_is_run_or_excluded_with_a_reason():
    lines = readme_lines()
    commands = [line for line in lines if "iss-tracker" in line]
    assert len(commands) >= 10, lines                # the README's command block was found
    for line in lines:
        assert line in EXAMPLES or excluded_reason(line), line
    for line in commands:                            # written as it must be typed after `make`
        assert line.startswith(".venv/bin/iss-tracker "), line
    assert set(EXPECTED_STATUS) <= set(EXAMPLES)
    for key in SLOW:                                 # each slow entry still names a README line
        assert any(key in line for line in EXAMPLES), key


@pytest.fixture(scope="module")
def clone_like(tmp_path_factory):
    """A folder with ``.venv`` and ``tests`` as in the clone; examples write their files here."""
    venv = pathlib.Path(sys.prefix)
    if not (venv / "bin" / "iss-tracker").exists():
        pytest.skip(f"iss-tracker is not installed in {venv} (make install)")
    folder = tmp_path_factory.mktemp("clone")
    (folder / ".venv").symlink_to(venv, target_is_directory=True)
    (folder / "tests").symlink_to(ROOT / "tests", target_is_directory=True)
    return folder


def offline_env(data_dir: pathlib.Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    closed = "http://127.0.0.1:9"                    # discard port: nothing listens
    env.update(ISS_TRACKER_DATA=str(data_dir), http_proxy=closed, https_proxy=closed,
               HTTP_PROXY=closed, HTTPS_PROXY=closed, no_proxy="", NO_PROXY="",
               NUMBA_DISABLE_JIT="0")
    return env


def _param(line: str):
    marks = [pytest.mark.slow] if any(key in line for key in SLOW) else []
    return pytest.param(line, marks=marks, id=re.sub(r"\s+", " ", line)[22:70])


@pytest.mark.parametrize("line", [_param(line) for line in EXAMPLES])
def test_readme_example_runs(line, clone_like, tmp_path):
    t0 = time.monotonic()
    done = subprocess.run(["bash", "-c", line], cwd=clone_like, env=offline_env(tmp_path / "data"),
                          capture_output=True, text=True, timeout=TIMEOUT_S)
    elapsed = time.monotonic() - t0
    want = EXPECTED_STATUS.get(line, 0)
    assert done.returncode == want, (f"{line}\nexit {done.returncode} (want {want}) after "
                                     f"{elapsed:.1f} s\nstderr: {done.stderr[-2000:]}")
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    redirect = re.search(r">\s*(\S+)\s*(#.*)?$", line)
    if redirect:                                     # `> track.geojson` etc. wrote something
        assert (clone_like / redirect.group(1)).stat().st_size > 0
    elif "--format csv" not in line:
        assert done.stdout.strip() or done.stderr.strip()
