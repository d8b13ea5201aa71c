"""Server-rendered pages (Jinja2) with a little JavaScript: accounts, upload, progress,
result. Every POST checks the session's CSRF token; another runner's analysis is a 404."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from runform.errors import OptionError, RunformError
from runform.service import accounts
from runform.service.jobs import input_prefix, parse_options
from runform.service.mail import send, send_reset
from runform.service.models import DONE, FAILED, AnalysisRecord
from runform.service.uploads import form_sentence, receive_upload, refused_upload_leaves_nothing
from runform.web import files, security
from runform.web.signup import SIGNUP_MAILED, attempt_signup, signup_mail
from runform.web.views import job_json, result_view

log = logging.getLogger("runform.web")
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
router = APIRouter()


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    service = request.app.state.service
    values = {
        "user": security.current_user(request),
        "csrf": security.form_token(request),
        "signup": service.settings.signup,
        "signup_by_mail": bool(service.settings.smtp_host),
        "max_upload_mb": service.settings.max_upload_mb,
        **context,
    }
    response = templates.TemplateResponse(request, template, values, status_code=status)
    return security.apply_cookie(request, response)


def redirect(request: Request, url: str) -> Response:
    return security.apply_cookie(request, RedirectResponse(url, status_code=303))


def need_login(request: Request) -> Response:
    """To sign in, and back here afterwards: the whole address (path and query, so
    ``/upload?retest_of=...`` keeps its analysis). A form sent while signed out cannot be
    sent again by a redirect: it comes back to the page the form was on (its same-site
    ``Referer``), if any."""
    url = request.url
    target = url.path + (f"?{url.query}" if url.query else "")
    if request.method not in ("GET", "HEAD"):
        referer = urlsplit(request.headers.get("referer", ""))
        same_site = referer.netloc == url.netloc and referer.scheme in ("http", "https")
        target = referer.path + (f"?{referer.query}" if referer.query else "") if same_site else ""
    target = safe_next(target)
    query = f"?{urlencode({'next': target})}" if target else ""
    return RedirectResponse(f"/login{query}", status_code=303)


def refuse_form(request: Request) -> HTMLResponse:
    return render(
        request,
        "message.html",
        status=403,
        title="Form expired",
        message="This form has expired or did not come from this site; reload the page and "
        "try again.",
    )


async def posted_form(request: Request):
    """``(user, form, None)`` for a signed-in user's form with a valid CSRF token, else
    ``(None, None, response)``: sign in first, or the form expired."""
    user = security.current_user(request)
    if user is None:
        return None, None, need_login(request)
    form = await request.form()
    if not security.csrf_ok(request, form.get("csrf_token")):
        return None, None, refuse_form(request)
    return user, form, None


def not_found(request: Request) -> HTMLResponse:
    return render(
        request, "message.html", status=404, title="Not found",
        message="There is no such page, or it is not yours.",
    )  # fmt: skip


def safe_next(value: str | None) -> str:
    """``value`` when it is an address on this site (a path, with its query), else ``""``.

    Refused: anything not starting with one ``/`` (``//evil.example`` and ``https://...``
    leave the site), a backslash (browsers read ``/\\evil.example`` as ``//``), control
    characters and spaces (browsers drop tabs and newlines, so a tab between two
    slashes would become ``//evil.example``), and what a URL parser still reads as having a host."""
    value = value or ""
    if (
        not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or len(value) > 2000
        or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in value)
    ):
        return ""
    parts = urlsplit(value)
    return "" if parts.scheme or parts.netloc else value


def landing(user) -> str:
    """Where a user goes after signing in when no page asked for it: a coach to the
    roster, anyone else to their analyses."""
    return "/coach" if user is not None and user.role == "coach" else "/analyses"


# ---------------------------------------------------------------------------- accounts
@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    user = security.current_user(request)
    if user:
        return RedirectResponse(landing(user), status_code=303)
    return render(request, "index.html")


def signup_closed(request: Request) -> HTMLResponse:
    return render(request, "message.html", status=403, title="Sign-up is closed",
                  message="New accounts are made by the administrator of this server.")  # fmt: skip


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, next: str = ""):
    if not request.app.state.service.settings.signup:
        return signup_closed(request)
    return render(request, "signup.html", next=safe_next(next))


