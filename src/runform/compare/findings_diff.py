"""Findings and areas of form before and after: resolved, new, persisting.

A finding that disappears is only good news when the numbers behind it really moved: one
that sat just over the listing threshold can drop under it by chance. So each resolved or
new finding says whether any of its metrics changed by more than the smallest detectable
change (``supported``), and says so in words when none did.

Examples
--------
>>> f = {"id": "low_cadence", "title": "Low cadence for the speed", "severity": 0.4,
...      "severity_label": "moderate", "confidence": 0.9, "confidence_label": "high",
...      "side": "both", "metrics": ["cadence_spm"]}
>>> [d["status"] for d in diff_findings([f], [], rows=[])]
['resolved']
"""

from __future__ import annotations

from runform.findings import FINDING_IDS, TITLES, assess_areas, findings_from_analysis


def findings_of(analysis: dict) -> list[dict]:
    """The findings stored in the analysis, else computed from its metrics."""
    stored = analysis.get("findings")
    return list(stored) if isinstance(stored, list) else findings_from_analysis(analysis)


def _supported(finding: dict, rows: list[dict]) -> tuple[bool, bool]:
    """Whether any metric behind ``finding`` changed for real (and fairly) on its side(s)."""
    metrics = set(finding.get("metrics") or [])
    side = finding.get("side", "both")
    sides = {"left", "right", "all"} if side == "both" else {side, "all"}
    hits = [r for r in rows if r["metric"] in metrics and r["side"] in sides and r["real_change"]]
    return bool(hits), any(r["fair"] for r in hits)


def _sev(f: dict | None) -> dict | None:
    if f is None:
        return None
    return {
        "severity": f.get("severity"),
        "severity_label": f.get("severity_label"),
        "confidence": f.get("confidence"),
        "confidence_label": f.get("confidence_label"),
        "side": f.get("side"),
    }


def diff_findings(before: list[dict], after: list[dict], rows: list[dict]) -> list[dict]:
    """Each finding of either session: ``status`` (``"resolved"``, ``"new"``,
    ``"persisting"``), severity before and after, and whether the metric changes support it.
    """
    b = {f["id"]: f for f in before}
    a = {f["id"]: f for f in after}
    order = {fid: i for i, fid in enumerate(FINDING_IDS)}
    ids = sorted(set(b) | set(a), key=lambda i: (order.get(i, 99), i))
    out = []
    for fid in ids:
        fb, fa = b.get(fid), a.get(fid)
        status = "persisting" if fb and fa else ("resolved" if fb else "new")
        ref = fb or fa
        assert ref is not None
        metrics = list(dict.fromkeys((fb or {}).get("metrics", []) + (fa or {}).get("metrics", [])))
        supported, fair = _supported({"metrics": metrics, "side": ref.get("side", "both")}, rows)
        sev_b = float(fb["severity"]) if fb else 0.0
        sev_a = float(fa["severity"]) if fa else 0.0
        if status == "resolved":
            note = (
                "Resolved, and the measurements behind it changed by more than the videos can "
                "detect."
                if supported
                else "Resolved on paper only: none of the measurements behind it changed by more "
                "than the smallest detectable change, so it may have just dipped under the "
                "threshold. Treat it as unconfirmed."
            )
        elif status == "new":
            note = (
                "New, and the measurements behind it changed by more than the videos can detect."
                if supported
                else "New on paper only: none of the measurements behind it changed by more than "
                "the smallest detectable change, so it may be the same form measured just over "
                "the threshold."
            )
        else:
            delta = sev_a - sev_b
            if not supported:
                note = "Still there, and the measurements behind it did not change for real."
            elif delta < 0:
                note = "Still there, less severe, with a real change in the measurements behind it."
            elif delta > 0:
                note = "Still there, more severe, with a real change in the measurements behind it."
            else:
                note = "Still there at the same severity."
        if supported and not fair:
            note += " The conditions of the two runs differ, so this is not a fair comparison."
        out.append(
            {
                "id": fid,
                "title": ref.get("title") or TITLES.get(fid, fid),
                "status": status,
                "before": _sev(fb),
                "after": _sev(fa),
                "severity_change": round(sev_a - sev_b, 2),
                "metrics": metrics,
                "supported": supported,
                "note": note,
            }
        )
    return out


def diff_areas(
    before: dict, after: dict, findings_before: list[dict], findings_after: list[dict]
) -> list[dict]:
    """Status of every area of form before and after (``finding``, ``no finding``,
    ``not assessed``), with the notes of both sessions."""
    ab = {x["area"]: x for x in assess_areas(before, findings_before)}
    aa = {x["area"]: x for x in assess_areas(after, findings_after)}
    out = []
    for area, x in ab.items():
        y = aa.get(area, {})
        out.append(
            {
                "area": area,
                "title": x["title"],
                "before": x["status"],
                "after": y.get("status"),
                "note_before": x["note"],
                "note_after": y.get("note", ""),
            }
        )
    return out
