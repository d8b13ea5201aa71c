"""Coach pages: invitations, the roster, a runner's analyses and course, plan changes, and
comments pinned to a moment of a video (runner and coach)."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from runform.errors import RunformError
from runform.service import coaching
from runform.service import course as courses
from runform.service.models import AnalysisRecord, User
from runform.service.uploads import form_sentence
from runform.web import security
from runform.web.course_pages import course_context
from runform.web.pages import need_login, not_found, posted_form, redirect, refuse_form, render

router = APIRouter()


def _coach(request: Request):
    user = security.current_user(request)
    if user is None:
        return None, need_login(request)
    if user.role not in ("coach", "admin"):
        return None, render(
            request, "message.html", status=403, title="For coaches",
            message="This page is for coach accounts.",
        )  # fmt: skip
    return user, None


@router.get("/coach", response_class=HTMLResponse)
def roster_page(request: Request):
    coach, refused = _coach(request)
    if refused:
        return refused
    return _roster(request, coach)


def _roster(request: Request, coach: User, status: int = 200, **context):
    """The roster page: the runners followed, and the invitations nobody accepted yet."""
    service = request.app.state.service
    rows = coaching.roster(service, coach, date.today())
    invites = [
        {"id": str(link.id), "created": link.created_at,
         "lapses": link.created_at + coaching.INVITE_VALID}
        for link in coaching.open_invitations(service, coach)
    ]  # fmt: skip
    context.setdefault("invite_url", None)
    return render(request, "coach.html", status=status, rows=rows, invites=invites, **context)


@router.post("/coach/invite")
async def invite(request: Request):
    coach, refused = _coach(request)
    if refused:
        return refused
    form = await request.form()
    if not security.csrf_ok(request, form.get("csrf_token")):
        return refuse_form(request)
    try:
        _link, token = coaching.invite(request.app.state.service, coach)
    except coaching.CoachingError as exc:
        return _roster(request, coach, exc.status, error=str(exc))
    url = security.absolute_url(request, f"/invite/{token}")
    return _roster(request, coach, invite_url=url)


@router.get("/invite/{token}", response_class=HTMLResponse)
def invitation_page(request: Request, token: str):
    user = security.current_user(request)
    if user is None:
        return need_login(request)
    service = request.app.state.service
    link = coaching.invitation(service, token)
    if link is None:
        return render(
            request, "message.html", status=404, title="Invitation",
            message="This invitation is not valid any more; ask your coach for a new link.",
        )  # fmt: skip
    with service.db.session() as s:
        coach = s.get(User, link.coach_id)
    return render(request, "invite.html", coach=coach, token=token)


@router.post("/invite/{token}")
async def accept(request: Request, token: str):
    user, _form, refused = await posted_form(request)
    if refused:
        return refused
    try:
        coaching.accept(request.app.state.service, user, token)
    except RunformError as exc:
        return render(
            request, "message.html", status=400, title="Invitation", message=form_sentence(str(exc))
        )
    return redirect(request, "/coaches")


@router.get("/coaches", response_class=HTMLResponse)
def my_coaches(request: Request):
    user = security.current_user(request)
    if user is None:
        return need_login(request)
    links = coaching.coaches(request.app.state.service, user.id)
    return render(request, "coaches.html", links=links)


@router.post("/links/{link_id}/end")
async def end_link(request: Request, link_id: str):
    user, _form, refused = await posted_form(request)
    if refused:
        return refused
    if not coaching.end(request.app.state.service, user, link_id):
        return not_found(request)
    return redirect(request, "/coach" if user.role == "coach" else "/coaches")


def _runner_for_coach(request: Request, coach: User, runner_id: str) -> User | None:
    service = request.app.state.service
    if not coaching.coaches_runner(service, coach, runner_id):
        return None
    with service.db.session() as s:
        return s.scalars(select(User).where(User.id == uuid.UUID(runner_id))).first()


def _coached_runner(request: Request, runner_id: str):
    """``(runner, None)`` for a coach with an active link to that runner, else ``(None,
    refusal)``: sign-in for the anonymous, 403 for a runner, 404 for another coach."""
    coach, refused = _coach(request)
    if refused:
        return None, refused
    runner = _runner_for_coach(request, coach, runner_id)
    if runner is None:
        return None, not_found(request)
    return runner, None


@router.get("/coach/runners/{runner_id}", response_class=HTMLResponse)
def runner_page(request: Request, runner_id: str):
    runner, refused = _coached_runner(request, runner_id)
    if refused:
        return refused
    service = request.app.state.service
    with service.db.session() as s:
        records = s.scalars(
            select(AnalysisRecord)
            .where(AnalysisRecord.owner_id == runner.id)
            .order_by(AnalysisRecord.created_at.desc())
        ).all()
    course = courses.active_course(service, runner.id)
    context = course_context(service, course, date.today()) if course else {"plan": None}
    exercises = []
    if context.get("plan"):
        from runform.plan import load_library

        library = load_library()
        exercises = sorted(((library[i].id, library[i].name) for i in library), key=lambda e: e[1])
    return render(
        request, "coach_runner.html", runner=runner, records=records, has_course=course is not None,
        library=exercises, **context,
    )  # fmt: skip


@router.get("/coach/runners/{runner_id}/course", response_class=HTMLResponse)
def runner_course_page(request: Request, runner_id: str):
    """The runner's course session by session, as the runner sees it (each session's date,
    exercises, whether it was done, the effort and note logged), read-only: only the runner
    marks sessions, and the coach changes the plan from the runner's page."""
    runner, refused = _coached_runner(request, runner_id)
    if refused:
        return refused
    service = request.app.state.service
    course = courses.active_course(service, runner.id)
    if course is None:
        return not_found(request)
    context = course_context(service, course, date.today())
    return render(request, "course.html", owner=False, runner=runner, **context)