@router.post("/signup")
async def signup(request: Request):
    """Without mail the account is made and signed in at once, and an address that has one
    is told so (nothing can hide it: the next page is either signed in or not), with
    attempts rate-limited. With mail the answer is the same for every address and the
    message goes out after it (:func:`signup_mail`)."""
    service = request.app.state.service
    form = await request.form()
    if not security.csrf_ok(request, form.get("csrf_token")):
        return refuse_form(request)
    if not service.settings.signup:
        return signup_closed(request)
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    role = "coach" if form.get("role") == "coach" else "runner"
    target = safe_next(str(form.get("next", "")))
    client, by_mail = security.client_address(request), bool(service.settings.smtp_host)
    try:  # Argon2 hashing: off the event loop, so other requests go on
        made = await run_in_threadpool(attempt_signup, service, email, password, role, client)
    except accounts.RateLimited as exc:
        return render(request, "signup.html", status=429, error=str(exc), email=email, next=target)
    except accounts.AccountError as exc:
        return render(request, "signup.html", status=400, error=str(exc), email=email, next=target)
    if by_mail:
        address = accounts.normalise_email(email)
        message, what = signup_mail(request, address, role, target, taken=made)
        response = render(request, "message.html", title="Check your e-mail",
                          message=SIGNUP_MAILED.format(email=address))  # fmt: skip
        # sent after the answer, so how long the mail server takes tells nothing either
        response.background = BackgroundTask(send, service.settings, message, what)
        return response
    security.login(request, made)
    # the page that sent them here (an invitation), else a coach's roster or a first upload
    return redirect(request, target or ("/coach" if role == "coach" else "/upload"))


def bad_signup_link(request: Request) -> HTMLResponse:
    return render(request, "message.html", status=400, title="Sign-up link",
                  message="This sign-up link is invalid or has expired; sign up again.",
                  link=("/signup", "Sign up"))  # fmt: skip


@router.get("/signup/confirm", response_class=HTMLResponse)
def signup_confirm_form(request: Request, token: str = ""):
    """The page of the mailed sign-up link: the password is chosen here."""
    if not request.app.state.service.settings.signup:
        return signup_closed(request)
    claim = security.signup_claim(request, token)
    if claim is None:
        return bad_signup_link(request)
    return render(request, "signup_confirm.html", token=token, email=claim["email"])


@router.post("/signup/confirm")
async def signup_confirm(request: Request):
    service = request.app.state.service
    form = await request.form()
    if not security.csrf_ok(request, form.get("csrf_token")):
        return refuse_form(request)
    if not service.settings.signup:
        return signup_closed(request)
    token = str(form.get("token", ""))
    claim = security.signup_claim(request, token)
    if claim is None:
        return bad_signup_link(request)

    def create():
        with service.db.session() as s:
            return accounts.create_user(s, claim["email"], str(form.get("password", "")),
                                        claim["role"])  # fmt: skip

    try:
        user = await run_in_threadpool(create)
    except accounts.AccountError as exc:
        # only the mailbox's owner has the link: telling them the account exists is safe
        return render(request, "signup_confirm.html", status=400, error=str(exc), token=token,
                      email=claim["email"])  # fmt: skip
    security.login(request, user)
    # as a sign-up without mail: an invitation, else a coach's roster or a first upload
    target = safe_next(claim.get("next"))
    return redirect(request, target or ("/coach" if user.role == "coach" else "/upload"))


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = ""):
    return render(request, "login.html", next=safe_next(next))


@router.post("/login")
async def login(request: Request):
    form = await request.form()
    if not security.csrf_ok(request, form.get("csrf_token")):
        return refuse_form(request)
    email, target = str(form.get("email", "")), safe_next(str(form.get("next", "")))
    try:
        user = await security.check_password(request, email, str(form.get("password", "")))
    except accounts.RateLimited as exc:
        return render(request, "login.html", status=429, error=str(exc), email=email, next=target)
    except accounts.AccountError as exc:
        return render(request, "login.html", status=400, error=str(exc), email=email, next=target)
    security.login(request, user)
    return redirect(request, target or landing(user))


