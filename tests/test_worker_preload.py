"""The worker's fork server (``runform worker``): what it imports before forking job
processes, and that it holds no thread when it forks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from runform.cli.preload import PRELOADED, preload


def test_a_module_that_cannot_be_imported_is_skipped_not_fatal() -> None:
    assert preload(("json", "runform_no_such_module", "runform.errors")) == [
        "runform_no_such_module"
    ]


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="Linux /proc")
def test_the_fork_server_imports_what_a_job_needs_and_starts_no_thread() -> None:
    code = (
        "import json, os, sys\n"
        "import runform.cli.preload\n"
        "print(json.dumps({'threads': len(os.listdir('/proc/self/task')),"
        " 'modules': sorted(m for m in sys.modules)}))\n"
    )
    # as runform worker starts it: OPENBLAS_NUM_THREADS=1 (NumPy's BLAS would start a pool)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["threads"] == 1  # forking a process with threads can deadlock the child
    missing = [m for m in PRELOADED if m not in seen["modules"]]
    assert not missing
    assert "mediapipe" in seen["modules"] and "fpdf" in seen["modules"]


def test_off_linux_each_worker_process_is_a_new_python(monkeypatch, tmp_path) -> None:
    # macOS frameworks are not safe to fork: there the supervisor starts `runform worker
    # --child` as a new process, which takes jobs the same way.
    import runform.cli.worker as worker_cli

    started: list[list[str]] = []
    monkeypatch.setattr(worker_cli.subprocess, "Popen", lambda command: started.append(command))
    start = worker_cli._new_process_workers(tmp_path, 1)
    start()
    assert started == [
        [sys.executable, "-m", "runform", "worker", "--child", "--jobs-per-process", "1",
         "--data-dir", str(tmp_path)]
    ]  # fmt: skip
