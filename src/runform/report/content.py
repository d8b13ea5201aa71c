"""What the report says, built once and rendered twice (HTML and PDF).

:func:`build_content` turns the analysis document, its findings and the media beside the
report (key-frame stills, annotated video) into a :class:`ReportContent`: plain text, table
rows and rendered figures. :mod:`runform.report.html` and :mod:`runform.report.pdf` only lay
it out, so the two files always carry the same content.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from runform.findings import KEY_EVENTS, assess_areas, no_finding_summary
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
from runform.report.quality import methods_section, own_clip_rejections, quality_section
from runform.report.references import REFERENCES
from runform.text import capital

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


@dataclass(frozen=True)
class Still:
    """A key-frame image: ``{side}_{event}.png``."""

    key: str
    side: str
    event: str
    path: Path
    far: bool = False  # the leg further from the camera: its angles are not reliable

    @property
    def label(self) -> str:
        leg = f"{self.side.capitalize()} leg" + (" (far from the camera)" if self.far else "")
        return f"{leg}, {STILL_LABELS.get(self.event, self.event)}"

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
    #: the pace adjustment of the band (how it was moved), or ""
    band_adjusted: str
    #: the stated measurement error, "±5.5°" (one for all sides) or "L ±8.0°, R ±7.7°"
    error: str
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

    @property
    def no_finding(self) -> str:
        """The summary shown when there is no finding (names areas at their range's edge)."""
        return no_finding_summary(self.areas)


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


#: The scorecard's quality word when no value of the metric is reliable (each is the far
#: leg or not measured reliably): "good" beside "not measured reliably" read as a contradiction.
NOT_RELIABLE = "not reliable"


def _quality_label(entry: dict, sides: tuple[str, ...], level: str) -> str:
    """The metric's quality level, or :data:`NOT_RELIABLE` when none of its values is."""
    measured = [side for side in sides if entry.get(side)]
    if measured and not any(is_reliable(entry, side) for side in measured):
        return NOT_RELIABLE
    return level


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
            if not stats or not plots.finite_number(stats.get("median")):
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
                + (f", error ±{fmt_value(error, unit, True)}" if plots.finite_number(error) else "")
            )
        band = entry.get("band") or {}
        shown = {
            ("both" if side == "all" else side): fmt_value(errors.get(side), unit, True)
            for side in sides
            if plots.finite_number(errors.get(side)) and entry.get(side) and not is_far(entry, side)
        }
        if len(set(shown.values())) == 1:
            error_text = f"±{next(iter(shown.values()))}"
        else:
            error_text = ", ".join(f"{side[0].upper()} ±{v}" for side, v in shown.items())
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
                band_note=" ".join(
                    x if x.endswith(".") else x + "."
                    for x in (capital(band.get("adjusted")), band.get("note"))
                    if x
                ),
                band_adjusted=band.get("adjusted") or "",
                error=error_text,
                graded=bool(entry.get("graded", True)),
                quality=_quality_label(entry, sides, quality.get("level", "good")),
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
    events = analysis.get("events") or []
    rejected = analysis.get("rejected_steps") or []
    caption = (
        "When each foot was on the ground. Crosses mark steps rejected as implausible "
        "(reasons under Data quality)."
    )
    duration = (analysis.get("input") or {}).get("duration_s")
    if any("clip" in e for e in events):  # two clips: each leg's row from its own clip
        rejected = own_clip_rejections(rejected)
        duration = None  # the clips' lengths differ: the axis runs to the last event
        caption = (
            "When each foot was on the ground, each row from the clip that filmed that leg "
            "near the camera: the clips were filmed one after the other, so the two rows are "
            "not in step. Crosses mark that leg's steps rejected as implausible (reasons under "
            "Data quality)."
        )
    fig = plots.timeline_figure(events, rejected, duration)
    if fig is not None:
        out.append(FigureItem("timeline", "Event timeline", caption, plots.render(fig)))
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
    if near in ("left", "right"):
        stills = [replace(s, far=s.side != near) for s in stills]
    progress("report", 0.1, "figures")
    figures = _figures(analysis)
    progress("report", 0.5, "scorecard")
    scorecard = _score_rows(analysis.get("metrics") or {})
    summary = [
        SummaryItem(f, key_still(f, stills, near), _evidence_line(f))
        for f in findings[:SUMMARY_FINDINGS]
    ]
    quality, rejected = quality_section(analysis)
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
        methods=methods_section(analysis),
    )
