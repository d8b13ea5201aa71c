"""The analysis document: the engine's JSON plus the findings stage, as one plain dict."""

from __future__ import annotations

from pathlib import Path

from runform.analysis import Analysis


def analysis_document(analysis: Analysis) -> dict:
    """``analysis.to_dict()`` with ``findings`` added by the findings stage."""
    doc = analysis.to_dict()
    from runform.findings import findings_from_analysis

    doc["findings"] = findings_from_analysis(doc)
    return doc


def write_default_plan(document: dict, out_dir: Path) -> dict[str, Path]:
    """The plan stage with the default profile (``runform plan`` offers every option)."""
    from runform.plan import build_plan, profile_from_options, write_plan

    plan = build_plan(document.get("findings", []), profile_from_options(), analysis=document)
    return write_plan(plan, out_dir)
