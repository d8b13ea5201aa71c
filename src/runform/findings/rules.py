"""The findings: which metrics each one reads, how it is scored, and what it says.

Every finding belongs to an *area* of running form (hip extension, landing, cadence...).
Each area yields at most one finding, or a "no finding" / "not assessed" status, so the
report can show a clean runner's areas as clean instead of inventing problems.

Most findings are declared as data (:data:`SPECS`): the metrics they read (criteria), how
far beyond the band gives full severity, whether the band moves with the runner's pace,
the title, the advice and the key frame that shows it. Three need their own logic:
``forced_extension`` (thigh far behind *together with* backward lean or a large
trunk-to-thigh angle), ``low_cadence`` (judged against the speed's expected cadence when
known) and ``asymmetry`` (left/right differences across metrics).

Wording and numbers follow ``shared/docs/biomechanics.md``: continuous scores, bands with
their sources, no claim beyond the evidence. Contact time is reported but never graded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from runform.findings.scoring import (
    MIN_SEVERITY,
    Context,
    SideValue,
    band_distance,
    confidence_label,
    evidence_item,
    severity_from_distance,
    severity_label,
)
from runform.findings.wording import fmt_band, fmt_value, side_clause, side_phrase, values_phrase
from runform.metrics.catalog import SYMMETRY_THRESHOLD_PCT

# ----------------------------------------------------------------------------- declarations


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
    pace: ``"scale"`` / ``"shift"`` to move the band with the runner's pace
        (:mod:`runform.findings.pace`), or ``None``.
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


AREAS: tuple[Area, ...] = (
    Area("hip_extension", "Hip extension behind the body",
         ("limited_extension", "forced_extension"),
         ("thigh_extension_deg", "hip_extension_trunk_deg")),
    Area("drive", "Drive: thigh speed in stance", ("weak_drive",),
         ("drive_peak_deg_s", "drive_mean_deg_s")),
    Area("landing", "Landing position (overstriding)", ("overstriding",),
         ("touchdown_distance_pct", "shank_angle_contact_deg")),
    Area("knee_stance", "Knee bend in stance (shock absorption)", ("stiff_landing",),
         ("knee_flexion_stance_peak_deg", "knee_flexion_contact_deg")),
    Area("heel_recovery", "Heel recovery in swing", ("heel_recovery_low", "heel_recovery_high"),
         ("knee_flexion_swing_peak_deg", "heel_recovery_ratio")),
    Area("cadence", "Cadence", ("low_cadence",), ("cadence_spm",)),
    Area("bounce", "Vertical oscillation", ("high_vertical_oscillation",),
         ("vertical_oscillation_pct", "vertical_oscillation_cm")),
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
ONE_CAMERA_SYMMETRY_FACTOR = 0.8
#: Cadence this far below the speed's expected cadence is the edge of "low" (runners vary).
CADENCE_TOLERANCE = 0.05
#: Fraction of the edge value that gives full low-cadence severity.
CADENCE_FULL_SCALE = 0.10

# ----------------------------------------------------------------------------- explanations


def _low_confidence_note(evidence: list[dict]) -> str:
    flags = sorted({f for item in evidence for f in item.get("flags", [])})
    return ("Data notes: " + "; ".join(flags) + ".") if flags else ""


def _band_text(evidence: list[dict], metric: str) -> str:
    for item in evidence:
        if item["metric"] == metric:
            return fmt_band(item["band"][0], item["band"][1], item["unit"])
    return "–"


def _has(evidence: list[dict], metric: str) -> bool:
    return any(item["metric"] == metric for item in evidence)


def _explain_limited_extension(ctx: Context, ev: list[dict], sides: list[str]) -> str:
    text = (
        f"As the foot leaves the ground your thigh reaches "
        f"{values_phrase(ev, 'thigh_extension_deg')} behind vertical; the reference range in "
        f"this side view is {_band_text(ev, 'thigh_extension_deg')}, and "
        f"{side_clause(sides, 'falls', 'fall')} short of it. "
    )
    if _has(ev, "hip_extension_trunk_deg"):
        text += (
            "Measured against the trunk line instead of vertical, the hip opens "
            f"{values_phrase(ev, 'hip_extension_trunk_deg')} "
            f"(range {_band_text(ev, 'hip_extension_trunk_deg')}). "
        )
    return text + (
        "A short backswing usually means the push ends early, often with stiff hip flexors "
        "or a bent-forward posture that keeps the hip from opening. This 2-D angle includes "
        "pelvic tilt, which differs by about 20° between runners (Schache 2000), and more "
        "extension is not better for economy by itself (Moore 2016): the aim is a full, "
        "relaxed push, not a leg reached backwards."
    )


def _explain_weak_drive(ctx: Context, ev: list[dict], sides: list[str]) -> str:
    text = (
        f"During stance your thigh sweeps backwards at a peak of "
        f"{values_phrase(ev, 'drive_peak_deg_s')}"
    )
    if _has(ev, "drive_mean_deg_s"):
        text += f" and on average {values_phrase(ev, 'drive_mean_deg_s')}"
    text += f"; the reference for your pace is {_band_text(ev, 'drive_peak_deg_s')} at peak"
    if _has(ev, "drive_mean_deg_s"):
        text += f" and {_band_text(ev, 'drive_mean_deg_s')} on average"
    return text + (
        f" (pace: {ctx.pace.describe()}). {side_clause(sides, 'pulls', 'pull').capitalize()} "
        "back slowly under the body, leaving more of the push to the calf and knee. How much this matters depends on speed: at "
        "distance pace the ankle and knee supply most of the push and the hip little "
        "(Schache 2015), while hip work grows with speed and dominates sprinting "
        "(Dorn 2012), so hip drive matters more the faster you run. Thigh speed comes from a "
        "smoothed angle, so low frame rates read it low."
    )


def _explain_overstriding(ctx: Context, ev: list[dict], sides: list[str]) -> str:
    parts = []
    if _has(ev, "touchdown_distance_pct"):
        parts.append(
            f"your ankle lands {values_phrase(ev, 'touchdown_distance_pct')} ahead of the hip "
            f"(range {_band_text(ev, 'touchdown_distance_pct')})"
        )
    if _has(ev, "shank_angle_contact_deg"):
        parts.append(
            f"the shin is tilted {values_phrase(ev, 'shank_angle_contact_deg')} with the ankle "
            f"ahead of the knee (range {_band_text(ev, 'shank_angle_contact_deg')})"
        )
    return (
        f"At contact {' and '.join(parts)}; this is furthest out on {side_phrase(sides)}. "
        "Every runner lands somewhat ahead of the centre of mass: it is a sliding scale, not "
        "a cut-off (Souza 2016), but the further ahead the foot lands the larger the braking "
        "impulse and knee load (Wille 2014). The ankle-to-hip distance here stands in for the "
        "foot-to-centre-of-mass distance."
    )


def _explain_stiff_landing(ctx: Context, ev: list[dict], sides: list[str]) -> str:
    text = (
        f"While the foot is on the ground your knee bends at most "
        f"{values_phrase(ev, 'knee_flexion_stance_peak_deg')} "
        f"(range {_band_text(ev, 'knee_flexion_stance_peak_deg')}; Heiderscheit 2011 measured "
        "46 ± 4.5° in 45 runners, and well under 45° suggests a stiff landing, Souza 2016). "
    )
    if _has(ev, "knee_flexion_contact_deg"):
        text += (
            f"At contact the knee is bent {values_phrase(ev, 'knee_flexion_contact_deg')}. "
        )
    return text + (
        "A knee that gives little lets the thigh muscles absorb less of the landing, so the "
        "load arrives more abruptly. Peak knee bend also falls a little as step rate rises "
        "(Heiderscheit 2011), and 2-D video can read it low at low frame rates."
    )


def _explain_heel(direction: str) -> Callable[[Context, list[dict], list[str]], str]:
    def explain(ctx: Context, ev: list[dict], sides: list[str]) -> str:
        text = (
            f"In swing your knee folds to at most "
            f"{values_phrase(ev, 'knee_flexion_swing_peak_deg')}"
        )
        if _has(ev, "heel_recovery_ratio"):
            text += (
                f" and the heel comes within {values_phrase(ev, 'heel_recovery_ratio')} of "
                "the hip"
            )
        text += (
            ". Knee fold in swing rises with speed, so this is compared with what your pace "
            f"predicts, a knee fold of {_band_text(ev, 'knee_flexion_swing_peak_deg')} "
            f"(pace: {ctx.pace.describe()}). "
        )
        if direction == "low":
            return text + (
                f"{side_clause(sides, 'stays', 'stay').capitalize()} long in swing. A long swinging leg "
                "keeps its mass far from the hip and is slower to bring forward; it often goes "
                "with a short push or a shuffling stride."
            )
        return text + (
            f"{side_clause(sides, 'folds', 'fold').capitalize()} more than that. The heel's rise is mostly "
            "passive: the hamstrings are quiet in early and mid swing and work in late swing "
            "to slow the leg (Schache 2013). A heel pulled up far more than the pace needs is "
            "effort that does not carry you forward."
        )

    return explain


def _explain_bounce(ctx: Context, ev: list[dict], sides: list[str]) -> str:
    text = (
        f"Your hips rise and fall {values_phrase(ev, 'vertical_oscillation_pct')} per step "
        f"(range {_band_text(ev, 'vertical_oscillation_pct')}"
    )
    if _has(ev, "vertical_oscillation_cm"):
        text += f"; about {values_phrase(ev, 'vertical_oscillation_cm')}"
    return text + (
        "). Some bounce is part of running, but larger vertical oscillation has been linked "
        "with poorer running economy (Moore 2016), and a 5–10 % higher step rate reduces it "
        "(Heiderscheit 2011)."
    )


def _explain_trunk_forward(ctx: Context, ev: list[dict], sides: list[str]) -> str:
    return (
        f"Your trunk leans {values_phrase(ev, 'trunk_lean_deg')} forward on average "
        f"(range {_band_text(ev, 'trunk_lean_deg')}). Teng & Powers 2015 compared upright "
        "runners (3.6 ± 2.8°) with leaning runners (10.8 ± 2.2°) at 3.4 m/s: more lean moved "
        "load from the knee to the hip extensors. A lean well beyond that range usually means "
        "bending at the waist, which also limits how far the thigh can travel behind the body."
    )


def _explain_trunk_backward(ctx: Context, ev: list[dict], sides: list[str]) -> str:
    return (
        f"Your trunk is at {values_phrase(ev, 'trunk_lean_deg')} from vertical on average "
        f"(positive = forward; range {_band_text(ev, 'trunk_lean_deg')}): upright or leaning "
        "back. Upright runners in Teng & Powers 2015 still leaned 3.6 ± 2.8° forward. "
        "Leaning back puts the body behind the foot at landing, which can go with reaching "
        "forward and braking."
    )


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
        explain=_explain_limited_extension,
    ),
    FindingSpec(
        id="weak_drive",
        area="drive",
        title="Weak drive: the thigh sweeps back slowly in stance",
        criteria=(
            Criterion("drive_peak_deg_s", "low", 0.4, 0.6, pace="scale", relative=True),
            Criterion("drive_mean_deg_s", "low", 0.4, 0.4, pace="scale", relative=True),
        ),
        advice="Build hip-extensor strength and speed: hip thrusts, single-leg Romanian "
        "deadlifts, and short hill sprints or strides with the foot pulled back under the hip. "
        "Expect the biggest payoff in faster running.",
        key_event="midstance",
        explain=_explain_weak_drive,
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
        explain=_explain_overstriding,
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
        explain=_explain_stiff_landing,
    ),
    FindingSpec(
        id="heel_recovery_low",
        area="heel_recovery",
        title="Low heel recovery for your pace",
        criteria=(
            Criterion("knee_flexion_swing_peak_deg", "low", 20.0, 0.7, pace="shift"),
            Criterion("heel_recovery_ratio", "high", 0.15, 0.3, pace="shift"),
        ),
        advice="Let the heel rise as the push finishes rather than lifting it; easy butt-kicks, "
        "A-skips and relaxed strides a little faster than your usual pace; hamstring and "
        "hip-flexor mobility if the knee feels restricted.",
        key_event="peak_knee_flexion",
        explain=_explain_heel("low"),
    ),
    FindingSpec(
        id="heel_recovery_high",
        area="heel_recovery",
        title="Heel pulled up more than your pace needs",
        criteria=(
            Criterion("knee_flexion_swing_peak_deg", "high", 20.0, 0.7, pace="shift"),
            Criterion("heel_recovery_ratio", "low", 0.15, 0.3, pace="shift"),
        ),
        advice="Relax the lower leg in swing and let the heel follow the push; drills that "
        "bring the foot forward under the hip (A-skips, wall drills) rather than kicking the "
        "heel up.",
        key_event="peak_knee_flexion",
        explain=_explain_heel("high"),
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
        explain=_explain_bounce,
    ),
    FindingSpec(
        id="trunk_lean_forward",
        area="trunk",
        title="Large forward trunk lean",
        criteria=(Criterion("trunk_lean_deg", "high", 10.0, 1.0),),
        advice="Run tall and lean slightly from the ankles, not the waist; core and upper-back "
        "strength (planks, rows); check whether the lean grows as you tire.",
        key_event="midstance",
        explain=_explain_trunk_forward,
    ),
    FindingSpec(
        id="trunk_lean_backward",
        area="trunk",
        title="Upright or backward-leaning trunk",
        criteria=(Criterion("trunk_lean_deg", "low", 8.0, 1.0),),
        advice="Run tall with a slight forward lean from the ankles, hips under the shoulders; "
        "core strength (planks, dead bugs) to hold it.",
        key_event="midstance",
        explain=_explain_trunk_backward,
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
    "asymmetry": "Re-film from the other side to confirm. If it holds, train each leg on its "
    "own (single-leg squats, step-ups, single-leg bridges, hops) and check mobility and any "
    "old injury on the weaker side.",
}

# ----------------------------------------------------------------------------- evaluation


def _adjusted_band(ctx: Context, crit: Criterion) -> tuple[float | None, float | None, str]:
    low, high = ctx.band(crit.metric)
    if not crit.pace or ctx.pace.speed_mps is None:
        return low, high, ""
    if crit.pace == "scale":
        k = ctx.pace.scale(crit.metric)
        low = None if low is None else low * k
        high = None if high is None else high * k
    else:
        d = ctx.pace.shift(crit.metric)
        low = None if low is None else low + d
        high = None if high is None else high + d
    return low, high, f"band adjusted to {ctx.pace.describe()}"


def _full_scale(crit: Criterion, low: float | None, high: float | None) -> float:
    if not crit.relative:
        return crit.full_scale
    edge = low if crit.concern == "low" else high
    return crit.full_scale * abs(edge) if edge else crit.full_scale


def _finding(
    finding_id: str,
    severity: float,
    confidence: float,
    sides: list[str],
    evidence: list[dict],
    explanation: str,
) -> dict:
    confidence = round(max(0.0, min(1.0, confidence)), 2)
    if confidence < 0.5:
        note = _low_confidence_note(evidence)
        explanation += (
            " Low confidence: the data behind this finding are limited, so treat it as a hint "
            "to check with a better video (more steps, higher frame rate, clearer view)."
            + (f" {note}" if note else "")
        )
    metrics = list(dict.fromkeys(item["metric"] for item in evidence))
    if "left" in sides and "right" in sides or "both" in sides or not sides:
        side = "both"
    else:
        side = sides[0]
    return {
        "id": finding_id,
        "title": TITLES[finding_id],
        "severity": round(severity, 2),
        "severity_label": severity_label(severity),
        "confidence": confidence,
        "confidence_label": confidence_label(confidence),
        "side": side,
        "metrics": metrics,
        "evidence": evidence,
        "explanation": explanation,
        "advice": ADVICE[finding_id],
    }


@dataclass
class _Scored:
    severity: dict[str, float]  # side -> severity
    confidence: dict[str, float]  # side -> confidence
    evidence: list[dict]
    primary: list[dict]  # evidence of the criteria that carry weight
    pace_used: bool


def _score_spec(ctx: Context, spec: FindingSpec) -> _Scored:
    acc: dict[str, list[tuple[float, float, float]]] = {}
    evidence: list[dict] = []
    primary: list[dict] = []
    pace_used = False
    for crit in spec.criteria:
        low, high, note = _adjusted_band(ctx, crit)
        values = ctx.values(crit.metric)
        if crit.weight > 0 and values and crit.pace:
            pace_used = True
        full = _full_scale(crit, low, high)
        for sv in values:
            item = evidence_item(ctx, sv, (low, high), note=note)
            evidence.append(item)
            if crit.weight <= 0:
                continue
            primary.append(item)
            s = severity_from_distance(band_distance(sv.value, low, high, crit.concern), full)
            acc.setdefault(sv.side, []).append((crit.weight, s, sv.confidence))
    severity, confidence = {}, {}
    for side, rows in acc.items():
        w = sum(r[0] for r in rows)
        severity[side] = sum(r[0] * r[1] for r in rows) / w
        confidence[side] = sum(r[0] * r[2] for r in rows) / w
    return _Scored(severity, confidence, evidence, primary, pace_used)


def _in_range_note(items: list[dict]) -> str:
    by_metric: dict[str, list[dict]] = {}
    for item in items:
        by_metric.setdefault(item["metric"], []).append(item)
    parts = []
    for metric, rows in by_metric.items():
        band = fmt_band(rows[0]["band"][0], rows[0]["band"][1], rows[0]["unit"])
        parts.append(f"{rows[0]['name']} {values_phrase(rows, metric)} (range {band})")
    return "; ".join(parts)


def _not_assessed(area: Area, ctx: Context) -> Outcome:
    reasons = []
    for metric in area.metrics:
        entry = ctx.entry(metric)
        if entry and not ctx.trusted(metric):
            flags = (entry.get("quality") or {}).get("flags") or ["poor data quality"]
            reasons.append(f"{entry.get('name', metric)}: {'; '.join(flags)}")
    why = "; ".join(reasons) if reasons else "the metrics could not be measured in this video"
    return Outcome(area.id, "not assessed", f"Not assessed: {why}.")


def _evaluate_specs(ctx: Context, area: Area, specs: list[FindingSpec]) -> Outcome:
    best: tuple[float, FindingSpec, _Scored] | None = None
    any_assessed = False
    last: _Scored | None = None
    for spec in specs:
        scored = _score_spec(ctx, spec)
        if not scored.severity:
            continue
        any_assessed = True
        last = scored
        worst = max(scored.severity.values())
        if best is None or worst > best[0]:
            best = (worst, spec, scored)
    if not any_assessed or last is None:
        return _not_assessed(area, ctx)
    assert best is not None
    worst, spec, scored = best
    in_range = _in_range_note(scored.primary)
    if worst < MIN_SEVERITY:
        if worst > 0:
            return Outcome(area.id, "no finding",
                           f"Close to the edge of the range, within measurement error: {in_range}.")
        return Outcome(area.id, "no finding", f"Within the reference range: {in_range}.")
    sides = sorted(s for s, v in scored.severity.items() if v >= MIN_SEVERITY)
    worst_side = max(scored.severity, key=lambda s: scored.severity[s])
    confidence = scored.confidence[worst_side] * ctx.side_factor(sides)
    if scored.pace_used:
        confidence *= ctx.pace.confidence_factor
    explanation = spec.explain(ctx, scored.evidence, sides)
    finding = _finding(spec.id, worst, confidence, sides, scored.evidence, explanation)
    return Outcome(area.id, "finding", finding["title"], finding)


# ----------------------------------------------------------------------------- custom rules


def _clip01(x: float) -> float:
    return max(0.0, min(1.0, x))


def _forced_extension(ctx: Context, area: Area) -> Outcome | None:
    """Thigh far behind vertical together with backward trunk lean or a large hip angle.

    ``None`` when the parts cannot be measured (the generic hip-extension rule decides).
    """
    thigh = {sv.side: sv for sv in ctx.values("thigh_extension_deg")}
    hip = {sv.side: sv for sv in ctx.values("hip_extension_trunk_deg")}
    trunk = ctx.values("trunk_lean_deg")
    if not thigh or not (hip or trunk):
        return None
    _, thigh_high = ctx.band("thigh_extension_deg")
    _, hip_high = ctx.band("hip_extension_trunk_deg")
    far_start = (thigh_high if thigh_high is not None else 30.0) - 5.0
    lean = trunk[0] if trunk else None
    s_back = _clip01(-lean.value / 8.0) if lean else 0.0
    severity: dict[str, float] = {}
    confidence: dict[str, float] = {}
    for side, sv in thigh.items():
        s_far = _clip01((sv.value - far_start) / 10.0)
        s_hip = 0.0
        if side in hip and hip_high is not None:
            s_hip = _clip01((hip[side].value - hip_high) / 10.0)
        companion = max(s_back, s_hip)
        severity[side] = round(min(s_far, companion), 2)
        parts = [sv.confidence]
        if s_hip >= s_back and side in hip:
            parts.append(hip[side].confidence)
        elif lean:
            parts.append(lean.confidence)
        confidence[side] = min(parts)
    worst = max(severity.values())
    if worst < MIN_SEVERITY:
        return None
    sides = sorted(s for s, v in severity.items() if v >= MIN_SEVERITY)
    worst_side = max(severity, key=lambda s: severity[s])
    evidence = [
        evidence_item(ctx, sv, ctx.band("thigh_extension_deg"),
                      note=f"'far behind' from {far_start:g}° on")
        for sv in thigh.values()
    ]
    evidence += [evidence_item(ctx, sv, ctx.band("hip_extension_trunk_deg")) for sv in hip.values()]
    if lean:
        evidence.append(evidence_item(ctx, lean, ctx.band("trunk_lean_deg")))
    companions = []
    if lean and lean.value < 0:
        companions.append(f"the trunk leans back ({fmt_value(lean.value, 'deg')} from vertical)")
    if any(hip_high is not None and hip[s].value > hip_high for s in sides if s in hip):
        companions.append(
            f"the thigh opens {values_phrase(evidence, 'hip_extension_trunk_deg')} from the trunk "
            f"line, beyond the {fmt_band(*ctx.band('hip_extension_trunk_deg'), 'deg')} range"
        )
    explanation = (
        f"Your thigh goes far behind vertical ({values_phrase(evidence, 'thigh_extension_deg')}) "
        f"while {' and '.join(companions) or 'the trunk is behind the hips'}. Extension this "
        "large usually comes from tilting the pelvis forward and arching the lower back rather "
        "than from the hip joint: pelvic tilt differs by about 20° between runners and moves "
        "with hip extension (Schache 2000). More leg extension at toe-off is not better for "
        "economy (Moore 2016)."
    )
    conf = confidence[worst_side] * ctx.side_factor(sides)
    finding = _finding("forced_extension", worst, conf, sides, evidence, explanation)
    return Outcome(area.id, "finding", finding["title"], finding)


def _low_cadence(ctx: Context, area: Area) -> Outcome:
    values = ctx.values("cadence_spm")
    if not values:
        return _not_assessed(area, ctx)
    sv: SideValue = values[0]
    expected = (ctx.entry("cadence_spm") or {}).get("expected")
    low, high = ctx.band("cadence_spm")
    confidence = sv.confidence
    if expected:
        edge = expected * (1.0 - CADENCE_TOLERANCE)
        band = (edge, None)
        note = (
            f"expected ≈ {expected:.0f} steps/min at {ctx.pace.describe()} (Fukuchi 2017); "
            f"judged from {CADENCE_TOLERANCE:.0%} below it"
        )
    else:
        edge = low if low is not None else 160.0
        band = (low, high)
        note = "speed unknown: judged against the distance-pace band"
        confidence *= ctx.pace.confidence_factor
    item = evidence_item(ctx, sv, band, note=note, expected=expected)
    severity = severity_from_distance(edge - sv.value, CADENCE_FULL_SCALE * edge)
    value_text = fmt_value(sv.value, "steps/min")
    if severity < MIN_SEVERITY:
        where = f"expected ≈ {expected:.0f} for the speed" if expected else (
            f"range {fmt_band(low, high, 'steps/min')}")
        status = "Close to the edge, within measurement error" if severity > 0 else "Within range"
        return Outcome(area.id, "no finding", f"{status}: cadence {value_text} ({where}).")
    if expected:
        context = (
            f"at {ctx.pace.describe()} runners average about {expected:.0f} steps/min "
            "(Fukuchi 2017), and yours is more than 5 % below that"
        )
    else:
        context = (
            f"the usual range at distance pace is {fmt_band(low, high, 'steps/min')} "
            "(Fukuchi 2017; Malisoux 2023). Cadence rises with speed and the speed is unknown "
            "here, so this is a rough comparison: give --treadmill-speed for a firmer one"
        )
    explanation = (
        f"Your cadence is {value_text}; {context}. Fewer, longer steps tend to land further "
        "ahead of the hips and bounce more; raising the step rate by 5–10 % lowers braking, "
        "vertical bounce and knee load (Heiderscheit 2011)."
    )
    finding = _finding("low_cadence", severity, confidence, ["both"], [item], explanation)
    return Outcome(area.id, "finding", finding["title"], finding)


def _symmetry_index(ctx: Context, metric: str, left: SideValue, right: SideValue) -> float:
    low, high = ctx.band(metric)
    width = (high - low) if (low is not None and high is not None) else 0.0
    scale = max(0.5 * (abs(left.value) + abs(right.value)), width)
    return 100.0 * abs(left.value - right.value) / scale if scale > 1e-9 else 0.0


def _distinguishable(left: SideValue, right: SideValue) -> bool:
    """Whether the medians differ by more than twice their combined standard error."""

    def se(sv: SideValue) -> float:
        return 1.2533 * (sv.iqr / 1.349) / math.sqrt(max(sv.n, 1))

    return abs(left.value - right.value) > 2.0 * math.hypot(se(left), se(right))


def _asymmetry(ctx: Context, area: Area) -> Outcome:
    rows = []
    for metric in ASYMMETRY_METRICS:
        per = {sv.side: sv for sv in ctx.values(metric)}
        if "left" not in per or "right" not in per:
            continue
        si = _symmetry_index(ctx, metric, per["left"], per["right"])
        sev = 0.0
        if _distinguishable(per["left"], per["right"]):
            sev = severity_from_distance(si - SYMMETRY_THRESHOLD_PCT, ASYMMETRY_FULL_SCALE_PCT)
        conf = min(per["left"].confidence, per["right"].confidence) * ONE_CAMERA_SYMMETRY_FACTOR
        rows.append((sev, si, conf, metric, per))
    if not rows:
        return Outcome(area.id, "not assessed",
                       "Not assessed: no metric was measured on both legs.")
    rows.sort(key=lambda r: -r[0])
    flagged = [r for r in rows if r[0] >= MIN_SEVERITY]
    if not flagged:
        worst = max(rows, key=lambda r: r[1])
        return Outcome(
            area.id, "no finding",
            f"Legs alike within measurement error (largest difference: {ctx.name(worst[3])}, "
            f"symmetry index {worst[1]:.0f} %; threshold {SYMMETRY_THRESHOLD_PCT:.0f} %).",
        )
    evidence, phrases = [], []
    for sev, si, _conf, metric, per in flagged:
        low, high = ctx.band(metric)
        for side in ("left", "right"):
            evidence.append(evidence_item(ctx, per[side], (low, high),
                                          note=f"symmetry index {si:.0f} %"))
        phrases.append(
            f"{ctx.name(metric).lower()} {values_phrase(evidence[-2:], metric, short=True)} "
            f"(symmetry index {si:.0f} %)"
        )
    severity, _, confidence, _, _ = flagged[0]
    far = ctx.far_side()
    caveat = (
        f" The {far} leg was further from the camera and partly hidden, so part of a "
        "difference can come from the view: film the other side to confirm."
        if far else " One camera sees the far leg less well: film the other side to confirm."
    )
    explanation = (
        f"Your legs differ: {'; '.join(phrases[:4])}.{caveat} A difference on its own is not "
        f"an injury sign: about {SYMMETRY_THRESHOLD_PCT:.0f} % is a common screening threshold "
        "(Robinson 1987 symmetry index), not a cut-off. It is worth a look if it persists or "
        "one side has a history of injury."
    )
    finding = _finding("asymmetry", severity, confidence, ["both"], evidence, explanation)
    return Outcome(area.id, "finding", finding["title"], finding)


# ----------------------------------------------------------------------------- entry point


def evaluate(analysis: dict) -> list[Outcome]:
    """One :class:`Outcome` per area of :data:`AREAS`, in that order."""
    ctx = Context.from_analysis(analysis)
    outcomes = []
    for area in AREAS:
        if area.id == "cadence":
            outcomes.append(_low_cadence(ctx, area))
        elif area.id == "symmetry":
            outcomes.append(_asymmetry(ctx, area))
        else:
            specs = [SPEC_BY_ID[i] for i in area.finding_ids if i in SPEC_BY_ID]
            outcome = _evaluate_specs(ctx, area, specs)
            if area.id == "hip_extension" and outcome.status != "finding":
                forced = _forced_extension(ctx, area)
                outcome = forced or outcome
            outcomes.append(outcome)
    return outcomes
