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


def test_asymmetry_sensitivity_reads_a_known_asymmetry_and_formats_it():
    bench = load_bench_module("asymmetry_sensitivity")
    r = bench.measure(1.2, 60.0)  # the right contact 1.2x the left: a true index of 18 %
    assert r["true_index_pct"] == 18.2
    assert abs(r["read_index_pct"] - r["true_index_pct"]) < 2.0
    true_difference = r["true_ms"][1] - r["true_ms"][0]
    assert abs(r["difference_ms"] - true_difference) < r["stated_error_ms"]
    text = bench.format_rows([r])
    assert "1.20" in text and "18.2 / " in text and r["stated_error_ms"] > 0
