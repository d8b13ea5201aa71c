"""The JSON API under ``/api/v1`` (bearer tokens; errors are ``{"error": sentence}``).

=========================================  ==================================================
``POST /api/v1/users``                      ``{"email", "password", "role"}`` → 201 (403 when sign-up
                                            is off; 409 for a taken e-mail; 429 after too
                                            many); with mail configured ``{"email",
                                            "role"}`` → 202 for every address, and the
                                            e-mailed link finishes the sign-up
``POST /api/v1/tokens``                     ``{"email", "password", "name"}`` → 201
                                            ``{"token", "id", "name", "expires_at"}``: the
                                            token works ``RUNFORM_API_TOKEN_DAYS`` (90)
                                            days, is listed and revoked on ``/account``;
                                            409 past 20 live tokens
``POST /api/v1/videos``                     multipart ``file`` (+ ``capture_fps``,
                                            ``treadmill_speed``, ``height_cm``) → 202
                                            ``{"job_id", "analysis_id", ...}``; an
                                            ``Idempotency-Key`` header makes a repeat return
                                            the first (200); 429 while the caller has
                                            ``RUNFORM_MAX_PENDING_JOBS`` analyses waiting
                                            or running
``GET /api/v1/jobs/{id}``                   ``state``, ``stage``, ``progress`` 0–1, ``error``
``GET /api/v1/analyses``                    the caller's analyses
``GET /api/v1/analyses/{id}``               the ``analysis.json`` (409 until done)
``GET /api/v1/analyses/{id}/files/{name}``  an output file (range requests)
``DELETE /api/v1/analyses/{id}``            204; the analysis and all its files
=========================================  ==================================================

Another user's objects answer 404, as if they did not exist. A missing, unknown, expired
or revoked token is a 401 whose sentence says which (and when).
"""

from __future__ import annotations

import json
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from runform.errors import RunformError
from runform.service import accounts
from runform.service.jobs import input_prefix, parse_options
from runform.service.mail import send
from runform.service.models import DONE, ApiToken
from runform.service.uploads import form_sentence, receive_upload, refused_upload_leaves_nothing
from runform.web import files, security
from runform.web.signup import SIGNUP_MAILED, attempt_signup, signup_mail
from runform.web.views import job_json

router = APIRouter(prefix="/api/v1")


def error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers or None)


def unauthorised(request: Request) -> JSONResponse:
    """401 with why: no token sent, an unknown one, or one expired or revoked (and when)."""
    return error(401, security.bearer_refusal(request), **{"WWW-Authenticate": "Bearer"})


async def _json_body(request: Request) -> dict | None:
    try:
        body = json.loads(await request.body() or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


@router.post("/users")
async def create_user(request: Request):
    """Without mail: 201 and the account; 409 when the e-mail has one (it cannot be hidden:
    the account is made at once), attempts rate-limited (429). With mail: 202 and the same
    sentence for every address, and the message (the link that finishes the sign-up, or a
    note to the owner of the account the address has) goes out after the answer; the
    password is chosen on the link's page."""
    service = request.app.state.service
    if not service.settings.signup:
        return error(403, "Sign-up is closed on this server; ask its administrator for an account.")
    body = await _json_body(request)
    if body is None:
        return error(400, 'Send JSON: {"email": "...", "password": "..."}.')
    email, role = str(body.get("email", "")), str(body.get("role") or "runner")
    password = str(body.get("password", ""))
    client, by_mail = security.client_address(request), bool(service.settings.smtp_host)
    try:  # Argon2 hashing: off the event loop, so other requests go on
        made = await run_in_threadpool(attempt_signup, service, email, password, role, client)
    except accounts.RateLimited as exc:
        return error(429, str(exc))
    except accounts.AccountError as exc:
        return error(409 if "already exists" in str(exc) else 400, str(exc))
    if by_mail:
        address = accounts.normalise_email(email)
        message, what = signup_mail(request, address, role, "", taken=made)
        return JSONResponse(
            {"message": SIGNUP_MAILED.format(email=address)}, status_code=202,
            background=BackgroundTask(send, service.settings, message, what),
        )  # fmt: skip
    return JSONResponse(
        {"id": str(made.id), "email": made.email, "role": made.role}, status_code=201
    )


@router.post("/tokens")
async def create_token(request: Request):
    service = request.app.state.service
    body = await _json_body(request)
    if body is None:
        return error(400, 'Send JSON: {"email": "...", "password": "..."}.')
    try:
        user = await security.check_password(
            request, str(body.get("email", "")), str(body.get("password", ""))
        )
    except accounts.RateLimited as exc:
        return error(429, str(exc))
    except accounts.AccountError as exc:
        return error(401, str(exc))
    days = service.settings.api_token_days
    try:
        with service.db.session() as s:
            token = accounts.issue_api_token(s, user, str(body.get("name") or ""), days=days)
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == accounts.digest(token)))
            made = {"id": str(row.id), "name": row.name,
                    "expires_at": row.expires_at.isoformat(timespec="seconds") + "Z"}  # fmt: skip
    except accounts.TooManyTokens as exc:
        return error(409, str(exc))
    except accounts.AccountError as exc:
        return error(400, str(exc))
    return JSONResponse({"token": token, **made}, status_code=201)


