"""The report: ``report.html`` (one self-contained file), ``report.pdf`` and ``steps.csv``.

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

from pathlib import Path

from runform.errors import InputError
from runform.findings import findings_from_analysis
from runform.progress import ProgressLike, ensure_progress
from runform.report.content import ReportContent, build_content
from runform.report.html import render_html, write_html
from runform.report.pdf import write_pdf
from runform.report.steps_csv import write_steps_csv

SCHEMA_ID = "runform.analysis/1"
REQUIRED_SECTIONS = ("input", "context", "metrics", "steps", "events", "cycles")


def check_analysis(analysis: object) -> dict:
    """Raise :class:`InputError` unless ``analysis`` is a ``runform.analysis/1`` document."""
    if not isinstance(analysis, dict):
        raise InputError(
            f"This is not a runform analysis (expected a JSON object with schema '{SCHEMA_ID}'); "
            "pass the analysis.json written by 'runform analyze'."
        )
    if analysis.get("schema") != SCHEMA_ID:
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

    Returns
    -------
    dict
        ``{"html": Path, "pdf": Path, "steps_csv": Path}``.
    """
    check_analysis(analysis)
    cb = ensure_progress(progress)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if findings is None:
        findings = analysis.get("findings")
        if findings is None:
            findings = findings_from_analysis(analysis)
    cb("report", 0.0, "building")
    content = build_content(analysis, findings, out, media, cb)
    cb("report", 0.7, "report.html")
    paths = {"html": write_html(content, out / "report.html")}
    cb("report", 0.8, "report.pdf")
    paths["pdf"] = write_pdf(content, out / "report.pdf")
    paths["steps_csv"] = write_steps_csv(analysis.get("steps") or [], out / "steps.csv")
    cb("report", 1.0, "done")
    return paths


__all__ = [
    "ReportContent",
    "build_content",
    "check_analysis",
    "render_html",
    "validate_analysis",
    "write_report",
]
