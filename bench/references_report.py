"""The tables that ``python bench/references.py`` prints (:mod:`references`), as Markdown.

:func:`format_report` puts together the per-trial table, each metric by speed with its
reference and line fit (:mod:`references_by_speed`), the 2-D against 3-D tables
(:func:`angle_offsets_report.format_angles`), the trials against their speed's reference
(:func:`format_deviations`), what the product tells these healthy runners
(:func:`format_findings`), and ``SPEED_REFERENCE`` and ``SPEED_SPREAD`` as Python literals
for ``src/runform/findings/speed_reference.py`` (:func:`python_tables`). All read the JSON-ready dict
of :func:`references.run`.
"""

from __future__ import annotations

import angle_offsets_report
from _common import format_table
from references_by_speed import CONTEXT_METRICS, DECIMALS, DIRECTION, deviations

SHORT = {
    "drive_peak_deg_s": "drive peak °/s",
    "drive_mean_deg_s": "drive mean °/s",
    "knee_flexion_swing_peak_deg": "knee swing peak °",
    "heel_recovery_ratio": "heel recovery × leg",
    "thigh_extension_deg": "thigh extension °",
    "cadence_spm": "cadence steps/min",
    "thigh_flexion_contact_deg": "thigh at contact °",
    "thigh_flexion_swing_peak_deg": "thigh swing peak °",
    "hip_extension_trunk_deg": "hip ext. (trunk) °",
    "knee_flexion_contact_deg": "knee at contact °",
    "knee_flexion_stance_peak_deg": "knee stance peak °",
    "touchdown_distance_pct": "touchdown % leg",
    "vertical_oscillation_pct": "bounce % leg",
}


def _num(v: float | None, metric: str = "") -> str:
    if v is None:
        return "–"
    if metric == "heel_recovery_ratio" or abs(v) < 3:
        return f"{v:.2f}"
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.1f}"


def format_report(doc: dict) -> str:
    """The tables as text (Markdown pipes)."""
    parts = []
    metrics = list(DIRECTION)
    header = ["trial", "belt m/s", "speed from", "steps L/R", *[SHORT[m] for m in metrics], "note"]
    rows = []
    for t in doc["trials"]:
        rows.append(
            [
                f"{t['runner']} {t['speed_label_mps']:g} m/s",
                f"{t['belt_speed_mps']:.2f}",
                t["speed_basis"],
                f"{t['steps'].get('left', 0)}/{t['steps'].get('right', 0)}" if t["steps"] else "–",
                *[_num(t["values"].get(m), m) for m in metrics],
                (t["error"] or "")[:90],
            ]
        )
    parts.append("## Per trial (mean of the two legs' medians)\n\n" + format_table(header, rows))
    refs = doc["references"]
    for metric in (*metrics, *CONTEXT_METRICS):
        entry = refs.get(metric)
        if not entry:
            continue
        rows = []
        ref = dict(entry.get("reference") or [])
        for r in entry["by_speed"]:
            if not r["n"]:
                continue
            rows.append(
                [
                    f"{r['speed_mps']:.1f}",
                    r["n"],
                    _num(r["median"], metric),
                    f"{_num(r['q25'], metric)}–{_num(r['q75'], metric)}",
                    f"{_num(r['min'], metric)}–{_num(r['max'], metric)}",
                    _num(ref.get(r["speed_mps"]), metric) if ref else "",
                ]
            )
        line = entry["line"]
        slopes = line.get("runner_slopes") or {}
        rising = sum(1 for s in slopes.values() if s > 0)
        fit = (
            f"line over {line['n_trials']} trials: {_num(line.get('intercept'), metric)} + "
            f"{line.get('slope_per_mps', float('nan')):.3g}/(m/s) × speed, R² "
            f"{line.get('r2', float('nan')):.2f}, residual SD "
            f"{line.get('residual_sd', float('nan')):.3g}; runners' own slopes rise in "
            f"{rising} of {len(slopes)}"
            if "slope_per_mps" in line
            else ""
        )
        parts.append(
            f"## {SHORT[metric]} by speed\n\n"
            + format_table(
                ["m/s", "runners", "median", "IQR", "range", "reference" if ref else ""], rows
            )
            + (f"\n\n{fit}" if fit else "")
        )
    angles_part = angle_offsets_report.format_angles(doc)
    if angles_part:
        parts.append(angles_part)
    parts.append(format_deviations(doc))
    parts.append(format_findings(doc))
    parts.append("## speed_reference.py tables\n\n```python\n" + python_tables(doc) + "\n```")
    return "\n\n".join(parts)


