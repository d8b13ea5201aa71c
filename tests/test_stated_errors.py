"""The stated timing error of every metric against the force plate, on a subset of the data.

hamner01 at 2 and 5 m/s and RBDS002 at 2.5 and 4.5 m/s, at the native marker rate and at
60 Hz + 8 px (the frame phases and seeds of ``bench/events_protocol.py``, facing left and
right), through the product's ``analyze_track``. Each leg's median of every metric the
event timing moves is compared with the same metric at the force-plate events on the same
track and steps, and the stated timing part (``runform.metrics.event_timing.timing_errors``) must
cover that error as a one-standard-deviation figure does. The full benchmark over all
runners is ``python bench/stated_errors.py``. Skips when ``../shared/data`` is absent.
"""

from __future__ import annotations

import doctest
import math
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "bench"))

import mocap  # noqa: E402
import stated_errors  # noqa: E402
from runform.gait.types import Step  # noqa: E402
from runform.metrics.catalog import CATALOG  # noqa: E402
from runform.metrics.event_timing import event_scatter_ms  # noqa: E402
from runform.metrics.spec import combined_error  # noqa: E402

needs_data = pytest.mark.skipif(
    not ((SHARED / "hamner2013" / "subject01").is_dir() and (SHARED / "fukuchi_rbds002").is_dir()),
    reason=f"force-plate running data not found in {SHARED}",
)
CONDITIONS = [c[0] for c in stated_errors.CONDITIONS]
#: The timing metrics: the event times are their whole value.
TIMING = (
    "step_time_ms",
    "stride_time_ms",
    "contact_time_ms",
    "flight_time_ms",
    "duty_factor_pct",
    "step_length_m",
)


