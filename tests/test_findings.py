"""Findings from hand-built analysis documents with known values.

Each document is built from the metric catalogue (its bands, units and per-side flags), so
the expected severity, side and confidence of every finding can be worked out by hand from
the rules in docs/findings.md.
"""

from __future__ import annotations

import copy
import json
import re

import pytest

from runform.errors import InputError
from runform.findings import (
    AREAS,
    FINDING_IDS,
    KEY_EVENTS,
    assess_areas,
    findings_from_analysis,
    no_finding_summary,
)
from runform.findings.pace import (
    REFERENCE_SPEED_MPS,
    band_at_pace,
    pace_from_analysis,
    reference_value,
    speed_from_cadence,
)
from runform.findings.scoring import (
    MIN_FINDING_STEPS,
    MIN_SEVERITY,
    band_distance,
    severity_from_distance,
)
from runform.metrics.catalog import CATALOG, expected_cadence

FINDING_KEYS = {
    "id",
    "title",
    "severity",
    "severity_label",
    "confidence",
    "confidence_label",
    "side",
    "measured_on",
    "metrics",
    "evidence",
    "explanation",
    "advice",
}

#: Metrics without a band, with a plausible value.
UNBANDED = {"step_time_ms": 349.0, "step_length_m": 1.1}


def _inside(metric: str) -> float:
    """A value comfortably inside the catalogue band (the middle, or 30 % past a one-sided
    edge), so the tests follow the catalogue if its bands are retuned."""
    band = CATALOG[metric].band
    if band is None:
        return UNBANDED.get(metric, 1.0)
    if band.low is not None and band.high is not None:
        return 0.5 * (band.low + band.high)
    return band.low * 1.3 if band.low is not None else band.high * 0.7


#: A clean runner: every metric inside its band (per-side metrics equal on both legs).
CLEAN = {
    m: _inside(m)
    for m in CATALOG
    if m not in ("vertical_oscillation_cm", "step_length_m", "stride_time_ms")
}


def band_low(metric: str) -> float:
    low = CATALOG[metric].band.low
    assert low is not None
    return low


def _stats(value: float, n: int, iqr: float) -> dict:
    return {
        "median": value,
        "iqr": iqr,
        "q25": value - iqr / 2,
        "q75": value + iqr / 2,
        "mean": value,
        "sd": iqr / 1.35,
        "n": n,
    }


def make_analysis(
    overrides: dict | None = None,
    *,
    n: int = 10,
    fps: float = 120.0,
    keypoint_confidence: float = 0.9,
    direction: int = 1,
    speed: float | None = None,
    untrusted: tuple[str, ...] = (),
    iqr_fraction: float = 0.03,
    near_side: str | None = None,
    both_near: bool = False,
) -> dict:
    """A ``runform.analysis/1`` document with the given medians (``(left, right)`` tuples for
    per-side metrics that differ), ``n`` steps per side and ``fps`` frames per second.

    ``near_side``: the leg nearer the camera (``None``: not known, both legs used);
    ``both_near``: both legs measured as the near leg (one clip from each side merged), the
    only case in which legs are compared."""
    values = {**CLEAN, **(overrides or {})}
    metrics = {}
    for metric, value in values.items():
        spec = CATALOG[metric]
        left, right = value if isinstance(value, tuple) else (value, value)
        iqr_l = abs(left) * iqr_fraction + 0.1
        iqr_r = abs(right) * iqr_fraction + 0.1
        entry = {
            "name": spec.name,
            "unit": spec.unit,
            "per_side": spec.per_side,
            "left": _stats(left, n, iqr_l) if spec.per_side else None,
            "right": _stats(right, n, iqr_r) if spec.per_side else None,
            "all": _stats((left + right) / 2, 2 * n, max(iqr_l, iqr_r)),
            "difference": None,
            "symmetry_pct": None,
            "graded": spec.graded,
            "concern": spec.concern,
            "band": spec.band.to_dict() if spec.band else None,
            "quality": {
                "level": "poor" if metric in untrusted else "good",
                "trusted": metric not in untrusted,
                "flags": ["only 1 step(s) on a side"] if metric in untrusted else [],
            },
        }
        if metric == "cadence_spm" and speed:
            entry["expected"] = round(expected_cadence(speed), 1)
        if both_near and spec.per_side:
            entry["reliability"] = {
                s: {"view": "near", "reliable": True, "reason": ""} for s in ("left", "right")
            }
        metrics[metric] = entry
    return {
        "schema": "runform.analysis/1",
        "runform_version": "test",
        "input": {
            "source": "test",
            "n_frames": 1200,
            "duration_s": 10.0,
            "frame_rate": fps,
            "units": "px",
            "time_base": "test",
            "keypoint_confidence": {"left": keypoint_confidence, "right": keypoint_confidence},
        },
        "options": {"treadmill_speed_mps": speed},
        "context": {
            "direction": direction,
            "facing": "right" if direction > 0 else "left",
            "setting": "treadmill",
            "leg_length": 400.0,
            "near_side": near_side,
        },
        "summary": {},
        "metrics": metrics,
        "steps": [],
        "events": [],
        "rejected_steps": [],
        "cycles": {},
        "warnings": [],
    }


