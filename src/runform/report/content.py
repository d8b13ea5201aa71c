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
from runform.findings.wording import fmt_band, fmt_value
from runform.keyframes import still_filename
from runform.metrics.catalog import CATALOG
from runform.progress import ProgressCallback, no_progress
from runform.report import plots
from runform.report.references import REFERENCES

#: How many findings the summary shows (all of them are listed further down).
SUMMARY_FINDINGS = 3
#: Key-frame events written by the render stage as ``01-contact-left.png`` ...
#: (:func:`runform.keyframes.still_filename`; the older ``{side}_{event}.png`` is found too).
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
    values: list[tuple[str, str, str]]  # (side, formatted value, position: below/in/above/"")
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
    """``"left leg"``, ``"right leg"``, ``"both legs"`` or ``"whole body"`` (whole-body metrics)."""
    side = finding.get("side", "both")
    if side in ("left", "right"):
        return f"{side} leg"
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
                    for name in (still_filename(side, event), f"{key}.png")
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


def _position(value: float, entry: dict) -> str:
    band = entry.get("band") or {}
    low, high = band.get("low"), band.get("high")
    if low is not None and value < low:
        return "below"
    if high is not None and value > high:
        return "above"
    return "in" if (low is not None or high is not None) else ""


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
        for side in sides:
            stats = entry.get(side)
            if not stats or not _finite(stats.get("median")):
                continue
            label = "both" if side == "all" else side
            values.append(
                (
                    label,
                    fmt_value(stats["median"], unit, short=True),
                    _position(stats["median"], entry),
                )
            )
            spreads.append(
                f"{label[0].upper() if label != 'both' else ''}"
                f"{' ' if label != 'both' else ''}IQR {fmt_value(stats['iqr'], unit, True)}"
                f", n = {stats['n']}"
            )
        band = entry.get("band") or {}
        if entry.get("expected") is not None:
            spreads.append(f"expected ≈ {fmt_value(entry['expected'], unit, True)} for the speed")
        quality = entry.get("quality") or {}
        fig = plots.gauge_figure(entry)
        spec = CATALOG.get(metric)
        rows.append(
            ScoreRow(
                metric=metric,
                name=entry.get("name", metric),
                unit=unit,
                definition=spec.definition if spec else "",
                values=values,
                spread="; ".join(spreads),
                band=fmt_band(band.get("low"), band.get("high"), unit, short=True),
                band_source=band.get("source", ""),
                band_note=band.get("note", ""),
                graded=bool(entry.get("graded", True)),
                quality=quality.get("level", "good"),
                flags=list(quality.get("flags") or []),
                gauge=plots.render(fig, dpi=200, svg=False) if fig is not None else None,
            )
        )
    return rows


def _figures(analysis: dict) -> list[FigureItem]:
    metrics = analysis.get("metrics") or {}
    out = []
    fig = plots.angle_curves_figure(analysis.get("cycles") or {}, metrics)
    if fig is not None:
        out.append(
            FigureItem(
                "angles",
                "Joint angles over the gait cycle",
                "Mean ± SD of each side's strides, normalised from contact (0 %) to the next contact "
                "of the same foot (100 %); dashed lines mark toe-off. Shaded boxes are the reference "
                "bands of the metrics at the phase where each applies (green graded, grey only "
                "informative).",
                plots.render(fig),
            )
        )
    fig = plots.step_metrics_figure(analysis.get("steps") or [], metrics)
    if fig is not None:
        out.append(
            FigureItem(
                "steps",
                "Step by step: consistency and left/right",
                "Every accepted step (left circles, right squares) over the clip; dashed lines are "
                "each side's median, shading the reference band. A tight cloud means a consistent "
                "stride; two separate clouds mean the legs differ.",
                plots.render(fig),
            )
        )
    fig = plots.symmetry_figure(metrics)
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
    near = {1: "right", -1: "left"}.get(ctx.get("direction"))
    if near:
        far = "left" if near == "right" else "right"
        items.append(
            (
                "Camera side",
                f"{near} leg nearer the camera; the {far} leg is further away and "
                "partly hidden, so its values are less certain",
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
        "(Van Hooren 2023), and the leg further from the camera is measured less well "
        "(Young 2023).",
        "Reference bands are typical ranges from the literature, with their sources in the "
        "scorecard; they are not pass/fail limits. Contact time and other informative metrics "
        "are reported but not graded (Van Hooren 2024). Bands of speed-dependent metrics (thigh "
        "speed, swing knee flexion, heel recovery) are moved to the runner's pace: "
        f"{SPEED_REFERENCE_SOURCE}.",
        "Findings: severity is 0 at the band edge and grows linearly with the distance beyond "
        f"it to 1; a finding is listed from severity {MIN_SEVERITY:g}, since smaller distances "
        "are within measurement error. Confidence multiplies the number of steps "
        "(full weight from 8 per side), the frame rate against what the metric needs, the "
        "keypoint confidence, and a discount when only the far leg shows the problem or the "
        "speed had to be estimated from cadence. Findings are ordered by severity × "
        "confidence.",
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
    near = {1: "right", -1: "left"}.get(ctx.get("direction"))
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
