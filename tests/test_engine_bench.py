"""The benchmark scripts ``bench/engine_speed.py`` and ``bench/validate.py`` still run.

They are not part of the package, so nothing else would notice when an engine change
breaks them; these tests run them on small inputs (timings are not asserted: CI machines
vary).
"""

from __future__ import annotations

from conftest import load_bench_module


def test_engine_speed_measures_and_formats():
    speed = load_bench_module("engine_speed")
    m = speed.measure(n_frames=1200, fps=120.0, repeats=1)
    assert m["n_frames"] == 1200
    assert m["steps"] >= 20  # 10 s at 170 steps/min
    for key in ("analyze_s", "read_csv_s", "filtfilt_s"):
        assert m[key] > 0
    assert m["ratio_read_csv"] == m["analyze_s"] / m["read_csv_s"]
    text = speed.format_measure(m)
    assert "analyze_track" in text and "1200 frames at 120 fps" in text


def test_validate_synthetic_condition_scores_a_run():
    validate = load_bench_module("validate")
    m = validate.synthetic_condition({"name": "30 fps", "fps": 30.0, "noise": 3.0}, duration_s=8.0)
    assert abs(m["cadence_err"]) <= 1.0
    assert m["recall"] >= 0.9
    assert 0.0 < validate.touchdown_speed_mps() < 2.0