def ids(doc: dict) -> list[str]:
    return [f["id"] for f in findings_from_analysis(doc)]


def by_id(doc: dict) -> dict[str, dict]:
    return {f["id"]: f for f in findings_from_analysis(doc)}


# ----------------------------------------------------------------------------- basics


def test_clean_runner_gets_no_finding_and_every_area_says_so():
    doc = make_analysis(speed=3.5)
    assert findings_from_analysis(doc) == []
    areas = assess_areas(doc)
    assert [a["area"] for a in areas] == [a.id for a in AREAS]
    # every area but symmetry: one clip cannot compare legs, and says so
    statuses = {a["area"]: a["status"] for a in areas}
    assert statuses.pop("symmetry") == "not assessed"
    assert set(statuses.values()) == {"no finding"}, areas
    assert all(a["note"] for a in areas)
    both = {a["area"]: a["status"] for a in assess_areas(make_analysis(speed=3.5, both_near=True))}
    assert both["symmetry"] == "no finding"  # two near legs, alike


def test_finding_dicts_have_exactly_the_documented_shape():
    doc = make_analysis({"thigh_extension_deg": 10.0, "touchdown_distance_pct": 38.0})
    found = findings_from_analysis(doc)
    assert {f["id"] for f in found} >= {"limited_extension", "overstriding"}
    for f in found:
        assert set(f) == FINDING_KEYS
        assert f["id"] in FINDING_IDS and f["id"] in KEY_EVENTS
        assert 0.0 < f["severity"] <= 1.0 and 0.0 < f["confidence"] <= 1.0
        assert f["severity_label"] in ("mild", "moderate", "marked")
        assert f["confidence_label"] in ("low", "moderate", "high")
        assert f["side"] == "both"  # one clip never names a side
        assert f["measured_on"] in ([], ["left", "right"])  # near leg unknown: both used
        assert f["explanation"] and f["advice"]
        for item in f["evidence"]:
            assert {"metric", "side", "value", "band", "unit"} <= set(item)
            assert item["metric"] in f["metrics"]


def test_not_an_analysis_raises_input_error():
    with pytest.raises(InputError, match=r"runform\.analysis/1"):
        findings_from_analysis({"schema": "something/1", "metrics": {}})
    with pytest.raises(InputError):
        findings_from_analysis([])  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- severity


def test_severity_is_continuous_and_grows_with_distance_beyond_the_band():
    assert band_distance(14.0, 18.0, 30.0, "low") == 4.0
    assert band_distance(35.0, 18.0, 30.0, "low") == 0.0  # a "low" concern ignores high values
    assert band_distance(35.0, 18.0, 30.0, "both") == 5.0
    assert severity_from_distance(0.0, 12.0) == 0.0
    assert severity_from_distance(6.0, 12.0) == 0.5
    assert severity_from_distance(30.0, 12.0) == 1.0
    severities = []
    for value in (11.0, 9.0, 7.0, 5.0, 3.0, 1.0):
        # at the catalogue's reference pace (3 m/s) the thigh band is not moved
        doc = make_analysis({"thigh_extension_deg": value}, speed=REFERENCE_SPEED_MPS)
        f = by_id(doc).get("limited_extension")
        severities.append(f["severity"] if f else 0.0)
    assert severities == sorted(severities) and len(set(severities)) == len(severities)
    # thigh weight 0.75, full scale 12°, counted beyond the 2-D video measurement error of
    # the thigh angle; the trunk-referenced angle stays inside its band
    margin = CATALOG["thigh_extension_deg"].measurement_error
    expected = 0.75 * min(1.0, (band_low("thigh_extension_deg") - 3.0 - margin) / 12.0)
    assert severities[4] == pytest.approx(expected, abs=0.01)


def test_a_value_within_the_measurement_error_is_no_finding_and_beyond_it_is():
    """A knee 5° under the band edge is within the 7.5° error of 2-D video: no finding.
    10° under it is beyond the error: a finding."""
    edge = band_low("knee_flexion_stance_peak_deg")
    margin = CATALOG["knee_flexion_stance_peak_deg"].measurement_error
    assert margin > 5.0
    assert "stiff_landing" not in ids(make_analysis({"knee_flexion_stance_peak_deg": edge - 5.0}))
    far = edge - margin - 3.0
    assert "stiff_landing" in ids(make_analysis({"knee_flexion_stance_peak_deg": far}))


