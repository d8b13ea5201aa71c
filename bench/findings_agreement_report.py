"""The statistics and tables of :mod:`findings_agreement`: each camera condition against the
clean reference, per finding, per facing and per area of form.

All functions read the JSON-ready dict of :func:`findings_agreement.measure`:
:func:`finding_stats` (agreement, false and missed findings per finding id),
:func:`facing_stats` (facing left against facing right on the same phase and seed),
:func:`area_stats` (how often each area is "not assessed" or at its edge),
:func:`pace_stats` (the pace the bands were judged at, against the belt),
:func:`worst_runners` and :func:`format_report`.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from _common import format_table

REFERENCE = "reference"
STATES = ("finding", "edge", "no finding", "not assessed")


def _pairs(doc: dict, condition: str, key: str = "conditions") -> Iterator[tuple[dict, dict, dict]]:
    """``(trial, reference run, run)`` of every run of ``condition`` whose trial the product
    analysed in the reference condition (``key``: ``"conditions"`` or ``"loro"``, the
    reference then judged with the same tables)."""
    for t in doc["trials"]:
        runs = t.get(key) or {}
        ref = (runs.get(REFERENCE) or [{}])[0]
        if "error" in ref:
            continue
        for run in runs.get(condition, []):
            yield t, ref, run


def finding_stats(doc: dict, condition: str, key: str = "conditions") -> dict:
    """Per finding id: reference trials, runs compared, agreement, false and missed runs.

    Returns ``{"runs", "refused", "same_set", "any_false", "ids": {id: {"reference",
    "agree", "false", "false_trials", "false_severity", "missed"}}}``; a refused run (the
    product said no) is not compared.
    """
    ids: dict[str, dict] = {}
    runs = refused = same = any_false = 0
    for t, ref, run in _pairs(doc, condition, key):
        if "error" in run:
            refused += 1
            continue
        runs += 1
        r, c = ref["findings"], run["findings"]
        same += set(r) == set(c)
        any_false += bool(set(c) - set(r))
        for fid in set(r) | set(c):
            ids.setdefault(
                fid,
                {"false": 0, "missed": 0, "false_trials": set(), "false_severity": 0.0},
            )
        for fid, s in ids.items():
            if fid in c and fid not in r:
                s["false"] += 1
                s["false_trials"].add(t["trial"])
                s["false_severity"] = max(s["false_severity"], c[fid])
            elif fid in r and fid not in c:
                s["missed"] += 1
    for fid, s in ids.items():
        s["reference"] = sum(
            1
            for t in doc["trials"]
            if fid in ((t.get(key) or {}).get(REFERENCE) or [{}])[0].get("findings", {})
        )
        s["agree"] = 1.0 - (s["false"] + s["missed"]) / runs if runs else float("nan")
        s["false_trials"] = sorted(s["false_trials"])
    return {"runs": runs, "refused": refused, "same_set": same, "any_false": any_false, "ids": ids}


def facing_stats(doc: dict, condition: str, key: str = "conditions") -> dict:
    """Facing left against facing right on the same trial, phase and seed: pairs, pairs
    whose findings differ, and per finding id the pairs in which one facing only has it."""
    pairs = differ = 0
    ids: dict[str, int] = {}
    for t in doc["trials"]:
        runs = (t.get(key) or {}).get(condition, [])
        left = {(r["seed"], r["phase"]): r for r in runs if r["facing"] == "left"}
        for r in runs:
            other = left.get((r["seed"], r["phase"]))
            if r["facing"] != "right" or other is None or "error" in r or "error" in other:
                continue
            pairs += 1
            a, b = set(other["findings"]), set(r["findings"])
            differ += a != b
            for fid in a ^ b:
                ids[fid] = ids.get(fid, 0) + 1
    return {"pairs": pairs, "differ": differ, "ids": ids}


def area_stats(doc: dict, condition: str) -> dict[str, dict[str, float]]:
    """Per area: the share of runs in each state (:data:`STATES`)."""
    counts: dict[str, dict[str, int]] = {}
    n = 0
    for t in doc["trials"]:
        for run in t["conditions"].get(condition, []):
            if "error" in run:
                continue
            n += 1
            for area, state in run["areas"].items():
                counts.setdefault(area, dict.fromkeys(STATES, 0))[state] += 1
    return {a: {s: c / n for s, c in states.items()} for a, states in counts.items()} if n else {}


def pace_stats(doc: dict, condition: str) -> dict:
    """The pace the bands were judged at against the belt speed: % error (median, RMS,
    range) and how often each basis was used."""
    errors, bases = [], {}
    for t in doc["trials"]:
        for run in t["conditions"].get(condition, []):
            if "error" in run:
                continue
            bases[run["speed_basis"]] = bases.get(run["speed_basis"], 0) + 1
            if run["speed_mps"]:
                errors.append(100.0 * (run["speed_mps"] / t["belt_speed_mps"] - 1.0))
    e = np.array(errors)
    if not e.size:
        return {"bases": bases}
    return {
        "bases": bases,
        "median_pct": float(np.median(e)),
        "rms_pct": float(np.sqrt(np.mean(e**2))),
        "min_pct": float(e.min()),
        "max_pct": float(e.max()),
    }


def worst_runners(doc: dict, conditions: list[str], n: int = 3) -> list[tuple[str, int, float]]:
    """The runners with the most false findings over ``conditions``: ``(runner, false
    findings, their summed severity)``, worst first."""
    per: dict[str, list[float]] = {}
    for c in conditions:
        for t, ref, run in _pairs(doc, c):
            if "error" in run:
                continue
            per.setdefault(t["runner"], [])
            per[t["runner"]] += [
                s for fid, s in run["findings"].items() if fid not in ref["findings"]
            ]
    ranked = sorted(per.items(), key=lambda kv: (-len(kv[1]), -sum(kv[1])))
    return [(r, len(v), round(sum(v), 2)) for r, v in ranked[:n] if v]


# ----------------------------------------------------------------------------- tables
def _pct(x: float) -> str:
    return "–" if x != x else f"{100.0 * x:.0f} %"


def format_condition(doc: dict, condition: str, key: str = "conditions") -> str:
    """One condition against the reference: the summary line, the table per finding id and
    (with two facings) the facing comparison."""
    st = finding_stats(doc, condition, key)
    fa = facing_stats(doc, condition, key)
    runs = st["runs"]
    head = (
        f"{runs} runs compared ({st['refused']} refused by the product); the same findings "
        f"as the reference in {st['same_set']} ({_pct(st['same_set'] / runs) if runs else '–'}),"
        f" a finding the reference does not give in {st['any_false']}"
    )
    if fa["pairs"]:
        head += (
            f"; facing left and right give different findings in {fa['differ']} of "
            f"{fa['pairs']} pairs"
        )
    judged = [
        r
        for t in doc["trials"]
        for r in t.get(key, {}).get(condition, [])
        if "near_truth" in r and "error" not in r
    ]
    if judged:
        right = sum(1 for r in judged if r.get("near_side") == r["near_truth"])
        unknown = sum(1 for r in judged if r.get("near_side") is None)
        head += (
            f"; the leg drawn better was named the near one in {right} of {len(judged)} runs "
            f"(left undecided in {unknown})"
        )
    rows = [
        [
            fid,
            s["reference"],
            _pct(s["agree"]),
            f"{s['false']} ({len(s['false_trials'])})",
            f"{s['false_severity']:.2f}" if s["false"] else "–",
            s["missed"],
            fa["ids"].get(fid, 0) if fa["pairs"] else "–",
        ]
        for fid, s in sorted(st["ids"].items())
    ]
    if not rows:
        return head + "; no finding in either."
    table = format_table(
        [
            "finding",
            "reference trials",
            "agree",
            "false runs (trials)",
            "worst false severity",
            "missed runs",
            "L/R differ",
        ],
        rows,
    )
    return head + ".\n\n" + table


def format_areas(doc: dict) -> str:
    """Per area and condition: share of runs with a finding / at the edge / not assessed."""
    conds = doc["conditions"]
    stats = {c: area_stats(doc, c) for c in conds}
    areas = list(stats[conds[0]])
    rows = []
    for a in areas:
        cells = []
        for c in conds:
            s = stats[c].get(a)
            cells.append(
                "–"
                if s is None
                else " / ".join(_pct(s[k]) for k in ("finding", "edge", "not assessed"))
            )
        rows.append([a, *cells])
    return (
        'Per area of form, share of runs with a finding / at the edge of its band ("no '
        'finding" but close) / not assessed:\n\n' + format_table(["area", *conds], rows)
    )


def format_pace(doc: dict) -> str:
    rows = []
    for c in doc["conditions"]:
        p = pace_stats(doc, c)
        bases = ", ".join(f"{b} {n}" for b, n in sorted(p["bases"].items()))
        if "median_pct" in p:
            rows.append(
                [
                    c,
                    bases,
                    f"{p['median_pct']:+.1f} %",
                    f"{p['rms_pct']:.1f} %",
                    f"{p['min_pct']:+.1f} to {p['max_pct']:+.1f} %",
                ]
            )
    return "Pace the bands were judged at, against the belt:\n\n" + format_table(
        ["condition", "basis (runs)", "median", "RMS", "range"], rows
    )


def format_report(doc: dict) -> str:
    """Every table, as Markdown."""
    trials = doc["trials"]
    ref_clean = sum(
        1
        for t in trials
        if "error" not in t["conditions"][REFERENCE][0]
        and not t["conditions"][REFERENCE][0]["findings"]
    )
    ref_ok = sum(1 for t in trials if "error" not in t["conditions"][REFERENCE][0])
    runners = sorted({t["runner"] for t in trials})
    parts = [
        f"{len(trials)} trials of {len(runners)} runners; in the reference condition {ref_clean} "
        f"of {ref_ok} trials get no finding."
    ]
    for c in doc["conditions"][1:]:
        parts.append(f"### {c}\n\n" + format_condition(doc, c))
    cams = [c for c in doc["conditions"] if "Hz" in c]
    worst = worst_runners(doc, cams)
    if worst:
        parts.append(
            "Runners with the most false findings over "
            + " and ".join(cams)
            + ": "
            + "; ".join(f"{r}: {n} (summed severity {s:.2f})" for r, n, s in worst)
            + "."
        )
    parts.append(format_pace(doc))
    parts.append(format_areas(doc))
    if doc.get("loro"):
        parts.append(format_loro(doc))
    return "\n\n".join(parts)


def format_loro(doc: dict) -> str:
    """The same comparisons with each runner judged by bands built without that runner, and
    the reference itself under those bands against the product's."""
    moved = []
    for t in doc["trials"]:
        a = t["conditions"][REFERENCE][0]
        b = (t.get("loro") or {}).get(REFERENCE, [{}])[0]
        if "error" in a or "error" in b:
            continue
        if set(a["findings"]) != set(b["findings"]):
            moved.append(f"{t['trial']}: {sorted(a['findings'])} → {sorted(b['findings'])}")
    parts = [
        "### Leave-one-runner-out bands\n\nEach runner judged with `SPEED_REFERENCE` built "
        "from the other runners only (the analysis run again under those tables). Reference "
        f"condition: {len(moved)} trials get other findings than with the product's tables"
        + (": " + "; ".join(moved) if moved else "")
        + "."
    ]
    judged = next((t["loro"] for t in doc["trials"] if t.get("loro")), {})
    for c in doc["conditions"][1:]:
        if c in judged:
            parts.append(f"#### {c} (leave-one-runner-out)\n\n" + format_condition(doc, c, "loro"))
    return "\n\n".join(parts)


def document(text: str) -> str:
    """``docs/findings-agreement.md``: a head saying how it was made, then the tables."""
    return (
        "# Findings under camera conditions\n\n"
        "Written by `python bench/findings_agreement.py --loro --write`; do not edit by hand. "
        "What the product tells the force-plate runners of `docs/references.md` (Fukuchi et "
        "al. 2017, PeerJ 5:e3298, CC BY 4.0; Hamner & Delp 2013, J Biomech 46:780-787, data "
        "via Fox 2024, R Soc Open Sci 11:231909) when they are filmed as a phone would film "
        "them, against the clean reference (side view at the marker rate, facing left, belt "
        "speed given). Camera conditions give no belt speed: the pace is measured in the "
        "image with a typical adult's leg, as for a user who gives neither. The pace bands "
        "(`SPEED_REFERENCE` in `runform.findings.speed_reference`) are built from these same runners; "
        "the last section judges each runner with bands built without them.\n\n" + text + "\n"
    )