@router.post("/coach/runners/{runner_id}/plan")
async def change_plan(request: Request, runner_id: str):
    coach, refused = _coach(request)
    if refused:
        return refused
    form = await request.form()
    if not security.csrf_ok(request, form.get("csrf_token")):
        return refuse_form(request)
    runner = _runner_for_coach(request, coach, runner_id)
    service = request.app.state.service
    course = courses.active_course(service, runner.id) if runner else None
    if course is None:
        return not_found(request)
    try:
        courses.add_plan_change(service, course, coach, dict(form))
    except RunformError as exc:
        return render(
            request, "message.html", status=400, title="Plan not changed",
            message=form_sentence(str(exc)),
        )  # fmt: skip
    return redirect(request, f"/coach/runners/{runner.id}")


async def _posted_on_analysis(request: Request, analysis_id: str):
    """``(user, form, record, None)`` for a form posted (:func:`posted_form`) on an analysis
    the user may see, else ``(..., refusal)``: the form's own, or 404 for an analysis they
    may not see."""
    user, form, refused = await posted_form(request)
    if refused:
        return user, form, None, refused
    record = request.app.state.service.analysis_visible_to(user, analysis_id)
    if record is None:
        return user, form, None, not_found(request)
    return user, form, record, None


@router.post("/analyses/{analysis_id}/comments")
async def comment(request: Request, analysis_id: str):
    """A comment pinned to a moment of the video, by the runner or their coach."""
    user, form, record, refused = await _posted_on_analysis(request, analysis_id)
    if refused:
        return refused
    service = request.app.state.service
    try:
        coaching.add_comment(service, user, record, form.get("at_s", ""), form.get("text", ""))
    except RunformError as exc:
        return render(
            request, "message.html", status=getattr(exc, "status", 400),
            title="Comment not saved", message=form_sentence(str(exc)),
            link=(f"/analyses/{record.id}#comments", "Back to the analysis"),
        )  # fmt: skip
    return redirect(request, f"/analyses/{record.id}#comments")


@router.post("/analyses/{analysis_id}/comments/{comment_id}/delete")
async def delete_comment(request: Request, analysis_id: str, comment_id: str):
    """Delete a comment: its author, or the analysis's owner (any comment on their video).
    Someone who may not see the analysis, or a comment that is not on it: 404; a comment
    they see but did not write on a video not theirs (a coach and the runner's comment):
    403."""
    user, _form, record, refused = await _posted_on_analysis(request, analysis_id)
    if refused:
        return refused
    service = request.app.state.service
    done = coaching.delete_comment(service, user, record, comment_id)
    if done == coaching.NO_COMMENT:
        return not_found(request)
    if done == coaching.NOT_YOURS:
        return render(
            request, "message.html", status=403, title="Comment not deleted",
            message="Only the comment's author or the runner whose video it is can delete it.",
            link=(f"/analyses/{record.id}#comments", "Back to the analysis"),
        )  # fmt: skip
    return redirect(request, f"/analyses/{record.id}#comments")