def test_docstring_examples():
    result = doctest.testmod(stated_errors, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4 and result.failed == 0


def test_a_step_takes_the_force_plates_events_or_leaves_out_what_has_none():
    events = {
        ("left", "contact"): np.array([0.0, 0.7, 1.4]),
        ("left", "toe_off"): np.array([0.25, 0.95]),
        ("right", "contact"): np.array([0.35, 1.05]),
        ("right", "toe_off"): np.array([0.6, 1.3]),
    }
    step = Step("left", 0.02, 0.22, 2.0, 22.0, next_contact_s=0.38, next_same_contact_s=0.69)
    truth = stated_errors.truth_step(step, events)
    assert truth is not None and truth.side == "left"
    assert (truth.contact_s, truth.toe_off_s) == (0.0, 0.25)
    assert (truth.next_contact_s, truth.next_same_contact_s) == (0.35, 0.7)
    # a toe-off no force-plate toe-off is near: the step has no truth
    assert stated_errors.truth_step(Step("left", 0.72, 1.1, 72.0, 110.0), events) is None
    # the next contacts match nothing or are absent: only the values that read them go
    far = Step("left", 0.7, 0.94, 70.0, 94.0, next_contact_s=1.2, next_same_contact_s=None)
    truth = stated_errors.truth_step(far, events)
    assert truth.next_contact_s is None and truth.next_same_contact_s is None
    assert (truth.contact_s, truth.toe_off_s) == (0.7, 0.95)


def _record(metric: str, errors: list[tuple[str, float, float, float]]) -> dict:
    """A result of one trial whose runs hold ``(leg, measured, truth, timing part)``."""
    runs = [
        {
            "condition": "native",
            "seed": 0,
            "facing": "left",
            "metrics": {
                metric: {
                    leg: {
                        "measured": m,
                        "measured_same": m,
                        "truth": t,
                        "marker_truth": t,
                        "timing": part,
                        "stated": part * 2,
                        "n": 5,
                    }
                }
            },
        }
        for leg, m, t, part in errors
    ]
    return {"trials": {"T 3 m/s": {"runner": "T", "runs": runs}}}


def test_the_table_scores_each_leg_against_its_stated_timing_part():
    result = _record(
        "knee_flexion_contact_deg",
        [("left", 12.0, 10.0, 4.0), ("right", 15.0, 10.0, 4.0), ("left", 9.0, 10.0, 2.0)],
    )
    rows = stated_errors.leg_errors(result, "native", "knee_flexion_contact_deg")
    assert [r["error"] for r in rows] == [2.0, 5.0, -1.0]
    header, table = stated_errors.metric_rows(result)
    (row,) = [r for r in table if r[1] == "knee_flexion_contact_deg"]
    named = dict(zip(header, row, strict=True))
    assert named["legs"] == 3
    assert named["within timing part %"] == "67"  # 5 over 4 is not covered
    assert named["within full stated %"] == "100"  # 5 within 8
    assert named["worst |error| / timing part (trial, leg)"].startswith("1.25 (T 3 m/s, right")
    assert named["worst runner (within timing %)"] == "T (67)"
    assert [f["leg"] for f in stated_errors.failures(result)] == ["right"]


@pytest.fixture(scope="module")
def result() -> dict:
    trials = [
        t
        for t in mocap.load_trials(only=("RBDS002", "hamner01"))
        if t.runner == "RBDS002" or t.speed_label in (2.0, 5.0)
    ]
    return stated_errors.measure_all(trials)


@needs_data
def test_every_clip_is_analysed_and_every_timed_metric_compared(result):
    assert len(result["trials"]) == 4
    names = stated_errors.metric_names(result)
    for metric in (*TIMING, "knee_flexion_contact_deg", "touchdown_distance_pct"):
        assert metric in names, metric
    for name, rec in result["trials"].items():
        for run in rec["runs"]:
            assert "error" not in run, (name, run)
            for metric in TIMING:
                legs = run["metrics"][metric]
                assert set(legs) == {"left", "right"}, (name, metric)
                # the truth reads most of the leg's steps (a few lack a force-plate match)
                assert all(v["n"] >= 2 for v in legs.values()), (name, metric)


@needs_data
def test_the_timing_part_is_the_one_inside_the_reported_error(result):
    # the part the benchmark checks is the one the analysis adds to the catalogue's error:
    # with it, the catalogue's error, the proportional part and what the camera's roll adds
    # to the angles (gait.level), the stored error comes back
    for name, rec in result["trials"].items():
        for run in rec["runs"]:
            for metric, legs in run["metrics"].items():
                spec = CATALOG[metric]
                for leg, v in legs.items():
                    extra = math.hypot(v["timing"], v.get("roll", 0.0))
                    stored = combined_error(spec, v["measured"], extra)
                    assert v["stated"] == pytest.approx(stored, rel=0.01, abs=0.06), (
                        name,
                        metric,
                        leg,
                    )


@needs_data
def test_a_stride_time_states_the_scatter_of_its_two_contacts_and_it_covers(result):
    # a foot's two contacts differ by their scatter, not by the runner's bias (which cancels):
    # the stated timing part is two scatters in quadrature, and it covers every leg's error
    for cond in CONDITIONS:
        rows = stated_errors.leg_errors(result, cond, "stride_time_ms")
        assert len(rows) >= 8
        for r in rows:
            assert r["timing"] > 0 and stated_errors.covered(r["error"], r["timing"]), (cond, r)
    for name, rec in result["trials"].items():
        for run in rec["runs"]:
            rate = 60.0 if run["condition"] != "native" else mocap_rate(name)
            for v in run["metrics"]["stride_time_ms"].values():
                assert v["timing"] == pytest.approx(
                    math.sqrt(2.0) * event_scatter_ms(rate), rel=0.01
                )


def mocap_rate(name: str) -> float:
    """The marker rate of a trial of this subset (Hamner 100 Hz, Fukuchi 150 Hz)."""
    return 100.0 if name.startswith("hamner") else 150.0


@needs_data
def test_the_stated_timing_part_covers_the_real_one_as_one_standard_deviation(result):
    for cond in CONDITIONS:
        within, ratios = [], []
        for metric in stated_errors.metric_names(result):
            for r in stated_errors.leg_errors(result, cond, metric):
                within.append(stated_errors.covered(r["error"], r["timing"]))
                if r["timing"] > stated_errors.ROUNDING:
                    ratios.append(abs(r["error"]) / r["timing"])
        # a one-SD figure covers about two thirds of normal errors; the product states more
        assert np.mean(within) >= 0.9, cond
        # and no leg is more than two of its stated SDs off
        assert max(ratios) < 2.0, cond


@needs_data
def test_the_whole_stated_error_covers_nearly_every_leg(result):
    for cond in CONDITIONS:
        for metric in stated_errors.metric_names(result):
            rows = stated_errors.leg_errors(result, cond, metric)
            covered = [stated_errors.covered(r["error"], r["stated"]) for r in rows]
            # one leg in eight may lie past one SD
            assert np.mean(covered) >= 0.85, (cond, metric)
            # where the catalogue's error outweighs the timing part (the angles), every leg
            for r, ok in zip(rows, covered, strict=True):
                if CATALOG[metric].measurement_error >= r["timing"]:
                    assert ok, (cond, metric, r)


@needs_data
def test_the_report_names_the_table_and_the_legs_past_their_part(result):
    text = stated_errors.format_result(result)
    assert "4 trials of 2 runners" in text
    assert "| native       | stride_time_ms" in text
    assert "Legs whose real timing error exceeds the stated timing part" in text
    assert "Not analysed" not in text
