"""Running for a club (issue 13): PostgreSQL, Redis-fed `runform worker` processes and S3
storage, on real servers started here (skipped with a reason when one is not installed),
and the faults a club meets: a worker killed mid-job, Redis restarted with jobs queued,
PostgreSQL restarted while the web app serves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from conftest_scaleout import postgres, redis_server, s3  # noqa: F401
from runform.service.models import Job
from runform.service.settings import Settings
from runform.service.testing import synthetic_analyze, tiny_video
from runform.web import create_app
from test_web import csrf_of, sign_up, upload

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    return tiny_video(tmp_path_factory.mktemp("clip") / "clip.mp4").read_bytes()


def app_with(tmp_path: Path, **overrides):
    overrides.setdefault("worker", "immediate")
    overrides.setdefault("analyze", synthetic_analyze())
    return create_app(Settings.load(tmp_path / "data", env={}, **overrides))


def job_states(app) -> list[tuple[str, int]]:
    with app.state.service.db.session() as s:
        return [(j.state, j.attempts) for j in s.query(Job).order_by(Job.created_at)]


# ---------------------------------------------------------------------------- PostgreSQL
def test_postgres_runs_the_same_migrations_and_flows(tmp_path, postgres, clip):  # noqa: F811
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from runform.service.models import Base

    app = app_with(tmp_path, database_url=postgres.url)
    with TestClient(app) as client:
        engine = app.state.service.db.engine
        assert engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        sign_up(client, "pg@club.org")
        page = upload(client, clip).headers["location"]
        assert client.get(f"{page}/status").json()["state"] == "done"
        analysis = page.rsplit("/", 1)[1]
        token = csrf_of(client, "/analyses")
        assert client.post("/course", data={"csrf_token": token, "analysis_id": analysis},
                           follow_redirects=False).status_code == 303  # fmt: skip
        assert "of 18 sessions done" in client.get("/course").text
        assert client.get(f"/analyses/{analysis}/files/analysis.json").status_code == 200


def test_postgres_restart_fails_cleanly_and_recovers_without_restarting_runform(
    tmp_path,
    postgres,  # noqa: F811
):
    app = app_with(tmp_path, database_url=postgres.url)
    with TestClient(app) as client:
        sign_up(client, "restart@club.org")
        assert client.get("/analyses").status_code == 200
        postgres.stop()
        try:
            down = client.get("/analyses")
            assert down.status_code == 503
            assert "The database is not reachable just now" in down.text
            assert "Traceback" not in down.text
            api = client.get("/api/v1/analyses", headers={"Authorization": "Bearer x"})
            assert api.status_code == 503 and api.json()["error"].startswith("The database")
        finally:
            postgres.start()
        deadline = time.monotonic() + 30
        while client.get("/analyses").status_code != 200:
            assert time.monotonic() < deadline, "did not recover"
            time.sleep(0.5)


# ---------------------------------------------------------------------------- Redis + workers
def start_worker(data_dir: Path, env: dict, concurrency: int = 1, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "runform", "worker", "--concurrency", str(concurrency),
         "--data-dir", str(data_dir), *extra],
        # the log goes to a file: a pipe nobody reads fills up and blocks the workers
        env={**os.environ, **env}, stdout=subprocess.DEVNULL,
        stderr=(data_dir.parent / "worker.log").open("ab"),
        start_new_session=True,
    )  # fmt: skip


def wait_jobs(app, predicate, seconds: float = 90.0) -> list[tuple[str, int]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        states = job_states(app)
        if predicate(states):
            return states
        time.sleep(0.3)
    raise AssertionError(f"jobs did not get there: {job_states(app)}")


def web_tier(tmp_path: Path, redis_url: str, hook: str):
    """The web app alone (it runs no job) on a SQLite file, and the environment that
    :func:`running_worker` gives a worker so that it shares the database, the queue and the
    files: ``(data_dir, env, app)``."""
    data = tmp_path / "data"
    env = {
        "RUNFORM_QUEUE_URL": redis_url,
        "RUNFORM_DATABASE_URL": f"sqlite:///{data / 'runform.db'}",
        "RUNFORM_ANALYZE_HOOK": f"runform.service.testing:{hook}",
        "RUNFORM_HEARTBEAT_S": "0.5",
        "RUNFORM_STALE_AFTER_S": "3",
        "RUNFORM_SECRET_KEY": "test-secret",
    }
    return data, env, create_app(Settings.load(data, env=env, worker="none"))


@contextmanager
def running_worker(
    data_dir: Path, env: dict, concurrency: int = 1, *extra: str
) -> Iterator[subprocess.Popen]:
    """``runform worker`` for the length of the block, then stopped as a deploy stops it
    (SIGTERM): it must exit cleanly within a minute."""
    worker = start_worker(data_dir, env, concurrency, *extra)
    try:
        yield worker
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=60)
    assert code == 0, f"runform worker exited with {code} on SIGTERM"


def test_web_alone_and_a_worker_process_through_redis(tmp_path, redis_server, clip):  # noqa: F811
    data, env, app = web_tier(tmp_path, redis_server.url, "quick_synthetic_analyze")
    with TestClient(app) as client:
        sign_up(client, "redis@club.org")
        for _ in range(3):
            upload(client, clip)
        assert [s for s, _ in job_states(app)] == ["queued"] * 3  # the web tier runs nothing
        with running_worker(data, env, concurrency=2):
            states = wait_jobs(app, lambda st: all(s == "done" for s, _ in st))
        assert states == [("done", 1)] * 3


def test_redis_restart_with_jobs_queued_loses_nothing(tmp_path, redis_server, clip):  # noqa: F811
    data, env, app = web_tier(tmp_path, redis_server.url, "quick_synthetic_analyze")
    with TestClient(app) as client:
        sign_up(client, "lost@club.org")
        upload(client, clip)
        upload(client, clip)
        redis_server.stop()  # no persistence: the broker forgets both messages
        redis_server.start()
        assert app.state.service.queue.pending() == 0
        with running_worker(data, env):
            states = wait_jobs(app, lambda st: all(s == "done" for s, _ in st))
        assert states == [("done", 1)] * 2


def test_a_worker_killed_mid_job_is_replaced_and_the_job_finishes_once(
    tmp_path,
    redis_server,  # noqa: F811
    clip,
):
    data, env, app = web_tier(tmp_path, redis_server.url, "slow_synthetic_analyze")
    with TestClient(app) as client:
        sign_up(client, "killed@club.org")
        analysis = upload(client, clip).headers["location"].rsplit("/", 1)[1]
        first = start_worker(data, env)
        wait_jobs(app, lambda st: st and st[0][0] == "running", 60)
        os.killpg(first.pid, signal.SIGKILL)  # no goodbye: the heartbeat just stops
        first.wait(timeout=30)
        assert job_states(app) == [("running", 1)]
        with running_worker(data, env):
            states = wait_jobs(app, lambda st: st[0][0] == "done", 120)
        assert states == [("done", 2)]  # picked up again, finished once
        outputs = sorted(
            p.name for p in (data / "files" / "analyses" / analysis / "output").iterdir()
        )
        assert outputs.count("analysis.json") == 1
        assert client.get(f"/analyses/{analysis}/files/analysis.json").status_code == 200


def test_sigterm_to_a_worker_mid_job_lets_the_job_finish_first(
    tmp_path,
    redis_server,  # noqa: F811
    clip,
):
    """A club restarts its workers (a deploy): SIGTERM stops `runform worker` only after the
    job in progress is done, and that job is not run again."""
    data, env, app = web_tier(tmp_path, redis_server.url, "slow_synthetic_analyze")
    with TestClient(app) as client:
        sign_up(client, "deploy@club.org")
        upload(client, clip)
        with running_worker(data, env):  # SIGTERM as soon as the job runs
            wait_jobs(app, lambda st: st and st[0][0] == "running", 60)
        assert job_states(app) == [("done", 1)]


# ---------------------------------------------------------------------------- S3
def test_s3_storage_holds_uploads_and_results_and_serves_ranges(tmp_path, s3, clip):  # noqa: F811
    import boto3

    app = app_with(tmp_path, storage_url=s3)
    bucket = boto3.client("s3")
    with TestClient(app) as client:
        sign_up(client, "s3@club.org")
        page = upload(client, clip).headers["location"]
        analysis = page.rsplit("/", 1)[1]
        assert client.get(f"{page}/status").json()["state"] == "done"
        keys = [o["Key"] for o in bucket.list_objects_v2(Bucket="runform-test").get("Contents", [])]
        assert any(k.startswith(f"club/analyses/{analysis}/input/") for k in keys)
        assert f"club/analyses/{analysis}/output/analysis.json" in keys
        assert not (tmp_path / "data" / "files" / "analyses").exists()  # nothing local
        video = client.get(
            f"/analyses/{analysis}/files/annotated.mp4", headers={"Range": "bytes=10-109"}
        )
        assert video.status_code == 206 and len(video.content) == 100
        assert video.headers["content-range"].startswith("bytes 10-109/")
        assert video.content == clip[10:110]
        whole = client.get(f"/analyses/{analysis}/files/annotated.mp4")
        assert whole.status_code == 200 and whole.content == clip
        token = csrf_of(client, "/analyses")
        client.post(f"/analyses/{analysis}/delete", data={"csrf_token": token})
        keys = [o["Key"] for o in bucket.list_objects_v2(Bucket="runform-test").get("Contents", [])]
        assert not any(analysis in k for k in keys)


@pytest.mark.parametrize("per_process", [1, 0])
def test_each_job_gets_a_fresh_worker_process_unless_told_otherwise(
    tmp_path,
    redis_server,  # noqa: F811
    clip,
    per_process,
):
    """Memory never builds up from job to job: by default every job runs in a new worker
    process (the supervisor replaces a process after its job); ``--jobs-per-process 0``
    keeps one process for all."""
    data, env, app = web_tier(tmp_path, redis_server.url, "pid_recording_analyze")
    with TestClient(app) as client:
        sign_up(client, "fresh@club.org")
        for _ in range(3):
            upload(client, clip)
        with running_worker(data, env, 1, "--jobs-per-process", str(per_process)) as worker:
            states = wait_jobs(app, lambda st: all(s == "done" for s, _ in st), 120)
        assert states == [("done", 1)] * 3  # each ran once
        pids = {p.read_text() for p in (data / "files").rglob("worker_pid.txt")}
        assert len(pids) == (3 if per_process == 1 else 1)
        assert str(worker.pid) not in pids or per_process == 0
