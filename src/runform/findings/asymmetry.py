"""The ``asymmetry`` finding: left/right differences across metrics, judged against what
the video can measure.

The legs are compared only when each was measured as the near leg (one clip from each
side); the difference carries both legs' measurement errors, in quadrature, and never
less than what the video can resolve (``_resolution``). A difference counts when what
remains of its symmetry index once that error is taken off passes the screening threshold
(``SYMMETRY_THRESHOLD_PCT``, Robinson 1987) and the two medians differ by more than their
step-to-step spread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from runform.findings.pace import REFERENCE_SPEED_MPS
from runform.findings.scoring import (
    MIN_SEVERITY,
    Context,
    SideValue,
    evidence_item,
    severity_from_distance,
)
from runform.findings.specs import (
    ASYMMETRY_FULL_SCALE_PCT,
    ASYMMETRY_METRICS,
    ONE_CAMERA_SYMMETRY_FACTOR,
    Area,
    Outcome,
    make_finding,
)
from runform.findings.wording import values_phrase
from runform.metrics.catalog import SYMMETRY_THRESHOLD_PCT

#: Leg length (m) assumed to turn belt travel per frame into % of leg length.
TYPICAL_LEG_M = 0.9
#: The smallest difference of a joint or segment angle 2-D video resolves (degrees).
ANGLE_RESOLUTION_DEG = 2.0

FILM_OTHER_SIDE = (
    "Film the other side to compare legs: one camera sees the far leg partly hidden, so a "
    "left/right comparison needs each leg filmed as the near leg (one clip from each side)."
)


def touchdown_resolution_pct(speed_mps: float, fps: float) -> float:
    """The smallest difference of touchdown distance the video resolves, % of leg length:
    half a frame of belt travel (the stance foot moves back at running speed, so a contact
    found half a frame late moves the landing point) plus 1 % of leg length. The findings'
    left/right rule and the before/after comparison (:mod:`runform.compare.change`) share it.

    >>> round(touchdown_resolution_pct(3.2, 120.0), 2)
    2.48
    """
    return 100.0 * 0.5 * speed_mps / (fps * TYPICAL_LEG_M) + 1.0


def _resolution(ctx: Context, unit: str) -> float:
    """The smallest left/right difference the video can resolve, in the metric's unit.

    Timing: one frame. Angles: 2°. Touchdown distance: half a frame of belt travel (the
    stance foot moves back at running speed, so a contact detected half a frame late moves
    the landing point) plus 1 % of leg length. Heel-to-hip ratio: 0.02 leg lengths.
    """
    fps = ctx.fps if ctx.fps > 0 else 30.0
    if unit == "ms":
        return 1000.0 / fps
    if unit == "deg":
        return ANGLE_RESOLUTION_DEG
    if unit == "% leg":
        return touchdown_resolution_pct(ctx.pace.speed_mps or REFERENCE_SPEED_MPS, fps)
    if unit == "× leg":
        return 0.02
    return 0.0


def _symmetry_index(
    ctx: Context, metric: str, left: SideValue, right: SideValue, resolution: float = 0.0
) -> float:
    """``100·|L − R| / scale`` (scale = mean magnitude, or the band width if larger, so signed
    values near zero do not explode), after removing ``resolution`` from the difference."""
    low, high = ctx.band(metric)
    width = (high - low) if (low is not None and high is not None) else 0.0
    scale = max(0.5 * (abs(left.value) + abs(right.value)), width)
    diff = max(0.0, abs(left.value - right.value) - resolution)
    return 100.0 * diff / scale if scale > 1e-9 else 0.0


def _distinguishable(left: SideValue, right: SideValue) -> bool:
    """Whether the medians differ by more than twice their combined standard error."""

    def se(sv: SideValue) -> float:
        return 1.2533 * (sv.iqr / 1.349) / math.sqrt(max(sv.n, 1))

    return abs(left.value - right.value) > 2.0 * math.hypot(se(left), se(right))


@dataclass(frozen=True)
class _Compared:
    """One metric compared between the legs."""

    metric: str
    per: dict[str, SideValue]  # side -> its value
    index: float  # the symmetry index, %
    remaining: float  # the index once the measurement error is taken off, %
    steady: bool  # the medians differ by more than their step-to-step spread
    severity: float
    confidence: float


def _alike_note(ctx: Context, worst: _Compared) -> str:
    """Why no asymmetry was found, naming the largest difference; one past the screening
    threshold says what keeps it from counting, so "alike" never reads against its index."""
    si, resolved = worst.index, worst.remaining
    name, threshold = ctx.name(worst.metric).lower(), SYMMETRY_THRESHOLD_PCT
    if si < threshold:
        return (
            f"Legs alike within measurement error (largest difference: {name}, symmetry "
            f"index {si:.0f} %; screening threshold {threshold:.0f} %)."
        )
    if not worst.steady:
        why = "but it varies too much from step to step to be told from no difference"
    elif resolved < threshold:
        why = f"but only {resolved:.0f} % remains once the measurement error is taken off"
    else:
        why = (
            f"and the {resolved:.0f} % that remains once the measurement error is taken off "
            "is too close to it to count"
        )
    return (
        f"Legs alike within measurement error: the largest difference, {name} (symmetry "
        f"index {si:.0f} %), is past the {threshold:.0f} % screening threshold, {why}."
    )


def asymmetry_outcome(ctx: Context, area: Area) -> Outcome:
    """The symmetry area's outcome: an ``asymmetry`` finding naming every metric whose legs
    differ past the screening threshold once the measurement error is taken off, or why
    not."""
    comparable = [m for m in ASYMMETRY_METRICS if ctx.legs_measured_as_near(m)]
    if not comparable:
        return Outcome(area.id, "not assessed", FILM_OTHER_SIDE)
    rows = []
    for metric in comparable:
        per = {sv.side: sv for sv in ctx.values(metric)}
        if "left" not in per or "right" not in per:
            continue
        si = _symmetry_index(ctx, metric, per["left"], per["right"])
        # Each leg was measured in its own clip, with its own camera set-up: the difference
        # carries both legs' measurement errors (in quadrature), and never less than what
        # the video can resolve.
        difference_error = math.hypot(
            ctx.error(metric, "left", per["left"].value),
            ctx.error(metric, "right", per["right"].value),
        )
        resolution = max(_resolution(ctx, ctx.unit(metric)), difference_error)
        resolved = _symmetry_index(ctx, metric, per["left"], per["right"], resolution)
        sev = 0.0
        steady = _distinguishable(per["left"], per["right"])
        if steady:
            sev = severity_from_distance(
                resolved - SYMMETRY_THRESHOLD_PCT, ASYMMETRY_FULL_SCALE_PCT
            )
        conf = min(per["left"].confidence, per["right"].confidence) * ONE_CAMERA_SYMMETRY_FACTOR
        rows.append(_Compared(metric, per, si, resolved, steady, sev, conf))
    if not rows:
        return Outcome(
            area.id, "not assessed", "Not assessed: no metric was measured on both legs."
        )
    rows.sort(key=lambda r: -r.severity)
    flagged = [r for r in rows if r.severity >= MIN_SEVERITY]
    if not flagged:
        return Outcome(area.id, "no finding", _alike_note(ctx, max(rows, key=lambda r: r.index)))
    evidence, phrases = [], []
    for row in flagged:
        metric, per, si = row.metric, row.per, row.index
        low, high = ctx.band(metric)
        for side in ("left", "right"):
            evidence.append(
                evidence_item(ctx, per[side], (low, high), note=f"symmetry index {si:.0f} %")
            )
        phrases.append(
            f"{ctx.name(metric).lower()} {values_phrase(evidence[-2:], metric, short=True)} "
            f"(symmetry index {si:.0f} %)"
        )
    severity, confidence = flagged[0].severity, flagged[0].confidence
    caveat = (
        " Each leg was measured as the near leg, in its own clip: a different speed or camera "
        "set-up between the clips also shows up here."
    )
    explanation = (
        f"Your legs differ: {'; '.join(phrases[:4])}.{caveat} A difference on its own is not "
        f"an injury sign: about {SYMMETRY_THRESHOLD_PCT:.0f} % is a common screening threshold "
        "(Robinson 1987 symmetry index), not a cut-off. It is worth a look if it persists or "
        "one side has a history of injury."
    )
    finding = make_finding("asymmetry", severity, confidence, ["both"], evidence, explanation)
    return Outcome(area.id, "finding", finding["title"], finding)