def format_deviations(doc: dict) -> str:
    rows = []
    for metric, d in deviations(doc).items():
        unit = "x" if d["mode"] == "scale" else ""
        rows.append(
            [
                SHORT[metric],
                d["mode"],
                d["n_trials"],
                f"{d['min']:.3g}{unit} to {d['max']:.3g}{unit}",
                f"{d['sd']:.3g}",
                _num(d["reference_at"], metric),
                f"{_num(d['band_at_reference_speed'][0], metric)}–"
                f"{_num(d['band_at_reference_speed'][1], metric)}",
            ]
        )
    return "## Trials against their speed's reference\n\n" + format_table(
        [
            "metric",
            "band moved by",
            "trials",
            "deviation range",
            "SD",
            "reference at 3 m/s",
            "covering band at 3 m/s",
        ],
        rows,
    )


def format_findings(doc: dict) -> str:
    """What the product tells these runners: each finding, the trials and runners that get
    it and its severities. They are healthy runners filmed in a clean side view, so a
    finding here must be one a coach would agree they stand out on among their peers."""
    trials = [t for t in doc["trials"] if t["error"] is None]
    by_id: dict[str, list[tuple[str, float]]] = {}
    for t in trials:
        for f in t.get("findings") or []:
            by_id.setdefault(f["id"], []).append(
                (f"{t['runner']} {t['speed_label_mps']:g}", f["severity"])
            )
    clean = sum(1 for t in trials if not t.get("findings"))
    rows = [
        [
            fid,
            len(hits),
            len({h[0].split()[0] for h in hits}),
            f"{min(h[1] for h in hits):.2f}–{max(h[1] for h in hits):.2f}",
            ", ".join(f"{name} ({sev:.2f})" for name, sev in sorted(hits, key=lambda h: -h[1])),
        ]
        for fid, hits in sorted(by_id.items(), key=lambda kv: -len(kv[1]))
    ]
    head = (
        f"## Findings on these runners\n\n{clean} of {len(trials)} trials get no finding "
        "(clean side view at the marker rate, belt speed given)."
    )
    if not rows:
        return head
    return (
        head
        + "\n\n"
        + format_table(["finding", "trials", "runners", "severity", "trials (severity)"], rows)
    )


def python_tables(doc: dict) -> str:
    """``SPEED_REFERENCE`` and ``SPEED_SPREAD`` as Python literals for ``findings/speed_reference.py``
    (formatted as the project's formatter leaves them)."""
    refs = doc["references"]
    lines = ["SPEED_REFERENCE: dict[str, tuple[tuple[float, float], ...]] = {"]
    for metric in DIRECTION:
        lines.append(f'    "{metric}": (')
        for s, v in refs[metric]["reference"]:
            lines.append(f"        ({float(s)!r}, {float(v)!r}),")
        lines.append("    ),")
    lines.append("}")
    lines.append(
        "SPEED_SPREAD: dict[str, tuple[tuple[float, int, float, float, float, float], ...]] = {"
    )
    for metric in DIRECTION:
        d = DECIMALS.get(metric, 1)
        lines.append(f'    "{metric}": (')
        for r in refs[metric]["by_speed"]:
            if r["n"]:
                q = ", ".join(repr(float(round(r[k], d))) for k in ("q25", "q75", "min", "max"))
                lines.append(f"        ({float(r['speed_mps'])!r}, {r['n']}, {q}),")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines)
