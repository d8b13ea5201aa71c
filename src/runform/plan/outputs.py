"""Write a plan to disk: ``plan.html``, ``plan.ics`` and ``plan.json``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from runform.errors import InputError
from runform.plan.html import render_html
from runform.plan.ical import plan_to_ics
from runform.plan.model import Plan

FILE_NAMES = {"html": "plan.html", "ics": "plan.ics", "json": "plan.json"}


def write_plan(
    plan: Plan, out_dir: str | Path, *, stamp: datetime | None = None
) -> dict[str, Path]:
    """Write the plan's three files into ``out_dir`` (created if needed).

    Parameters
    ----------
    plan
        The plan.
    out_dir
        The folder.
    stamp
        When the calendar is made (``plan.ics``'s ``DTSTAMP``); default now, in UTC. Give a
        fixed time for files identical byte for byte.

    Returns
    -------
    dict
        ``{"html": Path, "ics": Path, "json": Path}``.

    Raises
    ------
    InputError
        When the folder cannot be created or written.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        paths = {kind: out / name for kind, name in FILE_NAMES.items()}
        paths["json"].write_text(
            json.dumps(plan.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        paths["ics"].write_bytes(plan_to_ics(plan, stamp=stamp))
        paths["html"].write_text(render_html(plan), encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"Cannot write the plan to {out} ({exc.strerror or exc}); choose a writable folder."
        ) from None
    return paths