def test_a_value_just_past_the_edge_is_within_measurement_error():
    doc = make_analysis({"thigh_extension_deg": band_low("thigh_extension_deg") - 0.5})
    assert "limited_extension" not in ids(doc)
    area = next(a for a in assess_areas(doc) if a["area"] == "hip_extension")
    assert area["status"] == "no finding" and "measurement error" in area["note"]
    assert area["note"].startswith("Close to the edge of the range, too close to call")


def test_a_value_just_past_the_error_is_no_finding_and_the_area_says_why():
    """Past the band by a little more than the measurement error, the table of values reads
    "below" (not "within error"); under the finding threshold the area must not claim the
    error covers it (the example clip's stance knee: 25.3° against 33°, error 7.5°)."""
    metric = "knee_flexion_stance_peak_deg"
    margin = CATALOG[metric].measurement_error
    doc = make_analysis({metric: band_low(metric) - margin - 0.2})
    assert "stiff_landing" not in ids(doc)
    area = next(a for a in assess_areas(doc) if a["area"] == "knee_stance")
    assert area["status"] == "no finding"
    assert area["note"].startswith("Just outside the range, by a little more than the "
                                   "measurement error but too little to call a finding")  # fmt: skip


def test_no_finding_summary_names_the_areas_at_their_edge_and_the_plan_says_so_too():
    """ "No finding" must not read as all clear beside a table that says "below": the
    summary and the maintenance plan name the areas at the edge (the example clip's knee,
    landing and bounce), and a clean runner's summary names none."""
    knee = "knee_flexion_stance_peak_deg"
    doc = make_analysis(
        {knee: band_low(knee) - CATALOG[knee].measurement_error - 0.2,
         "thigh_extension_deg": band_low("thigh_extension_deg") - 0.5}
    )  # fmt: skip
    assert findings_from_analysis(doc) == []
    areas = assess_areas(doc)
    assert {a["area"] for a in areas if a["edge"]} == {"knee_stance", "hip_extension"}
    text = no_finding_summary(areas)
    assert text.startswith("Hip extension behind the body and knee bend in stance")
    assert "sit at or just past the edge of their range" in text
    clean = no_finding_summary(assess_areas(make_analysis({})))
    assert clean.startswith("Every area of form that could be measured is within its")
    from runform.plan import build_plan

    notes = " ".join(build_plan([], {"start": "2025-03-03"}, analysis=doc).notes)
    assert "From your analysis: Hip extension behind the body and knee bend in stance" in notes
    assert "edge" not in " ".join(build_plan([], {"start": "2025-03-03"}).notes)
    # areas that could not be assessed are said, never an all-clear
    bare = make_analysis({})
    for metric in ("thigh_extension_deg", "hip_extension_trunk_deg"):
        bare["metrics"][metric]["quality"]["trusted"] = False
    text = no_finding_summary(assess_areas(bare))
    assert text.endswith("Hip extension behind the body could not be assessed from this video.")
    nothing = [dict(a, status="not assessed") for a in assess_areas(bare)]
    assert no_finding_summary(nothing).startswith("No area of form could be assessed")


# ----------------------------------------------------------------------------- confidence


def test_confidence_falls_with_few_steps_low_fps_and_low_keypoint_confidence():
    fault = {"knee_flexion_stance_peak_deg": 20.0}
    full = by_id(make_analysis(fault))["stiff_landing"]["confidence"]
    few = by_id(make_analysis(fault, n=6))["stiff_landing"]["confidence"]
    blurry = by_id(make_analysis(fault, keypoint_confidence=0.45))["stiff_landing"]["confidence"]
    slow = by_id(
        make_analysis({"drive_mean_deg_s": 80.0, "drive_peak_deg_s": 150.0}, fps=30, speed=3.0)
    )["weak_drive"]["confidence"]
    assert full == 1.0
    assert few == pytest.approx(0.87, abs=0.01)  # sqrt(6 / 8)
    assert blurry == pytest.approx(0.56, abs=0.01)  # 0.3 + 0.7·0.15/0.4
    assert slow < 1.0  # drive_mean needs 50 fps for full weight
    labels = {
        f["id"]: f["confidence_label"]
        for f in findings_from_analysis(make_analysis(fault, n=6, keypoint_confidence=0.4))
    }
    assert labels["stiff_landing"] == "low"  # 0.87 · 0.475


def test_low_confidence_findings_say_so_in_plain_words():
    doc = make_analysis({"knee_flexion_stance_peak_deg": 20.0}, keypoint_confidence=0.35)
    f = by_id(doc)["stiff_landing"]
    assert f["confidence_label"] == "low"
    assert "Low confidence" in f["explanation"]


