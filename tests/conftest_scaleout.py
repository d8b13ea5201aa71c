"""Throwaway PostgreSQL, Redis and S3 (moto) servers for the scale-out tests.

Each starts on a free port in a temporary folder and stops after the tests; each skips with
a reason when its program is not installed (CI installs Debian's ``postgresql`` and
``redis-server``; moto comes with the dev extra). PostgreSQL refuses to run as root, so as
root the cluster runs as the ``postgres`` user (``runuser``).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


class Postgres:
    """A PostgreSQL cluster in ``folder`` on ``port``; ``restart()`` for the fault test."""

    def __init__(self, folder: Path):
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        self.folder = folder
        self.data = folder / "pgdata"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                pytest.skip("running as root without runuser: cannot start PostgreSQL")
            self.as_user = ["runuser", "-u", "postgres", "--"]
            folder.chmod(0o777)
        self._run(
            [self.initdb, "-D", str(self.data), "-U", "runform", "--auth=trust", "-E", "UTF8"]
        )
        self.start()
        self._run([_pg_bin("createdb") or "createdb", "-h", "127.0.0.1", "-p", str(self.port),
                   "-U", "runform", "runform"])  # fmt: skip

    def _run(self, command: list[str]) -> None:
        subprocess.run(self.as_user + command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run([self.pg_ctl, "-D", str(self.data), "-o", options, "-w", "-t", "60",
                   "-l", str(self.folder / "pg.log"), "start"])  # fmt: skip

    def stop(self) -> None:
        self._run([self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"])

    @property
    def url(self) -> str:
        return f"postgresql://runform@127.0.0.1:{self.port}/runform"


class Redis:
    def __init__(self, folder: Path):
        program = shutil.which("redis-server")
        if program is None:
            pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
        self.program, self.folder = program, folder
        self.port = free_port()
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture(scope="session")
def postgres():
    # Not under pytest's folder: that is private to root, and the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="runform-pg-"))
    try:
        server = Postgres(folder)
        yield server
        try:
            server.stop()
        except subprocess.CalledProcessError:
            pass
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def redis_server(tmp_path):
    server = Redis(tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3(tmp_path_factory):
    """A moto S3 server; boto3 is pointed at it through the environment."""
    moto = pytest.importorskip("moto.server", reason="moto is not installed (dev extra)")
    pytest.importorskip("boto3")
    port = free_port()
    server = moto.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
                                            "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")}  # fmt: skip
    os.environ.update(
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
    )  # fmt: skip
    import boto3

    boto3.client("s3").create_bucket(Bucket="runform-test")
    yield "s3://runform-test/club"
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
