"""The layers import one way: tle -> propagator -> astro -> services -> cli / api.

Read from the source with ``ast`` (nothing is imported), so a new upward
import fails here before it becomes an import cycle.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package -> packages it must never import
FORBIDDEN = {
    "tle": ("tracker",),
    "tracker.propagator": ("tracker.astro", "tracker.services", "tracker.places", "tracker.cli",
                           "tracker.api", "tracker.formats", "flask"),
    "tracker.astro": ("tracker.services", "tracker.places", "tracker.cli", "tracker.api", "flask"),
    "tracker.services": ("tracker.cli", "tracker.api", "flask"),
    "tracker.places": ("tracker.services", "tracker.cli", "tracker.api", "flask"),
    "tracker.cli": ("tracker.api",),
}
# `iss-tracker serve` is the one command whose job is to start the API.
ALLOWED = {("tracker.cli.serve_cmd", "tracker.api")}


def _modules():
    for path in sorted((ROOT / "tle").rglob("*.py")) + sorted((ROOT / "tracker").rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        yield ".".join(rel.parts).removesuffix(".__init__"), path


def _imports(path: Path):
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_every_module_is_read():
    names = [name for name, _ in _modules()]
    assert "tracker.propagator.api" in names and "tle.parse" in names and len(names) > 40


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_run_one_way(package):
    bad = []
    for name, path in _modules():
        if not _under(name, package):
            continue
        for line, imported in _imports(path):
            if any(_under(imported, f) and (name, f) not in ALLOWED for f in FORBIDDEN[package]):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert not bad, "upward imports:\n" + "\n".join(bad)