def test_a_finding_on_too_few_steps_is_withheld_with_the_reason():
    doc = make_analysis({"knee_flexion_stance_peak_deg": 20.0}, n=MIN_FINDING_STEPS - 1)
    assert "stiff_landing" not in ids(doc)
    area = next(a for a in assess_areas(doc) if a["area"] == "knee_stance")
    assert area["status"] == "not assessed"
    assert f"only {MIN_FINDING_STEPS - 1} steps of" in area["note"]
    assert "withheld" in area["note"] and "10 s" in area["note"]
    assert "stiff_landing" in ids(make_analysis({"knee_flexion_stance_peak_deg": 20.0}, n=6))


def test_a_cadence_from_too_few_strides_is_withheld_not_a_finding():
    """A blurred 320 px clip kept two stride times, one spanning a missed contact: the
    cadence read 123 for a runner at 169 and became a finding and a plan target."""
    low = {"cadence_spm": 123.0}
    assert "low_cadence" in ids(make_analysis(low))
    doc = make_analysis(low)
    doc["metrics"]["cadence_spm"]["all"]["n"] = 2
    assert "low_cadence" not in ids(doc)
    area = next(a for a in assess_areas(doc) if a["area"] == "cadence")
    assert area["status"] == "not assessed"
    assert (
        f"only 2 stride times were measured and a finding needs at least {2 * MIN_FINDING_STEPS}"
        in area["note"]
    )


def test_an_untrusted_metric_gives_no_finding_and_the_area_is_not_assessed():
    doc = make_analysis(
        {"knee_flexion_stance_peak_deg": 20.0}, untrusted=("knee_flexion_stance_peak_deg",)
    )
    assert "stiff_landing" not in ids(doc)
    area = next(a for a in assess_areas(doc) if a["area"] == "knee_stance")
    assert area["status"] == "not assessed"
    assert "only 1 step" in area["note"]


def test_the_far_leg_is_never_judged_and_the_near_leg_names_no_side():
    # The right leg was nearer the camera (whichever way the runner faced).
    fault = {"thigh_extension_deg": (10.0, 23.0)}  # only the far (left) leg is short
    assert "limited_extension" not in ids(make_analysis(fault, near_side="right"))
    area = next(
        a
        for a in assess_areas(make_analysis(fault, near_side="right"))
        if a["area"] == "hip_extension"
    )
    assert area["status"] == "no finding" and "(left)" not in area["note"]
    near = by_id(make_analysis({"thigh_extension_deg": (23.0, 10.0)}, near_side="right"))
    f = near["limited_extension"]
    assert f["side"] == "both"  # no side preference from one camera (the plan reads this)
    assert f["measured_on"] == ["right"]
    assert {e["side"] for e in f["evidence"]} == {"right"}
    assert "nearer the camera" in f["explanation"]
    assert "film the runner's left side" in f["explanation"]
    # the same problem on the near leg, whichever way the runner faces: same finding
    other = by_id(make_analysis({"thigh_extension_deg": (10.0, 23.0)}, near_side="left"))
    assert other["limited_extension"]["severity"] == f["severity"]
    assert other["limited_extension"]["confidence"] == f["confidence"]


def test_stored_reliability_is_obeyed():
    doc = make_analysis({"knee_flexion_stance_peak_deg": 20.0}, near_side="left")
    doc["metrics"]["knee_flexion_stance_peak_deg"]["reliability"] = {
        "left": {"view": "near", "reliable": False, "reason": "error too large"},
        "right": {"view": "far", "reliable": False, "reason": "seen from the other side"},
    }
    assert "stiff_landing" not in ids(doc)
    area = next(a for a in assess_areas(doc) if a["area"] == "knee_stance")
    assert area["status"] == "not assessed" and "error too large" in area["note"]


# ----------------------------------------------------------------------------- each family


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"thigh_extension_deg": 9.0, "hip_extension_trunk_deg": 2.0}, "limited_extension"),
        ({"drive_peak_deg_s": 150.0, "drive_mean_deg_s": 80.0}, "weak_drive"),
        ({"touchdown_distance_pct": 40.0, "shank_angle_contact_deg": 18.0}, "overstriding"),
        ({"knee_flexion_stance_peak_deg": 20.0}, "stiff_landing"),
        ({"knee_flexion_swing_peak_deg": 55.0, "heel_recovery_ratio": 0.9}, "heel_recovery_low"),
        ({"knee_flexion_swing_peak_deg": 150.0, "heel_recovery_ratio": 0.2}, "heel_recovery_high"),
        ({"cadence_spm": 148.0}, "low_cadence"),
        ({"vertical_oscillation_pct": 16.5}, "high_vertical_oscillation"),
        ({"trunk_lean_deg": 19.0}, "trunk_lean_forward"),
        ({"trunk_lean_deg": -4.0}, "trunk_lean_backward"),
        (
            {"thigh_extension_deg": 33.0, "hip_extension_trunk_deg": 38.0, "trunk_lean_deg": -5.0},
            "forced_extension",
        ),
    ],
)
def test_each_fault_gives_its_finding(overrides, expected):
    doc = make_analysis(overrides, speed=3.0)
    found = ids(doc)
    assert expected in found, found
    area = next(a for a in assess_areas(doc) if expected in a["finding_ids"])
    assert area["status"] == "finding"


