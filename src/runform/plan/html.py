"""The plan as one self-contained, printable HTML page.

The page has no external resources (no scripts, fonts, images or style sheets from
elsewhere): CSS is inline and the lessons' Markdown is rendered into the page. Each
session is a card with its exercises and doses; a reference section at the end holds the
full instructions, cues, common mistakes and cautions of every exercise used.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from runform.plan.generator import PHASES
from runform.plan.library import load_library
from runform.plan.model import Plan

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PHASE_LABELS = {
    "activation": "Activate",
    "strength": "Strength",
    "drills": "Drills",
    "stretch": "Stretch",
}


def format_day(day: date) -> str:
    """``Mon 3 Mar 2025`` (locale-independent)."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _words(name: str) -> str:
    return name.replace("_", " ")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _environment(names: dict[str, str]) -> Environment:
    env = Environment(
        loader=PackageLoader("runform.plan", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = format_day
    env.filters["words"] = _words
    env.filters["sentence"] = _sentence
    env.filters["exercise_name"] = lambda exercise_id: names.get(exercise_id, _words(exercise_id))
    return env


def _context(plan: Plan) -> dict[str, Any]:
    return {
        "plan": plan,
        "profile": plan.profile,
        "phases": PHASES,
        "phase_labels": PHASE_LABELS,
        "lesson_html": {lesson.id: Markup(lesson.html) for lesson in plan.lessons},
        "total_sessions": len(plan.sessions),
    }


def render_html(plan: Plan) -> str:
    """Render the plan page."""
    names = {ex.id: ex.name for ex in load_library().values()}
    names.update({ex.id: ex.name for ex in plan.exercises})
    template = _environment(names).get_template("plan.html.j2")
    return template.render(**_context(plan))
