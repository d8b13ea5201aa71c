"""The six-week course in the web app: a plan from one analysis, sessions marked done,
adherence, a private calendar link, a profile that re-generates the plan, a coach's changes.

The plan is never stored: :func:`runform.plan.build_plan` gives the same plan for the same
findings, profile and analysis, so a :class:`~runform.service.models.Course` keeps the
analysis id and the profile, and the plan is rebuilt when it is shown. What the runner did
is kept as :class:`~runform.service.models.SessionLog` rows keyed by week and session
number, with the session's title and date as they were; a re-generated plan keeps the same
start date, so the sessions already done stay where they were. A coach's changes
(:class:`~runform.service.models.PlanChange`) are applied on top of the rebuilt plan, in
the order they were made.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from runform.errors import OptionError
from runform.service.jobs import output_prefix
from runform.service.models import AnalysisRecord, Course, PlanChange, SessionLog, User, utcnow

#: Profile fields the course form sends, as :func:`runform.plan.profile_from_options` names them.
PROFILE_FIELDS = ("level", "sessions_per_week", "minutes", "equipment", "avoid_days", "start")


class CourseError(OptionError):
    """A course action that cannot be done as asked (one sentence, a 400)."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------------------- the analysis
def analysis_document(storage, record: AnalysisRecord) -> dict | None:
    """The ``analysis.json`` of a finished analysis, or ``None`` when there is none."""
    key = f"{output_prefix(record.id)}/analysis.json"
    if not storage.exists(key):
        return None
    with storage.local_file(key) as path:
        return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------- the profile
def profile_from_fields(fields: dict, *, keep_start: str | None = None, today: date | None = None):
    """Check the course form's fields with the plan's own rules; ``(Profile, stored dict)``.

    ``equipment`` and ``avoid_days`` may be lists (check boxes) or comma lists. With
    ``keep_start`` the start date is not changed (a running course keeps its dates)."""
    from runform.plan import profile_from_options

    def words(name: str) -> list[str]:
        value = fields.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list | tuple) else str(value).split(",")
        return [str(v).strip() for v in items if str(v).strip()]

    def whole(name: str, default: int) -> int:
        raw = str(fields.get(name) or "").strip()
        if not raw:
            return default
        try:
            return int(raw)
        except ValueError:
            raise CourseError(f"The {name.replace('_', ' ')} must be a whole number.") from None

    start = keep_start or (str(fields.get("start") or "").strip() or None)
    stored = {
        "level": str(fields.get("level") or "intermediate").strip(),
        "sessions_per_week": whole("sessions_per_week", 3),
        "minutes": whole("minutes", 40),
        "equipment": words("equipment"),
        "avoid_days": words("avoid_days"),
        "start": start,
    }
    profile = profile_from_options(**stored, today=today)
    if keep_start is None and profile.start < (today or date.today()):
        raise CourseError(
            f"The start date {profile.start.isoformat()} is in the past; choose today or a "
            "later day."
        )
    stored["start"] = profile.start.isoformat()
    return profile, stored


# ---------------------------------------------------------------------------- courses
def start_course(service, user: User, record: AnalysisRecord, fields: dict) -> Course:
    """A new course from ``record`` (the runner's finished analysis); ends any other."""
    if record.owner_id != user.id:
        raise CourseError("A course is built from one of your own analyses.")
    if analysis_document(service.storage, record) is None:
        raise CourseError("That analysis has not finished yet; start the course once it is done.")
    _profile, stored = profile_from_fields(fields)
    with service.db.session() as s:
        for old in s.scalars(select(Course).where(Course.owner_id == user.id, Course.active)):
            old.active = False
        course = Course(owner_id=user.id, analysis_id=record.id, profile=stored, active=True)
        s.add(course)
    return course


def active_course(service, owner_id: uuid.UUID) -> Course | None:
    with service.db.session() as s:
        return s.scalars(
            select(Course)
            .where(Course.owner_id == owner_id, Course.active)
            .order_by(Course.created_at.desc())
        ).first()


def courses_built_from(service, analysis_id: uuid.UUID) -> int:
    """How many courses were built from this analysis (deleting it deletes them, with the
    sessions logged in them and the coach's changes)."""
    with service.db.session() as s:
        found = s.scalars(select(Course.id).where(Course.analysis_id == analysis_id))
        return len(list(found))


def regenerate(service, course: Course, fields: dict) -> Course:
    """A new profile for the same course: the plan is rebuilt, the start date kept once a
    session is done, and every session already done stays done."""
    logs = session_logs(service, course.id)
    keep = course.profile.get("start") if logs else None
    _profile, stored = profile_from_fields(fields, keep_start=keep)
    with service.db.session() as s:
        row = s.get(Course, course.id)
        row.profile = stored
        row.updated_at = utcnow()
    course.profile = stored
    return course


