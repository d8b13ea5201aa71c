"""Summaries, quality flags and the metric catalogue, on hand-made per-step rows.

The rows are built with known values, so medians, cadence, symmetry and the quality
verdicts can be worked out by hand.
"""

from __future__ import annotations

import math

import pytest

from conftest import REPO_ROOT
from runform.metrics.catalog import CATALOG, METRICS, expected_cadence
from runform.metrics.docs import DOC_PATH, main, metric_section, render_metrics_markdown
from runform.metrics.spec import resolvable
from runform.metrics.summary import VERDICTS, assess, summarise, symmetry_index


def rows_for(n_per_side: int, left_ct: float = 250.0, right_ct: float = 200.0) -> list[dict]:
    """Alternating steps, stride 700 ms (left) and 720 ms (right), VO 8 % of leg."""
    rows = []
    for k in range(n_per_side):
        for side, ct, stride in (("left", left_ct, 700.0), ("right", right_ct, 720.0)):
            rows.append(
                {
                    "side": side,
                    "contact_time_ms": ct + (k % 3 - 1),  # ±1 ms spread around the median
                    "stride_time_ms": stride,
                    "vertical_oscillation_pct": 8.0,
                    "trunk_lean_deg": 6.0,
                    "knee_flexion_contact_deg": 18.0 if side == "left" else 22.0,
                }
            )
    return rows


def test_per_side_medians_and_symmetry_index():
    metrics, summary = summarise(rows_for(6), fps=240.0, confidence={"left": 0.9, "right": 0.9})
    assert summary["contact_time_ms"] == {"left": 250.0, "right": 200.0}
    ct = metrics["contact_time_ms"]
    assert ct["left"]["n"] == 6 and ct["all"]["n"] == 12
    assert ct["difference"] == pytest.approx(-50.0)
    # Robinson symmetry index: 100·|L−R| / mean(L, R) = 100·50/225
    assert ct["symmetry_pct"] == pytest.approx(22.2, abs=0.05)
    assert metrics["knee_flexion_contact_deg"]["symmetry_pct"] == pytest.approx(20.0, abs=0.05)


def test_cadence_is_120000_over_the_median_stride_time():
    _, summary = summarise(rows_for(6), fps=240.0, confidence={})
    # strides: six of 700 ms and six of 720 ms → median 710 ms
    assert summary["cadence_spm"] == pytest.approx(120000.0 / 710.0, abs=0.01)


def test_whole_body_metrics_are_single_numbers():
    _, summary = summarise(rows_for(5), fps=120.0, confidence={})
    assert summary["vertical_oscillation_pct"] == 8.0
    assert summary["trunk_lean_deg"] == 6.0
    assert "vertical_oscillation_cm" not in summary  # no scale given


def test_vertical_oscillation_in_cm_needs_a_scale():
    # leg of 400 px at 0.0025 m/px = 1.0 m → 8 % of leg = 8 cm
    metrics, summary = summarise(
        rows_for(5), fps=120.0, confidence={}, scale_m_per_unit=0.0025, leg_units=400.0
    )
    assert summary["vertical_oscillation_cm"] == pytest.approx(8.0)
    assert metrics["vertical_oscillation_cm"]["unit"] == "cm"


def test_treadmill_speed_adds_the_expected_cadence():
    metrics, _ = summarise(rows_for(5), fps=120.0, confidence={}, treadmill_speed=3.5)
    assert metrics["cadence_spm"]["expected"] == pytest.approx(171.0)


def test_expected_cadence_follows_fukuchi_2017():
    assert expected_cadence(2.5) == pytest.approx(162.0)
    assert expected_cadence(3.5) == pytest.approx(171.0)
    assert expected_cadence(4.5) == pytest.approx(183.0)
    assert expected_cadence(3.0) == pytest.approx(166.5)
    assert expected_cadence(5.0) == pytest.approx(189.0)  # extrapolated with the end slope


def test_contact_time_at_30_fps_is_flagged_coarse():
    metrics, _ = summarise(rows_for(8), fps=30.0, confidence={"left": 0.9, "right": 0.9})
    q = metrics["contact_time_ms"]["quality"]
    assert q["level"] == "fair" and q["trusted"]
    assert any("coarse" in f and "33 ms" in f for f in q["flags"])
    # cadence and angles are fine at 30 fps
    assert metrics["cadence_spm"]["quality"]["level"] == "good"
    assert metrics["knee_flexion_contact_deg"]["quality"]["level"] == "good"


def test_contact_time_at_240_fps_is_good():
    metrics, _ = summarise(rows_for(8), fps=240.0, confidence={"left": 0.9, "right": 0.9})
    assert metrics["contact_time_ms"]["quality"] == {"level": "good", "trusted": True, "flags": []}


