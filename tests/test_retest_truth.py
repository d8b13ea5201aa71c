"""Re-tests whose truth is known, on a subset of the force-plate data.

RBDS002 at 2.5 and 4.5 m/s (whose cadence drifts by 0.5 and 1.3 steps/min between the two
halves of a trial) and hamner01 at 2 m/s (too short: a half holds four or five steps a
side), each trial cut into two halves compared as a run and its re-test by the product's own
calls, from both sides, at the native rate and at 30 Hz with 8 px of noise. The smallest
detectable change must cover the error of the measured change, no change the product calls
real may be contradicted by the force plate, and a half with too few steps calls nothing.
The full benchmark over all runners is ``python bench/retest_truth.py``. Skips when
``../shared/data`` is absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "bench"))

import mocap  # noqa: E402
import retest_truth  # noqa: E402

needs_data = pytest.mark.skipif(
    not ((SHARED / "hamner2013" / "subject01").is_dir() and (SHARED / "fukuchi_rbds002").is_dir()),
    reason=f"force-plate running data not found in {SHARED}",
)


@pytest.fixture(scope="module")
def rows():
    trials = [
        t
        for t in mocap.load_trials(only=["RBDS002", "hamner01"])
        if t.name in ("RBDS002 2.5 m/s", "RBDS002 4.5 m/s", "hamner01 2 m/s")
    ]
    conditions = [c for c in retest_truth.CONDITIONS if c[0] in ("native", "30 Hz + 8 px")]
    return retest_truth.measure(trials, conditions)


@needs_data
def test_the_smallest_detectable_change_covers_the_force_plates_change(rows) -> None:
    summary = retest_truth.summarise(rows)
    plate = {k: s for k, s in summary["plate"].items() if s["lines"]}
    assert {m for _, m in plate} >= {"cadence_spm", "contact_time_ms"}
    for (condition, metric), s in plate.items():
        assert s["coverage_pct"] >= retest_truth.COVERAGE_TARGET, (condition, metric, s)
        assert s["wrong_calls"] == 0, (condition, metric, s["wrong"])
    # the cadence drift of RBDS002 at 4.5 m/s (+1.3 steps/min on the force plate) is found
    drift = [
        r for r in rows
        if r["trial"] == "RBDS002 4.5 m/s" and r["metric"] == "cadence_spm"
        and r["condition"] == "native"
    ]  # fmt: skip
    assert drift and all(r["real"] and r["true"] > 1.0 and r["change"] > 1.0 for r in drift)
    markers = summary["markers"]["30 Hz + 8 px"]
    assert markers["coverage_pct"] >= retest_truth.COVERAGE_TARGET


@needs_data
def test_a_half_with_too_few_steps_calls_nothing(rows) -> None:
    short = [r for r in rows if r["trial"] == "hamner01 2 m/s" and r["reliable"]]
    assert short and all(r["withheld"] and not r["real"] for r in short)
