"""The course pages: the six-week plan by week (this week first), sessions marked done,
adherence, the profile that re-generates the plan, and the private calendar link."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from runform.errors import RunformError
from runform.service import course as courses
from runform.service.uploads import form_sentence
from runform.web import security
from runform.web.pages import need_login, not_found, posted_form, redirect, render

router = APIRouter()

LEVELS = ("beginner", "intermediate", "advanced")
EQUIPMENT = ("band", "mini_band", "dumbbells", "step", "wall", "bench", "box")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _form_values(form) -> dict:
    return {
        "level": form.get("level"),
        "sessions_per_week": form.get("sessions_per_week"),
        "minutes": form.get("minutes"),
        "equipment": form.getlist("equipment"),
        "avoid_days": form.getlist("avoid_days"),
        "start": form.get("start"),
    }


def _done_analyses(service, user) -> list:
    return [r for r, job in service.analyses_of(user) if job is not None and job.state == "done"]


def course_context(service, course, today: date) -> dict:
    """What the course page shows (also used for a coach looking at a runner's course)."""
    built = courses.build_course_plan(service, course)
    if built is None:
        return {"course": course, "plan": None}
    logs = {log.number: log for log in courses.session_logs(service, course.id)}
    current = courses.this_week(built.plan, today)
    weeks = sorted(built.plan["weeks"], key=lambda w: (w["week"] != current, w["week"]))
    return {
        "course": course,
        "plan": built.plan,
        "weeks": weeks,
        "current_week": current,
        "current_label": courses.this_week_label(built.plan, today),
        "logs": logs,
        "adherence": courses.adherence(built.plan, list(logs.values()), today),
        "changes": built.changes,
        "lessons": _lessons(built.plan),
    }


def _lessons(plan: dict) -> dict[str, dict]:
    """The plan's lessons by id, their Markdown rendered (raw HTML in it is not passed on)."""
    from markdown_it import MarkdownIt
    from markupsafe import Markup

    md = MarkdownIt("commonmark", {"html": False})
    return {
        lesson["id"]: {**lesson, "html": Markup(md.render(lesson.get("markdown", "")))}
        for lesson in plan.get("lessons") or []
    }


@router.get("/course", response_class=HTMLResponse)
def course_page(request: Request, analysis: str = ""):
    service = request.app.state.service
    user = security.current_user(request)
    if user is None:
        return need_login(request)
    course = courses.active_course(service, user.id)
    if course is None or analysis:
        return render(
            request, "course_start.html", analyses=_done_analyses(service, user),
            chosen=analysis, levels=LEVELS, equipment=EQUIPMENT, days=DAYS, values={},
        )  # fmt: skip
    context = course_context(service, course, date.today())
    return render(request, "course.html", owner=True, **context)


@router.post("/course")
async def start(request: Request):
    service = request.app.state.service
    user, form, refused = await posted_form(request)
    if refused:
        return refused
    record = service.analysis_for(user, form.get("analysis_id"))
    try:
        if record is None:
            raise courses.CourseError("Choose one of your finished analyses.")
        await run_in_threadpool(courses.start_course, service, user, record, _form_values(form))
    except RunformError as exc:
        return render(
            request, "course_start.html", status=400, error=form_sentence(str(exc)),
            analyses=_done_analyses(service, user), chosen=form.get("analysis_id", ""),
            levels=LEVELS, equipment=EQUIPMENT, days=DAYS, values=_form_values(form),
        )  # fmt: skip
    return redirect(request, "/course")


def session_number(value: str) -> int | None:
    """A session's number from the address (``/course/sessions/3/done``), or ``None`` when
    that part is not one (``abc``, ``-1``, a number with 30 digits, which the database
    could not even hold)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 4 else None


async def _session_action(request: Request, number: str, done: bool) -> Response:
    service = request.app.state.service
    user, form, refused = await posted_form(request)
    if refused:
        return refused
    course = courses.active_course(service, user.id)
    number = session_number(number)
    if course is None or number is None:
        return not_found(request)
    try:
        if done:
            built = courses.build_course_plan(service, course)
            if built is None:
                return not_found(request)
            courses.mark_done(
                service, course, built.plan, number, form.get("effort"), form.get("note")
            )
        else:
            courses.undo(service, course, number)
    except RunformError as exc:
        context = course_context(service, course, date.today())
        return render(
            request, "course.html", status=400, error=form_sentence(str(exc)), owner=True,
            **context,
        )  # fmt: skip
    return redirect(request, f"/course#session-{number}")


@router.post("/course/sessions/{number}/done")
async def session_done(request: Request, number: str):
    return await _session_action(request, number, True)


@router.post("/course/sessions/{number}/undo")
async def session_undo(request: Request, number: str):
    return await _session_action(request, number, False)


@router.get("/course/profile", response_class=HTMLResponse)
def profile_form(request: Request):
    service = request.app.state.service
    user = security.current_user(request)
    if user is None:
        return need_login(request)
    course = courses.active_course(service, user.id)
    if course is None:
        return redirect(request, "/course")
    return render(
        request, "course_profile.html", course=course, values=course.profile, levels=LEVELS,
        equipment=EQUIPMENT, days=DAYS,
    )  # fmt: skip


@router.post("/course/profile")
async def profile_save(request: Request):
    service = request.app.state.service
    user, form, refused = await posted_form(request)
    if refused:
        return refused
    course = courses.active_course(service, user.id)
    if course is None:
        return redirect(request, "/course")
    try:
        await run_in_threadpool(courses.regenerate, service, course, _form_values(form))
    except RunformError as exc:
        return render(
            request, "course_profile.html", status=400, error=form_sentence(str(exc)),
            course=course, values=_form_values(form), levels=LEVELS, equipment=EQUIPMENT,
            days=DAYS,
        )  # fmt: skip
    return redirect(request, "/course")


async def _my_course(request: Request):
    """``(course, None)`` for a signed-in runner's valid form, else ``(None, response)``."""
    _user, _form, refused = await posted_form(request)
    if refused:
        return None, refused
    course = courses.active_course(request.app.state.service, _user.id)
    return (course, None) if course is not None else (None, not_found(request))


@router.post("/course/calendar")
async def calendar_new(request: Request):
    course, refused = await _my_course(request)
    if refused:
        return refused
    token = courses.new_calendar_token(request.app.state.service, course)
    url = security.absolute_url(request, f"/calendar/{token}.ics")
    return render(request, "calendar_link.html", url=url)


@router.post("/course/calendar/revoke")
async def calendar_revoke(request: Request):
    course, refused = await _my_course(request)
    if refused:
        return refused
    courses.revoke_calendar(request.app.state.service, course)
    return redirect(request, "/course")


@router.get("/calendar/{token}.ics")
def calendar(request: Request, token: str):
    """The plan as a calendar, for a phone's calendar app: the token is the only key."""
    service = request.app.state.service
    course = courses.course_by_calendar_token(service, token)
    built = courses.build_course_plan(service, course) if course else None
    if built is None:
        return Response("No such calendar.", status_code=404, media_type="text/plain")
    return Response(
        built.ics,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"},
    )
