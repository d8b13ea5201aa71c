"""What pages and the API show of jobs and results (plain dicts, no HTTP)."""

from __future__ import annotations

from runform.service.models import Job
from runform.web import files

#: Which side of its band is a concern, per the metric's ``concern`` (catalogue).
CONCERNING = {"low": {"below"}, "high": {"above"}, "both": {"below", "above"}, "none": set()}


def position(value, band: dict) -> str:
    """``below``, ``above`` or ``in`` the band (as the report places a value)."""
    low, high = band.get("low"), band.get("high")
    if low is not None and value < low:
        return "below"
    if high is not None and value > high:
        return "above"
    return "in"


def band_text(band: dict) -> str:
    low, high = band.get("low"), band.get("high")
    if low is not None and high is not None:
        return f"{_fmt(low)}–{_fmt(high)}"
    if low is not None:
        return f"≥ {_fmt(low)}"
    return f"≤ {_fmt(high)}" if high is not None else "–"


def verdict(metric: dict, sides: tuple[str, ...]) -> tuple[str, str]:
    """Words and tone (``ok``, ``warn``, ``note``) for a graded metric's medians."""
    band = metric.get("band") or {}
    places = {}
    for side in sides:
        median = (metric.get(side) or {}).get("median")
        record = (metric.get("reliability") or {}).get(side) or {}
        if record.get("reliable") is False:
            continue  # the far leg (seen from the other side) or an imprecise value: not judged
        if isinstance(median, int | float):
            places[side] = position(median, band)
    if not places:
        return "–", "none"
    concern = CONCERNING.get(metric.get("concern"), {"below", "above"})
    tone = (
        "warn"
        if set(places.values()) & concern
        else ("ok" if set(places.values()) == {"in"} else "note")
    )
    if len(set(places.values())) == 1:
        where = next(iter(places.values()))
        return ("in range" if where == "in" else f"{where} range"), tone
    return ", ".join(f"{side} {'in range' if w == 'in' else w}" for side, w in places.items()), tone


STAGE_WORDS = {
    "": "waiting",
    "starting": "starting",
    "find runner": "finding the runner",
    "pose": "tracking the body",
    "analyse": "detecting steps and measuring",
    "annotated video": "drawing the slow-motion video",
    "key frames": "picking key frames",
    "report": "writing the report",
    "done": "done",
}


def job_json(job: Job | None) -> dict | None:
    if job is None:
        return None
    return {
        "job_id": str(job.id),
        "analysis_id": str(job.analysis_id),
        "state": job.state,
        "stage": job.stage,
        "stage_label": STAGE_WORDS.get(job.stage, job.stage),
        "detail": job.detail,
        "progress": round(float(job.progress or 0.0), 4),
        "attempts": job.attempts,
        "error": job.error,
        "created_at": job.created_at.isoformat() + "Z" if job.created_at else None,
        "finished_at": job.finished_at.isoformat() + "Z" if job.finished_at else None,
    }


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


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
        values = {side: _fmt((metric.get(side) or {}).get("median")) for side in sides}
        metrics.append({
            "id": mid, "name": metric.get("name", mid), "unit": metric.get("unit", ""),
            "by_side": values, "band": band_text(metric.get("band") or {}),
            "verdict": words, "tone": tone,
            "trusted": (metric.get("quality") or {}).get("trusted", True),
        })  # fmt: skip
    return {
        "doc": doc,
        "summary": doc.get("summary") or {},
        "findings": doc.get("findings") or [],
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
