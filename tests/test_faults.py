"""Faults the service survives with nothing lost (issue 13): the web process killed in the
middle of an upload, a full disk and an unreachable object store while results are written.

The other faults (a worker killed mid-job, Redis and PostgreSQL restarted) are in
``tests/test_scaleout.py``.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest_scaleout import free_port, s3, wait_for_port  # noqa: F401
from runform.service.settings import Settings
from runform.service.storage import STORAGE_FULL_SENTENCE, STORAGE_UNAVAILABLE_SENTENCE
from runform.service.testing import synthetic_analyze, tiny_video
from runform.web import create_app

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PASSWORD = "a long password"


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    return tiny_video(tmp_path_factory.mktemp("clip") / "clip.mp4").read_bytes()


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _sign_up(client, email: str) -> None:
    answer = client.post(
        "/signup",
        data={
            "email": email,
            "password": PASSWORD,
            "csrf_token": _csrf(client.get("/signup").text),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def _upload(client, content: bytes):
    data = {"csrf_token": _csrf(client.get("/upload").text)}
    return client.post(
        "/upload", data=data, files={"file": ("clip.mp4", content, "video/mp4")},
        follow_redirects=False,
    )  # fmt: skip


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


# ------------------------------------------------------------ web killed during an upload
def _serve(data: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "runform", "serve", "--port", str(port), "--data-dir", str(data)],
        env={**os.environ, "RUNFORM_SECRET_KEY": "test-secret", "RUNFORM_STALE_AFTER_S": "1",
             "RUNFORM_ANALYZE_HOOK": "runform.service.testing:quick_synthetic_analyze"},
        stdout=subprocess.DEVNULL, stderr=(data.parent / "serve.log").open("ab"),
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_port(port, 60)
    except TimeoutError:
        process.kill()
        raise AssertionError((data.parent / "serve.log").read_text()[-3000:]) from None
    return process


def test_web_killed_mid_upload_leaves_no_analysis_and_the_retry_works(tmp_path, clip):
    data, port = tmp_path / "data", free_port()
    files = data / "files"
    server = _serve(data, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            _sign_up(client, "cut@club.org")
            token = _csrf(client.get("/upload").text)
            cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        boundary = "cutoff"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="long.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
        ).encode()
        promised = len(head) + 4_000_000
        raw = socket.create_connection(("127.0.0.1", port))
        raw.sendall(
            (f"POST /upload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookies}\r\n"
             f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
             f"Content-Length: {promised}\r\n\r\n").encode() + head + clip + b"\0" * 500_000
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not any(name.endswith(".part") for name in _files(files)):
            assert time.monotonic() < deadline, "the upload never reached the storage"
            time.sleep(0.1)
        os.killpg(server.pid, signal.SIGKILL)  # the web process dies mid-upload
        server.wait(timeout=30)
        raw.settimeout(10)
        try:  # the client sees the connection end without an answer: its upload failed
            assert raw.recv(1024) == b""
        except ConnectionResetError:
            pass
        raw.close()
        assert [n for n in _files(files) if not n.endswith(".part")] == []  # no half video
        time.sleep(1.2)  # older than RUNFORM_STALE_AFTER_S: an abandoned upload

        server = _serve(data, port)  # restarted: the abandoned part is swept away
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            answer = client.post(
                "/login",
                data={"email": "cut@club.org", "password": PASSWORD,
                      "csrf_token": _csrf(client.get("/login").text)},
                follow_redirects=False,
            )  # fmt: skip
            assert answer.status_code == 303
            assert _files(files) == []
            assert client.get("/analyses").text.count('href="/analyses/') == 0
            retry = _upload(client, clip)  # the runner tries again: it works
            assert retry.status_code == 303
            analysis = retry.headers["location"]
            deadline = time.monotonic() + 60
            while client.get(f"{analysis}/status").json()["state"] != "done":
                assert time.monotonic() < deadline
                time.sleep(0.3)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


# ------------------------------------------------------------- storage full or unreachable
def _flaky(failure: BaseException):
    """An analyse hook that fails with ``failure`` once, after writing part of its
    results, and works from then on."""
    real = synthetic_analyze()
    calls = {"n": 0}

    def analyze(video, out_dir, options, progress):
        calls["n"] += 1
        if calls["n"] == 1:
            (Path(out_dir) / "analysis.json").write_text('{"half": ')
            raise failure
        real(video, out_dir, options, progress)

    return analyze


def _job(client, analysis: str) -> dict:
    return client.get(f"{analysis}/status").json()


def test_a_full_disk_while_writing_results_fails_with_a_reason_and_can_be_retried(tmp_path, clip):
    full = OSError(errno.ENOSPC, "No space left on device")
    settings = Settings.load(tmp_path / "data", env={}, worker="immediate", analyze=_flaky(full))
    with TestClient(create_app(settings)) as client:
        _sign_up(client, "full@club.org")
        analysis = _upload(client, clip).headers["location"]
        job = _job(client, analysis)
        assert job["state"] == "failed" and job["error"] == STORAGE_FULL_SENTENCE
        analysis_id = analysis.rsplit("/", 1)[1]
        # the half-written result is gone and nothing of the failed job is served
        assert [f for f in _files(tmp_path / "data" / "files") if "/output/" in f] == []
        assert client.get(f"{analysis}/files/analysis.json").status_code == 404
        page = client.get(analysis).text
        assert "storage is full, so the results could not be saved" in page
        retried = client.post(
            f"{analysis}/retry", data={"csrf_token": _csrf(page)}, follow_redirects=False
        )
        assert retried.status_code == 303
        assert _job(client, analysis)["state"] == "done"
        assert client.get(f"/analyses/{analysis_id}/files/analysis.json").status_code == 200


def test_an_unreachable_object_store_fails_the_job_with_a_reason_and_serves_nothing(
    tmp_path,
    s3,  # noqa: F811
    clip,
):
    from botocore.exceptions import EndpointConnectionError

    from runform.service.s3storage import S3Storage

    storage = S3Storage(s3)
    real_upload = storage.client.upload_file
    state = {"down": False}

    def upload_file(filename, bucket, key, *args, **kwargs):
        if state["down"] and "/output/" in key:
            raise EndpointConnectionError(endpoint_url="http://s3.invalid")
        return real_upload(filename, bucket, key, *args, **kwargs)

    storage.client.upload_file = upload_file
    real = synthetic_analyze()

    def analyze(video, out_dir, options, progress):
        real(video, out_dir, options, progress)
        state["down"] = True  # the store goes away while the results go up

    settings = Settings.load(tmp_path / "data", env={}, worker="immediate", analyze=analyze)
    app = create_app(settings)
    app.state.service.storage = storage
    with TestClient(app) as client:
        app.state.service.storage = storage
        _sign_up(client, "s3down@club.org")
        analysis = _upload(client, clip).headers["location"]
        job = _job(client, analysis)
        assert job["state"] == "failed" and job["error"] == STORAGE_UNAVAILABLE_SENTENCE
        assert client.get(f"{analysis}/files/analysis.json").status_code == 404
        analysis_id = analysis.rsplit("/", 1)[1]
        assert storage.list(f"analyses/{analysis_id}/output") == []
        assert storage.list(f"analyses/{analysis_id}/input")  # the video is kept for a retry
