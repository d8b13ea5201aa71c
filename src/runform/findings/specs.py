"""The findings declared as data: areas of form, criteria, titles, advice and key frames.

Most findings are a :class:`FindingSpec`: the metrics they read (:class:`Criterion`), how
far beyond the band gives full severity, whether the band moves with the runner's pace,
the title, the advice and the key frame that shows it. The evaluation lives in
:mod:`runform.findings.rules`; the plain-language explanations in
:mod:`runform.findings.explain`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from runform.findings import explain as ex
from runform.findings.pace import CADENCE_TOLERANCE as CADENCE_TOLERANCE
from runform.findings.pace import PACE_MODES
from runform.findings.scoring import Context, confidence_label, severity_label


@dataclass(frozen=True)
class Criterion:
    """One metric a finding reads.

    Attributes
    ----------
    metric: catalogue id.
    concern: ``"low"`` or ``"high"``: which side of the band counts.
    full_scale: distance beyond the band edge that gives severity 1 (in the metric's unit,
        or as a fraction of the band edge when ``relative``).
    weight: share in the finding's severity; 0 = shown as evidence only.
    pace: how the metric's band moves with the runner's pace (``"scale"`` / ``"shift"``,
        from :data:`runform.findings.pace.PACE_MODES`, the one table), or ``None``. The band
        itself is moved once per analysis and stored with the metric; this only says the
        finding leans on the speed (its confidence falls when the speed was estimated).
    """

    metric: str
    concern: str
    full_scale: float
    weight: float = 1.0
    pace: str | None = None
    relative: bool = False


@dataclass(frozen=True)
class Area:
    """An area of running form the report always shows, with its status."""

    id: str
    title: str
    finding_ids: tuple[str, ...]
    metrics: tuple[str, ...]


@dataclass(frozen=True)
class FindingSpec:
    """A finding declared as data; ``explain`` turns the evidence into plain words."""

    id: str
    area: str
    title: str
    criteria: tuple[Criterion, ...]
    advice: str
    key_event: str
    explain: Callable[[Context, list[dict], list[str]], str] = field(repr=False)


@dataclass
class Outcome:
    """What one area concluded: a finding, or why there is none."""

    area: str
    status: str  # "finding" | "no finding" | "not assessed"
    note: str
    finding: dict | None = None
    #: "no finding" with a value at or past its band's edge, by too little to call
    edge: bool = False


AREAS: tuple[Area, ...] = (
    Area(
        "hip_extension",
        "Hip extension behind the body",
        ("limited_extension", "forced_extension"),
        ("thigh_extension_deg", "hip_extension_trunk_deg"),
    ),
    Area(
        "drive",
        "Drive: thigh speed in stance",
        ("weak_drive",),
        ("drive_peak_deg_s", "drive_mean_deg_s"),
    ),
    Area(
        "landing",
        "Landing position (overstriding)",
        ("overstriding",),
        ("touchdown_distance_pct", "shank_angle_contact_deg"),
    ),
    Area(
        "knee_stance",
        "Knee bend in stance (shock absorption)",
        ("stiff_landing",),
        ("knee_flexion_stance_peak_deg", "knee_flexion_contact_deg"),
    ),
    Area(
        "heel_recovery",
        "Heel recovery in swing",
        ("heel_recovery_low", "heel_recovery_high"),
        ("knee_flexion_swing_peak_deg", "heel_recovery_ratio"),
    ),
    Area("cadence", "Cadence", ("low_cadence",), ("cadence_spm",)),
    Area(
        "bounce",
        "Vertical oscillation",
        ("high_vertical_oscillation",),
        ("vertical_oscillation_pct", "vertical_oscillation_cm"),
    ),
    Area("trunk", "Trunk lean", ("trunk_lean_forward", "trunk_lean_backward"), ("trunk_lean_deg",)),
    Area("symmetry", "Left/right symmetry", ("asymmetry",), ()),
)

#: Per-side metrics compared between the legs for ``asymmetry`` (timing and the graded angles).
ASYMMETRY_METRICS: tuple[str, ...] = (
    "step_time_ms",
    "contact_time_ms",
    "thigh_extension_deg",
    "drive_peak_deg_s",
    "touchdown_distance_pct",
    "knee_flexion_stance_peak_deg",
    "knee_flexion_swing_peak_deg",
)
#: Symmetry index (%) beyond the threshold that gives full asymmetry severity.
ASYMMETRY_FULL_SCALE_PCT = 30.0
#: A one-camera view sees the far leg worse, so every left/right comparison is less certain.
ONE_CAMERA_SYMMETRY_FACTOR = 0.75
#: Fraction of the edge value that gives full low-cadence severity.
CADENCE_FULL_SCALE = 0.10
#: A side counts as affected when its severity is at least this share of the worst side's.
SIDE_SHARE = 0.5

# ----------------------------------------------------------------------------- the table

SPECS: tuple[FindingSpec, ...] = (
    FindingSpec(
        id="limited_extension",
        area="hip_extension",
        title="Limited thigh extension behind the body",
        criteria=(
            Criterion("thigh_extension_deg", "low", 12.0, 0.75),
            Criterion("hip_extension_trunk_deg", "low", 10.0, 0.25),
        ),
        advice="Open the front of the hip: kneeling hip-flexor and couch stretches; strengthen "
        "the glutes (bridges, step-ups, split squats). When running, think 'push the ground "
        "back' and let the leg finish behind you; do not reach back for it.",
        key_event="peak_extension",
        explain=ex.explain_limited_extension,
    ),
    FindingSpec(
        id="weak_drive",
        area="drive",
        title="Weak drive: the thigh sweeps back slowly in stance",
        criteria=(
            Criterion(
                "drive_peak_deg_s",
                "low",
                0.4,
                0.6,
                pace=PACE_MODES["drive_peak_deg_s"],
                relative=True,
            ),
            Criterion(
                "drive_mean_deg_s",
                "low",
                0.4,
                0.4,
                pace=PACE_MODES["drive_mean_deg_s"],
                relative=True,
            ),
        ),
        advice="Build hip-extensor strength and speed: hip thrusts, single-leg Romanian "
        "deadlifts, and short hill sprints or strides with the foot pulled back under the hip. "
        "Expect the biggest payoff in faster running.",
        key_event="midstance",
        explain=ex.explain_weak_drive,
    ),
    FindingSpec(
        id="overstriding",
        area="landing",
        title="Overstriding: the foot lands far ahead of the hip",
        criteria=(
            Criterion("touchdown_distance_pct", "high", 15.0, 0.6),
            Criterion("shank_angle_contact_deg", "high", 10.0, 0.4),
        ),
        advice="Raise your step rate by 5–10 % (a metronome helps): it shortens the step and "
        "brings the landing closer under the hip (Heiderscheit 2011; Lieberman 2015: +5 "
        "strides/min moves the landing about 6 % closer). Think 'land under you, push back', "
        "not 'reach forward'.",
        key_event="contact",
        explain=ex.explain_overstriding,
    ),
    FindingSpec(
        id="stiff_landing",
        area="knee_stance",
        title="Stiff landing: little knee bend in stance",
        criteria=(
            Criterion("knee_flexion_stance_peak_deg", "low", 15.0, 1.0),
            Criterion("knee_flexion_contact_deg", "low", 8.0, 0.0),
        ),
        advice="Practise soft, quiet landings with the knee slightly bent under the hip; build "
        "eccentric thigh and calf strength (slow step-downs, split squats, calf raises); "
        "skipping and low hops teach the knee to give and spring back.",
        key_event="midstance",
        explain=ex.explain_stiff_landing,
    ),
    FindingSpec(
        id="heel_recovery_low",
        area="heel_recovery",
        title="Low heel recovery for your pace",
        criteria=(
            Criterion(
                "knee_flexion_swing_peak_deg",
                "low",
                20.0,
                0.7,
                pace=PACE_MODES["knee_flexion_swing_peak_deg"],
            ),
            Criterion(
                "heel_recovery_ratio", "high", 0.15, 0.3, pace=PACE_MODES["heel_recovery_ratio"]
            ),
        ),
        advice="Let the heel rise as the push finishes rather than lifting it; easy butt-kicks, "
        "A-skips and relaxed strides a little faster than your usual pace; hamstring and "
        "hip-flexor mobility if the knee feels restricted.",
        key_event="peak_knee_flexion",
        explain=ex.explain_heel("low"),
    ),
    FindingSpec(
        id="heel_recovery_high",
        area="heel_recovery",
        title="Heel pulled up more than your pace needs",
        criteria=(
            Criterion(
                "knee_flexion_swing_peak_deg",
                "high",
                20.0,
                0.7,
                pace=PACE_MODES["knee_flexion_swing_peak_deg"],
            ),
            Criterion(
                "heel_recovery_ratio", "low", 0.15, 0.3, pace=PACE_MODES["heel_recovery_ratio"]
            ),
        ),
        advice="Relax the lower leg in swing and let the heel follow the push; drills that "
        "bring the foot forward under the hip (A-skips, wall drills) rather than kicking the "
        "heel up.",
        key_event="peak_knee_flexion",
        explain=ex.explain_heel("high"),
    ),
    FindingSpec(
        id="high_vertical_oscillation",
        area="bounce",
        title="Bouncy stride: large vertical oscillation",
        criteria=(
            Criterion("vertical_oscillation_pct", "high", 6.0, 1.0),
            Criterion("vertical_oscillation_cm", "high", 5.0, 0.0),
        ),
        advice="Think 'run forward, not up'; a slightly higher step rate usually reduces bounce "
        "by itself (Heiderscheit 2011); calf and hip strength help direct the push forward.",
        key_event="midstance",
        explain=ex.explain_bounce,
    ),
    FindingSpec(
        id="trunk_lean_forward",
        area="trunk",
        title="Large forward trunk lean",
        criteria=(Criterion("trunk_lean_deg", "high", 10.0, 1.0),),
        advice="Run tall and lean slightly from the ankles, not the waist; core and upper-back "
        "strength (planks, rows); check whether the lean grows as you tire.",
        key_event="midstance",
        explain=ex.explain_trunk_forward,
    ),
    FindingSpec(
        id="trunk_lean_backward",
        area="trunk",
        title="Upright or backward-leaning trunk",
        criteria=(Criterion("trunk_lean_deg", "low", 8.0, 1.0),),
        advice="Run tall with a slight forward lean from the ankles, hips under the shoulders; "
        "core strength (planks, dead bugs) to hold it.",
        key_event="midstance",
        explain=ex.explain_trunk_backward,
    ),
)

SPEC_BY_ID: dict[str, FindingSpec] = {s.id: s for s in SPECS}

#: The still (``{side}_{event}.png``) that best shows each finding.
KEY_EVENTS: dict[str, str] = {
    **{s.id: s.key_event for s in SPECS},
    "forced_extension": "peak_extension",
    "low_cadence": "contact",
    "asymmetry": "peak_extension",
}

TITLES: dict[str, str] = {
    **{s.id: s.title for s in SPECS},
    "forced_extension": "Extension that looks forced: thigh far back with the trunk behind",
    "low_cadence": "Low cadence for the speed",
    "asymmetry": "Left/right asymmetry",
}

ADVICE: dict[str, str] = {
    **{s.id: s.advice for s in SPECS},
    "forced_extension": "Let the push finish by itself instead of reaching back with the leg; "
    "run tall with a slight forward lean from the ankles; train pelvic and trunk control "
    "(dead bugs, bird dogs, planks) and hip-flexor mobility so the extension comes from the "
    "hip, not from arching the lower back.",
    "low_cadence": "Raise the step rate about 5 % at a time at the same speed, with a metronome "
    "or music at the target tempo; hold each new rate for 1–2 weeks before the next step.",
    "asymmetry": "Train each leg on its own (single-leg squats, step-ups, single-leg bridges, "
    "hops) and check mobility and any old injury on the weaker side; re-film both sides to "
    "see it change.",
}


# ----------------------------------------------------------------------------- finding dicts


def _low_confidence_note(evidence: list[dict]) -> str:
    flags = sorted({f for item in evidence for f in item.get("flags", [])})
    return ("Data notes: " + "; ".join(flags) + ".") if flags else ""


def make_finding(
    finding_id: str,
    severity: float,
    confidence: float,
    sides: list[str],
    evidence: list[dict],
    explanation: str,
    *,
    name_side: bool = False,
) -> dict:
    """A finding dict (``docs/findings.md``).

    ``sides`` are the affected legs; ``side`` names one of them only when ``name_side`` is
    true, that is when both legs were measured as the near leg and one is clearly worse.
    From one camera it is ``"both"`` (no side singled out: the far leg is not measured), so
    nothing downstream (the plan's "start with this side") prefers a side on no evidence.
    ``measured_on`` lists the legs whose values the finding rests on (``[]`` for whole-body
    metrics).
    """
    confidence = round(max(0.0, min(1.0, confidence)), 2)
    if confidence < 0.5:
        note = _low_confidence_note(evidence)
        explanation += (
            " Low confidence: the data behind this finding are limited, so treat it as a hint "
            "to check with a better video (more steps, higher frame rate, clearer view)."
            + (f" {note}" if note else "")
        )
    metrics = list(dict.fromkeys(item["metric"] for item in evidence))
    legs = [s for s in sides if s in ("left", "right")]
    side = legs[0] if name_side and len(legs) == 1 else "both"
    measured_on = sorted({item["side"] for item in evidence if item["side"] in ("left", "right")})
    return {
        "id": finding_id,
        "title": TITLES[finding_id],
        "severity": round(severity, 2),
        "severity_label": severity_label(severity),
        "confidence": confidence,
        "confidence_label": confidence_label(confidence),
        "side": side,
        "measured_on": measured_on,
        "metrics": metrics,
        "evidence": evidence,
        "explanation": explanation,
        "advice": ADVICE[finding_id],
    }
