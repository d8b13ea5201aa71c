"""The harness's check that a trial came through (``mocap.harness_problem``), and the
benchmark's by-data-set table (``events_loro.dataset_table``). The scoring itself is tested
in ``tests/test_events_loro.py``."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import events_loro  # noqa: E402
import mocap  # noqa: E402


def test_a_trial_whose_foot_does_not_move_at_the_belt_speed_is_not_scored():
    ok = SimpleNamespace(belt_speed=3.58, speed_label=3.5)
    still = SimpleNamespace(belt_speed=0.01, speed_label=3.5)
    unknown = SimpleNamespace(belt_speed=float("nan"), speed_label=2.5)
    assert mocap.harness_problem(ok) is None
    why = mocap.harness_problem(still)
    assert why is not None and "0.01 m/s" in why and "3.5 m/s" in why
    assert mocap.harness_problem(unknown) is not None


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
    table = events_loro.dataset_table(result)
    lines = table.splitlines()
    assert len(lines) == 4  # header, rule, two groups
    fukuchi = next(line for line in lines if "fukuchi" in line)
    assert "+5.0 (1.0)" in fukuchi and "+15.0 (5.0)" in fukuchi and "+17.0 (5.0)" in fukuchi
    hamner = next(line for line in lines if "hamner" in line)
    assert "-8.0 (0.0)" in hamner and "| 2 " in hamner
