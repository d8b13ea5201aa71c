"""Users, passwords, browser sessions, API tokens, password resets and the rate limits of
sign-in, sign-up and reset requests.

Passwords are hashed with Argon2id (``argon2-cffi``). Session ids, API tokens and reset
tokens are random 256-bit strings given to the user once; the database keeps only their
SHA-256, so a copy of it opens no account.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import uuid
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from runform.errors import InputError
from runform.service.models import (
    ROLES,
    ApiToken,
    CoachLink,
    LoginFailure,
    PasswordReset,
    User,
    WebSession,
    utcnow,
)

MIN_PASSWORD = 8
MAX_PASSWORD = 1024
RESET_VALID = timedelta(hours=1)
SESSION_IDLE = timedelta(days=14)
#: An invitation nobody accepted lapses after this long (``coaching.INVITE_VALID``).
INVITE_VALID = timedelta(days=14)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

log = logging.getLogger("runform.service.accounts")
_hasher = PasswordHasher()
#: Verified against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong
#: password (no timing oracle for who has an account).
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(InputError):
    """Sign-up or sign-in input that cannot be used (one sentence for the user)."""


class RateLimited(AccountError):
    """Too many failed sign-ins."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise AccountError("Give a valid e-mail address, like name@example.com.")
    return email


def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AccountError(f"Choose a password of at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"Choose a password of at most {MAX_PASSWORD} characters.")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_password(password))


def create_user(db: Session, email: str, password: str, role: str = "runner") -> User:
    """A new user; :class:`AccountError` for a bad e-mail, short password, taken e-mail."""
    if role not in ROLES:
        raise AccountError(f"The role must be one of {', '.join(ROLES)}, not {role!r}.")
    email = normalise_email(email)
    if db.scalar(select(User).where(User.email == email)) is not None:
        raise AccountError("An account with this e-mail already exists; sign in instead.")
    user = User(email=email, password_hash=hash_password(password), role=role)
    db.add(user)
    db.flush()
    return user


# ---------------------------------------------------------------------------- sign-in
def _recent_failures(db: Session, key: str, window: timedelta) -> int:
    since = utcnow() - window
    return db.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.key == key, LoginFailure.at >= since)
    )


def _attempt_keys(prefix: str, email: str, client: str | None) -> tuple[str, list[str]]:
    """The address as counted and the keys an attempt is counted under: the e-mail's, and
    the client address's when known (``prefix`` keeps kinds of attempts apart)."""
    address = (email or "").strip().lower()[:320]
    return address, [f"{prefix}email:{address}"] + ([f"{prefix}ip:{client}"] if client else [])


def _past_limit(db: Session, keys: list[str], limit: int, window_s: float) -> str | None:
    """The first of ``keys`` (an e-mail's, then a client's) with as many attempts within
    ``window_s`` as it may have: ``limit`` for the e-mail, ``4 × limit`` for the client."""
    window = timedelta(seconds=window_s)
    for key, most in zip(keys, [limit, 4 * limit], strict=False):
        if _recent_failures(db, key, window) >= most:
            return key
    return None


def _minutes(window_s: float) -> int:
    """The window in whole minutes, for the refusal (at least one)."""
    return max(1, round(window_s / 60))


#: What the attempts counted by :func:`limit_attempts` are, in the refusal's words.
ATTEMPTS = {"signup": "sign-ups", "reset": "password reset requests"}


def limit_attempts(
    db: Session,
    kind: str,
    email: str,
    *,
    client: str | None = None,
    limit: int = 5,
    window_s: float = 900.0,
) -> None:
    """Count one attempt of ``kind`` (``"signup"``, ``"reset"``) for this e-mail and client
    address, or refuse it (:class:`RateLimited`) when ``limit`` attempts for the e-mail, or
    ``4 × limit`` from the client, were counted within ``window_s`` seconds.

    Every attempt counts, whether or not an account has the e-mail, so the refusal says
    nothing about who has one; it bounds how many addresses one client can try (and how
    many messages one mailbox can be sent). The attempts are rows of the sign-in
    failures' table under keys of their own (``signup-email:...``, ``reset-ip:...``):
    the same clean-up, and a sign-in lock-out does not stop a sign-up, nor the reverse."""
    address, keys = _attempt_keys(f"{kind}-", email, client)
    if key := _past_limit(db, keys, limit, window_s):
        log.warning("%s refused by the rate limit (%s) for %r from %s", kind,
                    key.split(":")[0], address, client or "an unknown address")  # fmt: skip
        raise RateLimited(
            f"Too many {ATTEMPTS.get(kind, 'attempts')} from here or for this e-mail; "
            f"wait {_minutes(window_s)} minutes and try again."
        )
    for key in keys:
        db.add(LoginFailure(key=key))
    db.commit()  # counted even when what follows fails (a taken e-mail)


