"""Outgoing mail: the password-reset link and the sign-up messages, by SMTP when a server
is configured (``RUNFORM_SMTP_HOST`` and friends), else written to the server log for the
operator.

With mail, sign-up is confirmed by e-mail (:func:`signup_message`), and a sign-up for an
address that already has an account mails its owner instead (:func:`account_exists_message`):
the page answers the same either way, so the form tells no one who has an account."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

log = logging.getLogger("runform.service")


def _message(settings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_from
    message["To"] = to
    message.set_content(body)
    return message


def reset_message(settings, to: str, link: str) -> EmailMessage:
    return _message(
        settings, to, "Reset your runform password",
        "Someone asked to reset the password of this runform account.\n\n"
        f"To choose a new password, open this link within one hour:\n{link}\n\n"
        "If it was not you, ignore this message: the password stays as it is.\n",
    )  # fmt: skip


def signup_message(settings, to: str, link: str) -> EmailMessage:
    """The link that finishes a sign-up (the password is chosen on its page)."""
    return _message(
        settings, to, "Finish making your runform account",
        "Someone asked to make a runform account with this e-mail address.\n\n"
        f"To choose your password and finish, open this link within one hour:\n{link}\n\n"
        "If it was not you, ignore this message: no account is made.\n",
    )  # fmt: skip


def account_exists_message(settings, to: str, login: str, reset: str) -> EmailMessage:
    """To the owner of an account, when someone signs up again with its address."""
    return _message(
        settings, to, "Your runform account",
        "Someone asked to make a runform account with this e-mail address, but it already "
        "has one.\n\n"
        f"To sign in: {login}\n"
        f"Forgotten the password? Choose a new one: {reset}\n\n"
        "If it was not you, ignore this message: nothing has changed.\n",
    )  # fmt: skip


def send(settings, message: EmailMessage, what: str) -> str:
    """Send ``message``; returns ``"smtp"``, ``"log"`` (no server configured: the message
    is written to the server log, for the operator) or ``"failed"`` (the server refused;
    logged without the password). ``what`` names it in the log ("password reset mail")."""
    to = message["To"]
    if not settings.smtp_host:
        # No mail server on a laptop: the operator reads the link in the server log.
        log.warning("%s for %s: %s", what, to, message.get_content().strip())
        return "log"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as server:
            if settings.smtp_starttls:
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password or "")
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error(
            "%s to %s could not be sent through %s:%s (%s)",
            what, to, settings.smtp_host, settings.smtp_port, type(exc).__name__,
        )  # fmt: skip
        return "failed"
    log.info("%s sent to %s", what, to)
    return "smtp"


def send_reset(settings, to: str, link: str) -> str:
    """Send the reset link (:func:`reset_message`) through :func:`send`, which writes the
    log lines: the link itself only when no server is configured (the operator hands it
    over), never when it is mailed or the server refuses. Returns what :func:`send`
    returns."""
    return send(settings, reset_message(settings, to, link), "password reset mail")


__all__ = [
    "account_exists_message",
    "reset_message",
    "send",
    "send_reset",
    "signup_message",
]
