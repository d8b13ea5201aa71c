"""The service behind ``runform serve``: accounts, analyses, jobs, storage.

Everything here sits *above* :mod:`runform.pipeline` and calls its public functions; nothing
below the pipeline imports this package. :mod:`runform.web` is the HTTP layer on top.

- :mod:`~runform.service.settings` — settings from arguments and ``RUNFORM_*`` variables;
- :mod:`~runform.service.db`, :mod:`~runform.service.models` — SQLAlchemy 2 models, the
  engine (SQLite in WAL mode by default) and Alembic migrations;
- :mod:`~runform.service.storage` — where files live (a local folder by default);
- :mod:`~runform.service.accounts` — users, password hashing, sessions, API tokens,
  password-reset tokens, the login rate limit;
- :mod:`~runform.service.jobs` — the jobs table (the source of truth) and the job runner;
- :mod:`~runform.service.queue` — the Huey queue that only moves job ids;
- :mod:`~runform.service.core` — :class:`Service`, the bundle the web layer and CLI use.
"""

from runform.service.settings import Settings

__all__ = ["Settings"]
