"""The adversarial review of session 24 (docs/decisions.md, "Security review (session
24)"): each test here but the last failed on the code before its fix. Bodies that are
not uploads stop at 64 kB, an upload's whole body is bounded, S3 downloads name the
runner's file safely, one account queues at most a few analyses, a video declaring huge
frames or too many is refused before decoding, a full disk is one sentence, a changed
password ends older reset links, an https server's cookie is Secure, and a forged
``Host`` header never reaches a reset link. The last test guards the other HTTP methods.
"""

from __future__ import annotations

import html
import uuid
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from runform.service.settings import Settings
from runform.service.testing import synthetic_analyze
from runform.web import create_app
from test_web import clip, csrf_of, make_app, sign_up, token_for, upload  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: The largest body a form or JSON request may send (runform.web.app.MAX_BODY_BYTES).
MAX_BODY_BYTES = 64 * 1024


# ---------------------------------------------------------------------------- bodies
def test_form_and_json_bodies_are_bounded_before_anything_reads_them(tmp_path):
    """Starlette's form parser spooled every file part of any size to disk (and the API
    read a JSON body whole into memory) before a route looked at it, for anyone: a 1 MB
    "file" sent to the sign-in form was read, then refused for its CSRF token (403). Now
    any body but an upload's stops at 64 kB with a 413 and one sentence."""
    big = b"x" * (MAX_BODY_BYTES + 1)
    with TestClient(make_app(tmp_path)) as client:
        token = csrf_of(client, "/login")
        page = client.post("/login", data={"csrf_token": token}, files={"f": ("a.bin", big)})
        assert page.status_code == 413
        assert "shorten what you wrote" in page.text and "Traceback" not in page.text
        form = client.post("/login", data={"csrf_token": token, "email": "a" * len(big)})
        assert form.status_code == 413
        api = client.post("/api/v1/tokens", content=b'{"email": "' + big + b'"}',
                          headers={"content-type": "application/json"})  # fmt: skip
        assert api.status_code == 413 and set(api.json()) == {"error"}

        def chunks():  # no Content-Length: counted as it streams
            for _ in range(40):
                yield b"y" * 4096

        streamed = client.post("/api/v1/users", content=chunks(),
                               headers={"content-type": "application/json"})  # fmt: skip
        assert streamed.status_code == 413
        # a signed-in user's forms too (a comment is at most 1000 characters)
        sign_up(client, "bodies@club.org")
        answer = client.post("/account/password", data={"csrf_token": csrf_of(client, "/account"),
                                                        "current_password": "x" * len(big)})  # fmt: skip
        assert answer.status_code == 413
        # what the site's forms send is well inside the limit
        assert client.get("/account").status_code == 200


def noisy_video(path, frames: int = 6, size: tuple[int, int] = (320, 240)) -> bytes:
    """An H.264 MP4 of random noise: a few hundred kB that do not compress."""
    import av
    import numpy as np

    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for _ in range(frames):
            image = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.read_bytes()


def test_the_uploads_keep_their_own_larger_limit(tmp_path):
    video = noisy_video(tmp_path / "noise.mp4")
    assert len(video) > 2 * MAX_BODY_BYTES
    with TestClient(make_app(tmp_path)) as client:
        sign_up(client, "uploads@club.org")
        assert upload(client, video).status_code == 303
        headers = token_for(client, "uploads@club.org")
        api = client.post("/api/v1/videos", headers=headers,
                          files={"file": ("a.mp4", video, "video/mp4")})  # fmt: skip
        assert api.status_code == 202, api.text


# ---------------------------------------------------------------------------- downloads
@pytest.fixture
def s3_app(tmp_path, monkeypatch):
    """The app with its files in (moto's in-process) S3, as a club's server keeps them."""
    moto = pytest.importorskip("moto")
    import boto3

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with moto.mock_aws():
        boto3.client("s3").create_bucket(Bucket="club")
        settings = Settings.load(tmp_path / "data", env={}, worker="immediate",
                                 analyze=synthetic_analyze(report=True),
                                 storage_url="s3://club/runform")  # fmt: skip
        yield create_app(settings)


