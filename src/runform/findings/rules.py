"""Evaluating the findings: one outcome per area of running form.

Every finding belongs to an *area* (:data:`~runform.findings.specs.AREAS`). Each area yields
at most one finding, or a "no finding" / "not assessed" status, so the report can show a
clean runner's areas as clean instead of inventing problems.

Declared findings (:data:`~runform.findings.specs.SPECS`) are scored generically. Three need
their own logic: ``forced_extension`` (thigh far behind *together with* backward lean or a
large trunk-to-thigh angle) and ``low_cadence`` (judged against the speed's expected cadence
when known) here, and ``asymmetry`` (left/right differences across metrics) in
:mod:`runform.findings.asymmetry`.

Only reliable values are judged (:meth:`~runform.findings.scoring.Context.values`): from one
camera that is the leg nearer the camera, never the far one. So a finding never names a
side from one clip (``side`` is ``"both"``, ``measured_on`` says which leg was measured),
and the legs are compared (``asymmetry``) only when both were measured as the near leg; a
one-clip analysis says "film the other side to compare legs" instead.

Wording and numbers follow ``shared/docs/biomechanics.md``: continuous scores, bands with
their sources, no claim beyond the evidence. Contact time is reported but never graded.
"""

from __future__ import annotations

from dataclasses import dataclass

from runform.findings.asymmetry import asymmetry_outcome
from runform.findings.pace import TYPICAL_LEG_OVERREAD, fastest_pace
from runform.findings.scoring import (
    MIN_SEVERITY,
    SIDES,
    Context,
    SideValue,
    band_distance,
    evidence_item,
    severity_from_distance,
)
from runform.findings.specs import (
    AREAS,
    CADENCE_FULL_SCALE,
    CADENCE_TOLERANCE,
    SIDE_SHARE,
    SPEC_BY_ID,
    Area,
    Criterion,
    FindingSpec,
    Outcome,
    make_finding,
)
from runform.findings.wording import fmt_band, fmt_value, values_phrase
from runform.metrics.catalog import expected_cadence

# ----------------------------------------------------------------------------- evaluation


def affected_sides(severity: dict[str, float]) -> list[str]:
    """The sides a finding is about: those reaching :data:`MIN_SEVERITY` and at least half the
    worst side's severity (a side barely past the edge does not make a one-sided problem
    "both"; its values still appear in the evidence).

    >>> affected_sides({"left": 0.14, "right": 1.0}), affected_sides({"left": 0.6, "right": 0.9})
    (['right'], ['left', 'right'])
    """
    worst = max(severity.values(), default=0.0)
    floor = max(MIN_SEVERITY, SIDE_SHARE * worst)
    return sorted(s for s, v in severity.items() if v >= floor)


def measured_note(ctx: Context, evidence: list[dict]) -> str:
    """Which leg the finding rests on, and why the other is not judged (one sentence)."""
    legs = sorted({i["side"] for i in evidence if i["side"] in SIDES})
    far = ctx.far_side()
    if far and legs == [ctx.near_side]:
        return (
            f" Measured on your {ctx.near_side} leg, the one nearer the camera; the {far} leg "
            "was partly hidden (seen from the other side), so it is not judged: film the "
            f"runner's {far} side to check it."
        )
    if legs and (ctx.analysis.get("context") or {}).get("two_sided"):
        return (
            " Both sides were filmed: each leg is measured from the clip in which it is "
            "nearer the camera."
        )
    if legs and ctx.near_side is None:
        return (
            " Which leg was nearer the camera could not be told, so both legs are used and "
            "neither is singled out."
        )
    return ""


def _outside_sides(evidence: list[dict], concern_of: dict[str, str]) -> list[str]:
    """The legs whose value lies beyond the band edge that matters, in any primary metric:
    the legs a text names, so it never contradicts the table of values."""
    out = set()
    for item in evidence:
        concern = concern_of.get(item["metric"])
        if concern is None:
            continue
        low, high = item["band"]
        if band_distance(item["value"], low, high, concern) > 0:
            out.add(item["side"])
    return sorted(out)


def _full_scale(crit: Criterion, low: float | None, high: float | None) -> float:
    if not crit.relative:
        return crit.full_scale
    edge = low if crit.concern == "low" else high
    return crit.full_scale * abs(edge) if edge else crit.full_scale


@dataclass
class _Scored:
    severity: dict[str, float]  # side -> severity
    confidence: dict[str, float]  # side -> confidence
    evidence: list[dict]
    primary: list[dict]  # evidence of the criteria that carry weight
    pace_used: bool
    past_edge: bool = False  # some value is beyond its band, if only within measurement error