@router.post("/logout")
async def logout(request: Request):
    form = await request.form()
    if not security.csrf_ok(request, form.get("csrf_token")):
        return refuse_form(request)
    response = RedirectResponse("/", status_code=303)
    security.logout(request, response)
    return response


@router.get("/password/forgot", response_class=HTMLResponse)
def forgot_form(request: Request):
    return render(request, "forgot.html")


@router.post("/password/forgot")
async def forgot(request: Request):
    service = request.app.state.service
    form = await request.form()
    if not security.csrf_ok(request, form.get("csrf_token")):
        return refuse_form(request)
    email = str(form.get("email", "")).strip().lower()
    settings, client = service.settings, security.client_address(request)

    def ask():
        with service.db.session() as s:
            accounts.limit_attempts(s, "reset", email, client=client, limit=settings.login_limit,
                                    window_s=settings.login_window_s)  # fmt: skip
            return accounts.request_reset(s, email)

    try:
        token = await run_in_threadpool(ask)
    except accounts.RateLimited as exc:
        return render(request, "forgot.html", status=429, error=str(exc))
    # The same answer whether or not the account exists (no account probing), and the mail
    # goes out after it: the mail server's time would tell otherwise.
    if settings.smtp_host:
        response = render(request, "message.html", title="Check your e-mail",
                          message="If an account has this e-mail, a reset link has been sent to "
                          "it; it works for one hour.")  # fmt: skip
    else:
        response = render(request, "message.html", title="Check with the operator",
                          message="If an account has this e-mail, a reset link has been written "
                          "to the server log; ask the person running this server for it.")  # fmt: skip
    if token:
        link = security.absolute_url(request, f"/password/reset?token={token}", for_others=True)
        response.background = BackgroundTask(send_reset, settings, email, link)
    return response


@router.get("/password/reset", response_class=HTMLResponse)
def reset_form(request: Request, token: str = ""):
    return render(request, "reset.html", token=token)


@router.post("/password/reset")
async def reset(request: Request):
    service = request.app.state.service
    form = await request.form()
    if not security.csrf_ok(request, form.get("csrf_token")):
        return refuse_form(request)
    token = str(form.get("token", ""))
    try:
        with service.db.session() as s:
            accounts.reset_password(s, token, str(form.get("password", "")))
    except accounts.AccountError as exc:
        return render(request, "reset.html", status=400, error=str(exc), token=token)
    response = render(request, "message.html", title="Password changed",
                      message="Your password has been changed; sign in with the new one.",
                      link=("/login", "Sign in"))  # fmt: skip
    return response


# ---------------------------------------------------------------------------- analyses
@router.get("/analyses", response_class=HTMLResponse)
def analyses(request: Request):
    user = security.current_user(request)
    if user is None:
        return need_login(request)
    rows = request.app.state.service.analyses_of(user)
    return render(request, "analyses.html", rows=rows)


def _retest_base(request: Request, user, value) -> AnalysisRecord | None:
    """The earlier analysis a re-test is compared with: the user's own, finished."""
    if not value:
        return None
    service = request.app.state.service
    record = service.analysis_for(user, value)
    job = service.latest_job(record.id) if record else None
    if record is None or job is None or job.state != DONE:
        raise OptionError(
            "A re-test is compared with one of your own finished analyses; choose it from "
            "its result page."
        )
    return record


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, retest_of: str = ""):
    user = security.current_user(request)
    if user is None:
        return need_login(request)
    try:
        retest = _retest_base(request, user, retest_of)
    except RunformError as exc:
        return render(request, "message.html", status=404, title="Re-test", message=str(exc))
    return render(request, "upload.html", submit_key=str(uuid.uuid4()), values={}, retest=retest)


