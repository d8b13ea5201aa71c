"""``runform worker`` reaches the database, the queue and the storage before it takes a
job, as ``runform serve`` does (session 24): a setting that is wrong ends it in one
sentence with exit code 2, never a traceback, never a password or secret key; the
supervisor checks once before starting any worker process, so a wrong setting is not a
child replaced in a loop. With good settings it starts and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest_startcheck import TIMEOUT_S, UNREACHABLE_S3, refused_at_start

#: The three ways ``runform worker`` runs: a supervisor of worker processes, one process
#: with no supervisor, and a supervisor's child.
MODES = {
    "supervisor": ("--concurrency", "2"),
    "one process": ("--concurrency", "1", "--jobs-per-process", "0"),
    "child": ("--child",),
}


@pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())
def test_a_worker_without_its_bucket_says_so_in_one_sentence_and_exits(tmp_path, mode):
    said = refused_at_start("worker", *mode, "--data-dir", str(tmp_path), env=UNREACHABLE_S3)
    assert said.startswith(
        "error: The object store s3://club-videos/runform at http://127.0.0.1:1 cannot be reached ("
    ), said
    assert said.endswith("and run the command again.")
    assert "taking jobs" not in said  # the supervisor started no worker process
    assert UNREACHABLE_S3["AWS_SECRET_ACCESS_KEY"] not in said


def test_a_worker_whose_files_folder_cannot_be_written_says_so(tmp_path):
    (tmp_path / "files").write_text("a file where the folder should be")
    said = refused_at_start("worker", "--concurrency", "2", "--data-dir", str(tmp_path), env={})
    assert said == (
        f"error: The files folder {tmp_path / 'files'} cannot be written to (Not a directory); "
        "free some space or correct its permissions (or RUNFORM_DATA_DIR), and run the "
        "command again."
    )


@pytest.mark.parametrize(
    ("env", "start", "secret"),
    [
        ({"RUNFORM_DATABASE_URL": "postgresql://runform:db-secret@127.0.0.1:1/runform"},
         "error: The database postgresql://runform:***@127.0.0.1:1/runform cannot be reached (",
         "db-secret"),
        ({"RUNFORM_QUEUE_URL": "redis://:q-secret@127.0.0.1:1/0"},
         "error: The job queue redis://127.0.0.1:1 cannot be reached (", "q-secret"),
    ],
    ids=["database", "queue"],
)  # fmt: skip
def test_a_worker_without_its_database_or_queue_says_so(tmp_path, env, start, secret):
    said = refused_at_start("worker", "--concurrency", "2", "--data-dir", str(tmp_path), env=env)
    assert said.startswith(start), said
    assert said.endswith("and run the command again.") and "taking jobs" not in said
    assert secret not in said


def _migrated(database) -> bool:
    """Whether a worker process has migrated the SQLite database (it checks first)."""
    try:
        with sqlite3.connect(database) as connection:
            tables = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            return "alembic_version" in {name for (name,) in tables}
    except sqlite3.Error:
        return False


def test_a_worker_with_good_settings_starts_and_stops_on_sigterm(tmp_path):
    """The laptop's settings (SQLite, the queue file, the files folder): the supervisor's
    check passes and it says it is taking jobs, its worker process passes its own and
    migrates the database, and SIGTERM stops both with exit code 0."""
    data, log = tmp_path / "data", tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "runform", "worker", "--concurrency", "1",
             "--data-dir", str(data)],
            env={**os.environ, "RUNFORM_SECRET_KEY": "test-secret"},
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while not _migrated(data / "runform.db") and worker.poll() is None:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert worker.poll() is None, log.read_text()
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=60)
    said = " ".join(log.read_text().split())
    assert code == 0, said
    assert said.startswith("runform worker: 1 process taking jobs from the queue file in ")
    assert "error" not in said.lower() and "Traceback" not in said
