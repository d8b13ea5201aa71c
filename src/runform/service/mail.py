"""Outgoing mail: the password-reset link, by SMTP when a server is configured
(``RUNFORM_SMTP_HOST`` and friends), else written to the server log for the operator."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

log = logging.getLogger("runform.service")


def reset_message(settings, to: str, link: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "Reset your runform password"
    message["From"] = settings.smtp_from
    message["To"] = to
    message.set_content(
        "Someone asked to reset the password of this runform account.\n\n"
        f"To choose a new password, open this link within one hour:\n{link}\n\n"
        "If it was not you, ignore this message: the password stays as it is.\n"
    )
    return message


def send_reset(settings, to: str, link: str) -> str:
    """Send the reset link; returns ``"smtp"``, ``"log"`` (no server configured) or
    ``"failed"`` (the server refused; logged without the password)."""
    if not settings.smtp_host:
        # No mail server on a laptop: the operator reads the link in the server log.
        log.warning("password reset link for %s (valid 1 hour): %s", to, link)
        return "log"
    message = reset_message(settings, to, link)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as server:
            if settings.smtp_starttls:
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password or "")
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error(
            "password reset mail to %s could not be sent through %s:%s (%s)",
            to, settings.smtp_host, settings.smtp_port, type(exc).__name__,
        )  # fmt: skip
        return "failed"
    log.info("password reset mail sent to %s", to)
    return "smtp"


__all__ = ["reset_message", "send_reset"]
