"""Metrics → findings: what stands out in a runner's form, how much, and how sure we are.

The findings read the ``runform.analysis/1`` document (never engine internals), so they
work the same on a fresh analysis and on a saved ``analysis.json``.

Examples
--------
>>> from runform.findings import findings_from_analysis, assess_areas   # doctest: +SKIP
>>> findings = findings_from_analysis(doc)                               # doctest: +SKIP
>>> [f["id"] for f in findings]                                          # doctest: +SKIP
['overstriding', 'low_cadence']
>>> [(a["area"], a["status"]) for a in assess_areas(doc)][:2]           # doctest: +SKIP
[('hip_extension', 'no finding'), ('drive', 'no finding')]
"""

from __future__ import annotations

from runform.errors import InputError
from runform.findings.rules import evaluate
from runform.findings.specs import AREAS, KEY_EVENTS, TITLES, Outcome
from runform.text import listed, lower_first

#: Every finding id (shared with the plan's exercise library ``targets``).
FINDING_IDS: tuple[str, ...] = (
    "limited_extension",
    "weak_drive",
    "forced_extension",
    "overstriding",
    "heel_recovery_low",
    "heel_recovery_high",
    "low_cadence",
    "high_vertical_oscillation",
    "trunk_lean_forward",
    "trunk_lean_backward",
    "stiff_landing",
    "asymmetry",
)

SCHEMA_ID = "runform.analysis/1"
#: One clip (``/1``) or both sides merged (``/2``).
SCHEMA_IDS = (SCHEMA_ID, "runform.analysis/2")


def _check(analysis: dict) -> None:
    if not isinstance(analysis, dict) or analysis.get("schema") not in SCHEMA_IDS:
        raise InputError(
            f"This is not a runform analysis (expected schema '{SCHEMA_ID}'); pass the "
            "analysis.json written by 'runform analyze'."
        )
    if not isinstance(analysis.get("metrics"), dict):
        raise InputError(
            "The analysis has no 'metrics' section; re-run 'runform analyze' to rebuild it."
        )


def priority(finding: dict) -> float:
    """Sort key of a finding: severity × confidence (higher first)."""
    return float(finding["severity"]) * float(finding["confidence"])


def findings_from_analysis(analysis: dict) -> list[dict]:
    """The findings of an analysis document, most important first.

    Parameters
    ----------
    analysis
        A ``runform.analysis/1`` dict (``Analysis.to_dict()`` or a loaded ``analysis.json``).

    Returns
    -------
    list of dict
        Finding dicts (``id, title, severity, severity_label, confidence,
        confidence_label, side, metrics, evidence, explanation, advice``; see
        ``docs/findings.md``), sorted by severity × confidence. A clean runner gets ``[]``.

    Raises
    ------
    InputError
        When ``analysis`` is not a ``runform.analysis/1`` document.
    """
    _check(analysis)
    found = [o.finding for o in evaluate(analysis) if o.finding is not None]
    order = {fid: i for i, fid in enumerate(FINDING_IDS)}
    return sorted(found, key=lambda f: (-priority(f), order.get(f["id"], 99)))


def assess_areas(analysis: dict, findings: list[dict] | None = None) -> list[dict]:
    """Status of every area of form: ``"finding"``, ``"no finding"`` or ``"not assessed"``.

    Each item is ``{"area", "title", "status", "finding_ids", "metrics", "note", "edge"}``;
    the note says the finding's title, or the values and range behind "no finding", or why
    an area could not be assessed; ``edge`` marks a "no finding" whose value sits at or past
    its band's edge by too little to call (see :func:`no_finding_summary`). When
    ``findings`` is given (e.g. read back from a saved ``analysis.json``) the finding
    statuses follow it.
    """
    _check(analysis)
    outcomes: dict[str, Outcome] = {o.area: o for o in evaluate(analysis)}
    given = {f["id"]: f for f in findings} if findings is not None else None
    out = []
    for area in AREAS:
        outcome = outcomes[area.id]
        status, note, edge = outcome.status, outcome.note, outcome.edge
        ids = [outcome.finding["id"]] if outcome.finding else []
        if given is not None:
            ids = [i for i in area.finding_ids if i in given]
            if ids:
                status, note, edge = "finding", "; ".join(given[i]["title"] for i in ids), False
            elif status == "finding":
                status, note = "no finding", "No finding recorded for this area."
        out.append(
            {
                "area": area.id,
                "title": area.title,
                "status": status,
                "finding_ids": ids,
                "metrics": list(area.metrics),
                "note": note,
                "edge": edge,
            }
        )
    return out


