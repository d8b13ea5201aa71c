"""Who is asking: signed session cookies, CSRF tokens, bearer tokens, security headers.

- The session cookie holds a random token signed with the secret key (``itsdangerous``);
  it is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` behind HTTPS. The database keeps the
  token's hash, with the session's CSRF token and user.
- Signing in always starts a new session (new token, new CSRF token): a cookie planted
  before sign-in is worth nothing after it.
- A visitor who is not signed in has no row: the cookie holds a random token all the same,
  and the forms' CSRF token is derived from it with the secret key (HMAC), so the sign-in
  form is protected without a database row for every visitor, crawler or script.
- Every form carries the session's CSRF token and every POST from a page checks it.
- The JSON API takes ``Authorization: Bearer <token>`` only (never the cookie), so it needs
  no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool

from runform.service import accounts
from runform.service.models import User, WebSession

COOKIE = "runform_session"

#: Pages: only this origin's scripts, styles, images and media; frames only from here.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; "
    "script-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)
#: Analysis output files shown in the app's origin (the report): no script runs at all
#: (``sandbox`` without ``allow-scripts``), no form, no plugin; inline styles and data:
#: images are what the report is made of.
REPORT_CSP = (
    "sandbox allow-same-origin; default-src 'none'; img-src 'self' data:; media-src 'self'; "
    "style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def _serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.service.settings.secret_key, salt="session")


def _session_token(request: Request) -> str | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        token = _serializer(request).loads(raw)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def web_session(request: Request) -> tuple[str, WebSession] | None:
    """The browser's session (token, row), or ``None``."""
    if hasattr(request.state, "web_session"):
        return request.state.web_session
    found = None
    token = _session_token(request)
    if token:
        with request.app.state.service.db.session() as s:
            row = accounts.load_session(s, token)
            if row is not None:
                found = (token, row)
    request.state.web_session = found
    return found


def current_user(request: Request) -> User | None:
    if hasattr(request.state, "user"):
        return request.state.user
    found = web_session(request)
    user = None
    if found and found[1].user_id:
        with request.app.state.service.db.session() as s:
            user = accounts.get_user(s, found[1].user_id)
    request.state.user = user
    return user


def _visitor_csrf(request: Request, token: str) -> str:
    """The CSRF token of a browser without a session row (not signed in): an HMAC of its
    cookie's random token, so nothing is stored for it and no other cookie matches it."""
    key = request.app.state.service.settings.secret_key.encode()
    return hmac.new(key, b"visitor-csrf:" + token.encode(), hashlib.sha256).hexdigest()


def _visitor_token(request: Request) -> str | None:
    """The random token of a browser without a session row: its cookie's, or the one
    given to it during this request."""
    return getattr(request.state, "visitor_token", None) or _session_token(request)


def form_token(request: Request) -> str:
    """The CSRF token the page's forms carry: the session's when signed in; else one
    derived from the cookie's token (a browser with no cookie is given one, which
    :func:`apply_cookie` sends). No database row is written for a visitor."""
    found = web_session(request)
    if found is not None:
        return found[1].csrf_token
    token = _visitor_token(request)
    if token is None:
        token = accounts.new_token()
        request.state.visitor_token = token
        request.state.new_session = token
    return _visitor_csrf(request, token)


def login(request: Request, user: User) -> None:
    """Replace the browser's session by a new one for ``user`` (session fixation); old
    sessions and sign-in failures are pruned on the way (a few hundred rows at most)."""
    old = web_session(request)
    settings = request.app.state.service.settings
    with request.app.state.service.db.session() as s:
        accounts.prune(s, window_s=settings.login_window_s, batch=200)
        found = accounts.start_session(s, user, old_token=old[0] if old else None)
    request.state.web_session = found
    request.state.user = user
    request.state.new_session = found[0]


def logout(request: Request, response: Response) -> None:
    found = web_session(request)
    if found:
        with request.app.state.service.db.session() as s:
            accounts.end_session(s, found[0])
    request.state.web_session = None
    request.state.user = None
    response.delete_cookie(COOKIE, path="/")