def test_contact_time_is_reported_but_never_graded():
    doc = make_analysis({"contact_time_ms": 420.0, "duty_factor_pct": 55.0})
    assert findings_from_analysis(doc) == []


def test_far_back_thigh_with_an_upright_forward_trunk_is_not_forced():
    # 33° of thigh extension with a normal forward lean and a normal hip angle: extension
    # alone is not "forced" (the trunk is not behind and the hip is not over-opened).
    doc = make_analysis(
        {"thigh_extension_deg": 33.0, "hip_extension_trunk_deg": 24.0, "trunk_lean_deg": 9.0}
    )
    assert "forced_extension" not in ids(doc)


def test_forced_extension_needs_both_parts():
    lean_back_short_thigh = make_analysis({"thigh_extension_deg": 20.0, "trunk_lean_deg": -6.0})
    assert "forced_extension" not in ids(lean_back_short_thigh)
    both = by_id(
        make_analysis(
            {"thigh_extension_deg": 41.0, "trunk_lean_deg": -11.0, "hip_extension_trunk_deg": 22.0},
            speed=REFERENCE_SPEED_MPS,  # the thigh band as catalogued (it moves with pace)
        )
    )
    # each part beyond its measurement error (thigh 5.5°, trunk 3°): far behind
    # (41 − 5.5 − 25)/10 ≥ 1, backward lean (11 − 3)/8 = 1 → severity 1
    assert both["forced_extension"]["severity"] == 1.0
    assert "leans back" in both["forced_extension"]["explanation"]


def test_forced_extension_allows_for_the_measurement_error_of_each_part():
    """Thigh extension 28° inside its 18–30° band and a trunk-to-thigh angle 3° past 25°,
    within the 5.5° a video measures either to: the old rule (far behind from 25°, no
    error allowed) called this healthy pattern "forced" (0.3), as it did for a force-plate
    runner inside his band once the image pace read 10 % slow."""
    near = make_analysis(
        {"thigh_extension_deg": 28.0, "hip_extension_trunk_deg": 28.0, "trunk_lean_deg": 5.0},
        speed=REFERENCE_SPEED_MPS,
        near_side="left",
    )
    assert "forced_extension" not in ids(near)
    clear = make_analysis(
        {"thigh_extension_deg": 36.0, "hip_extension_trunk_deg": 38.0, "trunk_lean_deg": 5.0},
        speed=REFERENCE_SPEED_MPS,
        near_side="left",
    )
    assert by_id(clear)["forced_extension"]["severity"] == pytest.approx(0.55)


def test_cadence_is_judged_against_the_speed_when_it_is_known():
    # 165 steps/min: inside the distance-pace band, but 12 % under the 187.5 expected at 4.8 m/s.
    assert band_low("cadence_spm") < 165.0
    assert "low_cadence" not in ids(make_analysis({"cadence_spm": 165.0}))
    fast = by_id(make_analysis({"cadence_spm": 165.0}, speed=4.8))
    finding = fast["low_cadence"]
    expected = expected_cadence(4.8)
    edge = 0.95 * expected
    error = 0.01 * 165.0  # cadence is known to 1 %: that much comes off first
    assert finding["severity"] == pytest.approx((edge - 165.0 - error) / (0.10 * edge), abs=0.01)
    assert finding["evidence"][0]["band"][0] == pytest.approx(edge, abs=0.05)
    assert finding["evidence"][0]["expected"] == pytest.approx(round(expected, 1), abs=0.05)
    # slow treadmill speed: 150 steps/min is normal at 1.6 m/s (expected ≈ 154)
    assert "low_cadence" not in ids(make_analysis({"cadence_spm": 150.0}, speed=1.6))


def test_cadence_without_speed_uses_the_band_and_lowers_confidence():
    f = by_id(make_analysis({"cadence_spm": 148.0}))["low_cadence"]
    low = band_low("cadence_spm")
    assert f["severity"] == pytest.approx((low - 148 - 1.48) / (0.1 * low), abs=0.01)
    assert f["confidence"] == pytest.approx(0.8)
    assert "--treadmill-speed" in f["explanation"]


