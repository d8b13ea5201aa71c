"""Shared fixtures: where the reference data lives, and helpers to skip without it.

The reference data (``shared/data``) sits *beside* the repository, not inside it: on a
developer's machine the repo is ``/work/main`` and the data ``/work/shared/data``; CI clones
the repo elsewhere with ``shared/`` next to it. So the path is always computed from this
file (``<repo>/tests/conftest.py`` → ``<repo>/../shared/data``), never hard-coded.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

#: Root of the repository (holds ``src/``, ``tests/``, ``bench/``).
REPO_ROOT = Path(__file__).resolve().parents[1]
#: Reference data beside the repository.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
#: Benchmark scripts (not part of the installed package).
BENCH_DIR = REPO_ROOT / "bench"


def shared_path(*parts: str) -> Path:
    """A file or folder of the shared reference data, or skip the test when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"reference data {Path(*parts)} not found at {path} (shared/data must sit beside "
            "the repository); skipping the real-data check"
        )
    return path


def load_bench_module(name: str) -> ModuleType:
    """Import ``bench/<name>.py`` by path (bench/ is not a package); skip if it is missing."""
    path = BENCH_DIR / f"{name}.py"
    if not path.exists():
        pytest.skip(f"bench/{name}.py is not in this checkout")
    if name in sys.modules:
        return sys.modules[name]
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))  # the bench scripts import their _common helpers
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def male_side_pose_path() -> Path:
    """RTMPose track of the real treadmill video (30 fps, runner facing image-left)."""
    return shared_path("male_side", "male_side.pose.json")


@pytest.fixture(scope="session")
def fukuchi_dir() -> Path:
    """Marker and force-plate files of Fukuchi et al. 2017, subject RBDS0041."""
    return shared_path("fukuchi_rbds0041")


@pytest.fixture(scope="session")
def fukuchi(fukuchi_dir: Path) -> ModuleType:
    """The ``bench/fukuchi.py`` module (side-view projection of the markers, benchmark)."""
    return load_bench_module("fukuchi")


@pytest.fixture(scope="session")
def fukuchi_files(fukuchi_dir: Path) -> ModuleType:
    """The ``bench/fukuchi_files.py`` module (the data set's files, force-plate truth)."""
    return load_bench_module("fukuchi_files")