# ---------------------------------------------------------------------------- the plan
@dataclass
class CoursePlan:
    """A course's plan as shown: ``plan`` (the plan's dict, with the coach's changes),
    ``ics`` (the calendar), ``changes`` (what the coach changed, newest first)."""

    plan: dict
    ics: bytes
    changes: list[dict]


def build_course_plan(service, course: Course) -> CoursePlan | None:
    """Rebuild the course's plan from its analysis and profile, then apply the coach's
    changes; ``None`` when the analysis is gone."""
    from runform.plan import build_plan
    from runform.plan.ical import plan_to_ics

    with service.db.session() as s:
        record = s.get(AnalysisRecord, course.analysis_id)
        changes = list(
            s.scalars(
                select(PlanChange)
                .where(PlanChange.course_id == course.id)
                .order_by(PlanChange.created_at)
            )
        )
    doc = analysis_document(service.storage, record) if record else None
    if doc is None:
        return None
    plan = build_plan(doc.get("findings") or [], dict(course.profile), analysis=doc)
    data = plan.to_dict()
    applied = [apply_change(data, c.change) | {"at": c.created_at.isoformat()} for c in changes]
    return CoursePlan(plan=data, ics=plan_to_ics(plan), changes=applied[::-1])


def sessions_of(plan: dict) -> list[dict]:
    return [s for week in plan.get("weeks") or [] for s in week.get("sessions") or []]


def apply_change(plan: dict, change: dict) -> dict:
    """Apply one coach change to the plan's dict, in place; returns a description.

    ``{"kind": "swap", "exercise": old_id, "to": new_id, "name": new_name}`` replaces the
    exercise in every session; ``{"kind": "dose", "exercise": id, "sets": n, "reps": n}``
    changes its dose everywhere (the text follows)."""
    kind, target = change.get("kind"), change.get("exercise")
    touched = 0
    for session in sessions_of(plan):
        for ex in session.get("exercises") or []:
            if ex.get("id") != target:
                continue
            touched += 1
            if kind == "swap":
                ex["replaced"] = {"id": ex["id"], "name": ex.get("name")}
                ex["id"], ex["name"] = change["to"], change.get("name", change["to"])
                ex["note"] = f"Your coach chose this in place of {ex['replaced']['name']}."
            elif kind == "dose":
                dose = ex.setdefault("dose", {})
                for key in ("sets", "reps"):
                    if change.get(key):
                        dose[key] = int(change[key])
                unit = dose.get("reps")
                per = f" per {dose['per']}" if dose.get("per") else ""
                if dose.get("kind") == "reps" and unit:
                    dose["text"] = f"{dose.get('sets')} × {unit}{per}"
                else:
                    dose["text"] = f"{dose.get('sets')} sets" + (f" × {unit}{per}" if unit else "")
                ex["note"] = "Your coach changed the dose."
    words = (
        f"{change.get('name') or change.get('to')} in place of {change.get('old_name', target)}"
        if kind == "swap"
        else f"{change.get('old_name', target)}: {change.get('sets')} sets"
        + (f" × {change.get('reps')}" if change.get("reps") else "")
    )
    return {**copy.deepcopy(change), "sessions": touched, "summary": words}


def add_plan_change(service, course: Course, author: User, change: dict) -> PlanChange:
    """Record a coach's change after checking it names an exercise of the plan (and, for a
    swap, one of the library's)."""
    from runform.plan import load_library

    built = build_course_plan(service, course)
    if built is None:
        raise CourseError("The course's analysis is gone; the plan cannot be changed.")
    present = {
        e["id"]: e.get("name", e["id"]) for s in sessions_of(built.plan) for e in s["exercises"]
    }
    target = str(change.get("exercise") or "")
    if target not in present:
        raise CourseError("That exercise is not in this plan; choose one of the plan's exercises.")
    record = {"kind": change.get("kind"), "exercise": target, "old_name": present[target]}
    if change.get("kind") == "swap":
        library = load_library()
        try:
            new = library[str(change.get("to") or "")]
        except KeyError:
            raise CourseError("Choose the new exercise from the exercise library.") from None
        record |= {"to": new.id, "name": new.name}
    elif change.get("kind") == "dose":
        try:
            sets = int(change.get("sets") or 0)
            reps = int(change.get("reps") or 0)
        except ValueError:
            raise CourseError("Sets and repetitions must be whole numbers.") from None
        if not (1 <= sets <= 10) or not (0 <= reps <= 100):
            raise CourseError("Give 1–10 sets and at most 100 repetitions.")
        record |= {"sets": sets, "reps": reps or None}
    else:
        raise CourseError("A change is a swap of an exercise or a new dose.")
    with service.db.session() as s:
        row = PlanChange(course_id=course.id, author_id=author.id, change=record)
        s.add(row)
    return row


