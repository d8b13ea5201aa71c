"""What the report says, built once and rendered twice (HTML and PDF).

:func:`build_content` turns the analysis document, its findings and the media beside the
report (key-frame stills, annotated video) into a :class:`ReportContent`: plain text, table
rows and rendered figures. :mod:`runform.report.html` and :mod:`runform.report.pdf` only lay
it out, so the two files always carry the same content.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from runform.findings import KEY_EVENTS, assess_areas
from runform.findings.pace import SPEED_REFERENCE_SOURCE, pace_from_analysis
from runform.findings.scoring import MIN_SEVERITY
from runform.findings.wording import (
    band_of,
    entry_keys,
    fmt_band,
    fmt_value,
    is_far,
    is_reliable,
    verdict_text,
)
from runform.keyframes import still_names
from runform.metrics.catalog import CATALOG
from runform.progress import ProgressCallback, no_progress
from runform.report import plots
from runform.report.references import REFERENCES

#: How many findings the summary shows (all of them are listed further down).
SUMMARY_FINDINGS = 3
#: Key-frame events written by the render stage as ``01-contact-left.jpg`` ...
#: (:func:`runform.keyframes.still_filename`; earlier versions' PNG names are found too).
STILL_EVENTS: tuple[str, ...] = (
    "contact",
    "midstance",
    "toe_off",
    "peak_extension",
    "peak_knee_flexion",
)
STILL_LABELS = {
    "contact": "initial contact",
    "midstance": "mid-stance",
    "toe_off": "toe-off",
    "peak_extension": "peak thigh extension",
    "peak_knee_flexion": "peak knee flexion in swing",
}
VIDEO_NAME = "annotated.mp4"
STILLS_FOLDER = "stills"
#: Rejected steps listed one by one under Data quality (the rest are counted).
MAX_REJECTED_LINES = 30


@dataclass(frozen=True)
class Still:
    """A key-frame image: ``{side}_{event}.png``."""

    key: str
    side: str
    event: str
    path: Path

    @property
    def label(self) -> str:
        return f"{self.side.capitalize()} leg, {STILL_LABELS.get(self.event, self.event)}"

    def read(self) -> bytes:
        return self.path.read_bytes()


@dataclass(frozen=True)
class FigureItem:
    """A rendered figure with its title and caption."""

    key: str
    title: str
    caption: str
    image: plots.Rendered


@dataclass(frozen=True)
class ScoreRow:
    """One scorecard line: a metric's values, band, where the runner sits, and quality."""

    metric: str
    name: str
    unit: str
    definition: str
    #: (side, value with its verdict, class): the class is the verdict's position
    #: (below/in/above/""), or "far" (seen from the other side) / "unreliable", shown greyed.
    values: list[tuple[str, str, str]]
    spread: str
    band: str
    band_source: str
    band_note: str
    graded: bool
    quality: str
    flags: list[str]
    gauge: plots.Rendered | None


@dataclass(frozen=True)
class SummaryItem:
    """A summary finding with the key frame that shows it (if one was rendered)."""

    finding: dict
    still: Still | None
    evidence_line: str


@dataclass
class ReportContent:
    """Everything the HTML and the PDF show, in reading order."""

    title: str
    subtitle: str
    findings: list[dict]
    summary: list[SummaryItem]
    areas: list[dict]
    scorecard: list[ScoreRow]
    figures: list[FigureItem]
    stills: list[Still]
    video_href: str | None
    quality: list[tuple[str, str]]
    warnings: list[dict]
    rejected: list[str]
    methods: list[str]
    references: list[tuple[str, str, str]] = field(default_factory=lambda: list(REFERENCES))


def side_text(finding: dict) -> str:
    """``"left leg"`` (a side named), ``"left leg, nearer the camera"`` (the only leg
    measured), ``"both legs"`` or ``"whole body"`` (whole-body metrics)."""
    side = finding.get("side", "both")
    if side in ("left", "right"):
        return f"{side} leg"
    legs = [s for s in finding.get("measured_on") or [] if s in ("left", "right")]
    if len(legs) == 1:
        views = {e.get("side"): e.get("view") for e in finding.get("evidence", [])}
        near = ", nearer the camera" if views.get(legs[0]) == "near" else ""
        return f"measured on the {legs[0]} leg{near}"
    per_leg = any(e.get("side") in ("left", "right") for e in finding.get("evidence", []))
    return "both legs" if per_leg else "whole body"


# ----------------------------------------------------------------------------- media


def still_folders(folder: Path) -> list[Path]:
    """Where stills are looked for: the folder itself and its ``stills/`` sub-folder (where
    ``runform analyze`` writes them)."""
    return [folder, folder / STILLS_FOLDER]


