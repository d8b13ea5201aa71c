"""``runform worker``: run analyses taken from the queue, on any machine that reaches the
database, the queue and the storage (``RUNFORM_DATABASE_URL``, ``RUNFORM_QUEUE_URL``,
``RUNFORM_STORAGE_URL``). ``--concurrency N`` runs N worker processes (default: one per
core); each takes one job at a time, so a machine runs one analysis per core.

Like ``runform serve`` it reaches the database, the queue and the storage at start
(:meth:`runform.service.core.Service.check`) and, when one cannot be used, ends in one
sentence with exit code 2: the supervisor once, before it starts any worker process, and
each worker process again before it takes a job."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

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
    # the supervisor reaches what its worker processes need once, before starting any: a
    # setting that is wrong is one sentence and exit code 2 here, not a child that fails
    # at start and is replaced every QUICK_EXIT_S seconds for ever
    _check(settings)
    queue_words = (
        "Redis" if settings.queue_url else f"the queue file in {escape(str(settings.data_dir))}"
    )
    console.print(
        f"runform worker: {count} process{'es' if count > 1 else ''} taking jobs from "
        f"{queue_words}"
        + (f", each replaced after {jobs_per_process} job(s)" if jobs_per_process else "")
    )
    if sys.platform.startswith("linux"):
        start = _forked_workers(data_dir, jobs_per_process)
    else:  # macOS system frameworks are not safe to fork: a new Python per worker process
        start = _new_process_workers(data_dir, jobs_per_process)
    _supervise(start, count)


def _check(settings) -> None:
    """Reach the database, the queue and the storage as ``runform serve`` does at start
    (:meth:`runform.service.core.Service.check`); the first that cannot be reached raises
    its one-sentence error, which ends the command with exit code 2."""
    from runform.service.core import Service

    service = Service(settings)
    try:
        service.check()
    finally:
        service.db.dispose()


def _consume(settings, max_jobs: int | None) -> None:
    """One worker process: Huey's consumer on the queue, plus a frequent sweep. It reaches
    the database, the queue and the storage first (a child of the supervisor too: with
    one of them away it stops before taking a job, so the job waits in the queue instead
    of failing, and the supervisor replaces it after a pause)."""
    from runform.service.core import Service

    service = Service(settings)
    service.check()
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


class _ForkedWorker:
    """One worker process forked from the fork server, seen as :class:`subprocess.Popen`
    sees a child (``pid``, ``poll``, ``send_signal``, ``wait``, ``kill``)."""

    def __init__(self, process) -> None:
        self._process = process
        process.start()
        self.pid = process.pid

    def poll(self) -> int | None:
        return self._process.exitcode

    def send_signal(self, signum: int) -> None:
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:  # already gone
            pass

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(f"runform worker process {self.pid}", timeout or 0)
        return self._process.exitcode

    def kill(self) -> None:
        self._process.kill()


def _child_args(data_dir: Path | None, jobs_per_process: int) -> list[str]:
    """The command line of one worker process (``runform worker --child ...``)."""
    args = ["worker", "--child", "--jobs-per-process", str(jobs_per_process)]
    return args if data_dir is None else [*args, "--data-dir", str(Path(data_dir))]


def _new_process_workers(
    data_dir: Path | None, jobs_per_process: int
) -> Callable[[], subprocess.Popen]:
    """A function that starts one worker process as a new Python (``runform worker
    --child``), which imports everything itself."""
    command = [sys.executable, "-m", "runform", *_child_args(data_dir, jobs_per_process)]
    return lambda: subprocess.Popen(command)


def _forked_workers(data_dir: Path | None, jobs_per_process: int) -> Callable[[], _ForkedWorker]:
    """Start the fork server (:mod:`runform.cli.preload`: everything a job imports,
    imported once) and return a function that forks one worker process from it, which runs
    the same command line as :func:`_new_process_workers` starts."""
    import multiprocessing

    # inherited by the server and every job process (an operator's own values win): no BLAS
    # thread pool in the server when it forks, one C heap per process (limit_malloc_arenas)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MALLOC_ARENA_MAX", "1")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["runform.cli.preload"])
    args = _child_args(data_dir, jobs_per_process)

    def start() -> _ForkedWorker:
        return _ForkedWorker(context.Process(target=_run, args=(args,), name="runform-worker"))

    return start


def _run(args: list[str]) -> None:
    """The body of one forked worker process: the console script's own entry point, so a
    setting or a service that is not there ends it with the same one sentence and exit
    code as ``runform worker --child``, never a traceback."""
    from runform.cli import main

    sys.exit(main(args))


def _supervise(start: Callable[[], _ForkedWorker | subprocess.Popen], count: int) -> None:
    """Keep ``count`` worker processes (each made by ``start()``) running: one that stops
    (after its jobs, or crashed) is replaced; SIGTERM or Ctrl-C is passed on to them, and
    their jobs in progress are finished before this returns.

    One stop signal here is one stop signal for each child: to Huey's consumer a second
    SIGTERM means "stop now, without waiting for the job in progress", so the ``finally``
    below signals only a child that was not told yet (one started while the signal was
    being handled). An operator's second signal is passed on: it does mean "stop now"."""
    log = logging.getLogger("runform.service")
    stopping = threading.Event()
    children: list[_ForkedWorker | subprocess.Popen] = []
    started: list[float] = []
    told: list[_ForkedWorker | subprocess.Popen] = []  # already sent the stop signal

    def stop(signum, _frame) -> None:
        stopping.set()
        for child in list(children):
            if child.poll() is None:
                told.append(child)
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(count):
        children.append(start())
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
                children[k] = start()
                started[k] = time.monotonic()
            stopping.wait(0.2)
    finally:
        for child in children:
            if child.poll() is None and not any(child is done for done in told):
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=600)
            except subprocess.TimeoutExpired:
                child.kill()


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