def _listed(titles: list[str]) -> str:
    """Area titles in one phrase, the first capitalised as given, the others in lower case."""
    return listed([titles[0]] + [lower_first(t) for t in titles[1:]])


#: Areas a single clip never assesses by design (each leg must be filmed near).
ONE_CLIP_AREAS = ("symmetry",)


def no_finding_summary(areas: list[dict]) -> str:
    """The summary of a run with no finding: what could not be assessed, and the areas at
    the edge of their range.

    ``areas`` as from :func:`assess_areas`. "No finding" must never read as "all clear":
    not when areas could not be assessed (a clip too short or too blurred says so first),
    nor beside a table that says "below" or "above" (those areas are named).

    Examples
    --------
    >>> no_finding_summary([{"title": "Cadence", "status": "no finding", "edge": False}])
    'Every area of form that could be measured is within its reference range; nothing stands out enough to work on from this video.'
    >>> no_finding_summary([{"title": "Trunk lean", "status": "no finding", "edge": True}])[:57]
    'Trunk lean sits at or just past the edge of its range, by'
    >>> no_finding_summary([{"area": "cadence", "title": "Cadence", "status": "not assessed"}])[:50]
    'No area of form could be assessed from this video,'
    """
    assessed = [a for a in areas if a.get("status") != "not assessed"]
    missing = [
        a["title"]
        for a in areas
        if a.get("status") == "not assessed" and a.get("area") not in ONE_CLIP_AREAS
    ]
    if not assessed:
        return (
            "No area of form could be assessed from this video, so this is no clean bill of "
            "health: the warnings say why; film again as the filming guide says."
        )
    edge = [a["title"] for a in assessed if a.get("status") == "no finding" and a.get("edge")]
    not_assessed = ""
    if missing:
        not_assessed = f" {_listed(missing)} could not be assessed from this video."
    counted = [a for a in assessed if a.get("area") not in ONE_CLIP_AREAS]
    if len(missing) > len(counted):  # most of it unseen: say that first
        if len(counted) == 1:
            state = "sits at or just past the edge of its range" if edge else "is within range"
            rest = f"{counted[0]['title']} could be, and {state}."
        else:
            rest = (
                f"The {len(counted)} areas that could be are within range or too close to "
                "their edges to call."
            )
        return (
            "Most of the running form could not be assessed from this video: "
            f"{lower_first(_listed(missing))} could not, so this is no clean bill of health "
            f"(the warnings say why; film again as the filming guide says). {rest}"
        )
    if not edge:
        lead = (
            "Every area of form that could be measured is within its reference range; nothing "
            "stands out enough to work on from this video."
        )
        return lead + not_assessed
    one = len(edge) == 1
    verb, its, moves = ("sits", "its", "it moves") if one else ("sit", "their", "they move")
    return (
        f"{_listed(edge)} {verb} at or just past the edge of {its} range, by too little to "
        "call a finding given what one video can measure. Nothing else stands out. A re-test "
        f"in a few weeks shows whether {moves}." + not_assessed
    )


__all__ = [
    "AREAS",
    "FINDING_IDS",
    "KEY_EVENTS",
    "TITLES",
    "assess_areas",
    "findings_from_analysis",
    "no_finding_summary",
    "priority",
]
