"""The account page: change the password, export everything as a zip, delete the whole
account."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from runform.service import accounts
from runform.service.export import delete_account, export_zip
from runform.web import security
from runform.web.pages import need_login, posted_form, redirect, render

router = APIRouter()


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request):
    user = security.current_user(request)
    if user is None:
        return need_login(request)
    changed = request.query_params.get("changed") == "password"
    return render(request, "account.html", password_changed=changed)


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
        return render(request, "account.html", status=429, password_error=str(exc))
    except accounts.AccountError as exc:
        return render(request, "account.html", status=400, password_error=str(exc))
    return redirect(request, "/account?changed=password")


@router.get("/account/export")
async def export(request: Request):
    user = security.current_user(request)
    if user is None:
        return need_login(request)
    path = await run_in_threadpool(export_zip, request.app.state.service, user)
    response = FileResponse(
        path,
        media_type="application/zip",
        filename=f"runform-{user.email.split('@')[0]}.zip",
        background=BackgroundTask(os.unlink, path),
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
        return render(
            request, "account.html", status=400,
            error="That is not your password; the account was not deleted.",
        )  # fmt: skip
    await run_in_threadpool(delete_account, service, user)
    response = redirect(request, "/")
    security.logout(request, response)
    return response
