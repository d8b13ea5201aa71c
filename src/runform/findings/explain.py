"""Plain-language explanations of the declared findings, built from their evidence.

Each function takes the :class:`~runform.findings.scoring.Context`, the evidence records and
the legs the text is about (those whose values lie beyond the band), and returns the
mechanics in a few sentences with the runner's own numbers and the sources behind the bands
(``shared/docs/biomechanics.md``). A sentence about a metric is written only when that
metric is in the evidence, so no text prints a placeholder for a missing number.
"""

from __future__ import annotations

from collections.abc import Callable

from runform.findings.scoring import Context
from runform.findings.wording import fmt_band, side_clause, side_phrase, values_phrase


def band_text(evidence: list[dict], metric: str) -> str:
    for item in evidence:
        if item["metric"] == metric:
            return fmt_band(item["band"][0], item["band"][1], item["unit"])
    return "–"


def has(evidence: list[dict], metric: str) -> bool:
    return any(item["metric"] == metric for item in evidence)


def explain_limited_extension(ctx: Context, ev: list[dict], sides: list[str]) -> str:
    text = ""
    if has(ev, "thigh_extension_deg"):
        text = (
            f"As the foot leaves the ground your thigh reaches "
            f"{values_phrase(ev, 'thigh_extension_deg')} behind vertical; the reference range "
            f"in this side view is {band_text(ev, 'thigh_extension_deg')}, and "
            f"{side_clause(sides, 'falls', 'fall')} short of it. "
        )
    if any(i["metric"] == "thigh_extension_deg" and i["value"] < 0 for i in ev):
        text += "A negative value means the thigh never gets behind vertical at all. "
    if has(ev, "hip_extension_trunk_deg"):
        text += (
            "Measured against the trunk line instead of vertical, the hip opens "
            f"{values_phrase(ev, 'hip_extension_trunk_deg')} "
            f"(range {band_text(ev, 'hip_extension_trunk_deg')}). "
        )
    return text + (
        "A short backswing usually means the push ends early, often with stiff hip flexors "
        "or a bent-forward posture that keeps the hip from opening. This 2-D angle includes "
        "pelvic tilt, which differs by about 20° between runners (Schache 2000): on 36 "
        "treadmill runners the thigh read 7–29° further back than a motion-capture lab's "
        "hip angle. More "
        "extension is not better for economy by itself (Moore 2016): the aim is a full, "
        "relaxed push, not a leg reached backwards."
    )


def explain_weak_drive(ctx: Context, ev: list[dict], sides: list[str]) -> str:
    speeds, refs = [], []
    if has(ev, "drive_peak_deg_s"):
        speeds.append(f"at a peak of {values_phrase(ev, 'drive_peak_deg_s')}")
        refs.append(f"{band_text(ev, 'drive_peak_deg_s')} at peak")
    if has(ev, "drive_mean_deg_s"):
        speeds.append(f"on average {values_phrase(ev, 'drive_mean_deg_s')}")
        refs.append(f"{band_text(ev, 'drive_mean_deg_s')} on average")
    text = (
        f"During stance your thigh sweeps backwards {' and '.join(speeds)}; the reference "
        f"for your pace is {' and '.join(refs)}"
    )
    return text + (
        f" (pace: {ctx.pace.describe()}). {side_clause(sides, 'pulls', 'pull').capitalize()} "
        "back slowly under the body, leaving more of the push to the calf and knee. How much this matters depends on speed: at "
        "distance pace the ankle and knee supply most of the push and the hip little "
        "(Schache 2015), while hip work grows with speed and dominates sprinting "
        "(Dorn 2012), so hip drive matters more the faster you run."
    )


def explain_overstriding(ctx: Context, ev: list[dict], sides: list[str]) -> str:
    parts = []
    if has(ev, "touchdown_distance_pct"):
        parts.append(
            f"your ankle lands {values_phrase(ev, 'touchdown_distance_pct')} ahead of the hip "
            f"(range {band_text(ev, 'touchdown_distance_pct')})"
        )
    if has(ev, "shank_angle_contact_deg"):
        parts.append(
            f"the shin is tilted {values_phrase(ev, 'shank_angle_contact_deg')} with the ankle "
            f"ahead of the knee (range {band_text(ev, 'shank_angle_contact_deg')})"
        )
    return (
        f"At contact {' and '.join(parts)}; this is furthest out on {side_phrase(sides)}. "
        "Every runner lands somewhat ahead of the centre of mass: it is a sliding scale, not "
        "a cut-off (Souza 2016), but the further ahead the foot lands the larger the braking "
        "impulse and knee load (Wille 2014). The ankle-to-hip distance here stands in for the "
        "foot-to-centre-of-mass distance."
    )