@pytest.mark.parametrize("name", ["Lauf München.mp4", 'a"; filename="evil.html.mp4', "跑步.mp4"])
def test_a_download_named_after_the_runners_file_is_one_safe_header_in_s3(s3_app, clip, name):  # noqa: F811
    """From S3 the report's download name (the runner's file name) went into
    ``Content-Disposition`` as typed: an accent or a non-Latin script was a 500 (the
    header could not be encoded), a quote ended the file name early and let the rest
    add parameters. It is now written as from the local disk (``filename*=utf-8''``)."""
    with TestClient(s3_app) as client:
        sign_up(client, "s3names@club.org")
        analysis = upload(client, clip, name=name).headers["location"]
        for output in ("report.pdf", "steps.csv"):
            answer = client.get(f"{analysis}/files/{output}")
            assert answer.status_code == 200, answer.text[:200]
            disposition = answer.headers["content-disposition"]
            assert disposition.startswith("attachment; filename*=utf-8''")
            assert '"' not in disposition and ";" not in disposition.split("''", 1)[1]


# ---------------------------------------------------------------------------- job limit
def test_one_account_cannot_fill_the_queue(tmp_path, clip):  # noqa: F811
    """Nothing bounded how many videos one account queued (each up to 500 MB on disk, each
    minutes of a worker): past ``max_pending_jobs`` waiting or running, an upload is a 429
    with one sentence, refused before its body is read (nothing stored), on the page and
    through the API; it works again once a job has finished."""
    from sqlalchemy import update

    from runform.service.models import DONE, Job
    from test_web import alert, files_under

    with TestClient(make_app(tmp_path, worker="none", max_pending_jobs=2)) as client:
        sign_up(client, "queue@club.org")
        first = upload(client, clip)
        assert first.status_code == 303 and upload(client, clip).status_code == 303
        stored = files_under(tmp_path)
        refused = upload(client, clip)
        assert refused.status_code == 429
        assert alert(refused.text).startswith("You have 2 analyses waiting or running already")
        headers = token_for(client, "queue@club.org")
        api = client.post("/api/v1/videos", headers=headers,
                          files={"file": ("a.mp4", clip, "video/mp4")})  # fmt: skip
        assert api.status_code == 429 and "waiting or running" in api.json()["error"]
        assert files_under(tmp_path) == stored
        # one finishes: the next upload is taken
        service = client.app.state.service
        analysis = uuid.UUID(first.headers["location"].rsplit("/", 1)[1])
        with service.db.session() as s:
            s.execute(update(Job).where(Job.analysis_id == analysis).values(state=DONE))
        assert upload(client, clip).status_code == 303


def test_try_again_counts_towards_the_limit(tmp_path, clip):  # noqa: F811
    from sqlalchemy import update

    from runform.errors import AnalysisError
    from runform.service.models import QUEUED, Job
    from runform.service.testing import failing_analyze

    app = make_app(tmp_path, max_pending_jobs=1, analyze=failing_analyze(AnalysisError("No.")))
    with TestClient(app) as client:
        sign_up(client, "retry@club.org")
        first = upload(client, clip).headers["location"]
        second = upload(client, clip).headers["location"]
        with client.app.state.service.db.session() as s:  # the second waits again
            s.execute(update(Job).where(Job.analysis_id == uuid.UUID(second.rsplit("/", 1)[1]))
                      .values(state=QUEUED))  # fmt: skip
        answer = client.post(f"{first}/retry", data={"csrf_token": csrf_of(client, first)},
                             follow_redirects=False)  # fmt: skip
        assert answer.status_code == 429 and "waiting or running already" in answer.text


