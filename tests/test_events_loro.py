"""Leave-one-runner-out validation of contact and toe-off timing, on a subset of the data.

Three runners (RBDS0041, RBDS002 at two speeds, hamner01 at four speeds); the detector's
levels are fitted on two and the third is scored, in turn. The full benchmark over all
seven runners and four conditions is ``python bench/events_loro.py`` (its tables are in
docs/validation.md). Skips when ``../shared/data`` is absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "bench"))

import event_calibration  # noqa: E402
import events_loro  # noqa: E402
import events_protocol  # noqa: E402
import events_tables  # noqa: E402
import mocap  # noqa: E402

RUNNERS = ("RBDS0041", "RBDS002", "hamner01")
pytestmark = pytest.mark.skipif(
    not ((SHARED / "hamner2013" / "subject01").is_dir() and (SHARED / "fukuchi_rbds002").is_dir()),
    reason=f"force-plate running data not found in {SHARED}",
)

#: a coarser grid than the benchmark's, to keep the test short
GRID = {k: v[::2] for k, v in event_calibration.CALIBRATED.items()}
CONDITIONS = (
    ("native", None, 0.0, ((0, 0.0),)),
    (events_protocol.LEG_ALONE, None, 0.0, ((0, 0.0),), {"pitch_weight": 0.0}),
    ("60 Hz + 8 px", 60.0, 8.0, ((1, 0.45),)),
)


@pytest.fixture(scope="module")
def result() -> dict:
    trials = mocap.load_trials(only=RUNNERS)
    return events_loro.leave_one_runner_out(trials, CONDITIONS, GRID)


def test_every_runner_is_scored_by_constants_fitted_without_it(result):
    assert set(result["folds"]) == set(RUNNERS)
    scored = {r["runner"] for r in result["trials"].values()}
    assert scored == set(RUNNERS)
    assert len(result["trials"]) == 7
    # the folds differ: each left a different runner out
    folds = [tuple(sorted(f.items())) for f in result["folds"].values()]
    assert len(set(folds)) == len(folds)


def test_held_out_runners_events_are_found_and_cadence_holds(result):
    native = [r["conditions"]["native"] for r in result["trials"].values()]
    assert np.mean([c["contact_recall_pct"] for c in native]) >= 95.0
    assert min(c["contact_recall_pct"] for c in native) >= 75.0
    assert max(c["extra_pct"] for c in native) <= 3.0
    # issue 9's cadence target holds for every held-out trial
    assert max(abs(c["cadence_error_pct"]) for c in native) <= 0.5


def test_held_out_timing_at_the_native_rate(result):
    """Pooled over held-out trials; the per-runner figures (and where the issue's 10 ms per
    runner is not met) are in docs/validation.md."""
    native = [r["conditions"]["native"] for r in result["trials"].values()]
    assert np.mean([c["contact_mae_ms"] for c in native]) <= 12.0
    assert abs(np.mean([c["contact_bias_ms"] for c in native])) <= 6.0
    # toe-off is the weak event (the toes bend; see docs/algorithms.md): a regression guard
    assert np.mean([c["toe_off_mae_ms"] for c in native]) <= 30.0
    assert abs(np.mean([c["contact_time_bias_ms"] for c in native])) <= 15.0


def test_noisy_60_hz_stays_usable(result):
    noisy = [r["conditions"]["60 Hz + 8 px"] for r in result["trials"].values()]
    assert np.mean([c["contact_recall_pct"] for c in noisy]) >= 85.0
    assert np.mean([c["contact_mae_ms"] for c in noisy]) <= 25.0


def test_targets_are_checked_and_printed(result):
    text = events_tables.format_result(result)
    assert "held-out runner" in text and "worst" in text
    keys = {(t["condition"], t["key"]) for t in result["targets"]}
    assert ("native", "contact_abs_bias_ms") in keys
    assert all(t["n"] == 7 for t in result["targets"])


def test_the_timing_error_the_product_states_covers_held_out_runners(result):
    """What an analysis says about its own events (``context.event_timing_error_ms`` and
    ``toe_off_timing_error_ms``, carried into every ± of a value read at an event) must hold
    for runners the engine was not calibrated on: over the held-out trials of each pace, the
    root mean square of the trials' biases is within the stated error at the trial's frame
    rate and measured speed, and the worst trial within twice it. At a jog the toe-off's
    bias reaches 20-30 ms for some runners; before the pace was taken into account the
    product stated about ±14 ms there (this subset then gave 23 ms RMS). The subset
    calibrates on two runners, not six, so its held-out errors run larger than those of the
    full benchmark, from which the stated figures come: the RMS is allowed 10 % over. The
    toe-off is checked twice: with the foot's pitch (the markers' feet show the push-off,
    ``"toe_off_with_pitch"``) and timed from the leg alone (``"toe_off"``, what a clip whose
    foot points do not show it is told)."""
    from runform.metrics.event_timing import event_timing_error_ms

    by_pace: dict[tuple[str, bool], list[tuple[float, float]]] = {}
    for r in result["trials"].values():
        fps = r["rate_hz"]
        jog = r["belt_speed"] < events_tables.JOG_BELT_MPS
        for event, cond, key in (
            ("contact", "native", "contact_bias_ms"),
            ("toe_off_with_pitch", "native", "toe_off_bias_ms"),
            ("toe_off", events_protocol.LEG_ALONE, "toe_off_bias_ms"),
        ):
            c = r["conditions"][cond]
            stated = event_timing_error_ms(fps, event, c["running_speed"])
            by_pace.setdefault((event, jog), []).append((c[key], stated))
    for (event, jog), pairs in by_pace.items():
        bias = np.array([b for b, _ in pairs])
        stated = np.array([s for _, s in pairs])
        assert np.sqrt(np.mean(bias**2)) <= 1.1 * np.mean(stated), (event, jog, bias, stated)
        assert np.all(np.abs(bias) <= 2.0 * stated), (event, jog, bias, stated)