def _score_spec(ctx: Context, spec: FindingSpec) -> _Scored:
    acc: dict[str, list[tuple[float, float, float]]] = {}
    evidence: list[dict] = []
    primary: list[dict] = []
    pace_used = False
    past_edge = False
    for crit in spec.criteria:
        low, high = ctx.band(crit.metric)
        note = ctx.band_note(crit.metric)
        values = ctx.values(crit.metric)
        if crit.weight > 0 and values and crit.pace and note:
            pace_used = True
        full = _full_scale(crit, low, high)
        for sv in values:
            item = evidence_item(ctx, sv, (low, high), note=note)
            evidence.append(item)
            if crit.weight <= 0:
                continue
            primary.append(item)
            beyond = band_distance(sv.value, low, high, crit.concern)
            past_edge = past_edge or beyond > 0
            # a value within the video measurement error of the band edge is not a fault
            beyond = max(0.0, beyond - ctx.error(crit.metric, sv.side, sv.value))
            s = severity_from_distance(beyond, full)
            acc.setdefault(sv.side, []).append((crit.weight, s, sv.confidence))
    severity, confidence = {}, {}
    for side, rows in acc.items():
        w = sum(r[0] for r in rows)
        severity[side] = sum(r[0] * r[1] for r in rows) / w
        confidence[side] = sum(r[0] * r[2] for r in rows) / w
    return _Scored(severity, confidence, evidence, primary, pace_used, past_edge)


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
        if ctx.entry(metric):
            reasons += ctx.unreliable_notes(metric)
    why = "; ".join(reasons) if reasons else "the metrics could not be measured in this video"
    return Outcome(area.id, "not assessed", f"Not assessed: {why}.")


def _decisive(ctx: Context, metrics: list[str], severity: dict[str, float]) -> float:
    """The severity a finding rests on: the worse leg's, or, when the leg nearer the camera
    is not known (a pose file without scores, an undecided picture), the better leg's. One
    of the two legs was then seen partly hidden, and a value only one leg shows may be that
    leg's distortion (a Sports2D TRC gave limited extension from the far leg's 7°)."""
    legs = [v for side, v in severity.items() if side in SIDES]
    unknown = ctx.near_side is None and not all(ctx.legs_measured_as_near(m) for m in metrics)
    if unknown and len(legs) == 2:
        return min(legs)
    return max(severity.values())


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
        worst = _decisive(ctx, [c.metric for c in spec.criteria], scored.severity)
        if best is None or worst > best[0]:
            best = (worst, spec, scored)
    if not any_assessed or last is None:
        return _not_assessed(area, ctx)
    assert best is not None
    worst, spec, scored = best
    in_range = _in_range_note(scored.primary)
    if worst < MIN_SEVERITY <= max(scored.severity.values()):
        # one leg only, and which leg was hidden is not known: say so, and how to settle it
        return Outcome(
            area.id,
            "no finding",
            "One leg only is past the range, and which leg was nearer the camera is not "
            "known, so it may be the hidden leg's distortion; give --filmed-side (the side "
            f"that faced the camera) or film square to the runner's side: {in_range}.",
            edge=True,
        )
    if worst < MIN_SEVERITY:
        if worst > 0:  # the table of values reads "below"/"above": say why it is no finding
            return Outcome(
                area.id,
                "no finding",
                "Just outside the range, by a little more than the measurement error but "
                f"too little to call a finding: {in_range}.",
                edge=True,
            )
        if scored.past_edge:
            return Outcome(
                area.id,
                "no finding",
                "Close to the edge of the range, too close to call a finding given the "
                f"measurement error: {in_range}.",
                edge=True,
            )
        return Outcome(area.id, "no finding", f"Within the reference range: {in_range}.")
    sides = affected_sides(scored.severity)
    worst_side = max(scored.severity, key=lambda s: scored.severity[s])
    confidence = scored.confidence[worst_side]
    if scored.pace_used:
        confidence *= ctx.pace.confidence_factor
    concern_of = {c.metric: c.concern for c in spec.criteria if c.weight > 0}
    text_sides = _outside_sides(scored.primary, concern_of) or sides
    explanation = spec.explain(ctx, scored.evidence, text_sides) + measured_note(
        ctx, scored.evidence
    )
    name_side = all(ctx.legs_measured_as_near(c.metric) for c in spec.criteria)
    finding = make_finding(
        spec.id, worst, confidence, sides, scored.evidence, explanation, name_side=name_side
    )
    return Outcome(area.id, "finding", finding["title"], finding)


# ----------------------------------------------------------------------------- custom rules


def _clip01(x: float) -> float:
    return max(0.0, min(1.0, x))