# ---------------------------------------------------------------------------- video bombs
def blank_video(path, width: int, height: int, frames: int, rate: int = 30) -> bytes:
    """Black frames, H.264 at its fastest: a few hundred kB whatever they declare."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast"}
        frame = av.VideoFrame(width, height, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        for k in range(frames):
            frame.pts = k
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.read_bytes()


@pytest.mark.parametrize(
    ("kind", "sentence"),
    [
        ("8192×4352 pixels", "bomb.mp4 is 8192×4352 pixels, more than runform takes"),
        ("30 001 frames", "bomb.mp4 has 30001 frames, more than the 30000 runform analyses"),
    ],
)
def test_a_small_file_that_declares_a_huge_video_is_refused_before_decoding(
    tmp_path, kind, sentence
):
    """A few hundred kB of H.264 declaring 8K-and-more frames (each 100 MB decoded) or an
    hour of tiny ones (each a pose estimate) was taken: the probe decoded one frame and
    the worker would have decoded them all. The header's size and frame count are now
    bounded before anything is decoded: 422, one sentence, nothing kept."""
    from test_web import alert, files_under

    if kind.startswith("8192"):
        video = blank_video(tmp_path / "v.mp4", 8192, 4352, 1)
    else:
        video = blank_video(tmp_path / "v.mp4", 16, 16, 30_001, rate=240)
    assert len(video) < 500_000
    with TestClient(make_app(tmp_path)) as client:
        sign_up(client, "bombs@club.org")
        answer = upload(client, video, name="bomb.mp4")
        assert answer.status_code == 422, alert(answer.text)
        assert alert(answer.text).startswith(sentence)
        assert files_under(tmp_path) == []


# ---------------------------------------------------------------------------- resets
def _reset_links(client, caplog, email: str, times: int) -> list[str]:
    import logging
    import re

    with caplog.at_level(logging.WARNING, logger="runform"):
        caplog.clear()
        for _ in range(times):
            token = csrf_of(client, "/password/forgot")
            client.post("/password/forgot", data={"email": email, "csrf_token": token})
    return re.findall(r"password/reset\?token=(\S+)", caplog.text)


def _reset(client, link: str, password: str):
    token = csrf_of(client, "/password/reset")
    return client.post("/password/reset",
                       data={"token": link, "password": password, "csrf_token": token})  # fmt: skip


def test_a_new_password_ends_every_reset_link_asked_for_before(tmp_path, caplog):
    """A reset link stayed good for its hour after the password had been changed, with
    another link or on the account page: whoever held an older one (a forwarded mail, a
    shared log) could change the password again. Now a changed password ends them all."""
    from test_web import PASSWORD, alert

    with TestClient(make_app(tmp_path)) as client:
        sign_up(client, "resets@club.org")
        first, second = _reset_links(client, caplog, "resets@club.org", 2)
        assert _reset(client, second, "the second new one").status_code == 200
        older = _reset(client, first, "an attacker's choice")
        assert older.status_code == 400 and "invalid or has expired" in alert(older.text)
        # on the account page, with the current password: the same
        (link,) = _reset_links(client, caplog, "resets@club.org", 1)
        assert client.post("/login", data={"email": "resets@club.org",
                                           "password": "the second new one",
                                           "csrf_token": csrf_of(client, "/login")}).status_code == 200  # fmt: skip
        changed = client.post("/account/password", data={
            "csrf_token": csrf_of(client, "/account"), "current_password": "the second new one",
            "new_password": PASSWORD}, follow_redirects=False)  # fmt: skip
        assert changed.status_code == 303
        assert _reset(client, link, "an attacker's choice").status_code == 400


# ---------------------------------------------------------------------------- cookies
@pytest.mark.parametrize(
    ("env", "secure"),
    [
        ({"RUNFORM_PUBLIC_URL": "https://runs.example.org"}, True),
        (
            {"RUNFORM_PUBLIC_URL": "https://runs.example.org", "RUNFORM_SECURE_COOKIES": "off"},
            False,
        ),
        ({"RUNFORM_PUBLIC_URL": "http://192.168.1.20:8000"}, False),
        ({}, False),
        ({"RUNFORM_SECURE_COOKIES": "on"}, True),
    ],
)
def test_a_server_users_open_over_https_sends_its_cookie_over_https_only(tmp_path, env, secure):
    """The session cookie was ``Secure`` only with ``RUNFORM_SECURE_COOKIES=on``: a server
    whose public address is ``https://`` but that forgot it sent the cookie in clear to
    any ``http://`` request (a typed address, a downgrade). The public address now turns
    it on unless it is switched off."""
    settings = Settings.load(tmp_path / "data", env=env, worker="immediate")
    with TestClient(create_app(settings), base_url="https://runs.example.org") as client:
        cookie = client.get("/login").headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert ("; secure" in cookie) is secure, cookie


# ---------------------------------------------------------------------------- full disk
def test_an_upload_onto_a_full_disk_is_one_sentence_not_a_server_error(
    tmp_path,
    clip,  # noqa: F811
    monkeypatch,
):
    """A disk that fills while a video streams in raised out of the route: a bare 500
    "Internal Server Error" and a traceback in the log. It is now a 507 with one sentence
    (page and API), and nothing is kept."""
    import errno

    from runform.service import storage
    from test_web import alert, files_under

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    with TestClient(make_app(tmp_path), raise_server_exceptions=False) as client:
        sign_up(client, "full@club.org")
        headers = token_for(client, "full@club.org")
        monkeypatch.setattr(storage.ReceivedFile, "write", full)
        page = upload(client, clip)
        assert page.status_code == 507
        assert html.unescape(alert(page.text)).startswith("The server's storage is full, so the")
        api = client.post("/api/v1/videos", headers=headers,
                          files={"file": ("a.mp4", clip, "video/mp4")})  # fmt: skip
        assert api.status_code == 507 and api.json()["error"].startswith("The server's storage")
        assert files_under(tmp_path) == []


def test_an_upload_body_is_bounded_as_a_whole_not_only_its_video(tmp_path):
    """The upload's limit counted the video's bytes only: a body of form fields sent again
    and again (each under the field limit, none kept) or of parts without a name was read
    for as long as the client sent it. The whole body is now held to the limit as it
    streams (as a declared ``Content-Length`` already was)."""
    from test_web import alert

    with TestClient(make_app(tmp_path, max_upload_mb=0.1)) as client:
        sign_up(client, "fields@club.org")
        token = csrf_of(client, "/upload")
        boundary = "xyz"
        part = (f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\n'
                + "n" * 1000 + "\r\n").encode()  # fmt: skip
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                f"{token}\r\n").encode()  # fmt: skip

        def body():  # streamed, no Content-Length: 1 MB of one field sent again and again
            yield head
            for _ in range(1000):
                yield part
            yield f"--{boundary}--\r\n".encode()

        answer = client.post("/upload", content=body(), follow_redirects=False,
                             headers={"content-type": f"multipart/form-data; boundary={boundary}"})  # fmt: skip
        assert answer.status_code == 413
        assert alert(answer.text).startswith("The video is larger than the 0.1 MB limit")


# ---------------------------------------------------------------------------- host header
def test_a_forged_host_header_never_reaches_the_reset_link_in_the_log(tmp_path, caplog):
    """Without ``RUNFORM_PUBLIC_URL`` (a laptop, no mail server) the reset link the operator
    hands over from the log was built from the request's ``Host`` header: anyone could ask
    for a reset of someone else's account with ``Host: evil.example`` and leave in the log a
    link that sends the token there. It is now built from the address the connection came
    in on (here the test client's server); with the public address set, from that."""
    import logging
    import re

    with TestClient(make_app(tmp_path)) as client:
        sign_up(client, "victim@club.org")
        client.cookies.clear()
        with caplog.at_level(logging.WARNING, logger="runform"):
            client.post("/password/forgot", headers={"host": "evil.example"},
                        data={"email": "victim@club.org",
                              "csrf_token": csrf_of(client, "/password/forgot")})  # fmt: skip
        (link,) = re.findall(r"\S+/password/reset\?token=\S+", caplog.text)
        assert link.startswith("http://testserver/password/reset?token="), link
        assert "evil.example" not in caplog.text


# ---------------------------------------------------------------------------- methods
def test_no_other_method_opens_what_get_refuses(tmp_path, clip):  # noqa: F811
    """A guard (it passed before this review): every page and API route that takes an id
    answers HEAD, PUT, PATCH and OPTIONS from another runner or an anonymous visitor with
    a refusal, never the owner's data; found by walking the app's routes."""
    import re

    from test_web_course import _app_routes

    with TestClient(make_app(tmp_path)) as owner:
        sign_up(owner, "methods@club.org")
        analysis = upload(owner, clip).headers["location"].rsplit("/", 1)[1]
        job = owner.get(f"/analyses/{analysis}/status").json()["job_id"]
        other = TestClient(owner.app)
        sign_up(other, "someone@club.org")
        anonymous = TestClient(owner.app)
        values = {"analysis_id": analysis, "job_id": job, "runner_id": str(uuid.uuid4()),
                  "name": "analysis.json", "token": "x", "number": "1",
                  "link_id": str(uuid.uuid4()), "comment_id": str(uuid.uuid4())}  # fmt: skip
        gets = sorted({p for m, p in _app_routes(owner.app) if m == "GET" and "{" in p})
        assert len(gets) >= 8, gets
        for path in gets:
            url = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values[m.group(1)], path)
            for client in (other, anonymous):
                for method in ("HEAD", "PUT", "PATCH", "OPTIONS"):
                    answer = client.request(method, url, follow_redirects=False)
                    assert answer.status_code in (303, 401, 403, 404, 405), (method, url)
                    assert analysis not in answer.text or "not yours" in answer.text
