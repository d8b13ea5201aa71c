"""The report: ``report.html`` (one self-contained file), ``report.pdf`` and ``steps.csv``;
with ``single_file=True`` also ``report-with-video.html``, the page with the annotated video
inside it, one file to send.

Everything comes from the ``runform.analysis/1`` document, so ``runform report
analysis.json`` rebuilds the report from a saved analysis without re-running pose.

Examples
--------
>>> from runform.report import write_report                      # doctest: +SKIP
>>> paths = write_report(doc, "out", media={"video": "out/annotated.mp4"})  # doctest: +SKIP
>>> sorted(paths)                                                # doctest: +SKIP
['html', 'pdf', 'steps_csv']
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from runform.errors import InputError
from runform.findings import findings_from_analysis
from runform.progress import ProgressLike, ensure_progress
from runform.report.content import (
    ReportContent,
    Still,
    build_content,
    collect_media,
    key_still,
)
from runform.report.html import render_html, write_html
from runform.report.pdf import write_pdf
from runform.report.steps_csv import write_steps_csv

SCHEMA_ID = "runform.analysis/1"
#: One clip (``/1``) or both sides merged (``/2``).
SCHEMA_IDS = (SCHEMA_ID, "runform.analysis/2")
REQUIRED_SECTIONS = ("input", "context", "metrics", "steps", "events", "cycles")
#: The page with the annotated video embedded (``single_file=True``).
SINGLE_FILE_NAME = "report-with-video.html"
#: Largest annotated video put inside the single file: base64 makes it a third bigger, and
#: a page much larger than this is slow to open on a phone and too big to send.
SINGLE_FILE_MAX_VIDEO_MB = 50.0


class SingleFileError(InputError):
    """The single-file report cannot be written (no video, or one too big to embed).

    ``paths`` holds the report files written before the check (empty when it was made
    first)."""

    def __init__(self, message: str, paths: dict[str, Path] | None = None) -> None:
        super().__init__(message)
        self.paths = dict(paths or {})


def single_file_problem(video: Path | None, limit_mb: float | None = None) -> str | None:
    """Why the video cannot go inside the single-file report (one sentence), or ``None``.

    ``limit_mb`` defaults to :data:`SINGLE_FILE_MAX_VIDEO_MB`."""
    limit_mb = SINGLE_FILE_MAX_VIDEO_MB if limit_mb is None else limit_mb
    if video is None or not Path(video).is_file():
        return (
            "There is no annotated video to put inside the single-file report; run "
            "'runform analyze' on the video without --no-video first."
        )
    size_mb = Path(video).stat().st_size / 1e6
    if size_mb > limit_mb:
        return (
            f"The annotated video is {size_mb:.0f} MB, more than the {limit_mb:g} MB a "
            f"single-file report may hold; send report.html with {Path(video).name} beside it "
            "instead."
        )
    return None


def finding_stills(content: ReportContent, analysis: dict) -> dict[str, Still]:
    """The key frame shown beside each finding: the moment :data:`runform.findings.KEY_EVENTS`
    names for it, on the finding's side, else on the leg nearer the camera."""
    near = {1: "right", -1: "left"}.get((analysis.get("context") or {}).get("direction"))
    chosen = {f["id"]: key_still(f, content.stills, near) for f in content.findings}
    return {fid: still for fid, still in chosen.items() if still is not None}


def check_analysis(analysis: object) -> dict:
    """Raise :class:`InputError` unless ``analysis`` is a ``runform.analysis/1`` document."""
    if not isinstance(analysis, dict):
        raise InputError(
            f"This is not a runform analysis (expected a JSON object with schema '{SCHEMA_ID}'); "
            "pass the analysis.json written by 'runform analyze'."
        )
    if analysis.get("schema") not in SCHEMA_IDS:
        found = f"schema {analysis['schema']!r}" if "schema" in analysis else "no 'schema' field"
        raise InputError(
            f"This is not a runform analysis ({found}, expected '{SCHEMA_ID}'); pass the "
            "analysis.json written by 'runform analyze'."
        )
    missing = [k for k in REQUIRED_SECTIONS if k not in analysis]
    if missing:
        raise InputError(
            f"The analysis lacks the section(s) {', '.join(missing)}; re-run 'runform analyze' "
            "to write a complete analysis.json."
        )
    return analysis


