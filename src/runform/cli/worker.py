"""``runform worker``: run analyses taken from the queue, on any machine that reaches the
database, the queue and the storage (``RUNFORM_DATABASE_URL``, ``RUNFORM_QUEUE_URL``,
``RUNFORM_STORAGE_URL``). ``--concurrency N`` runs N worker processes (default: one per
core); each takes one job at a time, so a machine runs one analysis per core."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from runform.cli.common import console
from runform.cli.serve import DataDir, configure_logging
from runform.errors import OptionError

#: A worker process that stops within this many seconds of starting, for any reason other
#: than having done its jobs, is replaced only after a pause (no restart storm while the
#: database or the queue is away).
QUICK_EXIT_S = 10.0


def worker(
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", help="Worker processes (default: one per core)."),
    ] = None,
    jobs_per_process: Annotated[
        int,
        typer.Option(
            "--jobs-per-process",
            help="Replace each worker process after this many jobs (0: never). The default 1 "
            "gives every analysis a fresh process, so memory never builds up from job to job.",
        ),
    ] = 1,
    child: Annotated[bool, typer.Option("--child", hidden=True)] = False,
    data_dir: DataDir = None,
) -> None:
    """Take analysis jobs from the queue and run them until stopped (Ctrl-C or SIGTERM)."""
    from runform.service.settings import Settings

    count = concurrency if concurrency is not None else (os.cpu_count() or 1)
    if count < 1 or count > 256:
        raise OptionError("--concurrency must be a whole number of processes from 1 to 256.")
    if jobs_per_process < 0:
        raise OptionError("--jobs-per-process must be 0 (never replace) or a whole number.")
    configure_logging()
    settings = Settings.load(data_dir, worker="none")
    if child or (count == 1 and jobs_per_process == 0):
        _consume(settings, jobs_per_process or None)
        return
    queue_words = "Redis" if settings.queue_url else f"the queue file in {settings.data_dir}"
    console.print(
        f"runform worker: {count} process{'es' if count > 1 else ''} taking jobs from "
        f"{queue_words}"
        + (f", each replaced after {jobs_per_process} job(s)" if jobs_per_process else "")
    )
    command = [sys.executable, "-m", "runform", "worker", "--child",
               "--jobs-per-process", str(jobs_per_process)]  # fmt: skip
    if data_dir is not None:
        command += ["--data-dir", str(Path(data_dir))]
    _supervise(command, count)


def _consume(settings, max_jobs: int | None) -> None:
    """One worker process: Huey's consumer on the queue, plus a frequent sweep."""
    from runform.service.core import Service

    service = Service(settings)
    service.db.migrate()
    service.sweep()
    # Huey's periodic sweep runs once a minute; a dead worker's job should not wait that
    # long once its heartbeat is stale, so each worker also sweeps at half that age.
    interval = max(0.5, min(30.0, settings.stale_after_s / 2))

    def sweep_often() -> None:
        while True:
            time.sleep(interval)
            try:
                service.sweep()
            except Exception:  # the database may be away for a moment; try again later
                logging.getLogger("runform.service").warning("sweep failed; retrying")

    threading.Thread(target=sweep_often, name="runform-sweep", daemon=True).start()
    try:
        service.queue.run_forever(max_jobs=max_jobs)
    finally:
        service.db.dispose()


def _supervise(command: list[str], count: int) -> None:
    """Keep ``count`` worker processes (``command``) running: one that stops (after its
    jobs, or crashed) is replaced; SIGTERM or Ctrl-C is passed on to them, and their jobs
    in progress are finished before this returns."""
    log = logging.getLogger("runform.service")
    stopping = threading.Event()
    children: list[subprocess.Popen] = []
    started: list[float] = []

    def stop(signum, _frame) -> None:
        stopping.set()
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(count):
        children.append(subprocess.Popen(command))
        started.append(time.monotonic())
    try:
        while not stopping.is_set():
            for k, child in enumerate(children):
                code = child.poll()
                if code is None or stopping.is_set():
                    continue
                quick = time.monotonic() - started[k] < QUICK_EXIT_S
                if code != 0:
                    log.warning("worker process %d stopped (exit code %s); replacing it",
                                child.pid, code)  # fmt: skip
                if code != 0 and quick:
                    stopping.wait(QUICK_EXIT_S)
                    if stopping.is_set():
                        break
                children[k] = subprocess.Popen(command)
                started[k] = time.monotonic()
            stopping.wait(0.2)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=600)
            except subprocess.TimeoutExpired:
                child.kill()


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
