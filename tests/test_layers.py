"""Data flows one way (docs/architecture.md): video → pose → gait → metrics → findings →
plan/report/render → compare → pipeline → service → web → cli. A module may import its own
package and packages of a lower layer, never one above it; ``service/`` and ``web/`` sit
above the pipeline and nothing below imports them. Checked on the source text (imports
inside functions included), so a lazy import cannot hide a reversed arrow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "runform"

#: The layer of each top-level module or package of ``runform``; same-layer packages do
#: not import each other (plan, report and render are siblings).
LAYERS: dict[str, int] = {
    **dict.fromkeys(
        (
            "errors",
            "track",
            "keypoints",
            "geometry",
            "progress",
            "colours",
            "keyframes",
            "units",
            "text",
        ),
        0,
    ),
    "pose": 1,
    "gait": 2,
    **dict.fromkeys(("analysis", "synthetic", "evaluation"), 3),
    "metrics": 3,
    "findings": 4,
    **dict.fromkeys(("plan", "report", "render"), 5),
    "sides": 6,
    "compare": 6,
    "pipeline": 7,
    "service": 8,
    "web": 9,
    "cli": 10,
}
#: Layers whose modules may import each other: the small shared modules (layer 0) and the
#: result types and test helpers beside the metrics (layer 3).
OPEN_LAYERS = {0, 3}


def _package(path: Path) -> str:
    return path.relative_to(SRC).parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "runform" and len(parts) > 1:
                found.add(parts[1])
    return found


def _sources() -> list[Path]:
    return [
        p
        for p in sorted(SRC.rglob("*.py"))
        if "migrations" not in p.parts and p.name != "__main__.py"
    ]


def test_every_package_has_a_layer():
    packages = {_package(p) for p in _sources()} - {"__init__"}
    assert packages <= set(LAYERS), f"give these a layer: {sorted(packages - set(LAYERS))}"


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down(path: Path):
    here = _package(path)
    if here == "__init__":
        return
    wrong = []
    for target in _imports(path) - {here}:
        if target not in LAYERS:
            continue
        if LAYERS[target] > LAYERS[here] or (
            LAYERS[target] == LAYERS[here] and LAYERS[here] not in OPEN_LAYERS
        ):
            wrong.append(target)
    assert not wrong, f"{path.relative_to(SRC)} ({here}) imports {wrong} from a layer above"


def test_nothing_below_the_service_imports_it():
    below = [p for p in _sources() if LAYERS.get(_package(p), 0) < LAYERS["service"]]
    assert below
    for path in below:
        assert not ({"service", "web", "cli"} & _imports(path)), path