def test_few_steps_lower_the_quality():
    fair, _ = summarise(rows_for(3), fps=240.0, confidence={})
    assert fair["knee_flexion_contact_deg"]["quality"]["level"] == "fair"
    assert "only 3 steps on a side" in fair["knee_flexion_contact_deg"]["quality"]["flags"][0]
    poor, _ = summarise(rows_for(1), fps=240.0, confidence={})
    assert poor["knee_flexion_contact_deg"]["quality"]["trusted"] is False
    assert "only 1 step on a side" in poor["knee_flexion_contact_deg"]["quality"]["flags"][0]


def test_low_keypoint_confidence_makes_metrics_untrusted():
    metrics, _ = summarise(rows_for(8), fps=240.0, confidence={"left": 0.2, "right": 0.25})
    q = metrics["knee_flexion_contact_deg"]["quality"]
    assert q["level"] == "poor" and not q["trusted"]
    assert any("confidence" in f for f in q["flags"])


def test_missing_values_are_ignored_not_counted():
    rows = rows_for(5)
    for r in rows[:4]:
        r["knee_flexion_contact_deg"] = None
    rows[5]["knee_flexion_contact_deg"] = float("nan")
    metrics, _ = summarise(rows, fps=240.0, confidence={})
    assert metrics["knee_flexion_contact_deg"]["all"]["n"] == 5


# ----------------------------------------------------------------------------- catalogue
def test_catalogue_declarations_are_consistent():
    assert len(CATALOG) == len(METRICS)  # ids unique
    for spec in METRICS:
        assert spec.name and spec.unit and spec.definition and spec.method, spec.id
        if spec.band is not None:
            assert spec.band.source, spec.id
            assert spec.band.low is not None or spec.band.high is not None, spec.id
            if spec.band.low is not None and spec.band.high is not None:
                assert spec.band.low < spec.band.high, spec.id
        if spec.graded:
            # a graded metric must have a band to be judged against and a direction of concern
            assert spec.band is not None and spec.concern != "none", spec.id
        assert spec.coarse_fps <= spec.good_fps, spec.id


def test_timing_metrics_say_30_fps_is_coarse():
    for mid in ("contact_time_ms", "flight_time_ms", "duty_factor_pct"):
        assert CATALOG[mid].coarse_fps > 30.0


# ----------------------------------------------------------------------------- docs/metrics.md
def test_metrics_markdown_has_one_section_per_metric():
    text = render_metrics_markdown()
    for spec in METRICS:
        assert text.count(f"(`{spec.id}`)\n") == 1, spec.id
        assert spec.definition in text
    knee = CATALOG["knee_flexion_contact_deg"]
    section = metric_section(knee)
    assert "| unit | deg |" in section
    assert f"| reference band | {knee.band.low:g}–{knee.band.high:g} deg |" in section
    assert "Heiderscheit" in section  # band source
    assert "graded" in section and "below" in section  # concern = low
    assert "minimum steps per side: 4" in section
    ct = metric_section(CATALOG["contact_time_ms"])
    assert "coarse below 59 fps" in ct and "informative" in ct