def email_taken(db: Session, email: str) -> bool:
    """Whether an account has this (valid) e-mail."""
    return db.scalar(select(User.id).where(User.email == normalise_email(email))) is not None


def authenticate(
    db: Session,
    email: str,
    password: str,
    *,
    client: str | None = None,
    limit: int = 5,
    window_s: float = 900.0,
) -> User:
    """The user with this e-mail and password, or :class:`AccountError`.

    More than ``limit`` failures for one e-mail (or ``4 × limit`` from one client address)
    within ``window_s`` seconds refuse every attempt, right or wrong, until the window has
    passed (:class:`RateLimited`)."""
    address, keys = _attempt_keys("", email, client)
    if key := _past_limit(db, keys, limit, window_s):
        log.warning("sign-in refused by the rate limit (%s) for %r from %s", key.split(":")[0],
                    address, client or "an unknown address")  # fmt: skip
        raise RateLimited(
            f"Too many failed sign-ins; wait {_minutes(window_s)} minutes and try again, or "
            "reset the password."
        )
    user = db.scalar(select(User).where(User.email == address))
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        for key in keys:
            db.add(LoginFailure(key=key))
        db.commit()
        log.info("failed sign-in for %r from %s", address, client or "an unknown address")
        raise AccountError("Wrong e-mail or password.")
    db.execute(delete(LoginFailure).where(LoginFailure.key == keys[0]))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


# ---------------------------------------------------------------------------- sessions
def start_session(
    db: Session, user: User | None, old_token: str | None = None
) -> tuple[str, WebSession]:
    """A new browser session (new random id: signing in never keeps the old id, so a
    planted cookie is worthless). Returns the raw token for the cookie and the row."""
    if old_token:
        db.execute(delete(WebSession).where(WebSession.token_hash == digest(old_token)))
    token = new_token()
    row = WebSession(
        token_hash=digest(token),
        user_id=user.id if user else None,
        csrf_token=secrets.token_urlsafe(32),
    )
    db.add(row)
    db.flush()
    return token, row


#: A session row without a user (made for visitors before session 22, when forms needed
#: one) is dropped after this long idle; none is made any more.
VISITOR_ROW_IDLE = timedelta(days=1)


def prune(db: Session, *, window_s: float = 900.0, batch: int = 1000) -> int:
    """Delete what has expired, at most ``batch`` rows of each kind (a cheap, bounded
    delete that can run at every sign-in): sessions idle longer than :data:`SESSION_IDLE`
    (and rows without a user idle longer than :data:`VISITOR_ROW_IDLE`), sign-in failures
    older than the rate limit's window (they no longer count), expired reset tokens, API
    tokens expired or revoked over :data:`TOKEN_KEPT` ago and invitations nobody accepted
    within :data:`INVITE_VALID`.
    Returns the number of rows deleted."""
    now = utcnow()
    expired = or_(
        WebSession.last_seen < now - SESSION_IDLE,
        and_(WebSession.user_id.is_(None), WebSession.last_seen < now - VISITOR_ROW_IDLE),
    )
    kinds = [
        (WebSession, WebSession.token_hash, expired),
        (LoginFailure, LoginFailure.id, LoginFailure.at < now - timedelta(seconds=window_s)),
        (PasswordReset, PasswordReset.token_hash, PasswordReset.expires_at < now),
        (
            ApiToken,
            ApiToken.id,
            (ApiToken.expires_at < now - TOKEN_KEPT) | (ApiToken.revoked_at < now - TOKEN_KEPT),
        ),
        (
            CoachLink,
            CoachLink.id,
            (CoachLink.state == "invited") & (CoachLink.created_at < now - INVITE_VALID),
        ),
    ]
    deleted = 0
    for table, key, condition in kinds:
        chosen = select(key).where(condition).limit(batch).scalar_subquery()
        deleted += db.execute(delete(table).where(key.in_(chosen))).rowcount or 0
    return deleted