# ---------------------------------------------------------------------------- sessions done
def session_logs(service, course_id: uuid.UUID) -> list[SessionLog]:
    with service.db.session() as s:
        return list(
            s.scalars(
                select(SessionLog)
                .where(SessionLog.course_id == course_id)
                .order_by(SessionLog.week, SessionLog.number)
            )
        )


def mark_done(
    service, course: Course, plan: dict, number: int, effort: str | None, note: str | None
) -> SessionLog:
    """Mark session ``number`` done (again: updates the effort and note)."""
    session = next((s for s in sessions_of(plan) if s["number"] == number), None)
    if session is None:
        raise CourseError("There is no such session in your plan.")
    level = None
    if effort not in (None, ""):
        try:
            level = int(str(effort))
        except ValueError:
            raise CourseError("The effort is a whole number from 1 to 10.") from None
        if not 1 <= level <= 10:
            raise CourseError("The effort is a whole number from 1 to 10.")
    text = (note or "").strip()[:2000]
    with service.db.session() as s:
        row = s.scalars(
            select(SessionLog).where(
                SessionLog.course_id == course.id,
                SessionLog.week == session["week"],
                SessionLog.number == number,
            )
        ).first()
        if row is None:
            row = SessionLog(course_id=course.id, week=session["week"], number=number)
            s.add(row)
        row.title = session.get("title", "")[:200]
        row.planned_date = session.get("date", "")
        row.effort, row.note, row.done_at = level, text, utcnow()
    return row


def undo(service, course: Course, number: int) -> None:
    with service.db.session() as s:
        for row in s.scalars(
            select(SessionLog).where(SessionLog.course_id == course.id, SessionLog.number == number)
        ):
            s.delete(row)


def adherence(plan: dict, logs: list[SessionLog], today: date) -> dict:
    """Sessions done against sessions due so far (dated up to ``today``), in %."""
    due = [s for s in sessions_of(plan) if s.get("date", "") <= today.isoformat()]
    done_numbers = {log.number for log in logs}
    done_due = sum(1 for s in due if s["number"] in done_numbers)
    total = len(sessions_of(plan))
    return {
        "done": len(done_numbers),
        "due": len(due),
        "total": total,
        "percent": round(100.0 * done_due / len(due)) if due else None,
    }


def this_week(plan: dict, today: date) -> int:
    """The plan week ``today`` falls in (1 before the start, 6 after the end)."""
    start = date.fromisoformat(plan["start"])
    return max(1, min(len(plan.get("weeks") or [1]), (today - start).days // 7 + 1))


def this_week_label(plan: dict, today: date) -> str:
    """What the page says beside the week :func:`this_week` puts first: it is not "this
    week" before the course starts (a new course starts on a coming day) or after it ends.

    >>> plan = {"start": "2026-12-14", "end": "2027-01-22", "weeks": [{}] * 6}
    >>> this_week_label(plan, date(2026, 12, 7)), this_week_label(plan, date(2026, 12, 16))
    ('starts Mon 2026-12-14', 'this week')
    >>> this_week_label(plan, date(2027, 1, 25))
    'ended Fri 2027-01-22'
    """
    start = date.fromisoformat(plan["start"])
    end = date.fromisoformat(plan.get("end") or plan["start"])
    if today < start:
        return f"starts {start:%a} {start.isoformat()}"
    if today > end:
        return f"ended {end:%a} {end.isoformat()}"
    return "this week"


# ---------------------------------------------------------------------------- calendar
def new_calendar_token(service, course: Course) -> str:
    """A new private calendar token (the old one stops working)."""
    token = secrets.token_urlsafe(24)
    with service.db.session() as s:
        s.get(Course, course.id).calendar_token_hash = _hash(token)
    return token


def revoke_calendar(service, course: Course) -> None:
    with service.db.session() as s:
        s.get(Course, course.id).calendar_token_hash = None


def course_by_calendar_token(service, token: str) -> Course | None:
    if not token or len(token) > 200:
        return None
    with service.db.session() as s:
        return s.scalars(
            select(Course).where(Course.calendar_token_hash == _hash(token), Course.active)
        ).first()


__all__ = [
    "CourseError",
    "CoursePlan",
    "active_course",
    "add_plan_change",
    "adherence",
    "analysis_document",
    "build_course_plan",
    "course_by_calendar_token",
    "mark_done",
    "new_calendar_token",
    "regenerate",
    "revoke_calendar",
    "session_logs",
    "start_course",
    "this_week",
    "undo",
]
