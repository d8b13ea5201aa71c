"""A ``runform`` command started as its own process that should refuse to start: the
start checks of ``runform serve`` and ``runform worker`` (the database, the queue and the
storage reached once, sessions 22-24). One place for the environment, the command line and
the time allowed, shared by the serve and the worker tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

#: Long enough for a loaded CI machine; an S3 endpoint that refuses fails in about 1.5 s.
TIMEOUT_S = 120
#: An S3 bucket behind an endpoint where nothing listens (a refused connection, one
#: attempt), with a secret key that must not appear in what the command prints.
UNREACHABLE_S3 = {
    "RUNFORM_STORAGE_URL": "s3://club-videos/runform", "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
    "AWS_ACCESS_KEY_ID": "AKIATESTTESTTEST", "AWS_SECRET_ACCESS_KEY": "s3-very-secret-key-value",
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1",
}  # fmt: skip


def refused_at_start(*args: str, env: Mapping[str, str]) -> str:
    """Run ``python -m runform ARGS`` with ``env`` over this process's environment (and a
    secret key, so none is written), expecting it to refuse to start.

    Parameters
    ----------
    *args
        The command line after ``runform`` (``"serve", "--port", "1", ...``).
    env
        The settings under test (``RUNFORM_*``, ``AWS_*``).

    Returns
    -------
    str
        Everything it printed (stdout, then stderr), every run of white space one space,
        so a sentence the console wrapped reads as one line. It has been checked to have
        exited with code 2 and printed no traceback.
    """
    done = subprocess.run(
        [sys.executable, "-m", "runform", *args],
        env={**os.environ, "RUNFORM_SECRET_KEY": "test-secret", **env},
        capture_output=True, text=True, timeout=TIMEOUT_S,
    )  # fmt: skip
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 2, f"exit code {done.returncode}, expected 2: {said}"
    assert "Traceback" not in said, said
    return said