def load_session(db: Session, token: str) -> WebSession | None:
    row = db.get(WebSession, digest(token))
    if row is None:
        return None
    now = utcnow()
    if now - row.last_seen > SESSION_IDLE:
        db.delete(row)
        return None
    if (now - row.last_seen).total_seconds() > 60:
        row.last_seen = now
    return row


def end_session(db: Session, token: str) -> None:
    db.execute(delete(WebSession).where(WebSession.token_hash == digest(token)))


# ---------------------------------------------------------------------------- API tokens
#: Live API tokens (neither expired nor revoked) one account may hold: each sign-in
#: through ``POST /api/v1/tokens`` makes one, and rows must not grow without end.
MAX_API_TOKENS = 20
#: Longest token name (characters).
MAX_TOKEN_NAME = 100
#: ``last_used_at`` is written at most this often (a busy script does not write a row on
#: every request).
TOKEN_USE_EVERY = timedelta(minutes=1)
#: An expired or revoked token's row is kept this long (a program still sending it is
#: told which), then pruned; after that it is an unknown token.
TOKEN_KEPT = timedelta(days=30)
#: The refusals of a bearer token, one sentence each.
NEW_TOKEN_HINT = "ask for a new one with POST /api/v1/tokens or on your account page (/account)."
UNKNOWN_TOKEN = "This API token is not valid; " + NEW_TOKEN_HINT


class TooManyTokens(AccountError):
    """The account holds :data:`MAX_API_TOKENS` live tokens already."""


def token_name(name: str | None, default: str = "") -> str:
    """The label of a new token: spaces collapsed, control characters refused; empty gives
    ``default``; longer than :data:`MAX_TOKEN_NAME` is an :class:`AccountError`."""
    text = " ".join(str(name or "").split())
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise AccountError("A token name cannot hold control characters.")
    if len(text) > MAX_TOKEN_NAME:
        raise AccountError(
            f"A token name holds at most {MAX_TOKEN_NAME} characters; this one has "
            f"{len(text)}: shorten it."
        )
    return text or default


def _live(now):
    return ApiToken.revoked_at.is_(None) & (ApiToken.expires_at > now)


def issue_api_token(db: Session, user: User, name: str = "", *, days: int = 90) -> str:
    """A new API token for ``user`` named ``name``, working for ``days`` days; returns the
    token (shown once: only its SHA-256 is kept). :class:`TooManyTokens` when the account
    holds :data:`MAX_API_TOKENS` live ones; :class:`AccountError` for a bad name."""
    now = utcnow()
    label = token_name(name, default=f"API token of {now:%Y-%m-%d %H:%M} UTC")
    live = db.scalar(
        select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id, _live(now))
    )
    if live >= MAX_API_TOKENS:
        raise TooManyTokens(
            f"This account has {MAX_API_TOKENS} API tokens, the most it may hold; revoke one "
            "you no longer use on your account page (/account), then ask again."
        )
    token = new_token()
    db.add(
        ApiToken(
            user_id=user.id, token_hash=digest(token), name=label, created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )  # fmt: skip
    db.flush()
    log.info("API token %r made for %r, expires in %d days", label, user.email, days)
    return token


def check_api_token(db: Session, token: str) -> tuple[User | None, str]:
    """``(user, "")`` for a live token, else ``(None, sentence)``: unknown, expired (and
    when) or revoked (and when). A token's ``last_used_at`` is written at most once per
    :data:`TOKEN_USE_EVERY`."""
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None:
        return None, UNKNOWN_TOKEN
    now = utcnow()
    if row.revoked_at is not None:
        return None, f"This API token was revoked on {row.revoked_at:%Y-%m-%d}; " + NEW_TOKEN_HINT
    if row.expires_at <= now:
        return None, f"This API token expired on {row.expires_at:%Y-%m-%d}; " + NEW_TOKEN_HINT
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_EVERY:
        row.last_used_at = now
    return db.get(User, row.user_id), ""


def user_for_api_token(db: Session, token: str) -> User | None:
    """The user of a live token, or ``None`` (:func:`check_api_token` says why)."""
    return check_api_token(db, token)[0]


def api_tokens(db: Session, user: User) -> list[ApiToken]:
    """The account's tokens not revoked (expired ones too, until pruned), newest first."""
    return list(
        db.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        )
    )


