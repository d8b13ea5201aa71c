"""The FastAPI application: pages, JSON API, static files, security headers, life cycle."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from runform import __version__
from runform.service.core import Service
from runform.service.settings import Settings
from runform.web import account_pages, api, coach_pages, course_pages, pages, retest_pages
from runform.web.security import PAGE_CSP

log = logging.getLogger("runform.web")

#: What an error the router or a path check raises says to a person (pages) and to a
#: program (the API): one sentence each, never FastAPI's ``{"detail": ...}``.
PAGE_ERRORS = {
    404: ("Not found", "There is no such page, or it is not yours."),
    405: ("Not here", "This address does not take that kind of request; go back and use "
                      "the page's own links and buttons."),
    413: ("Too long", "This form sent more than any form of this site holds; go back, "
                      "shorten what you wrote and send it again."),
}  # fmt: skip
API_ERRORS = {
    404: "There is no such endpoint or object; the API is described at /api/v1/openapi.json.",
    405: "This endpoint does not take that method; the API is described at /api/v1/openapi.json.",
    413: "The request body is larger than this endpoint takes (64 kB); only the video uploads "
    "(POST /api/v1/videos) take more.",
}

#: The most a request body may hold, but for the two uploads (which stream the video to
#: storage under their own limit): every form and JSON body of the site is a few kB, and
#: Starlette's form parser would otherwise spool any number of file parts of any size to
#: disk (and read a JSON body whole into memory) before a route looks at them, for anyone,
#: signed in or not (``POST /login``).
MAX_BODY_BYTES = 64 * 1024
UPLOAD_PATHS = frozenset({"/upload", "/api/v1/videos"})


class BodyLimit:
    """ASGI middleware: a request body (not an upload's) that declares or streams more than
    :data:`MAX_BODY_BYTES` ends in a 413 the moment a route reads past the limit (one
    sentence, through the app's error handler), before it is parsed or stored."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES, exempt=UPLOAD_PATHS):
        self.app, self.limit, self.exempt = app, limit, exempt

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
        limit, received = self.limit, 0

        async def limited_receive():
            nonlocal received
            if declared.isdigit() and int(declared) > limit:
                raise StarletteHTTPException(413)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise StarletteHTTPException(413)
            return message

        await self.app(scope, limited_receive, send)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def error_response(request: Request, status: int, headers: dict | None = None):
    """One sentence for an error: JSON ``{"error": ...}`` under ``/api/``, a page for the
    rest (a browser asked for it)."""
    if _is_api(request):
        sentence = API_ERRORS.get(status, "The request could not be handled.")
        return JSONResponse({"error": sentence}, status_code=status, headers=headers)
    from runform.web.pages import render

    title, sentence = PAGE_ERRORS.get(status, ("Error", "The request could not be handled."))
    response = await run_in_threadpool(
        render, request, "message.html", status=status, title=title, message=sentence,
        link=("/", "Go to the start page"),
    )  # fmt: skip
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def create_app(settings: Settings | None = None, service: Service | None = None) -> FastAPI:
    """The web app. The service (database migrations, embedded worker) starts with the app's
    lifespan and stops with it."""
    service = service or Service(settings or Settings.load())

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        service.start()
        try:
            yield
        finally:
            service.stop()

    # The OpenAPI schema documents the JSON API (pages are left out of it); no docs UI is
    # served, since it would load scripts from a CDN (offline, and the pages' CSP).
    app = FastAPI(
        title="runform API",
        version=__version__,
        summary="Running-form analysis from a side-view video: upload, jobs, analyses.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.service = service
    app.mount(
        "/static", StaticFiles(directory=str(Path(__file__).with_name("static"))), name="static"
    )
    app.include_router(pages.router, include_in_schema=False)
    app.include_router(course_pages.router, include_in_schema=False)
    app.include_router(coach_pages.router, include_in_schema=False)
    app.include_router(retest_pages.router)
    app.include_router(account_pages.router, include_in_schema=False)
    app.include_router(api.router)

    @app.exception_handler(DBAPIError)
    async def database_unreachable(request: Request, exc: DBAPIError):
        """The database went away (a restart, the network): one sentence and a 503; the
        pool replaces the dead connections (pre-ping) once it is back."""
        log.warning("database error on %s: %s", request.url.path, type(exc.orig).__name__)
        sentence = "The database is not reachable just now; try again in a moment."
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": sentence}, status_code=503, headers={"Retry-After": "5"})
        return HTMLResponse(
            f"<!doctype html><title>runform</title><p>{sentence}</p>",
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        """An unknown address (404), a method a route does not take (405), ...: a page for
        a browser, ``{"error": sentence}`` for the API, instead of ``{"detail": ...}``."""
        return await error_response(request, exc.status_code, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        """A parameter that does not fit its route (a path part that is not a number...):
        the address names nothing, so 404 with one sentence, not Pydantic's list."""
        where = {str(e.get("loc", ("",))[0]) for e in exc.errors()}
        log.info("invalid %s on %s: %s", "/".join(sorted(where)), request.url.path,
                 "; ".join(str(e.get("msg")) for e in exc.errors())[:300])  # fmt: skip
        return await error_response(request, 404)

    # inside the headers' middleware (added later, so outside it): the 413 is raised from
    # the route's own read of the body, where the app's error handler answers it
    app.add_middleware(BodyLimit)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if "Content-Security-Policy" not in headers:
            headers["Content-Security-Policy"] = PAGE_CSP
        if headers.get("content-type", "").startswith("text/html"):
            headers.setdefault("Cache-Control", "no-store")
        return response

    return app