@router.post("/videos")
async def upload_video(request: Request):
    service = request.app.state.service
    user = security.bearer_user(request)
    if user is None:  # refused before the body is read
        return unauthorised(request)
    analysis_id = uuid.uuid4()
    try:
        await run_in_threadpool(service.check_pending, user)  # before the body is read
        async with refused_upload_leaves_nothing(service, analysis_id):
            received = await receive_upload(
                request.headers, request.stream(), service.storage,
                input_prefix(analysis_id), service.settings.max_upload_bytes,
            )  # fmt: skip
            options = parse_options(received.fields)
            key = (request.headers.get("idempotency-key") or "")[:100] or None
            record, job, created = await run_in_threadpool(
                service.submit, user, received, analysis_id, options, key
            )
    except RunformError as exc:
        return error(getattr(exc, "status", 400), form_sentence(str(exc)))
    body = {
        **job_json(job),
        "links": {
            "job": f"/api/v1/jobs/{job.id}",
            "analysis": f"/api/v1/analyses/{record.id}",
            "page": f"/analyses/{record.id}",
        },
    }
    return JSONResponse(body, status_code=202 if created else 200)


@router.get("/jobs/{job_id}")
def get_job(request: Request, job_id: str):
    user = security.bearer_user(request)
    if user is None:
        return unauthorised(request)
    job = request.app.state.service.job_for(user, job_id)
    if job is None:
        return error(404, "No such job.")
    return JSONResponse(job_json(job), headers={"Cache-Control": "no-store"})


@router.get("/analyses")
def list_analyses(request: Request):
    user = security.bearer_user(request)
    if user is None:
        return unauthorised(request)
    rows = request.app.state.service.analyses_of(user)
    return {
        "analyses": [
            {"id": str(r.id), "video_name": r.video_name, "created_at": r.created_at.isoformat() + "Z",
             "options": r.options, "job": job_json(j)}
            for r, j in rows
        ]
    }  # fmt: skip


def _record(request: Request, analysis_id: str, *, change: bool = False):
    """The analysis the bearer may look at (``change``: may change, i.e. owns), or the
    refusal: 401 without a valid token, 404 for an analysis they may not reach (a coach
    looks at a runner's analyses and changes none)."""
    user = security.bearer_user(request)
    if user is None:
        return None, unauthorised(request)
    service = request.app.state.service
    find = service.analysis_for if change else service.analysis_visible_to
    record = find(user, analysis_id)
    if record is None:
        return None, error(404, "No such analysis.")
    return record, None


@router.get("/analyses/{analysis_id}")
def get_analysis(request: Request, analysis_id: str):
    record, refusal = _record(request, analysis_id)
    if refusal:
        return refusal
    service = request.app.state.service
    job = service.latest_job(record.id)
    if job is None or job.state != DONE:
        state = job.state if job else "missing"
        message = job.error if job and job.error else f"The analysis is not ready (job {state})."
        return JSONResponse({"error": message, "job": job_json(job)}, status_code=409)
    response = files.file_response(service.storage, record, "analysis.json")
    return response or error(404, "The analysis has no analysis.json.")


@router.get("/analyses/{analysis_id}/files/{name:path}")
def get_file(request: Request, analysis_id: str, name: str):
    record, refusal = _record(request, analysis_id)
    if refusal:
        return refusal
    response = files.file_response(
        request.app.state.service.storage, record, name, request.headers.get("range")
    )
    return response or error(404, "No such file.")


@router.delete("/analyses/{analysis_id}")
async def delete_analysis(request: Request, analysis_id: str):
    record, refusal = _record(request, analysis_id, change=True)
    if refusal:
        return refusal
    await run_in_threadpool(request.app.state.service.delete_analysis, record)
    return Response(status_code=204)