def test_metrics_docs_cli_writes_and_checks(tmp_path):
    out = tmp_path / "metrics.md"
    assert main(["--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_metrics_markdown()
    assert main(["--out", str(out), "--check"]) == 0
    out.write_text("stale\n", encoding="utf-8")
    assert main(["--out", str(out), "--check"]) == 1


def test_committed_metrics_doc_is_up_to_date():
    path = REPO_ROOT / DOC_PATH
    if not path.exists():
        pytest.skip("docs/metrics.md not generated yet")
    assert path.read_text(encoding="utf-8") == render_metrics_markdown(), (
        "docs/metrics.md is out of date: run python -m runform.metrics.docs"
    )


def test_no_nan_in_summary():
    _, summary = summarise(rows_for(4), fps=120.0, confidence={})
    for value in summary.values():
        items = value.values() if isinstance(value, dict) else [value]
        assert all(v is None or math.isfinite(v) for v in items)


def test_cadence_is_finite_when_no_stride_is_near_the_median():
    """Two very different strides (a gap between steps): the median lies between them, so
    no stride is 'regular'; cadence must fall back to the median stride, never NaN."""
    rows = [
        {"side": "left", "stride_time_ms": 700.0, "step_time_ms": 350.0},
        {"side": "left", "stride_time_ms": 1400.0},
    ]
    _, summary = summarise(rows, fps=30.0, confidence={"left": 1.0, "right": 1.0})
    assert summary["cadence_spm"] == pytest.approx(120000.0 / 1050.0, abs=0.01)


# ----------------------------------------------------------------------------- per leg


def test_assess_marks_the_far_leg_and_gives_every_value_a_verdict():
    metrics, _ = summarise(
        rows_for(8), fps=240.0, confidence={"left": 0.9, "right": 0.9}, near_side="left"
    )
    assess(metrics, near_side="left", fps=240.0)
    knee = metrics["knee_flexion_contact_deg"]  # 18° left, 22° right, band 6–26°
    assert knee["reliability"]["left"] == {"view": "near", "reliable": True, "reason": ""}
    assert knee["reliability"]["right"]["view"] == "far"
    assert not knee["reliability"]["right"]["reliable"]
    assert "seen from the other side" in knee["reliability"]["right"]["reason"]
    assert knee["verdict"] == {"left": "within", "right": "not measured reliably"}
    assert (
        knee["measurement_error"]["left"] == CATALOG["knee_flexion_contact_deg"].measurement_error
    )
    ct = metrics["contact_time_ms"]  # 250 ms left: within 180–320
    assert ct["verdict"]["left"] == "within"
    vo = metrics["vertical_oscillation_pct"]  # 8 % leg, whole body
    assert vo["reliability"]["all"]["view"] == "whole body" and vo["verdict"]["all"] == "within"
    for entry in metrics.values():
        for key, verdict in entry["verdict"].items():
            assert verdict in VERDICTS, (key, verdict)


def test_step_and_flight_time_need_both_feet():
    rows = rows_for(8)
    for r in rows:
        r["step_time_ms"] = 350.0
    metrics, _ = summarise(rows, fps=240.0, confidence={}, near_side="right")
    assess(metrics, near_side="right", fps=240.0)
    step = metrics["step_time_ms"]
    assert not step["reliability"]["right"]["reliable"]  # the near leg, but it needs the far foot
    assert "other foot" in step["reliability"]["right"]["reason"]
    # without a known near leg both feet count alike, and step time is reliable
    metrics, _ = summarise(rows, fps=240.0, confidence={})
    assess(metrics, near_side=None, fps=240.0)
    assert metrics["step_time_ms"]["reliability"]["left"]["reliable"]
    assert metrics["step_time_ms"]["verdict"]["left"] == "no band"


def test_a_value_too_imprecise_for_its_band_is_not_measured_reliably():
    metrics, _ = summarise(rows_for(8), fps=30.0, confidence={}, near_side="left")
    # contact timing carried into touchdown distance at 30 fps: ±20 % of leg on a band
    # 18 % wide cannot say below, within or above
    metrics["touchdown_distance_pct"] = {
        **metrics["knee_flexion_contact_deg"],
        "name": "Touchdown distance",
        "unit": "% leg",
    }
    assess(
        metrics,
        near_side="left",
        fps=30.0,
        timing_errors={("touchdown_distance_pct", "left"): 20.0},
    )
    td = metrics["touchdown_distance_pct"]
    assert td["measurement_error"]["left"] == pytest.approx((2.0**2 + 20.0**2) ** 0.5, abs=0.1)
    assert td["verdict"]["left"] == "not measured reliably"
    assert "measurement error" in td["reliability"]["left"]["reason"]
    assert resolvable(CATALOG["touchdown_distance_pct"], 5.0, 16.0)


def test_far_leg_trouble_does_not_untrust_the_near_leg():
    """Only 1 usable step on the far leg (a blurred, hidden foot): the near leg's 8 steps
    keep the metric trusted; without a known near leg the metric is untrusted as before."""
    rows = rows_for(8)
    for r in rows:
        if r["side"] == "right":
            r["knee_flexion_contact_deg"] = None
    rows[1]["knee_flexion_contact_deg"] = 22.0
    near, _ = summarise(rows, fps=240.0, confidence={}, near_side="left")
    assert near["knee_flexion_contact_deg"]["quality"]["trusted"]
    unknown, _ = summarise(rows, fps=240.0, confidence={})
    assert not unknown["knee_flexion_contact_deg"]["quality"]["trusted"]


def test_symmetry_index_is_robinsons_with_magnitudes_as_documented():
    assert symmetry_index(250.0, 200.0) == pytest.approx(100 * 50 / 225, abs=0.05)
    assert symmetry_index(-2.0, 2.0) == pytest.approx(200.0)  # magnitudes: mean(|L|, |R|) = 2
    assert symmetry_index(0.0, 0.0) is None
    text = render_metrics_markdown()
    assert "100·|L−R| / mean(|L|, |R|)" in text and "100·|L−R|/mean(|L|, |R|)" in text
    assert "mean(L,R)" not in text