def validate_analysis(analysis: object) -> dict:
    """:func:`check_analysis`, then validate against ``schemas/analysis.schema.json``.

    Used for saved files, whose structure may have been edited or truncated.
    """
    import json
    from importlib.resources import files

    import jsonschema

    doc = check_analysis(analysis)
    schema = json.loads(
        files("runform").joinpath("schemas", "analysis.schema.json").read_text(encoding="utf-8")
    )
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(doc)
    )
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        raise InputError(
            f"The analysis does not match the {SCHEMA_ID} schema at {where} ({error.message}); "
            "re-run 'runform analyze' to write a valid analysis.json."
        )
    return doc


def write_report(
    analysis: dict,
    out_dir: str | Path,
    *,
    findings: list[dict] | None = None,
    media: dict | None = None,
    progress: ProgressLike = None,
    single_file: bool = False,
    video_ready: Callable[[], object] | None = None,
) -> dict[str, Path]:
    """Write ``report.html``, ``report.pdf`` and ``steps.csv`` into ``out_dir``.

    Parameters
    ----------
    analysis
        The ``runform.analysis/1`` dict (``Analysis.to_dict()`` or a loaded analysis.json).
    out_dir
        Folder to write into (created if needed).
    findings
        Finding dicts; default: ``analysis["findings"]`` when present, else
        :func:`runform.findings.findings_from_analysis`.
    media
        Optional paths: key-frame stills keyed ``"{side}_{event}"`` (events ``contact``,
        ``midstance``, ``toe_off``, ``peak_extension``, ``peak_knee_flexion``) and
        ``"video"`` (the annotated video, linked relative to the report). Without it,
        files of those standard names in ``out_dir`` are used when they exist.
    progress
        Callback ``(stage, fraction, detail)``.
    single_file
        Also write ``report-with-video.html``: the page with the annotated video (and, as
        always, every image) inside it, for a coach to send as one file.
    video_ready
        For a video still being written (the pipeline passes its render's
        ``Future.result``): ``media["video"]`` is linked even if it is not there yet, and
        this is called before the video is read for the single file. Without it the video
        must exist, and is checked before anything is written.

    Returns
    -------
    dict
        ``{"html": Path, "pdf": Path, "steps_csv": Path}``, plus ``"single_file"``.

    Raises
    ------
    SingleFileError
        With ``single_file``, when there is no annotated video or it is larger than
        :data:`SINGLE_FILE_MAX_VIDEO_MB`.
    """
    check_analysis(analysis)
    cb = ensure_progress(progress)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if findings is None:
        findings = analysis.get("findings")
        if findings is None:
            findings = findings_from_analysis(analysis)
    if single_file and video_ready is None:
        problem = single_file_problem(collect_media(out, media)[1])
        if problem:
            raise SingleFileError(problem)
    cb("report", 0.0, "building")
    content = build_content(analysis, findings, out, media, cb)
    coming = (media or {}).get("video") if video_ready is not None else None
    if coming and content.video_href is None:
        content.video_href = Path(os.path.relpath(coming, out)).as_posix()
    stills = finding_stills(content, analysis)
    cb("report", 0.7, "report.html")
    paths = {"html": write_html(content, out / "report.html", finding_stills=stills)}
    cb("report", 0.8, "report.pdf")
    paths["pdf"] = write_pdf(content, out / "report.pdf", finding_stills=stills)
    paths["steps_csv"] = write_steps_csv(analysis.get("steps") or [], out / "steps.csv")
    if single_file:
        if video_ready is not None:
            video_ready()
        video = collect_media(out, media)[1]
        problem = single_file_problem(video)
        if problem:
            raise SingleFileError(problem, paths)
        cb("report", 0.95, SINGLE_FILE_NAME)
        paths["single_file"] = write_html(
            content, out / SINGLE_FILE_NAME, finding_stills=stills, video=video
        )
    cb("report", 1.0, "done")
    return paths


__all__ = [
    "SINGLE_FILE_MAX_VIDEO_MB",
    "SINGLE_FILE_NAME",
    "ReportContent",
    "SingleFileError",
    "build_content",
    "check_analysis",
    "finding_stills",
    "render_html",
    "single_file_problem",
    "validate_analysis",
    "write_report",
]