def test_drive_band_scales_with_speed():
    # 10 % above the catalogue's edge: fine at 2.5 m/s, slow for 4.5 m/s (edge × 1.43)
    values = {m: 1.1 * band_low(m) for m in ("drive_peak_deg_s", "drive_mean_deg_s")}
    assert "weak_drive" not in ids(make_analysis(values, speed=2.5))
    fast = by_id(make_analysis(values, speed=4.5))["weak_drive"]
    peak = next(e for e in fast["evidence"] if e["metric"] == "drive_peak_deg_s")
    ratio = reference_value("drive_peak_deg_s", 4.5) / reference_value("drive_peak_deg_s", 3.0)
    assert ratio == pytest.approx(1.43, abs=0.01)  # 36 runners (1.46 on seven)
    assert peak["band"][0] == pytest.approx(band_low("drive_peak_deg_s") * ratio, rel=0.01)
    assert "matters more the faster you run" in fast["explanation"]


def test_heel_recovery_is_judged_against_the_pace():
    # 95° of swing knee flexion is ample at 2.5 m/s but low for 5.5 m/s.
    assert "heel_recovery_low" not in ids(
        make_analysis({"knee_flexion_swing_peak_deg": 95.0, "heel_recovery_ratio": 0.6}, speed=2.5)
    )
    assert "heel_recovery_low" in ids(
        make_analysis({"knee_flexion_swing_peak_deg": 95.0, "heel_recovery_ratio": 0.6}, speed=5.5)
    )
    text = by_id(make_analysis({"knee_flexion_swing_peak_deg": 150.0}, speed=3.0))
    assert "7 %" not in text["heel_recovery_high"]["explanation"]  # no untraceable claims


def test_pace_comes_from_the_treadmill_else_from_cadence():
    assert pace_from_analysis(make_analysis(speed=4.0)).basis == "treadmill"
    pace = pace_from_analysis(make_analysis({"cadence_spm": 171.0}))
    assert pace.basis == "cadence" and pace.speed_mps == pytest.approx(3.5)
    assert speed_from_cadence(expected_cadence(4.2)) == pytest.approx(4.2)


# ----------------------------------------------------------------------------- asymmetry


def test_one_clip_says_film_the_other_side_instead_of_comparing_legs():
    for near in ("left", "right", None):
        doc = make_analysis({"step_time_ms": (390.0, 300.0)}, near_side=near)
        assert "asymmetry" not in ids(doc)
        area = next(a for a in assess_areas(doc) if a["area"] == "symmetry")
        assert area["status"] == "not assessed"
        assert area["note"].startswith("Film the other side to compare legs")


def test_asymmetry_is_found_and_lists_the_differing_metrics():
    doc = make_analysis(
        {"step_time_ms": (390.0, 300.0), "thigh_extension_deg": (24.0, 23.5)}, both_near=True
    )
    f = by_id(doc)["asymmetry"]
    assert f["metrics"] == ["step_time_ms"]
    # the difference beyond one frame (8.3 ms at 120 fps), over the mean step time
    resolved = 100 * (90 - 1000 / 120) / 345
    assert f["severity"] == pytest.approx((resolved - 10) / 30, abs=0.01)
    assert "symmetry index 26 %" in f["evidence"][0]["note"]  # the raw index is shown
    assert {e["side"] for e in f["evidence"]} == {"left", "right"}
    assert f["confidence"] <= 0.75  # one camera sees the far leg less well


def test_differences_within_one_frame_are_not_asymmetry():
    # 70 ms apart at 120 fps (one frame = 8 ms): a clear asymmetry. 32 ms apart at 30 fps is
    # less than one 33-ms frame: the video cannot tell the legs apart.
    assert "asymmetry" in ids(
        make_analysis({"step_time_ms": (400.0, 330.0)}, fps=120, both_near=True)
    )
    assert "asymmetry" not in ids(
        make_analysis({"step_time_ms": (365.0, 333.0)}, fps=30, both_near=True)
    )


def test_signed_values_near_zero_do_not_fake_an_asymmetry():
    # Touchdown 1 % vs −1 % of leg length: the Robinson index would say 200 %, but the legs
    # differ by 2 % of leg length on a 20 %-wide band.
    doc = make_analysis({"touchdown_distance_pct": (1.0, -1.0)}, both_near=True)
    assert "asymmetry" not in ids(doc)


def test_noisy_differences_are_not_called_asymmetry():
    # 17 % apart: an asymmetry with consistent steps, but not when the step-to-step spread
    # is huge and there are only 3 steps per side (the medians are not distinguishable).
    values = {"step_time_ms": (380.0, 320.0)}
    assert "asymmetry" in ids(make_analysis(values, n=10, iqr_fraction=0.03, both_near=True))
    assert "asymmetry" not in ids(make_analysis(values, n=6, iqr_fraction=0.6, both_near=True))


