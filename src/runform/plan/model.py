"""The plan as data: focus areas, weeks, dated sessions and dosed exercises.

Everything here is immutable and turns into plain JSON with :meth:`Plan.to_dict`
(schema tag ``runform.plan/1``); the HTML and iCalendar writers read these objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from runform.plan.lessons import Lesson
from runform.plan.library import Exercise
from runform.plan.profile import WEEKDAYS, Profile
from runform.plan.progression import WeekDose

PLAN_SCHEMA = "runform.plan/1"


@dataclass(frozen=True)
class Focus:
    """A finding the plan works on, with its priority (severity × confidence)."""

    id: str
    title: str
    plain: str  # what it means, in plain words
    severity: float
    confidence: float
    priority: float
    side: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "plain": self.plain,
            "severity": round(self.severity, 3),
            "confidence": round(self.confidence, 3),
            "priority": round(self.priority, 3),
            "side": self.side,
        }


@dataclass(frozen=True)
class PlannedExercise:
    """One exercise in one session, with that week's dose and why it is there."""

    exercise_id: str
    name: str
    category: str
    phase: str
    dose: WeekDose
    why: str
    findings: tuple[str, ...]
    note: str = ""  # what it stands in for, and why (a substitution)
    group: str = ""  # the id of the group it is listed under (a finding id or "upkeep")
    target: str = ""  # this week's setting from the runner's own numbers, if any
    lead_side: str = ""  # "left" or "right": start each set with that side

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.exercise_id,
            "name": self.name,
            "category": self.category,
            "phase": self.phase,
            "dose": self.dose.to_dict(),
            "why": self.why,
            "findings": list(self.findings),
            "note": self.note,
            "group": self.group,
            "target": self.target,
            "lead_side": self.lead_side,
        }


@dataclass(frozen=True)
class GroupItem:
    """An exercise listed under its group, with what is specific to this runner."""

    exercise_id: str
    weeks: str = ""  # "" for the whole plan, else e.g. "weeks 1–4" or "weeks 5–6"
    target: str = ""  # the setting from the runner's numbers (its final-week wording)
    note: str = ""  # substitution or side note
    also: tuple[str, ...] = ()  # other focus findings it helps, by id

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.exercise_id,
            "weeks": self.weeks,
            "target": self.target,
            "note": self.note,
            "also": list(self.also),
        }


@dataclass(frozen=True)
class Group:
    """The exercises that work on one finding (or on general upkeep), and why, said once."""

    id: str  # a finding id, or "upkeep"
    title: str
    reason: str  # why these exercises, in plain words
    measured: str = ""  # the runner's numbers for it
    goal: str = ""  # what to look for at the re-test
    side: str = "both"
    label: str = ""  # short title, for tagging exercises in the sessions
    items: tuple[GroupItem, ...] = ()
    shared: tuple[str, ...] = ()  # exercises listed under another group that help here too

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "label": self.label,
            "reason": self.reason,
            "measured": self.measured,
            "goal": self.goal,
            "side": self.side,
            "exercises": [item.to_dict() for item in self.items],
            "shared": list(self.shared),
        }


@dataclass(frozen=True)
class Session:
    """A dated session: a training session, or the final re-test."""

    number: int  # 1-based over the whole plan
    week: int
    index: int  # 1-based within the week
    date: date
    kind: str  # "training" or "retest"
    title: str
    exercises: tuple[PlannedExercise, ...]
    extra_minutes: float = 0.0  # time not spent on listed exercises (re-test filming)
    steps: tuple[str, ...] = ()

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.date.weekday()]

    @property
    def minutes(self) -> float:
        """Estimated duration: the exercises' doses plus any extra block."""
        return sum(item.dose.minutes for item in self.exercises) + self.extra_minutes

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "week": self.week,
            "index": self.index,
            "date": self.date.isoformat(),
            "weekday": self.weekday,
            "kind": self.kind,
            "title": self.title,
            "minutes": round(self.minutes, 1),
            "exercises": [item.to_dict() for item in self.exercises],
            "steps": list(self.steps),
        }


@dataclass(frozen=True)
class Week:
    """One week: its theme, its lessons and its sessions."""

    number: int
    theme: str
    description: str
    sessions: tuple[Session, ...]
    lessons: tuple[Lesson, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "week": self.number,
            "theme": self.theme,
            "description": self.description,
            "lessons": [lesson.id for lesson in self.lessons],
            "sessions": [session.to_dict() for session in self.sessions],
        }


@dataclass(frozen=True)
class Plan:
    """A six-week plan built by :func:`runform.plan.build_plan`."""

    plan_id: str
    mode: str  # "targeted" or "maintenance"
    profile: Profile
    start: date
    focus: tuple[Focus, ...]
    weeks: tuple[Week, ...]
    exercises: tuple[Exercise, ...]  # every exercise the plan uses, for the reference section
    notes: tuple[str, ...]
    rules: tuple[str, ...]
    retest_steps: tuple[str, ...]
    groups: tuple[Group, ...] = ()

    def group_of(self, exercise_id: str) -> Group | None:
        """The group an exercise is listed under."""
        for group in self.groups:
            if any(item.exercise_id == exercise_id for item in group.items):
                return group
        return None

    @property
    def sessions(self) -> tuple[Session, ...]:
        return tuple(session for week in self.weeks for session in week.sessions)

    @property
    def end(self) -> date:
        return self.sessions[-1].date

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(lesson for week in self.weeks for lesson in week.lessons)

    def to_dict(self) -> dict[str, Any]:
        """The ``runform.plan/1`` JSON form."""
        profile = self.profile.to_dict()
        profile["start"] = self.start.isoformat()
        return {
            "schema": PLAN_SCHEMA,
            "plan_id": self.plan_id,
            "mode": self.mode,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "profile": profile,
            "focus": [item.to_dict() for item in self.focus],
            "groups": [group.to_dict() for group in self.groups],
            "notes": list(self.notes),
            "rules": list(self.rules),
            "weeks": [week.to_dict() for week in self.weeks],
            "retest": {"steps": list(self.retest_steps)},
            "lessons": [lesson.to_dict() for lesson in self.lessons],
            "exercises": {ex.id: ex.to_dict() for ex in self.exercises},
        }
