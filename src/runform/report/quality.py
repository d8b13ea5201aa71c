"""The report's "Data quality" and "Methods" sections, from the analysis document.

:func:`quality_section` lists what went in and how well it was measured (input, frame rate,
cleaning, steps kept and rejected with their reasons); :func:`methods_section` says how each
number was made. Part of :func:`runform.report.content.build_content`.
"""

from __future__ import annotations

from pathlib import Path

from runform.findings.pace import pace_from_analysis
from runform.findings.scoring import MIN_SEVERITY
from runform.findings.speed_reference import SPEED_REFERENCE_SOURCE
from runform.gait.types import CUT_BY_CLIP_EDGE
from runform.text import counted

#: Rejected steps listed one by one under Data quality (the rest are counted).
MAX_REJECTED_LINES = 30


def own_clip_rejections(rejected: list[dict]) -> list[dict]:
    """The rejected steps that touch a number: of one clip, all; of two clips (each rejection
    names its ``clip``), each leg's in the clip that filmed it near. A far leg's rejections in
    the other clip touch none.

    >>> own_clip_rejections([{"side": "left", "clip": "left"}, {"side": "left", "clip": "right"},
    ...                      {"side": "right"}])
    [{'side': 'left', 'clip': 'left'}, {'side': 'right'}]
    """
    return [r for r in rejected if r.get("clip", r.get("side")) == r.get("side")]