def test_legs_called_alike_say_why_a_difference_past_the_threshold_does_not_count():
    def note(values: dict, **kw) -> str:
        doc = make_analysis(values, both_near=True, **kw)
        assert "asymmetry" not in ids(doc)
        return next(a for a in assess_areas(doc) if a["area"] == "symmetry")["note"]

    # under the screening threshold: named, nothing to explain
    assert note({"step_time_ms": (350.0, 340.0)}) == (
        "Legs alike within measurement error (largest difference: step time, symmetry index "
        "3 %; screening threshold 10 %)."
    )
    # 11 % apart at 30 fps, where one frame (33 ms) of the 40 ms is what the video cannot tell
    assert note({"step_time_ms": (380.0, 340.0)}, fps=30) == (
        "Legs alike within measurement error: the largest difference, step time (symmetry "
        "index 11 %), is past the 10 % screening threshold, but only 2 % remains once the "
        "measurement error is taken off."
    )
    # 13 % apart at 120 fps: 11 % remains, past the threshold by less than a finding needs
    assert note({"step_time_ms": (400.0, 350.0)}).endswith(
        "and the 11 % that remains once the measurement error is taken off is too close to "
        "it to count."
    )
    # 17 % apart, but the steps spread so much that the medians cannot be told apart
    assert note({"step_time_ms": (380.0, 320.0)}, n=6, iqr_fraction=0.6).endswith(
        "but it varies too much from step to step to be told from no difference."
    )


# ----------------------------------------------------------------------------- order, areas


def test_findings_are_sorted_by_severity_times_confidence():
    doc = make_analysis(
        {
            "touchdown_distance_pct": 42.0,
            "shank_angle_contact_deg": 19.0,
            "vertical_oscillation_pct": 11.0,
            "knee_flexion_stance_peak_deg": 30.0,
        }
    )
    found = findings_from_analysis(doc)
    keys = [f["severity"] * f["confidence"] for f in found]
    assert keys == sorted(keys, reverse=True)
    assert found[0]["id"] == "overstriding"


def test_saved_findings_drive_the_area_statuses():
    doc = make_analysis({"trunk_lean_deg": 20.0})
    found = findings_from_analysis(doc)
    areas = {a["area"]: a for a in assess_areas(doc, found)}
    assert areas["trunk"]["status"] == "finding"
    assert areas["trunk"]["finding_ids"] == ["trunk_lean_forward"]
    areas = {a["area"]: a for a in assess_areas(doc, [])}
    assert areas["trunk"]["status"] == "no finding"


def test_missing_or_nan_values_are_not_judged():
    doc = make_analysis({"trunk_lean_deg": 20.0})
    doc["metrics"]["cadence_spm"]["all"]["median"] = float("nan")
    for side in ("left", "right"):
        doc["metrics"]["knee_flexion_stance_peak_deg"][side]["median"] = float("nan")
    doc["metrics"]["thigh_extension_deg"]["left"] = None
    assert pace_from_analysis(doc).basis == "unknown"
    findings = findings_from_analysis(doc)
    json.dumps(findings, allow_nan=False)  # nothing non-finite leaks into the findings
    found = [f["id"] for f in findings]
    assert "trunk_lean_forward" in found
    areas = {a["area"]: a["status"] for a in assess_areas(doc)}
    assert areas["cadence"] == "not assessed" and areas["knee_stance"] == "not assessed"
    assert areas["hip_extension"] == "no finding"  # judged on the right leg alone


def test_findings_do_not_modify_the_analysis():
    doc = make_analysis({"trunk_lean_deg": 20.0}, speed=3.0)
    before = copy.deepcopy(doc)
    findings_from_analysis(doc)
    assess_areas(doc)
    assert doc == before


def test_min_severity_is_small():
    assert 0.0 < MIN_SEVERITY <= 0.15


# ----------------------------------------------------------------------------- texts

FAULTS = [
    {"thigh_extension_deg": 9.0, "hip_extension_trunk_deg": 2.0},
    {"drive_peak_deg_s": 150.0, "drive_mean_deg_s": 60.0},
    {"touchdown_distance_pct": 40.0, "shank_angle_contact_deg": 18.0},
    {"knee_flexion_stance_peak_deg": 20.0, "knee_flexion_contact_deg": 2.0},
    {"knee_flexion_swing_peak_deg": 55.0, "heel_recovery_ratio": 0.95},
    {"knee_flexion_swing_peak_deg": 150.0, "heel_recovery_ratio": 0.15},
    {"vertical_oscillation_pct": 16.0},
    {"trunk_lean_deg": 19.0},
]
#: An en dash standing alone: the placeholder of a missing number (a range such as 18–30°
#: has digits on both sides).
PLACEHOLDER = re.compile(r"(?<![\d.])–(?![\d])")


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: "+".join(f))
def test_no_text_prints_a_placeholder_when_a_metric_is_missing(fault):
    """Each fault with each of its metrics missing in turn (not measured, or untrusted): the
    explanation and the area notes are written from what is there, never with a blank."""
    variants = [make_analysis(fault)]
    for metric in fault:
        gone = make_analysis(fault)
        del gone["metrics"][metric]
        variants += [gone, make_analysis(fault, untrusted=(metric,))]
    for doc in variants:
        for f in findings_from_analysis(doc):
            assert not PLACEHOLDER.search(f["explanation"]), f["explanation"]
        for area in assess_areas(doc):
            assert not PLACEHOLDER.search(area["note"]), area["note"]