@router.post("/upload")
async def upload(request: Request):
    service = request.app.state.service
    user = security.current_user(request)
    if user is None:  # refused before the body is read
        return need_login(request)
    analysis_id = uuid.uuid4()
    fields: dict = {}
    try:
        await run_in_threadpool(service.check_pending, user)  # before the body is read
        async with refused_upload_leaves_nothing(service, analysis_id):
            received = await receive_upload(
                request.headers, request.stream(), service.storage,
                input_prefix(analysis_id), service.settings.max_upload_bytes,
            )  # fmt: skip
            fields = received.fields
            if not security.csrf_ok(request, fields.get("csrf_token")):
                raise FormExpired
            options = parse_options(fields)
            base = _retest_base(request, user, fields.get("retest_of"))
            if base is not None:
                options["retest_of"] = str(base.id)
            key = (fields.get("submit_key") or "")[:100] or None
            record, _job, _created = await run_in_threadpool(
                service.submit, user, received, analysis_id, options, key
            )
    except FormExpired:
        return refuse_form(request)
    except RunformError as exc:
        status = getattr(exc, "status", 400)
        return render(
            request, "upload.html", status=status, error=form_sentence(str(exc)),
            submit_key=str(uuid.uuid4()), values=fields,
        )  # fmt: skip
    return redirect(request, f"/analyses/{record.id}")


class FormExpired(Exception):
    """The upload's form did not carry this browser's CSRF token."""


@router.get("/analyses/{analysis_id}", response_class=HTMLResponse)
def analysis_page(request: Request, analysis_id: str):
    service = request.app.state.service
    user = security.current_user(request)
    if user is None:
        return need_login(request)
    record = service.analysis_visible_to(user, analysis_id)
    if record is None:
        return not_found(request)
    job = service.latest_job(record.id)
    view = result_view(service.storage, record) if job and job.state == DONE else None
    from runform.service import coaching
    from runform.service.course import courses_built_from

    owner = record.owner_id == user.id
    return render(request, "analysis.html", record=record, job=job_json(job), view=view,
                  owner=owner, comments=coaching.comments(service, record, user),
                  course_built=owner and courses_built_from(service, record.id) > 0,
                  values={k: "" if v is None else f"{v:g}" for k, v in record.options.items()
                          if k != "treadmill_speed_mps" and (v is None or isinstance(v, float | int))}
                  | {"treadmill_speed": "" if record.options.get("treadmill_speed_mps") is None
                     else f"{record.options['treadmill_speed_mps']:g}"})  # fmt: skip


@router.get("/analyses/{analysis_id}/status")
def analysis_status(request: Request, analysis_id: str):
    service = request.app.state.service
    user = security.current_user(request)
    if user is None:
        return JSONResponse({"error": "Sign in first."}, status_code=401)
    record = service.analysis_visible_to(user, analysis_id)
    if record is None:
        return JSONResponse({"error": "No such analysis."}, status_code=404)
    response = JSONResponse(job_json(service.latest_job(record.id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/analyses/{analysis_id}/retry")
async def retry(request: Request, analysis_id: str):
    service = request.app.state.service
    user, form, refused = await posted_form(request)
    if refused:
        return refused
    record = service.analysis_for(user, analysis_id)
    if record is None:
        return not_found(request)
    job = service.latest_job(record.id)
    try:
        options = parse_options({k: str(v) for k, v in form.items()})
        if record.options.get("retest_of"):
            options["retest_of"] = record.options["retest_of"]
        if job is None or job.state != FAILED:
            return redirect(request, f"/analyses/{record.id}")
        service.retry(record, options)
    except RunformError as exc:
        status = getattr(exc, "status", 400)
        return render(request, "analysis.html", status=status, record=record, job=job_json(job),
                      view=None, error=form_sentence(str(exc)),
                      values={k: str(v) for k, v in form.items()})  # fmt: skip
    return redirect(request, f"/analyses/{record.id}")


@router.post("/analyses/{analysis_id}/delete")
async def delete(request: Request, analysis_id: str):
    service = request.app.state.service
    user, _form, refused = await posted_form(request)
    if refused:
        return refused
    record = service.analysis_for(user, analysis_id)
    if record is None:
        return not_found(request)
    await run_in_threadpool(service.delete_analysis, record)
    return redirect(request, "/analyses")


@router.get("/analyses/{analysis_id}/files/{name:path}")
def analysis_file(request: Request, analysis_id: str, name: str):
    service = request.app.state.service
    user = security.current_user(request)
    if user is None:
        return JSONResponse({"error": "Sign in first."}, status_code=401)
    record = service.analysis_visible_to(user, analysis_id)
    response = (
        files.file_response(service.storage, record, name, request.headers.get("range"))
        if record
        else None
    )
    if response is None:
        return JSONResponse({"error": "No such file."}, status_code=404)
    return response


@router.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}
