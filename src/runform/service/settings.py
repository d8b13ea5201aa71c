"""Settings of the service, from arguments first, then ``RUNFORM_*`` environment variables.

========================  ==================================================  =====================
variable                  meaning                                             default
========================  ==================================================  =====================
``RUNFORM_DATA_DIR``      folder for the database, queue, secret and files    ``./runform-data``
``RUNFORM_DATABASE_URL``  SQLAlchemy URL                                      SQLite in the folder
``RUNFORM_SECRET_KEY``    key signing cookies and tokens                      generated, stored in
                                                                              ``DATA_DIR/secret_key``
``RUNFORM_MAX_UPLOAD_MB`` largest video accepted                              500
``RUNFORM_MAX_PENDING_JOBS`` analyses one user may have waiting or running      4
``RUNFORM_API_TOKEN_DAYS`` days an API token works after it is made             90
``RUNFORM_SIGNUP``        ``on``/``off``: anyone may create an account        on
``RUNFORM_SECURE_COOKIES`` ``on`` behind HTTPS                                on when ``PUBLIC_URL``
                                                                              is ``https://``
``RUNFORM_PUBLIC_URL``    the address users open; links in e-mails, invites   the request's own
                          and calendars are built from it (required with      address
                          ``RUNFORM_SMTP_HOST``)
``RUNFORM_TRUSTED_PROXIES`` addresses of the reverse proxies whose            none
                          ``X-Forwarded-For`` gives the client's address
========================  ==================================================  =====================

The secret key is never logged or printed.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from runform.errors import OptionError

DEFAULT_DATA_DIR = "runform-data"
DEFAULT_MAX_UPLOAD_MB = 500.0
DEFAULT_MAX_PENDING_JOBS = 4
DEFAULT_API_TOKEN_DAYS = 90
SECRET_FILE = "secret_key"

_TRUE = {"1", "on", "true", "yes"}
_FALSE = {"0", "off", "false", "no"}


def _flag(name: str, value: str) -> bool:
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise OptionError(f"{name}={value!r} must be on or off.")


@dataclass
class Settings:
    """Everything the service needs to run.

    ``analyze`` is the hook the worker calls to analyse one video (default: the real
    :func:`runform.pipeline.video.analyze_video` chain, see
    :func:`runform.service.jobs.default_analyze`); tests pass a lighter one.
    ``worker``: ``"embedded"`` runs the Huey consumer in the web server's process,
    ``"immediate"`` runs each job at once in the enqueuing thread (tests), ``"none"`` only
    queues (a separate consumer would run them).
    """

    data_dir: Path
    database_url: str
    secret_key: str = field(repr=False)
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB
    #: Analyses one user may have queued or running at once: an upload (or a try again)
    #: past it is refused with a 429 before its body is read, so one account cannot fill
    #: the queue and the disk.
    max_pending_jobs: int = DEFAULT_MAX_PENDING_JOBS
    #: Days an API token works after it is made (then 401, and a new one is asked for
    #: with the password); a leaked token stops working by itself.
    api_token_days: int = DEFAULT_API_TOKEN_DAYS
    signup: bool = True
    #: ``Secure`` cookies (sent over HTTPS only). ``None``: on when :attr:`public_url` is an
    #: ``https://`` address (a server users open over HTTPS should never send its session
    #: cookie in clear), else off (a laptop's ``http://127.0.0.1``).
    secure_cookies: bool | None = None
    worker: str = "embedded"
    worker_threads: int = 1
    heartbeat_s: float = 5.0
    stale_after_s: float = 120.0
    max_attempts: int = 3
    login_limit: int = 5
    login_window_s: float = 900.0
    analyze: Callable | None = field(default=None, repr=False)
    #: Outgoing mail for password resets (``RUNFORM_SMTP_*``); without a host the reset link
    #: goes to the server log. The password is never shown in ``repr`` or logs.
    #: ``redis://host:port/db``: jobs go through Redis (``runform worker`` on any machine);
    #: ``None``: the SQLite queue file in the data folder.
    queue_url: str | None = None
    #: ``s3://bucket/prefix``: uploads and results in S3-compatible object storage
    #: (endpoint and credentials from boto3's usual settings); ``None``: the data folder.
    storage_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str = "runform@localhost"
    smtp_starttls: bool = True
    #: The address users open (``https://runs.example.org``): links sent out (reset e-mails,
    #: invitations, calendar links) are built from it, never from the request's ``Host``
    #: header, which a client chooses. Required when mail goes out.
    public_url: str | None = None
    #: Reverse proxies (addresses, comma-separated) trusted to say the client's address in
    #: ``X-Forwarded-For``; without them every user behind the proxy shares its address and
    #: the per-address sign-in limit would lock them all out at once.
    trusted_proxies: str | None = None

    def __post_init__(self) -> None:
        if self.public_url is not None:
            self.public_url = _public_url(self.public_url)
        if self.secure_cookies is None:
            self.secure_cookies = bool(self.public_url and self.public_url.startswith("https://"))
        if self.smtp_host and not self.public_url:
            raise OptionError(
                "RUNFORM_SMTP_HOST is set but RUNFORM_PUBLIC_URL is not: set it to the address "
                "users open (e.g. https://runs.example.org), since reset links sent by e-mail "
                "are built from it and never from the request."
            )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def queue_path(self) -> Path:
        return self.data_dir / "queue.db"

    @classmethod
    def load(
        cls,
        data_dir: str | os.PathLike | None = None,
        *,
        env: Mapping[str, str] | None = None,
        create: bool = True,
        **overrides,
    ) -> Settings:
        """Settings from arguments, then the environment, then defaults.

        With ``create`` the data folder is made and, when no secret key is configured, one is
        generated once and kept in ``DATA_DIR/secret_key`` (mode 0600)."""
        env = os.environ if env is None else env
        folder = Path(data_dir or env.get("RUNFORM_DATA_DIR") or DEFAULT_DATA_DIR).expanduser()
        folder = folder.resolve()
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        url = env.get("RUNFORM_DATABASE_URL") or f"sqlite:///{folder / 'runform.db'}"
        secret = env.get("RUNFORM_SECRET_KEY") or _stored_secret(folder, create)
        raw_mb = env.get("RUNFORM_MAX_UPLOAD_MB")
        max_mb = DEFAULT_MAX_UPLOAD_MB
        if raw_mb:
            try:
                max_mb = float(raw_mb)
            except ValueError:
                max_mb = -1.0
            if not max_mb > 0:
                raise OptionError(
                    f"RUNFORM_MAX_UPLOAD_MB={raw_mb!r} must be a positive number of megabytes."
                )
        raw_pending = env.get("RUNFORM_MAX_PENDING_JOBS")
        max_pending = DEFAULT_MAX_PENDING_JOBS
        if raw_pending:
            if not (raw_pending.strip().isdigit() and int(raw_pending) > 0):
                raise OptionError(
                    f"RUNFORM_MAX_PENDING_JOBS={raw_pending!r} must be a whole number of "
                    "analyses, 1 or more."
                )
            max_pending = int(raw_pending)
        raw_days = env.get("RUNFORM_API_TOKEN_DAYS")
        token_days = DEFAULT_API_TOKEN_DAYS
        if raw_days:
            if not (raw_days.strip().isdigit() and 1 <= int(raw_days) <= 3650):
                raise OptionError(
                    f"RUNFORM_API_TOKEN_DAYS={raw_days!r} must be a whole number of days "
                    "from 1 to 3650."
                )
            token_days = int(raw_days)
        signup = (
            _flag("RUNFORM_SIGNUP", env["RUNFORM_SIGNUP"]) if env.get("RUNFORM_SIGNUP") else True
        )
        secure = (
            _flag("RUNFORM_SECURE_COOKIES", env["RUNFORM_SECURE_COOKIES"])
            if env.get("RUNFORM_SECURE_COOKIES")
            else None
        )
        smtp_port = env.get("RUNFORM_SMTP_PORT") or "587"
        if not smtp_port.isdigit():
            raise OptionError(f"RUNFORM_SMTP_PORT={smtp_port!r} must be a port number, e.g. 587.")
        timing = {}
        for name, key in (("RUNFORM_HEARTBEAT_S", "heartbeat_s"),
                          ("RUNFORM_STALE_AFTER_S", "stale_after_s")):  # fmt: skip
            if env.get(name):
                try:
                    timing[key] = float(env[name])
                except ValueError:
                    timing[key] = -1.0
                if not timing[key] > 0:
                    raise OptionError(f"{name}={env[name]!r} must be a positive number of seconds.")
        hook = env.get("RUNFORM_ANALYZE_HOOK")
        if hook:
            timing["analyze"] = _load_hook(hook)
        values = dict(
            **timing,
            queue_url=env.get("RUNFORM_QUEUE_URL") or None,
            storage_url=env.get("RUNFORM_STORAGE_URL") or None,
            smtp_host=env.get("RUNFORM_SMTP_HOST") or None,
            smtp_port=int(smtp_port),
            smtp_user=env.get("RUNFORM_SMTP_USER") or None,
            smtp_password=env.get("RUNFORM_SMTP_PASSWORD") or None,
            smtp_from=env.get("RUNFORM_SMTP_FROM") or "runform@localhost",
            smtp_starttls=_flag("RUNFORM_SMTP_STARTTLS", env["RUNFORM_SMTP_STARTTLS"])
            if env.get("RUNFORM_SMTP_STARTTLS")
            else True,
            public_url=env.get("RUNFORM_PUBLIC_URL") or None,
            trusted_proxies=env.get("RUNFORM_TRUSTED_PROXIES") or None,
            data_dir=folder,
            database_url=url,
            secret_key=secret,
            max_upload_mb=max_mb,
            max_pending_jobs=max_pending,
            api_token_days=token_days,
            signup=signup,
            secure_cookies=secure,
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _public_url(value: str) -> str:
    """``RUNFORM_PUBLIC_URL`` checked: ``http(s)://host[:port][/path]``, no trailing slash."""
    from urllib.parse import urlsplit

    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise OptionError(
            f"RUNFORM_PUBLIC_URL={value!r} must be the address users open, such as "
            "https://runs.example.org."
        )
    return url


def _load_hook(spec: str) -> Callable:
    """``module:factory``: the analyse hook a worker calls instead of the real pipeline
    (``RUNFORM_ANALYZE_HOOK``, for tests and for sites with their own pipeline); the
    factory is called with no argument and returns ``(video, out_dir, options, progress)``."""
    import importlib

    module, _, name = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError):
        raise OptionError(
            f"RUNFORM_ANALYZE_HOOK={spec!r} names no function; write module:function."
        ) from None
    return factory()


def _stored_secret(folder: Path, create: bool) -> str:
    path = folder / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    if create:
        # O_EXCL: two processes starting at once keep the first key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip()
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key)
    return key
