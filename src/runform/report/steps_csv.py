"""``steps.csv``: one row per accepted step with every per-step metric.

Columns: ``step`` (1-based, in time order), ``side``, the event times (``contact_s``,
``toe_off_s``, ``next_contact_s``), ``confidence``, then every per-step metric of the
analysis in catalogue order (metrics the catalogue does not know follow, in order of first
appearance). Missing values are empty cells.
"""

from __future__ import annotations

import csv
from pathlib import Path

from runform.metrics.catalog import CATALOG

LEAD_COLUMNS: tuple[str, ...] = ("side", "contact_s", "toe_off_s", "next_contact_s", "confidence")


def step_columns(steps: list[dict]) -> list[str]:
    """Column names for ``steps``: lead columns, then metrics (catalogue order first).

    >>> step_columns([{"side": "left", "contact_s": 0.1, "zeta": 1,
    ...                "thigh_extension_deg": 20}])
    ['step', 'side', 'contact_s', 'thigh_extension_deg', 'zeta']
    """
    present: list[str] = []
    for row in steps:
        for key in row:
            if key not in present:
                present.append(key)
    lead = [c for c in LEAD_COLUMNS if c in present]
    known = [m for m in CATALOG if m in present and m not in lead]
    other = [k for k in present if k not in lead and k not in known]
    return ["step", *lead, *known, *other]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def write_steps_csv(steps: list[dict], path: Path) -> Path:
    """Write the per-step table and return its path (a header only when there are no steps)."""
    columns = step_columns(steps) if steps else ["step", *LEAD_COLUMNS]
    ordered = sorted(steps, key=lambda r: (r.get("contact_s") is None, r.get("contact_s") or 0.0))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for i, row in enumerate(ordered, start=1):
            writer.writerow([str(i) if c == "step" else _cell(row.get(c)) for c in columns])
    return path
