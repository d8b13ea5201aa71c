"""What ``compare.html`` and ``compare.pdf`` show, in reading order, built once from the
comparison document (and the two analyses, for the per-step chart)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from runform.compare.plots import comparison_figures
from runform.findings.wording import fmt_band, fmt_value
from runform.metrics.catalog import CATALOG
from runform.report.plots import Rendered

FINDING_STATUS_WORDS = {"resolved": "resolved", "new": "new", "persisting": "still there"}


@dataclass(frozen=True)
class Figure_:
    key: str
    title: str
    caption: str
    image: Rendered


@dataclass(frozen=True)
class StillPair:
    path: Path
    title: str

    def read(self) -> bytes:
        return self.path.read_bytes()


@dataclass(frozen=True)
class Row:
    """One table line: a metric on one side."""

    name: str
    side: str
    before: str
    after: str
    change: str
    sdc: str
    verdict: str
    real: bool
    fair: bool
    band: str
    graded: bool
    pill: str = ""
    pill_class: str = "noreal"
    detail: str = ""
    caveat: bool = False


@dataclass
class CompareContent:
    title: str
    subtitle: str
    headline: str
    lines: list[str]
    warnings: list[dict]
    infos: list[dict]
    sessions: list[tuple[str, str, str]]  # (what, before, after)
    rows: list[Row]
    findings: list[dict]
    areas: list[dict]
    figures: list[Figure_]
    stills: list[StillPair]
    video_href: str | None
    video_note: str
    notes: list[str]
    method: list[str]
    identical: bool = False
    fair_real: int = 0
    extra: dict = field(default_factory=dict)


def _session_label(s: dict) -> str:
    created = str(s.get("created") or "")[:10]
    path = s.get("path") or ""
    name = Path(path).name if path else ""
    return " · ".join(p for p in (created, name) if p) or "–"


def _speed(s: dict) -> str:
    v = s.get("speed_mps")
    if v is None:
        return "unknown"
    basis = s.get("speed_basis")
    if basis == "treadmill":
        return f"{v:.2f} m/s ({3.6 * v:.1f} km/h), treadmill speed"
    if basis == "image":
        return f"about {v:.1f} m/s, measured in the image"
    return f"about {v:.1f} m/s, estimated from cadence"


def _sessions(doc: dict) -> list[tuple[str, str, str]]:
    b, a = doc["before"], doc["after"]

    def steps(s: dict) -> str:
        st = s.get("steps") or {}
        return f"{st.get('left', 0)} left, {st.get('right', 0)} right"

    def fps(s: dict) -> str:
        return f"{s['frame_rate']:g} fps" if s.get("frame_rate") else "–"

    return [
        ("analysis", _session_label(b), _session_label(a)),
        ("speed", _speed(b), _speed(a)),
        ("frame rate", fps(b), fps(a)),
        ("runner faces", b.get("facing") or "–", a.get("facing") or "–"),
        ("near leg", b.get("near_side") or "–", a.get("near_side") or "–"),
        ("setting", b.get("setting") or "–", a.get("setting") or "–"),
        ("pose from", b.get("pose_source") or "–", a.get("pose_source") or "–"),
        ("steps used", steps(b), steps(a)),
    ]


def table_row(r: dict) -> Row:
    """One metric on one side of ``compare.json`` as the comparison tables show it: values
    with their units and no false precision, the change, the smallest detectable change and
    a short verdict (the report, the PDF and the web page read the same rows)."""
    unit = r["unit"]
    change = r["change"]
    if change is None:
        change_text = "–"
    else:
        sign = "+" if change > 0 else ""
        change_text = sign + fmt_value(change, unit, short=True)
        if r.get("change_pct") is not None and change != 0 and unit not in ("%", "% leg"):
            change_text += f" ({r['change_pct']:+.1f} %)".replace("-", "−")
    sdc = r["sdc"]["value"]
    bb, ba = r["band"]["before"], r["band"]["after"]
    band = fmt_band(bb[0], bb[1], unit, short=True)
    if ba != bb:
        band += " → " + fmt_band(ba[0], ba[1], unit, short=True)
    if r["band"]["basis"] == "speed-adjusted":
        band += " (speed-adjusted)"
    elif r["band"]["basis"] == "expected cadence":
        band += " (for the speed)"
    verdict = r["verdict"]
    if r["real_change"]:
        pill, pill_class = "real change", "real"
    elif verdict.startswith("not measured reliably"):
        pill, pill_class = "not reliable", "noreal"
        verdict = _short_reasons(r) or verdict
    elif verdict.startswith("too few"):
        pill, pill_class = "too few steps", "noreal"
    elif verdict.startswith("not measured"):
        pill, pill_class = "not measured", "noreal"
    else:
        pill, pill_class = "no real change", "noreal"
    return Row(
        name=r["name"],
        side={"all": "whole body"}.get(r["side"], r["side"]),
        before=fmt_value(r["before"]["value"], unit, short=True),
        after=fmt_value(r["after"]["value"], unit, short=True),
        change=change_text,
        sdc=("± " + fmt_value(sdc, unit, short=True)) if sdc else "–",
        verdict=r["verdict"],
        real=bool(r["real_change"]),
        fair=bool(r["fair"]),
        band=band if (bb[0] is not None or bb[1] is not None) else "",
        graded=bool(r["graded"]),
        pill=pill,
        pill_class=pill_class,
        caveat=bool(r.get("timing_caveat")),
        detail="" if verdict == pill else verdict,
    )


def _short_reason(reason: str) -> str:
    """A few words for why a value is not measured reliably (the full sentence is in the
    JSON's notes)."""
    text = reason.lower()
    if "far leg" in text or "seen from the other side" in text:
        return "far leg"
    if "other foot" in text:
        return "needs the far foot's contact"
    if "too large" in text:
        return "error too large for the band"
    if "not measured" in text:
        return "not measured"
    return "data quality"


def _short_reasons(r: dict) -> str:
    parts = []
    for which in ("before", "after"):
        q = r[which]
        if not q.get("reliable", True):
            parts.append((which, _short_reason(q.get("reason") or "")))
    if len(parts) == 2 and parts[0][1] == parts[1][1]:
        return f"{parts[0][1]}, before and after"
    return "; ".join(f"{reason} {which}" for which, reason in parts)


def _method(doc: dict) -> list[str]:
    m = doc["method"]
    errors = ", ".join(
        f"{CATALOG[name].name.lower() if name in CATALOG else name} "
        f"{fmt_value(err, CATALOG[name].unit if name in CATALOG else '', short=True)}"
        for name, err in m["measurement_error"].items()
    )
    return [
        m["description"],
        f"Bootstrap: {m['bootstrap']['resamples']} resamples per metric and side, seeded "
        f"({m['bootstrap']['seed']} plus a fixed number per metric), so the same two analyses "
        "always give the same answer. Statistic: " + m["statistic"] + ".",
        f"Video measurement errors per step ({m['measurement_error_source']}; the others are "
        f"the catalogue's estimates): {errors}. Metrics without one rely on the step spread "
        "and the resolution.",
        "Sessions are compared metric by metric and leg by leg, as each analysis reports them; "
        "nothing here says whether a change is good for you: see the findings and their bands. "
        "Details: docs/compare.md.",
    ]


def build_content(
    doc: dict, before: dict, after: dict, out_dir: Path, *, figures: bool = True
) -> CompareContent:
    """Everything the HTML page and the PDF show."""
    outputs = doc.get("outputs") or {}
    stills = [
        StillPair(out_dir / name, still_title(name))
        for name in outputs.get("stills") or []
        if (out_dir / name).is_file()
    ]
    video = outputs.get("video")
    video_href = video if video and (out_dir / video).is_file() else None
    notes = list(outputs.get("notes") or [])
    video_note = next((n for n in notes if "video" in n.lower()), "")
    figs = [Figure_(*f) for f in comparison_figures(before, after, doc)] if figures else []
    differences = doc["conditions"]["differences"]
    return CompareContent(
        title="Before and after",
        subtitle=f"BEFORE {_session_label(doc['before'])} · AFTER {_session_label(doc['after'])}",
        headline=doc["summary"]["headline"],
        lines=list(doc["summary"]["lines"]),
        warnings=[c for c in differences if c["level"] == "warning"],
        infos=[c for c in differences if c["level"] != "warning"],
        sessions=_sessions(doc),
        rows=[table_row(r) for r in doc["metrics"]],
        findings=doc["findings"],
        areas=doc["areas"],
        figures=figs,
        stills=stills,
        video_href=video_href,
        video_note=video_note,
        notes=notes,
        method=_method(doc),
        identical=bool(doc.get("identical")),
        fair_real=int(doc["summary"]["fair_real_changes"]),
    )


def still_title(name: str) -> str:
    """The caption of a before|after still pair, from its file name."""
    stem = Path(name).stem.removeprefix("compare-")
    moment, _, side = stem.rpartition("-")
    words = {"peak-extension": "peak thigh extension", "contact": "initial contact"}
    return f"{side.capitalize()} leg, {words.get(moment, moment.replace('-', ' '))}: before | after"
