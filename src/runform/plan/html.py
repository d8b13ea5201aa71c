"""The plan as one self-contained, printable HTML page.

The page has no external resources (no scripts, fonts, images or style sheets from
elsewhere): CSS is inline, the lessons' Markdown is rendered into the page and the
exercise pictures are inline SVG (:mod:`runform.plan.figures`). It opens with the findings
the plan works on, each with its reason, the runner's numbers, the re-test target and its
exercises (the reason is said once there, not under every exercise). Each session is a
card with its exercises, doses and settings; the last section holds, group by group, each
exercise's picture (start → end), instructions, cues, common mistakes and cautions.
The layout reflows down to a 390 px phone screen and prints one week per page.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from runform.plan.figures import SIDE_HEX, figure_svg
from runform.plan.library import Exercise, load_library
from runform.plan.model import Plan
from runform.plan.selection import PHASES

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


_COMMAND = re.compile(r"runform (?:analyze|compare BEFORE AFTER --out DIR|plan)")


def _commands(text: str) -> Markup:
    """Text with the runform commands in it set as code."""
    return Markup(_COMMAND.sub(lambda m: f"<code>{m.group(0)}</code>", str(escape(text))))


def _environment(names: dict[str, str], labels: dict[str, str]) -> Environment:
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
    env.filters["group_label"] = lambda group_id: labels.get(group_id, _words(group_id))
    env.filters["commands"] = _commands
    return env


def exercise_figure(exercise: Exercise) -> Markup:
    """The exercise's start → end picture as inline SVG."""
    return Markup(figure_svg(exercise.figure, label=f"{exercise.name}: start and end position"))


def _context(plan: Plan, exercises: dict[str, Exercise]) -> dict[str, Any]:
    listed = {item.exercise_id for group in plan.groups for item in group.items}
    return {
        "plan": plan,
        "profile": plan.profile,
        "phases": PHASES,
        "phase_labels": PHASE_LABELS,
        "lesson_html": {lesson.id: Markup(lesson.html) for lesson in plan.lessons},
        "total_sessions": len(plan.sessions),
        "focus_by_id": {f.id: f for f in plan.focus},
        "exercises": exercises,
        "figures": {i: exercise_figure(exercises[i]) for i in sorted(listed)},
        "side_colors": SIDE_HEX,
    }


def render_html(plan: Plan) -> str:
    """Render the plan page."""
    exercises = dict(load_library())
    exercises.update({ex.id: ex for ex in plan.exercises})
    names = {i: ex.name for i, ex in exercises.items()}
    labels = {group.id: group.label or group.title for group in plan.groups}
    template = _environment(names, labels).get_template("plan.html.j2")
    return template.render(**_context(plan, exercises))
