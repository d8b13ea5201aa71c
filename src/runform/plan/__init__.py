"""The personalised six-week plan: exercise library, generator, lessons and outputs.

Example
-------
>>> from runform.plan import build_plan, profile_from_options, write_plan
>>> findings = [{"id": "limited_extension", "severity": 0.6, "confidence": 0.8, "side": "both"}]
>>> plan = build_plan(findings, profile_from_options(equipment="band", start="2025-03-03"))
>>> plan.mode
'targeted'

``write_plan(plan, out_dir)`` then writes ``plan.html``, ``plan.ics`` and ``plan.json``.
"""

from __future__ import annotations

from runform.plan.generator import build_plan, focus_from_findings
from runform.plan.library import Exercise, Library, load_library
from runform.plan.model import Focus, Plan, PlannedExercise, Session, Week
from runform.plan.outputs import write_plan
from runform.plan.profile import Profile, profile_from_options

__all__ = [
    "Exercise",
    "Focus",
    "Library",
    "Plan",
    "PlannedExercise",
    "Profile",
    "Session",
    "Week",
    "build_plan",
    "focus_from_findings",
    "load_library",
    "profile_from_options",
    "write_plan",
]