def apply_cookie(request: Request, response: Response) -> Response:
    token = getattr(request.state, "new_session", None)
    if token:
        settings = request.app.state.service.settings
        response.set_cookie(
            COOKIE,
            _serializer(request).dumps(token),
            max_age=int(accounts.SESSION_IDLE.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            path="/",
        )
    return response


def csrf_ok(request: Request, token: str | None) -> bool:
    """Whether a form's ``csrf_token`` is this browser's: its session's, or for a browser
    without one, the token derived from its cookie."""
    if not token:
        return False
    found = web_session(request)
    if found is not None:
        expected = found[1].csrf_token
    else:
        visitor = _visitor_token(request)
        if visitor is None:
            return False
        expected = _visitor_csrf(request, visitor)
    return hmac.compare_digest(expected.encode(), str(token).encode())


#: The refusal of a request without a bearer token.
NO_TOKEN = "Send a token: Authorization: Bearer <token> (POST /api/v1/tokens gives one)."


def bearer_user(request: Request) -> User | None:
    """The user of the request's live bearer token, or ``None``; then
    :func:`bearer_refusal` says why in one sentence (none sent, unknown, expired,
    revoked). The token itself is never logged."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 200:
        request.state.bearer_refusal = NO_TOKEN if not token.strip() else accounts.UNKNOWN_TOKEN
        return None
    with request.app.state.service.db.session() as s:
        user, refusal = accounts.check_api_token(s, token.strip())
    request.state.bearer_refusal = refusal
    return user


def bearer_refusal(request: Request) -> str:
    """Why :func:`bearer_user` found no user (one sentence for the 401)."""
    return getattr(request.state, "bearer_refusal", "") or NO_TOKEN


def absolute_url(request: Request, path: str, *, for_others: bool = False) -> str:
    """The full address of ``path`` (``/password/reset?token=...``) for a link that leaves
    the site (an e-mail, an invitation, a calendar): from ``RUNFORM_PUBLIC_URL`` when set,
    else from the request (a laptop's own server).

    ``for_others``: the link goes to someone other than the one asking (the reset link the
    operator hands over from the log). Without ``RUNFORM_PUBLIC_URL`` it is then built from
    the address the connection came in on (the server's own socket), never from the
    ``Host`` header, which the client chooses: anyone could otherwise ask for a reset of
    someone else's account with ``Host: evil.example`` and have the log hold a link that
    sends its token there."""
    settings = request.app.state.service.settings
    if settings.public_url:
        return settings.public_url.rstrip("/") + path
    server = request.scope.get("server")
    if for_others and server and server[0]:
        host, port = str(server[0]), server[1]
        host = f"[{host}]" if ":" in host else host
        scheme = request.url.scheme
        default = {"http": 80, "https": 443}.get(scheme)
        netloc = host if port in (None, default) else f"{host}:{port}"
        return f"{scheme}://{netloc}{path}"
    return str(request.base_url).rstrip("/") + path


#: How long the link that finishes a sign-up works (seconds).
SIGNUP_VALID_S = 3600


def _signup_serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.service.settings.secret_key, salt="signup")


def signup_token(request: Request, email: str, role: str, next_: str = "") -> str:
    """The token of the link that finishes a sign-up confirmed by e-mail: the address, the
    role and where to go afterwards, signed with the secret key and dated. Nothing is
    stored: an account is made only when the link's page is sent, so a sign-up nobody
    finishes leaves nothing behind."""
    return _signup_serializer(request).dumps({"email": email, "role": role, "next": next_})


def signup_claim(request: Request, token: str) -> dict | None:
    """What :func:`signup_token` signed, or ``None`` for a token that is not one, was
    tampered with or is older than :data:`SIGNUP_VALID_S`."""
    if not token or len(token) > 2000:
        return None
    try:
        claim = _signup_serializer(request).loads(token, max_age=SIGNUP_VALID_S)
    except BadSignature:  # SignatureExpired is one
        return None
    if not isinstance(claim, dict) or claim.get("role") not in ("runner", "coach"):
        return None
    return claim


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


async def check_password(request: Request, email: str, password: str) -> User:
    """The user with this e-mail and password (:func:`runform.service.accounts.authenticate`
    with the server's sign-in rate limit and the client's address), checked in a worker
    thread: Argon2 costs about 0.1 s of CPU, and on the event loop every other request
    would wait for it. Raises ``AccountError`` or ``RateLimited``."""
    service = request.app.state.service
    settings, client = service.settings, client_address(request)

    def check() -> User:
        with service.db.session() as s:
            return accounts.authenticate(
                s, email, password, client=client,
                limit=settings.login_limit, window_s=settings.login_window_s,
            )  # fmt: skip

    return await run_in_threadpool(check)


async def change_password(request: Request, user: User, current: str, new: str) -> None:
    """:func:`runform.service.accounts.change_password` for the signed-in ``user``, with the
    sign-in rate limit and in a worker thread (two Argon2 computations); the browser's own
    session stays, every other session and API token ends. Raises ``AccountError`` or
    ``RateLimited``."""
    service = request.app.state.service
    settings, client = service.settings, client_address(request)
    found = web_session(request)

    def change() -> None:
        with service.db.session() as s:
            accounts.change_password(
                s, user, current, new, keep_session=found[0] if found else None,
                client=client, limit=settings.login_limit, window_s=settings.login_window_s,
            )  # fmt: skip

    await run_in_threadpool(change)
