"""What pages and the API show of jobs and results (plain dicts, no HTTP)."""

from __future__ import annotations

import re

from runform.errors import InputError
from runform.findings import assess_areas, no_finding_summary
from runform.findings.wording import fmt_band, fmt_number, is_far, is_reliable, verdict_text
from runform.service.models import Job
from runform.web import files

#: Which side of its band is a concern, per the metric's ``concern`` (catalogue).
CONCERNING = {"low": {"below"}, "high": {"above"}, "both": {"below", "above"}, "none": set()}


def band_text(band: dict, unit: str = "") -> str:
    """The band's edges rounded as the report rounds them for ``unit`` (the unit itself is
    printed beside the values)."""
    low, high = band.get("low"), band.get("high")
    if low is None and high is None:
        return "–"
    return fmt_band(low, high, unit, with_unit=False)


def verdict(metric: dict, sides: tuple[str, ...]) -> tuple[str, str]:
    """Words and tone (``ok``, ``warn``, ``note``, ``none``) for a graded metric, in the
    report's words (:func:`runform.findings.wording.verdict_text`): a value outside its
    band by no more than its measurement error is "below, within error", a muted note and
    not a warning, and the far leg (seen from the other side) or a value not measured
    reliably is not judged."""
    places = {}
    for side in sides:
        if not is_reliable(metric, side):
            continue  # the far leg (seen from the other side) or an imprecise value
        words = verdict_text(metric, side)
        if words:
            places[side] = words
    if not places:
        return "–", "none"
    concern = CONCERNING.get(metric.get("concern"), {"below", "above"})
    if any(w in concern for w in places.values()):  # outside the band beyond its error
        tone = "warn"
    elif set(places.values()) == {"within"}:
        tone = "ok"
    else:
        tone = "note"
    if len(set(places.values())) == 1:
        return next(iter(places.values())), tone
    return ", ".join(f"{side} {w}" for side, w in places.items()), tone


#: What each stage the pipeline reports is called on the progress card. A stage missing
#: here reads "working", never its internal name (``tests/test_web_progress.py`` finds
#: every stage the code reports and checks it is here).
STAGE_WORDS = {
    "": "waiting",
    "starting": "starting",
    "waiting to restart": "waiting to start again",
    "find runner": "finding the runner",
    "pose": "tracking the body",
    "analyse": "finding the steps and measuring them",
    "both sides": "putting the two sides together",
    "annotated video": "drawing the slow-motion video",
    "key frames": "picking the key frames",
    "report": "writing the report",
    "compare": "comparing with the earlier analysis",
    "compare report": "writing the comparison",
    "side-by-side video": "making the side-by-side video",
    "done": "done",
}
_COUNT = re.compile(r"(\d+)\s*/\s*(\d+)")


def stage_label(stage: str | None) -> str:
    """The stage in plain words; with both sides filmed the stage is ``"<clip>: <stage>"``
    and reads ``"<stage words> (<clip>)"``."""
    stage = stage or ""
    clip = ""
    if stage not in STAGE_WORDS and ": " in stage:
        clip, stage = stage.rsplit(": ", 1)
    words = STAGE_WORDS.get(stage, "working")
    return f"{words} ({clip})" if clip else words


def detail_label(detail: str | None) -> str:
    """What the card shows beside the stage: how far through the frames it is ("frame
    184 of 360"), or nothing. The pipeline's own details ("cleaning", "report.html",
    "compare.json", a metric's id) are for the log, not for the runner."""
    detail = detail or ""
    found = _COUNT.search(detail) if "frame" in detail else None
    if found is None or int(found.group(2)) == 0:
        return ""
    return f"frame {int(found.group(1))} of {int(found.group(2))}"


def job_json(job: Job | None) -> dict | None:
    if job is None:
        return None
    return {
        "job_id": str(job.id),
        "analysis_id": str(job.analysis_id),
        "state": job.state,
        "stage": job.stage,
        "stage_label": stage_label(job.stage),
        "detail": job.detail,
        "detail_label": detail_label(job.detail),
        "progress": round(float(job.progress or 0.0), 4),
        "attempts": job.attempts,
        "error": job.error,
        "created_at": job.created_at.isoformat() + "Z" if job.created_at else None,
        "finished_at": job.finished_at.isoformat() + "Z" if job.finished_at else None,
    }


def _no_finding_text(doc: dict) -> str:
    """The report's sentence for a run with no finding (areas at their range's edge named)."""
    try:
        return no_finding_summary(assess_areas(doc, []))
    except InputError:
        return "The measures below show where each one stands."


def result_view(storage, record) -> dict | None:
    """Findings, graded metrics, warnings and the files of a finished analysis."""
    doc = files.read_analysis(storage, record)
    if doc is None:
        return None
    outputs = files.list_outputs(storage, record)
    metrics = []
    for mid, metric in (doc.get("metrics") or {}).items():
        if not metric.get("graded"):
            continue
        sides = ("left", "right") if metric.get("per_side") else ("all",)
        words, tone = verdict(metric, sides)
        if alone := (doc.get("context") or {}).get("measured_alone"):
            sides = (alone,) if metric.get("per_side") else sides  # the hidden leg: no value
        unit = metric.get("unit", "")
        values = {side: fmt_number((metric.get(side) or {}).get("median"), unit) for side in sides}
        metrics.append({
            "id": mid, "name": metric.get("name", mid), "unit": unit,
            "by_side": values, "band": band_text(metric.get("band") or {}, unit),
            "far": [side for side in sides if is_far(metric, side)],
            "verdict": words, "tone": tone,
            "trusted": (metric.get("quality") or {}).get("trusted", True),
        })  # fmt: skip
    findings = doc.get("findings") or []
    return {
        "doc": doc,
        "summary": doc.get("summary") or {},
        "findings": findings,
        "no_finding": "" if findings else _no_finding_text(doc),
        "metrics": metrics,
        "warnings": [w for w in doc.get("warnings") or [] if w.get("level") != "info"],
        "notes": [w for w in doc.get("warnings") or [] if w.get("level") == "info"],
        "video": "annotated.mp4" in outputs,
        # both sides filmed: each clip's annotated video, in its side's folder
        "side_videos": [
            (side, f"{side}-side/annotated.mp4")
            for side in ("left", "right")
            if f"{side}-side/annotated.mp4" in outputs
        ],
        "stills": [n for n in outputs if n.startswith("stills/")],
        "report_html": "report.html" in outputs,
        "report_pdf": "report.pdf" in outputs,
        "steps_csv": "steps.csv" in outputs,
        "outputs": outputs,
    }


def still_label(name: str) -> str:
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    parts = stem.split("-")
    if parts and parts[0].isdigit():
        parts = parts[1:]
    return " ".join(parts).replace("toe off", "toe-off")
