"""Sign-up, shared by the page (``POST /signup``) and the API (``POST /api/v1/users``).

Without mail the account is made at once and an address that has one is told so (nothing
can hide it), with attempts rate-limited; with mail every address gets the same answer and
the message (:func:`signup_mail`) goes out after it, so the form tells no one who has an
account (docs/decisions.md, "Service (session 23)")."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request

from runform.service import accounts
from runform.service.mail import account_exists_message, signup_message
from runform.web import security

#: Roles anyone may sign up as (an admin is made with ``runform users create``).
SIGNUP_ROLES = ("runner", "coach")

#: The answer to a sign-up confirmed by e-mail, the same whether or not the address has an
#: account (``{email}`` is the address as typed, normalised).
SIGNUP_MAILED = (
    "A message has been sent to {email}: open the link in it within one hour to choose your "
    "password and finish. (If this address has an account already, the message says how to "
    "sign in instead.) Nothing there after a few minutes? Look in the spam folder."
)


def attempt_signup(service, email: str, password: str, role: str, client: str | None):
    """One sign-up attempt, counted first (:func:`accounts.limit_attempts`: per address and
    per client, whether or not the address has an account). With mail, whether the address
    has an account already (nothing is made until the mailed link's page); without, the new
    account. Blocking (Argon2 hashing): run it off the event loop.

    Raises ``RateLimited`` past the limit and ``AccountError`` for a role not in
    :data:`SIGNUP_ROLES` or an account that cannot be made."""
    settings = service.settings
    with service.db.session() as s:
        accounts.limit_attempts(s, "signup", email, client=client, limit=settings.login_limit,
                                window_s=settings.login_window_s)  # fmt: skip
        if role not in SIGNUP_ROLES:
            raise accounts.AccountError(
                "The role must be runner or coach; administrators are made from the shell."
            )
        if settings.smtp_host:
            return accounts.email_taken(s, email)
        return accounts.create_user(s, email, password, role)


def signup_mail(request: Request, email: str, role: str, target: str, taken: bool):
    """The message a sign-up confirmed by e-mail sends: the link that finishes it, or, when
    the address has an account already, a note to its owner with the sign-in and reset
    links (no token: nothing changes unless the owner acts)."""
    settings = request.app.state.service.settings
    if taken:
        login, forgot = (security.absolute_url(request, p) for p in ("/login", "/password/forgot"))
        return account_exists_message(
            settings, email, login, forgot
        ), "sign-up mail (has an account)"
    token = security.signup_token(request, email, role, target)
    link = security.absolute_url(request, f"/signup/confirm?{urlencode({'token': token})}")
    return signup_message(settings, email, link), "sign-up mail"


__all__ = ["SIGNUP_MAILED", "SIGNUP_ROLES", "attempt_signup", "signup_mail"]
