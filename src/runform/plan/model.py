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
    note: str = ""

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
            "notes": list(self.notes),
            "rules": list(self.rules),
            "weeks": [week.to_dict() for week in self.weeks],
            "retest": {"steps": list(self.retest_steps)},
            "lessons": [lesson.to_dict() for lesson in self.lessons],
            "exercises": {ex.id: ex.to_dict() for ex in self.exercises},
        }