def collect_media(out_dir: Path, media: dict | None) -> tuple[list[Still], Path | None]:
    """Stills and video to show: ``media`` entries, else files of the standard names in
    ``out_dir`` or ``out_dir/stills`` (``{side}_{event}.png``) and ``out_dir/annotated.mp4``.
    Missing files are skipped."""
    media = dict(media or {})
    stills = []
    for side in ("left", "right"):
        for event in STILL_EVENTS:
            key = f"{side}_{event}"
            given = media.get(key)
            candidates = (
                [Path(given)]
                if given
                else [
                    folder / name
                    for folder in still_folders(out_dir)
                    for name in still_names(side, event)
                ]
            )
            path = next((p for p in candidates if p.is_file()), None)
            if path is not None:
                stills.append(Still(key, side, event, path))
    video = media.get("video")
    video_path = Path(video) if video else out_dir / VIDEO_NAME
    return stills, (video_path if video_path.is_file() else None)


def key_still(finding: dict, stills: list[Still], near_side: str | None) -> Still | None:
    """The still that shows a finding best: its key event, on its side (else the near side)."""
    event = KEY_EVENTS.get(finding["id"])
    by_key = {s.key: s for s in stills}
    order = [finding.get("side")] if finding.get("side") in ("left", "right") else []
    order += [s for s in (near_side, "left", "right") if s and s not in order]
    for side in order:
        if f"{side}_{event}" in by_key:
            return by_key[f"{side}_{event}"]
    return None


# ----------------------------------------------------------------------------- pieces


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


_VERDICT_CLASS = {"below": "below", "above": "above", "within": "in"}


def _value_class(entry: dict, key: str) -> str:
    if is_far(entry, key):
        return "far"
    if not is_reliable(entry, key):
        return "unreliable"
    return _VERDICT_CLASS.get((entry.get("verdict") or {}).get(key, ""), "")


def measured_only(entry: dict) -> dict:
    """A copy of a metric entry without the values that are not reliable (the far leg's),
    for the charts, which would otherwise place them like any other."""
    out = dict(entry)
    for key in entry_keys(entry):
        if not is_reliable(entry, key):
            out[key] = None
    return out


def _score_rows(metrics: dict) -> list[ScoreRow]:
    order = list(CATALOG) + [m for m in metrics if m not in CATALOG]
    rows = []
    for metric in order:
        entry = metrics.get(metric)
        if not entry:
            continue
        unit = entry.get("unit", "")
        values, spreads = [], []
        sides = ("left", "right") if entry.get("per_side") else ("all",)
        errors = entry.get("measurement_error") or {}
        for side in sides:
            stats = entry.get(side)
            if not stats or not _finite(stats.get("median")):
                continue
            label = "both" if side == "all" else side
            text = fmt_value(stats["median"], unit, short=True)
            verdict = verdict_text(entry, side)
            values.append(
                (label, f"{text} · {verdict}" if verdict else text, _value_class(entry, side))
            )
            error = errors.get(side)
            spreads.append(
                f"{label[0].upper() if label != 'both' else ''}"
                f"{' ' if label != 'both' else ''}IQR {fmt_value(stats['iqr'], unit, True)}"
                f", n = {stats['n']}"
                + (f", error ±{fmt_value(error, unit, True)}" if _finite(error) else "")
            )
        band = entry.get("band") or {}
        if entry.get("expected") is not None:
            spreads.append(f"expected ≈ {fmt_value(entry['expected'], unit, True)} for the speed")
        quality = entry.get("quality") or {}
        flags = list(quality.get("flags") or [])
        for key in sides:
            record = (entry.get("reliability") or {}).get(key) or {}
            if entry.get(key) and record.get("reason") and not is_far(entry, key):
                who = f"{key}: " if key != "all" else ""
                if record["reason"] not in flags:
                    flags.append(f"{who}not measured reliably: {record['reason']}")
        fig = plots.gauge_figure(measured_only(entry))
        spec = CATALOG.get(metric)
        rows.append(
            ScoreRow(
                metric=metric,
                name=entry.get("name", metric),
                unit=unit,
                definition=spec.definition if spec else "",
                values=values,
                spread="; ".join(spreads),
                band=band_of(entry) or "no reference band",
                band_source=band.get("source", ""),
                band_note="; ".join(x for x in (band.get("adjusted"), band.get("note")) if x),
                graded=bool(entry.get("graded", True)),
                quality=quality.get("level", "good"),
                flags=flags,
                gauge=plots.render(fig) if fig is not None else None,
            )
        )
    return rows