def _forced_extension(ctx: Context, area: Area) -> Outcome | None:
    """Thigh far behind vertical together with backward trunk lean or a large hip angle.

    Each part counts only beyond its video measurement error (:meth:`Context.error`), as
    every band criterion does: without it a force-plate runner inside his thigh band at the
    true pace was told "forced" once the image pace read 10 % slow
    (``docs/findings-agreement.md``). When the leg nearer the camera is not known the
    better leg decides (:func:`_decisive`). ``None`` when the parts cannot be measured (the
    generic hip-extension rule decides).
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
    s_back = 0.0
    if lean:
        lean_error = ctx.error("trunk_lean_deg", lean.side, lean.value)
        s_back = _clip01((-lean.value - lean_error) / 8.0)
    severity: dict[str, float] = {}
    confidence: dict[str, float] = {}
    for side, sv in thigh.items():
        far = sv.value - ctx.error("thigh_extension_deg", side, sv.value)
        s_far = _clip01((far - far_start) / 10.0)
        s_hip = 0.0
        if side in hip and hip_high is not None:
            opened = hip[side].value - ctx.error("hip_extension_trunk_deg", side, hip[side].value)
            s_hip = _clip01((opened - hip_high) / 10.0)
        companion = max(s_back, s_hip)
        severity[side] = round(min(s_far, companion), 2)
        parts = [sv.confidence]
        if s_hip >= s_back and side in hip:
            parts.append(hip[side].confidence)
        elif lean:
            parts.append(lean.confidence)
        confidence[side] = min(parts)
    worst = _decisive(ctx, ["thigh_extension_deg"], severity)
    if worst < MIN_SEVERITY:
        return None
    sides = affected_sides(severity)
    worst_side = max(severity, key=lambda s: severity[s])
    evidence = [
        evidence_item(
            ctx, sv, ctx.band("thigh_extension_deg"), note=f"'far behind' from {far_start:g}° on"
        )
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
    explanation += measured_note(ctx, evidence)
    conf = confidence[worst_side]
    name_side = ctx.legs_measured_as_near("thigh_extension_deg")
    finding = make_finding(
        "forced_extension", worst, conf, sides, evidence, explanation, name_side=name_side
    )
    return Outcome(area.id, "finding", finding["title"], finding)


def _low_cadence(ctx: Context, area: Area) -> Outcome:
    values = ctx.values("cadence_spm")
    if not values:
        return _not_assessed(area, ctx)
    sv: SideValue = values[0]
    expected = (ctx.entry("cadence_spm") or {}).get("expected")
    # the band stored with the metric: from 5 % below the expected cadence when the speed is
    # known (CADENCE_TOLERANCE), or at the slowest pace an image pace with a typical leg
    # allows (pace.cadence_band), else the distance-pace band
    low, high = ctx.band("cadence_spm")
    moved = ctx.band_note("cadence_spm")
    band = (low, high)
    confidence = sv.confidence * ctx.pace.confidence_factor  # 1 for a treadmill speed given
    edge = low if low is not None else 160.0
    if expected:
        note = ctx.band_note("cadence_spm") or (
            f"expected ≈ {expected:.0f} steps/min (Fukuchi 2017); judged from "
            f"{CADENCE_TOLERANCE:.0%} below it"
        )
    elif moved:
        note = moved
    else:
        note = "speed unknown: judged against the distance-pace band"
    item = evidence_item(ctx, sv, band, note=note, expected=expected)
    error = ctx.error("cadence_spm", "all", sv.value)
    severity = severity_from_distance(edge - sv.value - error, CADENCE_FULL_SCALE * edge)
    value_text = fmt_value(sv.value, "steps/min")
    if severity < MIN_SEVERITY:
        where = (
            f"expected ≈ {expected:.0f} for the speed, range {fmt_band(low, high, 'steps/min')}"
            if expected
            else (
                f"range {fmt_band(low, high, 'steps/min')} at the slowest pace the image allows"
                if moved
                else f"range {fmt_band(low, high, 'steps/min')}"
            )
        )
        near_edge = severity > 0 or sv.value < edge
        status = "Close to the edge, within measurement error" if near_edge else "Within range"
        # judged at the slowest pace the image allows: at the fastest it allows (the same
        # margin the other way) this cadence might be low, so say how to settle it
        firmer = ""
        fastest = fastest_pace(ctx.pace)
        if moved and not expected and fastest:
            if sv.value < expected_cadence(fastest) * (1.0 - CADENCE_TOLERANCE):
                firmer = " Give the treadmill speed or your height to judge it at your own pace."
        return Outcome(
            area.id,
            "no finding",
            f"{status}: cadence {value_text} ({where}).{firmer}",
            edge=near_edge,
        )
    if expected:
        context = (
            f"at {ctx.pace.describe()} runners average about {expected:.0f} steps/min "
            "(Fukuchi 2017), and yours is more than 5 % below that"
        )
    elif moved:
        context = (
            f"the pace is {ctx.pace.describe()}; that reading can be up to "
            f"{100 * TYPICAL_LEG_OVERREAD:.0f} % fast, and even at that much slower pace "
            f"runners average about {low / (1.0 - CADENCE_TOLERANCE):.0f} steps/min "
            "(Fukuchi 2017): yours is more than 5 % below that"
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
    finding = make_finding("low_cadence", severity, confidence, ["both"], [item], explanation)
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
            outcomes.append(asymmetry_outcome(ctx, area))
        else:
            specs = [SPEC_BY_ID[i] for i in area.finding_ids if i in SPEC_BY_ID]
            outcome = _evaluate_specs(ctx, area, specs)
            if area.id == "hip_extension" and outcome.status != "finding":
                forced = _forced_extension(ctx, area)
                outcome = forced or outcome
            outcomes.append(outcome)
    return outcomes
