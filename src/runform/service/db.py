"""The database: engine (SQLite in WAL mode by default), sessions and Alembic migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from runform.errors import RunformError

MIGRATIONS = Path(__file__).with_name("migrations")


def engine_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` use psycopg 3 (``postgresql+psycopg://``).

    >>> engine_url("postgres://u@db/runform")
    'postgresql+psycopg://u@db/runform'
    >>> engine_url("sqlite:///x.db")
    'sqlite:///x.db'
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout so the web
    threads and the worker share the file."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    # pool_pre_ping: a connection the server dropped (a restart) is replaced, not used.
    return create_engine(engine_url(url), pool_pre_ping=True, pool_recycle=1800)


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (creates it on first start)."""
    from alembic import command

    config = alembic_config(str(engine.url.render_as_string(hide_password=False)))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class DatabaseUnavailable(RunformError):
    """The database cannot be reached (the message is the sentence to show)."""


class Database:
    """Engine plus a session factory."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed at the end of the block, rolled back on error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def check(self) -> None:
        """Connect once, so a server that cannot reach its database says so in one sentence
        (:class:`DatabaseUnavailable`) before it claims to serve."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except DBAPIError as exc:
            # the driver's first line, its last clause: "Connection refused", "unable to
            # open database file", "password authentication failed for user ..."
            lines = str(exc.orig or exc).strip().splitlines() or [type(exc.orig).__name__]
            reason = lines[0].rsplit(": ", 1)[-1].strip().rstrip(".")
            where = make_url(self.url).render_as_string(hide_password=True)
            raise DatabaseUnavailable(
                f"The database {where} cannot be reached ({reason}); start it, or correct "
                "RUNFORM_DATABASE_URL, and run the command again."
            ) from None

    def migrate(self) -> None:
        migrate(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
