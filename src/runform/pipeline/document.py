"""The analysis document: the engine's JSON plus the findings stage, as one plain dict."""

from __future__ import annotations

from runform.analysis import Analysis


def analysis_document(analysis: Analysis) -> dict:
    """``analysis.to_dict()`` with ``findings`` added by the findings stage."""
    doc = analysis.to_dict()
    from runform.findings import findings_from_analysis

    doc["findings"] = findings_from_analysis(doc)
    return doc