def _measured_legs(analysis: dict) -> list[str]:
    """The legs whose values are reliable: the near leg (both when it is not known)."""
    near = (analysis.get("context") or {}).get("near_side")
    return [near] if near in ("left", "right") else ["left", "right"]


def _legs_note(analysis: dict) -> str:
    near = (analysis.get("context") or {}).get("near_side")
    if near not in ("left", "right"):
        return ""
    far = "right" if near == "left" else "left"
    return (
        f" Only the {near} leg, nearer the camera, is drawn: the {far} leg was seen from the "
        "other side, partly hidden."
    )


def _figures(analysis: dict) -> list[FigureItem]:
    metrics = {m: measured_only(e) for m, e in (analysis.get("metrics") or {}).items()}
    legs = _measured_legs(analysis)
    note = _legs_note(analysis)
    cycles = {
        angle: {s: c for s, c in (per or {}).items() if s in legs}
        for angle, per in (analysis.get("cycles") or {}).items()
    }
    steps = [r for r in analysis.get("steps") or [] if r.get("side") in legs]
    out = []
    fig = plots.angle_curves_figure(cycles, metrics)
    if fig is not None:
        out.append(
            FigureItem(
                "angles",
                "Joint angles over the gait cycle",
                "Mean ± SD of each side's strides, normalised from contact (0 %) to the next contact "
                "of the same foot (100 %); dashed lines mark toe-off. Shaded boxes are the reference "
                "bands of the metrics at the phase where each applies (green graded, grey only "
                "informative)." + note,
                plots.render(fig),
            )
        )
    fig = plots.step_metrics_figure(steps, metrics)
    if fig is not None:
        out.append(
            FigureItem(
                "steps",
                "Step by step: consistency",
                "Every accepted step (left circles, right squares) over the clip; dashed lines are "
                "each side's median, shading the reference band. A tight cloud means a consistent "
                "stride." + note,
                plots.render(fig),
            )
        )
    # Left against right only when both legs were measured as the near leg.
    fig = plots.symmetry_figure(metrics) if len(legs) == 2 and not note else None
    if fig is not None:
        out.append(
            FigureItem(
                "symmetry",
                "Left and right on the reference bands",
                "Each per-side metric's left and right medians placed on its band (0 = low edge, "
                "1 = high edge), so metrics with different units can be compared at a glance.",
                plots.render(fig),
            )
        )
    inp = analysis.get("input") or {}
    fig = plots.timeline_figure(
        analysis.get("events") or [], analysis.get("rejected_steps") or [], inp.get("duration_s")
    )
    if fig is not None:
        out.append(
            FigureItem(
                "timeline",
                "Event timeline",
                "When each foot was on the ground. Crosses mark steps rejected as implausible "
                "(reasons under Data quality).",
                plots.render(fig),
            )
        )
    return out


def _evidence_line(finding: dict) -> str:
    """``"Thigh extension L 17.9°, R 7.0° (range 18–30°)"`` per metric, at most four metrics."""
    groups: dict[str, list[dict]] = {}
    for item in finding.get("evidence", []):
        groups.setdefault(item["metric"], []).append(item)
    parts = []
    for items in list(groups.values())[:4]:
        first = items[0]
        values = ", ".join(
            ("" if i["side"] == "both" else f"{i['side'][0].upper()} ")
            + fmt_value(i["value"], i["unit"], True)
            for i in items
        )
        band = fmt_band(first["band"][0], first["band"][1], first["unit"], True)
        parts.append(f"{first['name']} {values} (range {band})")
    return "; ".join(parts)