def revoke_api_token(db: Session, user: User, token_id: str) -> bool:
    """Revoke one of ``user``'s tokens by id (revoking a revoked one again is a no-op);
    ``False`` when ``user`` has no token with that id (another's is not theirs)."""
    try:
        ident = uuid.UUID(str(token_id))
    except ValueError:
        return False
    row = db.get(ApiToken, ident)
    if row is None or row.user_id != user.id:
        return False
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        log.info("API token %r of %r revoked", row.name, user.email)
    return True


def revoke_all_api_tokens(db: Session, user: User) -> None:
    """Revoke every live token of the account (a password change or reset)."""
    db.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# ---------------------------------------------------------------------------- resets
def request_reset(db: Session, email: str) -> str | None:
    """A one-hour reset token for this e-mail's account, or ``None`` when there is none."""
    try:
        address = normalise_email(email)
    except AccountError:
        return None
    user = db.scalar(select(User).where(User.email == address))
    if user is None:
        return None
    token = new_token()
    db.add(
        PasswordReset(token_hash=digest(token), user_id=user.id, expires_at=utcnow() + RESET_VALID)
    )
    db.flush()
    return token


def end_resets(db: Session, user: User, keep: str | None = None) -> None:
    """Delete the account's reset tokens not used yet (but ``keep``, a token hash): once
    the password has changed, an older link asked for before must not change it again."""
    condition = (PasswordReset.user_id == user.id) & PasswordReset.used_at.is_(None)
    if keep:
        condition = condition & (PasswordReset.token_hash != keep)
    db.execute(delete(PasswordReset).where(condition))


def reset_password(db: Session, token: str, password: str) -> User:
    """Set a new password with a reset token (used once); ends every session and API token
    of the account, and every other reset link not used yet."""
    row = db.get(PasswordReset, digest(token or ""))
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        raise AccountError("This reset link is invalid or has expired; ask for a new one.")
    user = db.get(User, row.user_id)
    user.password_hash = hash_password(password)
    row.used_at = utcnow()
    end_resets(db, user, keep=row.token_hash)
    db.execute(delete(WebSession).where(WebSession.user_id == user.id))
    revoke_all_api_tokens(db, user)
    db.execute(delete(LoginFailure).where(LoginFailure.key == f"email:{user.email}"))
    return user


def change_password(
    db: Session,
    user: User,
    current: str,
    new: str,
    *,
    keep_session: str | None = None,
    client: str | None = None,
    limit: int = 5,
    window_s: float = 900.0,
) -> User:
    """Set a new password for a signed-in user who gives the current one.

    The current password is checked as a sign-in is (:func:`authenticate`: its failures
    count towards the same rate limit, and a locked account stays locked). Like a reset, it
    ends every other browser session and every API token of the account; the session whose
    token is ``keep_session`` (the one asking) stays signed in; reset links not used yet
    stop working."""
    try:
        user = authenticate(db, user.email, current, client=client, limit=limit, window_s=window_s)
    except RateLimited:
        raise
    except AccountError:
        raise AccountError(
            "That is not your current password; the password was not changed."
        ) from None
    user.password_hash = hash_password(new)
    end_resets(db, user)
    others = delete(WebSession).where(WebSession.user_id == user.id)
    if keep_session:
        others = others.where(WebSession.token_hash != digest(keep_session))
    db.execute(others)
    revoke_all_api_tokens(db, user)
    log.info("password changed for %r; other sessions and API tokens ended", user.email)
    return user


def get_user(db: Session, user_id: uuid.UUID | None) -> User | None:
    return db.get(User, user_id) if user_id else None
