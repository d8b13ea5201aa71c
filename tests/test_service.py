"""The service layer of `runform serve`: settings, migrations, accounts, jobs, storage, CLI."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect, select, update

from runform.errors import AnalysisError, OptionError
from runform.service import accounts, jobs
from runform.service.core import Service
from runform.service.models import FAILED, QUEUED, RUNNING, AnalysisRecord, Job, User, utcnow
from runform.service.settings import Settings
from runform.service.storage import LocalStorage, StorageKeyError
from runform.service.testing import failing_analyze, synthetic_analyze, tiny_video
from runform.service.uploads import ReceivedUpload, UploadError

ROOT = Path(__file__).resolve().parents[1]
#: The console script runs `runform.cli:main` (as installed).
RUNFORM = [sys.executable, "-c", "import sys; from runform.cli import main; sys.exit(main())"]


def make_service(tmp_path: Path, **overrides) -> Service:
    overrides.setdefault("worker", "none")
    settings = Settings.load(tmp_path / "data", env={}, **overrides)
    service = Service(settings)
    service.start()
    return service


@pytest.fixture
def service(tmp_path):
    svc = make_service(tmp_path, analyze=synthetic_analyze())
    yield svc
    svc.stop()


def add_user(
    service: Service, email="runner@example.org", password="long enough", role="runner"
) -> User:
    with service.db.session() as s:
        return accounts.create_user(s, email, password, role=role)


def submit_video(
    service: Service, user: User, tmp_path: Path, key=None
) -> tuple[AnalysisRecord, Job]:
    analysis_id = uuid.uuid4()
    upload_key = f"{jobs.input_prefix(analysis_id)}/video.mp4"
    tiny = tiny_video(tmp_path / f"{analysis_id}.mp4")
    with service.storage.writer(upload_key) as out:
        out.write(tiny.read_bytes())
    received = ReceivedUpload(filename="clip.mp4", key=upload_key, size=tiny.stat().st_size)
    record, job, _ = service.submit(user, received, analysis_id, {"height_cm": 178.0}, key)
    return record, job


# ---------------------------------------------------------------------------- settings
def test_settings_from_env_and_generated_secret(tmp_path):
    env = {
        "RUNFORM_DATA_DIR": str(tmp_path / "d"),
        "RUNFORM_MAX_UPLOAD_MB": "12.5",
        "RUNFORM_SIGNUP": "off",
    }
    settings = Settings.load(env=env)
    assert settings.data_dir == (tmp_path / "d").resolve()
    assert settings.database_url == f"sqlite:///{settings.data_dir / 'runform.db'}"
    assert settings.max_upload_bytes == int(12.5 * 1024 * 1024)
    assert settings.signup is False
    secret_file = settings.data_dir / "secret_key"
    assert secret_file.read_text() == settings.secret_key and len(settings.secret_key) >= 32
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert settings.secret_key not in repr(settings)
    # the stored key is kept across starts; an explicit one wins
    assert Settings.load(env=env).secret_key == settings.secret_key
    assert Settings.load(env={**env, "RUNFORM_SECRET_KEY": "k" * 40}).secret_key == "k" * 40
    with pytest.raises(OptionError, match="RUNFORM_SIGNUP"):
        Settings.load(env={**env, "RUNFORM_SIGNUP": "maybe"})
    with pytest.raises(OptionError, match="RUNFORM_MAX_UPLOAD_MB"):
        Settings.load(env={**env, "RUNFORM_MAX_UPLOAD_MB": "-3"})


def test_migrations_create_the_models_schema(service):
    tables = set(inspect(service.db.engine).get_table_names())
    assert {"users", "web_sessions", "api_tokens", "password_resets", "login_failures",
            "analyses", "jobs", "alembic_version"} <= tables  # fmt: skip
    with service.db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    # the migrations and the models agree (nothing left for autogenerate to add)
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from runform.service.models import Base

    with service.db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    service.db.migrate()  # running again is a no-op


# ---------------------------------------------------------------------------- accounts
def test_passwords_are_argon2_and_accounts_checked(service):
    user = add_user(service, email="  Runner@Example.ORG ")
    assert user.email == "runner@example.org"
    assert user.password_hash.startswith("$argon2id$")
    with pytest.raises(accounts.AccountError, match="already exists"):
        add_user(service, email="runner@example.org")
    with pytest.raises(accounts.AccountError, match="at least 8"):
        add_user(service, email="b@example.org", password="short")
    with pytest.raises(accounts.AccountError, match="valid e-mail"):
        add_user(service, email="not-an-email")
    with service.db.session() as s:
        assert accounts.authenticate(s, "RUNNER@example.org", "long enough").id == user.id
    with (
        service.db.session() as s,
        pytest.raises(accounts.AccountError, match="Wrong e-mail or password"),
    ):
        accounts.authenticate(s, "runner@example.org", "wrong password")


def test_login_rate_limit_blocks_even_the_right_password(service, caplog):
    add_user(service)
    caplog.set_level(logging.INFO, logger="runform.service.accounts")
    for _ in range(service.settings.login_limit):
        with service.db.session() as s, pytest.raises(accounts.AccountError):
            accounts.authenticate(s, "runner@example.org", "bad guess", client="1.2.3.4")
    with service.db.session() as s, pytest.raises(accounts.RateLimited, match="Too many failed"):
        accounts.authenticate(s, "runner@example.org", "long enough", client="1.2.3.4")
    # failures and the block are logged (for fail2ban and the operator), never a password
    messages = [r.getMessage() for r in caplog.records]
    assert sum("failed sign-in for 'runner@example.org' from 1.2.3.4" in m for m in messages) == 5
    assert any("refused by the rate limit (email)" in m for m in messages)
    assert not any("bad guess" in m or "long enough" in m for m in messages)
    # the window passes: the right password works again
    with service.db.session() as s:
        accounts.authenticate(
            s, "runner@example.org", "long enough", client="1.2.3.4", window_s=0.0
        )


def test_reset_token_is_single_use_and_ends_sessions(service):
    user = add_user(service)
    with service.db.session() as s:
        session_token, _ = accounts.start_session(s, user)
        api_token = accounts.issue_api_token(s, user)
        assert accounts.request_reset(s, "nobody@example.org") is None
        token = accounts.request_reset(s, "runner@example.org")
    with service.db.session() as s:
        accounts.reset_password(s, token, "a new password")
    with service.db.session() as s:
        assert accounts.load_session(s, session_token) is None
        assert accounts.user_for_api_token(s, api_token) is None
        assert accounts.authenticate(s, "runner@example.org", "a new password").id == user.id
    with (
        service.db.session() as s,
        pytest.raises(accounts.AccountError, match="invalid or has expired"),
    ):
        accounts.reset_password(s, token, "another password")


# ---------------------------------------------------------------------------- storage
def test_storage_refuses_keys_leaving_its_folder(tmp_path):
    storage = LocalStorage(tmp_path / "files")
    for key in ("../x", "a/../../x", "/etc/passwd", "a//b", ".hidden", ""):
        with pytest.raises(StorageKeyError):
            storage.path(key)
    with storage.writer("a/b/c.bin") as out:
        out.write(b"123")
    assert storage.list("a") == ["a/b/c.bin"] and storage.size("a/b/c.bin") == 3
    storage.delete_prefix("a")
    assert not (tmp_path / "files" / "a").exists()


# ---------------------------------------------------------------------------- options
def test_options_are_checked_with_the_engine_rules():
    assert jobs.parse_options({"capture_fps": "240", "treadmill_speed": "2,8", "height_cm": ""}) == {
        "capture_fps": 240.0, "treadmill_speed_mps": 2.8, "height_cm": None,
    }  # fmt: skip
    with pytest.raises(OptionError, match=r"height \(cm\) 300 is not a human height"):
        jobs.parse_options({"height_cm": "300"})
    with pytest.raises(OptionError, match="capture frame rate must be a number"):
        jobs.parse_options({"capture_fps": "fast"})
    # the treadmill speed in any unit the CLI reads; a bare 12 asks for the unit
    assert jobs.parse_options({"treadmill_speed": "11.5 km/h"})["treadmill_speed_mps"] == (
        pytest.approx(11.5 / 3.6)
    )
    assert jobs.parse_options({"treadmill_speed": "5:00/km"})["treadmill_speed_mps"] == (
        pytest.approx(1000 / 300)
    )
    with pytest.raises(OptionError, match="write the unit, for example 12km/h"):
        jobs.parse_options({"treadmill_speed": "12"})


# ---------------------------------------------------------------------------- jobs
def test_job_runs_once_and_records_progress(service, tmp_path):
    user = add_user(service)
    record, job = submit_video(service, user, tmp_path)
    assert job.state == QUEUED
    assert jobs.run_job(service, job.id) == "done"
    assert jobs.run_job(service, job.id) is None  # idempotent: a second message does nothing
    with service.db.session() as s:
        done = s.get(Job, job.id)
    assert (done.state, done.progress, done.attempts, done.error) == ("done", 1.0, 1, None)
    assert done.heartbeat_at is not None and done.finished_at >= done.started_at
    names = service.storage.list(jobs.output_prefix(record.id))
    assert f"{jobs.output_prefix(record.id)}/analysis.json" in names


def test_engine_failure_gives_the_sentence_and_no_half_outputs(tmp_path):
    error = AnalysisError("Only 1 step was found on the left side; film at least 10 s of running.")
    service = make_service(tmp_path, analyze=failing_analyze(error))
    try:
        user = add_user(service)
        record, job = submit_video(service, user, tmp_path)
        assert jobs.run_job(service, job.id) == FAILED
        with service.db.session() as s:
            failed = s.get(Job, job.id)
        assert failed.error == str(error)
        assert service.storage.list(jobs.output_prefix(record.id)) == []
        assert service.storage.exists(record.video_key)  # kept, to try again
        retry = service.retry(record)
        assert retry.id != job.id and retry.state == QUEUED
    finally:
        service.stop()


def test_a_crash_is_not_shown_as_a_traceback(tmp_path):
    service = make_service(tmp_path, analyze=failing_analyze(ZeroDivisionError("x")))
    try:
        _, job = submit_video(service, add_user(service), tmp_path)
        assert jobs.run_job(service, job.id) == FAILED
        with service.db.session() as s:
            assert s.get(Job, job.id).error == jobs.CRASH_SENTENCE
    finally:
        service.stop()


def test_stale_heartbeat_requeues_then_fails_after_max_attempts(service, tmp_path):
    _, job = submit_video(service, add_user(service), tmp_path)
    old = utcnow() - timedelta(seconds=service.settings.stale_after_s + 5)
    for attempt in range(1, service.settings.max_attempts + 1):
        with service.db.session() as s:  # a worker claimed it, then died
            s.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(state=RUNNING, attempts=attempt, heartbeat_at=old)
            )
        requeued = jobs.sweep_stale(service)
        with service.db.session() as s:
            state = s.get(Job, job.id).state
        if attempt < service.settings.max_attempts:
            assert requeued == [job.id] and state == QUEUED
        else:
            assert requeued == [] and state == FAILED
    with service.db.session() as s:
        assert "stopped unexpectedly 3 times" in s.get(Job, job.id).error
    # a fresh heartbeat is left alone
    with service.db.session() as s:
        s.execute(update(Job).where(Job.id == job.id).values(state=RUNNING, heartbeat_at=utcnow()))
    assert jobs.sweep_stale(service) == []


def test_deleting_while_running_stops_the_job_and_leaves_no_files(tmp_path):
    holder: dict = {}

    def analyze(video, out_dir, options, progress):
        (out_dir / "pose.csv").write_text("time\n")
        holder["service"].delete_analysis(holder["record"])
        progress("pose", 0.5, "")  # the job notices here
        raise AssertionError("not reached")

    service = make_service(tmp_path, analyze=analyze)
    try:
        record, job = submit_video(service, add_user(service), tmp_path)
        holder.update(service=service, record=record)
        assert jobs.run_job(service, job.id) is None
        assert not (service.storage.root / jobs.analysis_prefix(record.id)).exists()
        with service.db.session() as s:
            assert s.scalar(select(AnalysisRecord).where(AnalysisRecord.id == record.id)) is None
    finally:
        service.stop()


def test_refused_video_leaves_nothing(service, tmp_path):
    user = add_user(service)
    analysis_id = uuid.uuid4()
    key = f"{jobs.input_prefix(analysis_id)}/video.mp4"
    with service.storage.writer(key) as out:
        out.write(b"this is text, not a video")
    with pytest.raises(UploadError, match=r"^holiday\.mp4 is not a video runform can read"):
        service.submit(
            user, ReceivedUpload(filename="holiday.mp4", key=key, size=25), analysis_id, {}
        )
    assert not (service.storage.root / jobs.analysis_prefix(analysis_id)).exists()
    with service.db.session() as s:
        assert s.scalars(select(Job)).all() == []


def test_same_submit_key_gives_the_same_analysis(service, tmp_path):
    user = add_user(service)
    first, job1 = submit_video(service, user, tmp_path, key="form-1")
    second, job2 = submit_video(service, user, tmp_path, key="form-1")
    assert (second.id, job2.id) == (first.id, job1.id)
    assert [p.name for p in (service.storage.root / "analyses").iterdir()] == [str(first.id)]


# ---------------------------------------------------------------------------- CLI
def _cli(*args, env=None, stdin=None, timeout=60):
    return subprocess.run(
        [*RUNFORM, *args], input=stdin, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=timeout, cwd=ROOT,
    )  # fmt: skip


def test_cli_users_create_with_password_from_stdin(tmp_path):
    data = tmp_path / "data"
    done = _cli("users", "create", "Coach@Example.org", "--role", "coach", "--password-stdin",
                "--data-dir", str(data), stdin="a coach password\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "created coach coach@example.org" in done.stdout
    assert "a coach password" not in done.stdout + done.stderr
    service = make_service(tmp_path)
    try:
        with service.db.session() as s:
            assert accounts.authenticate(s, "coach@example.org", "a coach password").role == "coach"
    finally:
        service.stop()
    again = _cli("users", "create", "coach@example.org", "--password-stdin", "--data-dir", str(data),
                 stdin="whatever123\n")  # fmt: skip
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = _cli("users", "create", "x@example.org", "--role", "boss", "--password-stdin",
               "--data-dir", str(data), stdin="whatever123\n")  # fmt: skip
    assert bad.returncode == 2 and "--role must be one of runner, coach, admin" in bad.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_cli_serve_starts_migrates_and_prints_the_url(tmp_path):
    port = _free_port()
    data = tmp_path / "served"
    process = subprocess.Popen(
        [*RUNFORM, "serve", "--port", str(port), "--data-dir", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "RUNFORM_SIGNUP": "off", "COLUMNS": "200"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        signup = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/users",
            json={"email": "a@b.org", "password": "12345678"},
        )
        assert signup.status_code == 403  # RUNFORM_SIGNUP=off reached the server
        assert (data / "runform.db").exists() and (data / "secret_key").exists()
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert f"runform is serving at http://127.0.0.1:{port}/" in out
    secret = (data / "secret_key").read_text()
    assert secret not in out + err


def test_the_worker_decodes_no_more_frames_than_an_upload_may_have(tmp_path, monkeypatch):
    """The upload's check reads the header (``uploads.check_video_size``), which may state
    no length or a false one: the worker's decoding stops past the same limit, and the job
    fails with the sentence, naming no server path."""
    from runform.errors import InputError
    from runform.pose.video import VideoReader
    from runform.service.uploads import MAX_VIDEO_FRAMES
    from test_video_helpers import EXAMPLE

    assert jobs.WORKER_PROFILE["max_frames"] == MAX_VIDEO_FRAMES
    monkeypatch.setitem(jobs.WORKER_PROFILE, "max_frames", 40)
    seen: list[int | None] = []
    real_init = VideoReader.__init__

    def spy(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        seen.append(self.max_frames)

    monkeypatch.setattr(VideoReader, "__init__", spy)
    with pytest.raises(InputError, match="more than 40 frames") as info:
        jobs.default_analyze(EXAMPLE, tmp_path / "out", {}, lambda *a: None)
    assert seen and set(seen) == {40}
    assert str(tmp_path) not in str(info.value) and str(EXAMPLE) not in str(info.value)


def test_the_worker_analyses_an_upload_under_the_name_it_was_uploaded_with(tmp_path, monkeypatch):
    """The stored upload is ``video.mp4``; the report and analysis.json must name the
    runner's own file. The worker linked the upload under that name in a temporary folder
    (so analysis.json showed the temporary folder, and an error the link's path); it now
    passes ``display_name`` to ``analyze_video``. The footage is the synthetic runner drawn
    as a stick figure, and the pose the generator's own track (no pose model runs)."""
    import dataclasses
    import json

    import runform.pipeline.video as pipeline_video
    from runform.synthetic import RunnerSpec, synthetic_runner
    from test_render import encode, runner_frames

    run = synthetic_runner(RunnerSpec(facing="right"), fps=30, duration_s=4, px_per_m=150, seed=3)
    (tmp_path / "input").mkdir()
    stored = encode(tmp_path / "input" / "video.mp4", runner_frames(run.track), 30)
    meta = dataclasses.replace(run.track.meta, path=str(stored),
                               extra={**run.track.meta.extra, "video": {"path": str(stored)}})  # fmt: skip
    track = dataclasses.replace(run.track, meta=meta)
    monkeypatch.setattr(pipeline_video, "estimate_pose", lambda path, **kwargs: track)
    out = tmp_path / "out"
    options = {"video_name": "Tuesday run.MP4", "treadmill_speed_mps": 3.5}
    jobs.default_analyze(stored, out, options, lambda *a: None)
    doc = json.loads((out / "analysis.json").read_text())
    assert doc["input"]["path"] == "Tuesday run.MP4"
    assert doc["video"]["path"] == "Tuesday run.MP4"
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Tuesday run.MP4" in report and "video.mp4" not in report
    assert stored.exists() and (out / "annotated.mp4").exists()
    # without a name the stored one shows, as the library always did
    jobs.default_analyze(stored, tmp_path / "plain", {}, lambda *a: None)
    assert json.loads((tmp_path / "plain" / "analysis.json").read_text())["input"]["path"] == str(
        stored
    )
