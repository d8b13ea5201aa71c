"""The harness's check that a trial came through (``harness_checks.harness_problem``), and the
benchmark's by-data-set table (``events_tables.dataset_table``). The scoring itself is tested
in ``tests/test_events_loro.py``."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import events_tables  # noqa: E402
import harness_checks  # noqa: E402
import mocap  # noqa: E402


def test_a_trial_whose_foot_does_not_move_at_the_belt_speed_is_not_scored():
    ok = SimpleNamespace(belt_speed=3.58, speed_label=3.5)
    still = SimpleNamespace(belt_speed=0.01, speed_label=3.5)
    unknown = SimpleNamespace(belt_speed=float("nan"), speed_label=2.5)
    assert harness_checks.harness_problem(ok) is None
    why = harness_checks.harness_problem(still)
    assert why is not None and "0.01 m/s" in why and "3.5 m/s" in why
    assert harness_checks.harness_problem(unknown) is not None


def test_the_group_table_gives_each_data_set_and_speed_its_mean_and_spread():
    def trial(dataset: str, speed: float, contact: float, toe_off: float) -> dict:
        native = {"contact_bias_ms": contact, "toe_off_bias_ms": toe_off,
                  "contact_time_bias_ms": toe_off - contact}  # fmt: skip
        leg = {**native, "toe_off_bias_ms": toe_off + 2.0}
        return {"dataset": dataset, "speed": speed,
                "conditions": {"native": native, "native, leg alone": leg}}  # fmt: skip

    result = {
        "trials": {
            "a": trial("fukuchi", 2.5, 4.0, 20.0),
            "b": trial("fukuchi", 2.5, 6.0, 10.0),
            "c": trial("hamner", 2.0, 1.0, -8.0),
        }
    }
    table = events_tables.dataset_table(result)
    lines = table.splitlines()
    assert len(lines) == 4  # header, rule, two groups
    fukuchi = next(line for line in lines if "fukuchi" in line)
    assert "+5.0 (1.0)" in fukuchi and "+15.0 (5.0)" in fukuchi and "+17.0 (5.0)" in fukuchi
    hamner = next(line for line in lines if "hamner" in line)
    assert "-8.0 (0.0)" in hamner and "| 2 " in hamner


@pytest.mark.skipif(
    not (mocap.EXTERNAL_DATA / "hamner2013").is_dir()
    or not (mocap.SHARED_DATA / "hamner2013").is_dir(),
    reason="needs Hamner runners in ../external_data and ../shared/data",
)
def test_external_hamner_trials_carry_the_same_filter_correction():
    """Every Hamner subject's force went through the same filter: the subjects of
    ../external_data are corrected as those of ../shared/data are (before session 16 they
    silently were not), by the committed model at the trial's belt speed."""
    import hamner_data
    from hamner_filter import HAMNER_FILTER

    spec = next(hamner_data.trials(mocap.EXTERNAL_DATA))
    shared = next(hamner_data.trials(mocap.SHARED_DATA))
    ext, ref = spec.build(), shared.build()
    assert "nan Hz" not in ext.truth_method
    for trial in (ext, ref):
        assert trial.checks["filter_shift_ms"][0] == pytest.approx(
            HAMNER_FILTER.shift_ms(trial.belt_speed)[0], abs=0.5
        )
        assert "18 Hz, identified from its spectrum" in trial.truth_method
    assert ext.checks["filter_shift_ms"][0] > 1.0


def test_the_truth_is_told_once_per_data_set_with_its_corrections_as_ranges():
    import validation_force_plate

    fuk = SimpleNamespace(dataset="fukuchi", truth_method="summed force", checks={})
    ham = [
        SimpleNamespace(
            dataset="hamner",
            truth_method=f"own force, shifted {i}",
            checks={
                "threshold_n": threshold,
                "force_floor_n": threshold - 1.0,
                "filter_shift_ms": (4.0 + 5.0 * i, -0.4 * i),
                "floor_shift_ms": (-3.0 * i, 5.0 * i),
            },
        )
        for i, threshold in enumerate((20.0, 29.0, 51.0))
    ]
    text = validation_force_plate.truth_text([fuk, fuk, *ham])
    assert text.startswith("Truth: Fukuchi (2 trials): summed force. Hamner (3 trials): ")
    assert "+4 to +14 ms on contacts and -1 to +0 ms on toe-offs" in text
    assert "2 trials whose force the authors set to zero below 28-50 N" in text
    assert "by -6 to -3 ms (contacts) and +5 to +10 ms (toe-offs)" in text