def quality_section(analysis: dict) -> tuple[list[tuple[str, str]], list[str]]:
    inp = analysis.get("input") or {}
    ctx = analysis.get("context") or {}
    opts = analysis.get("options") or {}
    cleaning = analysis.get("cleaning") or {}
    steps = analysis.get("steps") or []
    fps = inp.get("frame_rate")
    items = [
        (
            "Input",
            f"{Path(inp['path']).name if inp.get('path') else '–'} "
            f"({inp.get('source', 'unknown source')})",
        ),
        ("Frames", f"{inp.get('n_frames', '–')} frames, {inp.get('duration_s', 0):.1f} s"),
        (
            "Frame rate",
            f"{fps:g} fps"
            + (f" (captured at {inp['capture_fps']:g} fps)" if inp.get("capture_fps") else "")
            + (f": one frame = {1000.0 / fps:.0f} ms" if fps else ""),
        ),
        ("Time base", str(inp.get("time_base", "–"))),
        ("Image", f"{inp.get('width', '–')} × {inp.get('height', '–')} {inp.get('units', '')}"),
        (
            "Direction",
            f"runner faces image {ctx.get('facing', '?')} "
            f"(direction {ctx.get('direction', '?')}), {ctx.get('setting', '?')}"
            + (
                f", detection confidence {ctx['confidence']:.2f}"
                if ctx.get("confidence") is not None
                else ""
            ),
        ),
    ]
    near = ctx.get("near_side")
    evidence = ctx.get("near_side_evidence") or {}
    votes = ", ".join(
        f"{k.replace('_', ' ')} {v:+.1f}" for k, v in (evidence.get("votes") or {}).items()
    )
    sides = analysis.get("sides") or {}
    if ctx.get("two_sided") and sides.get("left") and sides.get("right"):
        items.append(
            (
                "Camera side",
                f"both sides filmed: the left leg is measured from {sides['left'].get('clip')} "
                f"and the right leg from {sides['right'].get('clip')}, each where it is nearer "
                "the camera; left and right are compared only beyond both legs' measurement "
                "errors and their step-to-step spread",
            )
        )
        for check in sides.get("checks") or []:
            if not check.get("ok", True):
                items.append(("Two clips", check.get("message", "")))
    elif near in ("left", "right"):
        far = "left" if near == "right" else "right"
        seen = (
            f"the {far} leg was hidden in most of the clip, so the {near} leg is measured alone"
            if ctx.get("measured_alone") == near
            else f"the {far} leg was partly hidden, so its values are shown greyed, marked "
            "'seen from the other side', and not judged"
        )
        items.append(
            (
                "Camera side",
                f"{near} leg nearer the camera (from the picture: {votes or evidence.get('basis', '')}); "
                f"{seen}. Film the runner's {far} side to measure it and compare legs",
            )
        )
    else:
        items.append(
            (
                "Camera side",
                "which leg was nearer the camera could not be told from the picture"
                + (f" ({votes})" if votes else "")
                + "; both legs are used and no finding names a side",
            )
        )
    if ctx.get("event_timing_error_ms"):
        items.append(("Event timing", _event_timing_text(ctx)))
    kp = inp.get("keypoint_confidence") or {}
    if kp:
        items.append(("Keypoint confidence", ", ".join(f"{s} leg {v:.2f}" for s, v in kp.items())))
    if ctx.get("leg_length"):
        items.append(("Leg length", f"{ctx['leg_length']:.1f} {ctx.get('leg_length_units', '')}"))
    n_side = {s: sum(1 for r in steps if r.get("side") == s) for s in ("left", "right")}
    rejected = analysis.get("rejected_steps") or []
    edge = sum(1 for r in rejected if r.get("reason") == CUT_BY_CLIP_EDGE)
    edge_words = f" ({edge} of them cut by the start or end of the clip)" if edge else ""
    items.append(
        (
            "Steps",
            f"{n_side['left']} left and {n_side['right']} right accepted, "
            f"{len(rejected)} rejected{edge_words}",
        )
    )
    clean_bits = [
        f"{counted(cleaning.get('masked_points', 0), 'low-confidence point')} masked",
        f"{cleaning.get('filled_points', 0)} filled",
        f"{counted(cleaning.get('swapped_frames', 0), 'frame')} with left/right swapped "
        f"({counted(cleaning.get('swap_segments', 0), 'segment')}) corrected",
    ]
    if cleaning.get("doubled_frames"):
        clean_bits.append(
            f"{counted(cleaning['doubled_frames'], 'frame')} with one leg drawn on the other's "
            "foot: that leg's points set missing and bridged"
        )
    if cleaning.get("cutoff_hz"):
        clean_bits.append(f"low-pass at {cleaning['cutoff_hz']:.1f} Hz")
    items.append(("Cleaning", "; ".join(clean_bits) + "."))
    for note in cleaning.get("notes") or []:
        items.append(("Cleaning note", str(note)))
    pace = pace_from_analysis(analysis)
    items.append(("Speed", pace.describe() if pace.speed_mps else "unknown"))
    if opts.get("height_cm"):
        items.append(("Runner height", f"{opts['height_cm']:g} cm"))
    own = own_clip_rejections(rejected)  # the far legs' are only counted
    lines = [
        f"{r.get('side', '?')} foot at {float(r.get('time_s', 0.0)):.2f} s"
        + (f" of the {r['clip']}-side clip" if "clip" in r else "")
        + f": {r.get('reason', '?')}"
        for r in sorted(own, key=lambda r: r.get("time_s", 0.0))
    ]
    if len(lines) > MAX_REJECTED_LINES:
        more = len(lines) - MAX_REJECTED_LINES
        lines = [*lines[:MAX_REJECTED_LINES], f"… and {more} more (see rejected_steps in the JSON)"]
    if len(own) < len(rejected):
        lines.append(
            f"{len(rejected) - len(own)} more on the far leg of a clip (seen from the other "
            "side), whose values are not used"
        )
    return items, lines


def _moved_bands(analysis: dict) -> str:
    """`` (thigh extension, …)``: the metrics whose band this analysis moved to the pace."""
    names = [
        str(entry.get("name", metric)).lower()
        for metric, entry in (analysis.get("metrics") or {}).items()
        if (entry.get("band") or {}).get("adjusted")
    ]
    return f" ({', '.join(names)})" if names else ""