def _quality(analysis: dict) -> tuple[list[tuple[str, str]], list[str]]:
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
        items.append(
            (
                "Camera side",
                f"{near} leg nearer the camera (from the picture: {votes or evidence.get('basis', '')}); "
                f"the {far} leg was partly hidden, so its values are shown greyed, marked "
                f"'seen from the other side', and not judged. Film the runner's {far} side to "
                "measure it and compare legs",
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
        items.append(
            (
                "Event timing",
                f"each contact and toe-off is known to about ±{ctx['event_timing_error_ms']:.0f} ms "
                "at this frame rate; values read at an event carry that error (shown as ± in the "
                "scorecard)",
            )
        )
    kp = inp.get("keypoint_confidence") or {}
    if kp:
        items.append(("Keypoint confidence", ", ".join(f"{s} leg {v:.2f}" for s, v in kp.items())))
    if ctx.get("leg_length"):
        items.append(("Leg length", f"{ctx['leg_length']:.1f} {ctx.get('leg_length_units', '')}"))
    n_side = {s: sum(1 for r in steps if r.get("side") == s) for s in ("left", "right")}
    rejected = analysis.get("rejected_steps") or []
    items.append(
        (
            "Steps",
            f"{n_side['left']} left and {n_side['right']} right accepted, {len(rejected)} rejected",
        )
    )
    clean_bits = [
        f"{cleaning.get('masked_points', 0)} low-confidence points masked",
        f"{cleaning.get('filled_points', 0)} filled",
        f"{cleaning.get('swapped_frames', 0)} frames with left/right swapped "
        f"({cleaning.get('swap_segments', 0)} segments) corrected",
    ]
    if cleaning.get("cutoff_hz"):
        clean_bits.append(f"low-pass at {cleaning['cutoff_hz']:.1f} Hz")
    items.append(("Cleaning", "; ".join(clean_bits) + "."))
    for note in cleaning.get("notes") or []:
        items.append(("Cleaning note", str(note)))
    pace = pace_from_analysis(analysis)
    items.append(("Speed", pace.describe() if pace.speed_mps else "unknown"))
    if opts.get("height_cm"):
        items.append(("Runner height", f"{opts['height_cm']:g} cm"))
    lines = [
        f"{r.get('side', '?')} foot at {float(r.get('time_s', 0.0)):.2f} s: {r.get('reason', '?')}"
        for r in sorted(rejected, key=lambda r: r.get("time_s", 0.0))
    ]
    if len(lines) > MAX_REJECTED_LINES:
        more = len(lines) - MAX_REJECTED_LINES
        lines = [*lines[:MAX_REJECTED_LINES], f"… and {more} more (see rejected_steps in the JSON)"]
    return items, lines


def _methods(analysis: dict) -> list[str]:
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
        "(Schache 2000). Video angles carry errors of about 5–8° against motion capture "
        "(Van Hooren 2023). The leg further from the camera is partly hidden and measured less "
        "well (Young 2023): which leg was nearer is read from the picture (the pose model's "
        "depth where it gives one, which leg's points fade when the legs overlap, the far "
        "arm hidden behind the trunk, keypoint confidence), and only the near leg is judged.",
        "Reference bands are typical ranges from the literature, with their sources in the "
        "scorecard; they are not pass/fail limits. Contact time and other informative metrics "
        "are reported but not graded (Van Hooren 2024). Bands of speed-dependent metrics (thigh "
        "speed, swing knee flexion, heel recovery) are moved to the runner's pace: "
        f"{SPEED_REFERENCE_SOURCE}.",
        "Findings: severity is 0 at the band edge and grows linearly with the distance beyond "
        f"it to 1; a finding is listed from severity {MIN_SEVERITY:g}, since smaller distances "
        "are within measurement error. Confidence multiplies the number of steps "
        "(full weight from 8 per side; a finding needs at least 6), the frame rate against what "
        "the metric needs, the keypoint confidence, and a discount when the speed had to be "
        "estimated from cadence. Findings are ordered by severity × confidence. A left/right "
        "comparison needs each leg filmed as the near leg, so one clip never names a weaker "
        "side.",
    ]


# ----------------------------------------------------------------------------- entry point


def build_content(
    analysis: dict,
    findings: list[dict],
    out_dir: Path,
    media: dict | None = None,
    progress: ProgressCallback = no_progress,
) -> ReportContent:
    """Assemble the report's content (figures rendered, stills located)."""
    inp = analysis.get("input") or {}
    ctx = analysis.get("context") or {}
    near = ctx.get("near_side")
    stills, video = collect_media(out_dir, media)
    progress("report", 0.1, "figures")
    figures = _figures(analysis)
    progress("report", 0.5, "scorecard")
    scorecard = _score_rows(analysis.get("metrics") or {})
    summary = [
        SummaryItem(f, key_still(f, stills, near), _evidence_line(f))
        for f in findings[:SUMMARY_FINDINGS]
    ]
    quality, rejected = _quality(analysis)
    source = Path(inp["path"]).name if inp.get("path") else inp.get("source", "")
    video_href = Path(os.path.relpath(video, out_dir)).as_posix() if video else None
    return ReportContent(
        title="Running form report",
        subtitle=f"{source} · {inp.get('duration_s', 0):.1f} s at {inp.get('frame_rate', 0):g} "
        f"fps · {ctx.get('setting', '')} · created {str(analysis.get('created', ''))[:10]} · "
        f"runform {analysis.get('runform_version', '')}",
        findings=findings,
        summary=summary,
        areas=assess_areas(analysis, findings),
        scorecard=scorecard,
        figures=figures,
        stills=stills,
        video_href=video_href,
        quality=quality,
        warnings=list(analysis.get("warnings") or []),
        rejected=rejected,
        methods=_methods(analysis),
    )