def explain_stiff_landing(ctx: Context, ev: list[dict], sides: list[str]) -> str:
    text = ""
    if has(ev, "knee_flexion_stance_peak_deg"):
        text = (
            f"While the foot is on the ground your knee bends at most "
            f"{values_phrase(ev, 'knee_flexion_stance_peak_deg')} "
            f"(range {band_text(ev, 'knee_flexion_stance_peak_deg')}; Heiderscheit 2011 "
            "measured 46 ± 4.5° in 45 runners, and well under 45° suggests a stiff landing, "
            "Souza 2016). "
        )
    if has(ev, "knee_flexion_contact_deg"):
        text += f"At contact the knee is bent {values_phrase(ev, 'knee_flexion_contact_deg')}. "
    return text + (
        "A knee that gives little lets the thigh muscles absorb less of the landing, so the "
        "load arrives more abruptly. Peak knee bend also falls a little as step rate rises "
        "(Heiderscheit 2011), and 2-D video can read it low at low frame rates."
    )


def explain_heel(direction: str) -> Callable[[Context, list[dict], list[str]], str]:
    def explain(ctx: Context, ev: list[dict], sides: list[str]) -> str:
        seen, predicted = [], []
        if has(ev, "knee_flexion_swing_peak_deg"):
            seen.append(
                f"your knee folds to at most {values_phrase(ev, 'knee_flexion_swing_peak_deg')}"
            )
            predicted.append(f"a knee fold of {band_text(ev, 'knee_flexion_swing_peak_deg')}")
        if has(ev, "heel_recovery_ratio"):
            seen.append(
                f"the heel comes within {values_phrase(ev, 'heel_recovery_ratio')} of the hip"
            )
            predicted.append(f"a heel-to-hip distance of {band_text(ev, 'heel_recovery_ratio')}")
        text = (
            f"In swing {' and '.join(seen)}. Heel recovery rises with speed, so this is "
            f"compared with what your pace predicts, {' and '.join(predicted)} "
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


def explain_bounce(ctx: Context, ev: list[dict], sides: list[str]) -> str:
    parts = [
        f"{values_phrase(ev, m)} (range {band_text(ev, m)})"
        for m in ("vertical_oscillation_pct", "vertical_oscillation_cm")
        if has(ev, m)
    ]
    text = f"Your hips rise and fall {' or '.join(parts)} per step"
    return text + (
        ". Some bounce is part of running, but larger vertical oscillation has been linked "
        "with poorer running economy (Moore 2016), and a 5–10 % higher step rate reduces it "
        "(Heiderscheit 2011)."
    )


def explain_trunk_forward(ctx: Context, ev: list[dict], sides: list[str]) -> str:
    return (
        f"Your trunk leans {values_phrase(ev, 'trunk_lean_deg')} forward on average "
        f"(range {band_text(ev, 'trunk_lean_deg')}). Teng & Powers 2015 compared upright "
        "runners (3.6 ± 2.8°) with leaning runners (10.8 ± 2.2°) at 3.4 m/s: more lean moved "
        "load from the knee to the hip extensors. A lean well beyond that range usually means "
        "bending at the waist, which also limits how far the thigh can travel behind the body."
    )


def explain_trunk_backward(ctx: Context, ev: list[dict], sides: list[str]) -> str:
    return (
        f"Your trunk is at {values_phrase(ev, 'trunk_lean_deg')} from vertical on average "
        f"(positive = forward; range {band_text(ev, 'trunk_lean_deg')}): upright or leaning "
        "back. Upright runners in Teng & Powers 2015 still leaned 3.6 ± 2.8° forward. "
        "Leaning back puts the body behind the foot at landing, which can go with reaching "
        "forward and braking."
    )