def methods_section(analysis: dict) -> list[str]:
    inp = analysis.get("input") or {}
    opts = analysis.get("options") or {}
    cleaning = analysis.get("cleaning") or {}
    cutoff = cleaning.get("cutoff_hz")
    return [
        f"Pose: 2-D keypoints from {inp.get('source', 'the pose source')}. Points below "
        f"confidence {opts.get('min_score', 0.3)} are masked, gaps up to "
        f"{opts.get('max_gap_s', 0.1)} s are filled, left/right label swaps are corrected and "
        "the coordinates are low-pass filtered"
        + (f" at {cutoff:.1f} Hz" if cutoff else "")
        + ". The direction of travel and the "
        "setting (treadmill or overground) are detected from the data.",
        "Events: initial contacts and toe-offs come from foot kinematics with sub-frame "
        "interpolation; steps with implausible timing or missing points are rejected (listed "
        "under Data quality). At 30 fps one frame lasts 33 ms, so contact and flight times are "
        "coarse; cadence and angles are fine at 30–60 fps.",
        "Metrics: every metric is computed per step, then summarised per side (median, IQR, "
        "number of steps). Angles are measured in the image plane: thigh = hip→knee against "
        "vertical (positive ahead), hip = thigh against the trunk line, knee = 0° straight, "
        "trunk = hip→shoulder against vertical (positive forward). The 2-D thigh angle is not "
        "the 3-D hip angle: it includes pelvic tilt, which differs ~20° between runners "
        "(Schache 2000); on 36 treadmill runners the thigh read 7–29° (median 16°) further "
        "back than a motion-capture lab's hip angle (Fukuchi 2017; Hamner 2013). Video "
        "angles carry errors of about 5–8° against motion capture (Van Hooren 2023). The leg further from the camera is partly hidden and measured less "
        "well (Young 2023): which leg was nearer is read from the picture (the pose model's "
        "depth where it gives one, which leg's points fade when the legs overlap, the far "
        "arm hidden behind the trunk, keypoint confidence), and only the near leg is judged.",
        "Reference bands are typical ranges from the literature, with their sources in the "
        "scorecard; they are not pass/fail limits. Contact time and other informative metrics "
        "are reported but not graded (Van Hooren 2024). Bands of speed-dependent metrics"
        f"{_moved_bands(analysis)} are moved to the runner's pace: {SPEED_REFERENCE_SOURCE}.",
        "Findings: severity is 0 at the band edge and grows linearly with the distance beyond "
        f"it to 1; a finding is listed from severity {MIN_SEVERITY:g}, since smaller distances "
        "are within measurement error. Confidence multiplies the number of steps "
        "(full weight from 8 per side; a finding needs at least 6), the frame rate against what "
        "the metric needs, the keypoint confidence, and a discount when the speed had to be "
        "estimated (from the image or from cadence). Findings are ordered by severity × confidence. A left/right "
        "comparison needs each leg filmed as the near leg, so one clip never names a weaker "
        "side.",
    ]


def _event_timing_text(ctx: dict) -> str:
    """How well the foot events are timed, in one sentence: one figure when contact and
    toe-off are timed alike, both when the toe-off is clearly less certain (at a jog)."""
    contact = float(ctx["event_timing_error_ms"])
    toe_off = ctx.get("toe_off_timing_error_ms")
    tail = "; values read at an event carry that error (shown as ± in the scorecard)"
    if toe_off is None or round(float(toe_off)) - round(contact) < 2:
        return (
            f"each contact and toe-off is known to about ±{contact:.0f} ms at this frame rate"
            + tail
        )
    why = "at this pace the toe-off is the harder event to time"
    if ctx.get("toe_off_foot_pitch") is False:
        why += (
            ", and the video's foot points did not show the push-off clearly enough to time "
            "it from the foot's roll as well as from the leg"
        )
    return (
        f"each contact is known to about ±{contact:.0f} ms and each toe-off to about "
        f"±{float(toe_off):.0f} ms at this frame rate and pace ({why})" + tail
    )