def test_a_text_names_every_leg_that_is_outside_the_band():
    """Left 11°, right 8° of thigh extension (band from 18°), near leg not known: both legs
    carry severity, and the text must say both fall short, as the table shows."""
    doc = make_analysis({"thigh_extension_deg": (11.0, 8.0)})
    f = by_id(doc)["limited_extension"]
    assert "both legs fall short" in f["explanation"]
    assert f["side"] == "both"


def test_with_the_near_leg_unknown_one_leg_alone_makes_no_finding():
    """A Sports2D TRC has no scores, so the near leg is not known and both legs are read;
    the far leg's 7° of thigh extension alone gave 'limited extension'. With the near leg
    unknown a finding rests on the better leg, and the area says why there is none."""
    one_leg = make_analysis({"thigh_extension_deg": (23.0, 8.0)})
    assert "limited_extension" not in ids(one_leg)
    area = next(a for a in assess_areas(one_leg) if a["area"] == "hip_extension")
    assert area["status"] == "no finding" and area["edge"]
    assert area["note"].startswith("One leg only is past the range")
    assert "--filmed-side" in area["note"]
    # the near leg known: its own value decides, as before
    known = make_analysis({"thigh_extension_deg": (23.0, 8.0)}, near_side="right")
    assert "limited_extension" in ids(known)


def test_with_the_near_leg_unknown_one_leg_alone_makes_no_forced_extension():
    """The same rule for the custom 'forced extension': with the near leg unknown, one
    thigh far behind (35°) and the other not (20°) makes no finding; known, it does."""
    values = {"thigh_extension_deg": (35.0, 20.0), "trunk_lean_deg": -8.0}
    one_leg = make_analysis(values, speed=REFERENCE_SPEED_MPS)
    assert "forced_extension" not in ids(one_leg)
    known = make_analysis(values, speed=REFERENCE_SPEED_MPS, near_side="left")
    assert "forced_extension" in ids(known)


def test_thigh_extension_and_touchdown_are_judged_at_the_runners_pace():
    """The seven treadmill runners' thigh extension rises from 14.5° at 2 m/s to 30° at
    4.5 m/s and touchdown distance from 16 to 28 % of leg: 10° of thigh extension is limited
    at 3 m/s but what a 2 m/s jogger does, and landing 36 % ahead is overstriding at 3 m/s
    but within what runners do at 5 m/s."""
    slow = by_id(make_analysis({"thigh_extension_deg": 10.0}, speed=2.0))
    usual = by_id(make_analysis({"thigh_extension_deg": 10.0}, speed=3.0))
    assert "limited_extension" in usual and "limited_extension" not in slow
    spec = CATALOG["thigh_extension_deg"].band
    low_2, _, note = band_at_pace(
        "thigh_extension_deg", spec.low, spec.high, pace_from_analysis(make_analysis({}, speed=2.0))
    )
    shift = reference_value("thigh_extension_deg", 2.0) - reference_value(
        "thigh_extension_deg", 3.0
    )
    assert shift < -5
    assert low_2 == pytest.approx(spec.low + shift, abs=0.06)
    assert "shifted" in note

    def landing(speed: float) -> set[str]:
        return set(by_id(make_analysis({"touchdown_distance_pct": 36.0}, speed=speed)))

    assert any("overstrid" in f or "landing" in f for f in landing(3.0))
    assert not any("overstrid" in f or "landing" in f for f in landing(5.0))


def test_the_criteria_table_of_docs_findings_md_is_generated_from_the_declarations(tmp_path):
    """docs/findings.md said "below 37°", "above 10 % leg" and "below 250°/s" for bands the
    code placed at 33°, 12.5 % and 220°/s; the table is now rendered from the specs."""
    from pathlib import Path

    from runform.findings import docs

    path = Path(__file__).resolve().parents[1] / docs.DOC_PATH
    assert docs.main(["--check", "--path", str(path)]) == 0, "run python -m runform.findings.docs"
    assert "peak knee flexion in stance below 33.0°" in path.read_text(encoding="utf-8")
    stale = tmp_path / "findings.md"
    stale.write_text(f"intro\n{docs.BEGIN}\nold table\n{docs.END}\nrest\n", encoding="utf-8")
    assert docs.main(["--check", "--path", str(stale)]) == 1
    assert docs.main(["--path", str(stale)]) == 0
    assert docs.main(["--check", "--path", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8").endswith("rest\n")
