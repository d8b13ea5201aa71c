"""The account page: API tokens (list, make, revoke), change the password, export
everything as a zip, delete the whole account."""

from __future__ import annotations

import logging
import os

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from runform.service import accounts
from runform.service.export import (
    EXPORT_BUSY,
    begin_export,
    delete_account,
    end_export,
    export_zip,
)
from runform.service.models import utcnow
from runform.web import security
from runform.web.pages import need_login, not_found, posted_form, redirect, render

log = logging.getLogger("runform.web")
router = APIRouter()


def _tokens(request: Request, user) -> list[dict]:
    """The user's tokens as the page lists them (never the token: only its hash is kept)."""
    service = request.app.state.service
    now = utcnow()
    with service.db.session() as s:
        rows = accounts.api_tokens(s, user)
    return [
        {"id": str(t.id), "name": t.name, "created": t.created_at, "last_used": t.last_used_at,
         "expires": t.expires_at, "expired": t.expires_at <= now}
        for t in rows
    ]  # fmt: skip


def account(request: Request, user, status: int = 200, **context) -> HTMLResponse:
    """The account page with its token list, and ``context`` (an error, the new token)."""
    settings = request.app.state.service.settings
    return render(
        request, "account.html", status=status, tokens=_tokens(request, user),
        token_days=settings.api_token_days, max_tokens=accounts.MAX_API_TOKENS,
        max_token_name=accounts.MAX_TOKEN_NAME, **context,
    )  # fmt: skip


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request):
    user = security.current_user(request)
    if user is None:
        return need_login(request)
    changed = request.query_params.get("changed") == "password"
    revoked = request.query_params.get("revoked") == "token"
    return account(request, user, password_changed=changed, token_revoked=revoked)


@router.post("/account/tokens")
async def make_token(request: Request):
    """A new API token named by the user, who gives their password (a token outlives the
    browser session: it works :attr:`Settings.api_token_days` days). The token is in this
    answer only (a page, not a redirect: never in an address), and never logged."""
    user, form, refused = await posted_form(request)
    if refused:
        return refused
    service = request.app.state.service
    try:
        name = accounts.token_name(str(form.get("name", "")))
        if not name:
            raise accounts.AccountError("Name the token, e.g. after the script that uses it.")
        await security.check_password(request, user.email, str(form.get("password", "")))
    except accounts.RateLimited as exc:
        return await run_in_threadpool(account, request, user, 429, token_error=str(exc))
    except accounts.AccountError as exc:
        sentence = str(exc)
        if sentence == "Wrong e-mail or password.":
            sentence = "That is not your password; no token was made."
        return await run_in_threadpool(account, request, user, 400, token_error=sentence)

    def issue() -> str:
        with service.db.session() as s:
            return accounts.issue_api_token(s, user, name, days=service.settings.api_token_days)

    try:
        token = await run_in_threadpool(issue)
    except accounts.AccountError as exc:
        return await run_in_threadpool(account, request, user, 409, token_error=str(exc))
    return await run_in_threadpool(account, request, user, 200, new_token=token, new_name=name)


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: str):
    """Revoke one of the user's API tokens; another's (or none) is a 404."""
    user, _form, refused = await posted_form(request)
    if refused:
        return refused
    service = request.app.state.service

    def revoke() -> bool:
        with service.db.session() as s:
            return accounts.revoke_api_token(s, user, token_id)

    if not await run_in_threadpool(revoke):
        return not_found(request)
    return redirect(request, "/account?revoked=token#tokens")


@router.post("/account/password")
async def change_password(request: Request):
    """A new password for the signed-in user, who gives the current one (rate-limited like
    a sign-in); every other session and API token of the account ends, this one stays."""
    user, form, refused = await posted_form(request)
    if refused:
        return refused
    current, new = str(form.get("current_password", "")), str(form.get("new_password", ""))
    try:
        await security.change_password(request, user, current, new)
    except accounts.RateLimited as exc:
        return account(request, user, 429, password_error=str(exc))
    except accounts.AccountError as exc:
        return account(request, user, 400, password_error=str(exc))
    return redirect(request, "/account?changed=password")


@router.get("/account/export")
async def export(request: Request):
    user = security.current_user(request)
    if user is None:
        return need_login(request)
    service = request.app.state.service
    if not await run_in_threadpool(begin_export, service, user):
        return render(
            request, "message.html", status=429, title="Export under way",
            message=EXPORT_BUSY, link=("/account", "Back to my account"),
        )  # fmt: skip
    try:
        path = await run_in_threadpool(export_zip, service, user)
    except OSError:
        log.exception("export of %r not written", user.email)
        await run_in_threadpool(end_export, service, user)
        return render(
            request, "message.html", status=507, title="Export failed",
            message="The export could not be written on the server (its disk may be full); "
            "try again later.", link=("/account", "Back to my account"),
        )  # fmt: skip
    except BaseException:
        await run_in_threadpool(end_export, service, user)
        raise

    def done() -> None:
        try:
            os.unlink(path)
        finally:
            end_export(service, user)

    response = FileResponse(
        path,
        media_type="application/zip",
        filename=f"runform-{user.email.split('@')[0]}.zip",
        background=BackgroundTask(done),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/account/delete")
async def delete(request: Request):
    service = request.app.state.service
    user, form, refused = await posted_form(request)
    if refused:
        return refused
    try:
        await security.check_password(request, user.email, str(form.get("password", "")))
    except accounts.AccountError:
        return account(
            request, user, 400, error="That is not your password; the account was not deleted."
        )
    await run_in_threadpool(delete_account, service, user)
    response = redirect(request, "/")
    security.logout(request, response)
    return response
