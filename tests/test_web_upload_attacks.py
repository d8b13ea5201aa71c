"""Hostile uploads (issue 13): archives, zip bombs and scripts dressed as videos, and file
names that try to leave the storage folder or smuggle odd characters."""

from __future__ import annotations

import io
import zipfile

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from test_web import alert, clip, files_under, make_app, sign_up, upload  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _zip_bomb() -> bytes:
    """A 50 kB zip that inflates to 50 MB of zeros (named like a video)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("video.mp4", b"\0" * 50_000_000)
    return buffer.getvalue()


def _archive_with(clip_bytes: bytes) -> bytes:
    """A real video inside a zip archive: still not a video."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("clip.mp4", clip_bytes)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "kind", ["zip bomb", "archive holding a video", "shell script", "html page", "elf binary"]
)
def test_things_that_are_not_videos_are_refused_whatever_their_name(tmp_path, clip, kind):  # noqa: F811
    content = {
        "zip bomb": _zip_bomb,
        "archive holding a video": lambda: _archive_with(clip),
        "shell script": lambda: b"#!/bin/sh\nrm -rf / --no-preserve-root\n",
        "html page": lambda: b"<html><script>alert(document.cookie)</script></html>",
        "elf binary": lambda: b"\x7fELF\x02\x01\x01" + b"\0" * 4000,
    }[kind]()
    with TestClient(make_app(tmp_path)) as client:
        sign_up(client, "hostile@club.org")
        answer = upload(client, content, name="holiday.mp4")
        assert answer.status_code == 422
        assert alert(answer.text).startswith("holiday.mp4 is not a video runform can read")
        assert files_under(tmp_path) == []  # nothing kept, nothing unpacked
        assert client.get("/analyses").text.count('href="/analyses/') == 0


@pytest.mark.parametrize(
    "name",
    [
        "../../../../etc/cron.d/x.mp4",
        "..\\..\\windows\\x.mp4",
        "/etc/passwd.mp4",
        "clip\x00.sh.mp4",
        'a"; rm -rf ~ #.mp4',
        "run\u202egnp.mp4",  # right-to-left override
        "x" * 400 + ".mp4",
        "clip.MP4.php",
    ],
)
def test_file_names_never_reach_the_file_system_as_given(tmp_path, clip, name):  # noqa: F811
    with TestClient(make_app(tmp_path)) as client:
        sign_up(client, "names@club.org")
        answer = upload(client, clip, name=name)
        assert answer.status_code == 303, alert(answer.text)
        stored = files_under(tmp_path)
        inputs = [f for f in stored if "/input/" in f]
        assert len(inputs) == 1
        # the stored name is runform's own: analyses/<uuid>/input/video[.ext]
        parts = inputs[0].split("/")
        assert parts[0] == "analyses" and parts[2] == "input"
        assert parts[3] in {"video", "video.mp4"}
        assert all(ord(ch) < 128 and ch.isprintable() for f in stored for ch in f)
        page = client.get(answer.headers["location"])
        assert "\u202e" not in page.text and "\x00" not in page.text
        # the original file name is never used for a file outside the data folder
        assert not (tmp_path / "etc").exists() and not (tmp_path.parent / "etc").exists()


def test_a_stored_upload_is_served_as_a_download_never_as_a_page(tmp_path, clip):  # noqa: F811
    with TestClient(make_app(tmp_path)) as client:
        sign_up(client, "types@club.org")
        analysis = upload(client, clip).headers["location"]
        for name, kind in (("annotated.mp4", "video/mp4"), ("analysis.json", "application/json")):
            answer = client.get(f"{analysis}/files/{name}")
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith(kind)
            assert answer.headers["x-content-type-options"] == "nosniff"
        for name in ("../input/video.mp4", "input/video.mp4", "%2e%2e/input/video.mp4"):
            assert client.get(f"{analysis}/files/{name}").status_code == 404
