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


def worker(
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", help="Worker processes (default: one per core)."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Take analysis jobs from the queue and run them until stopped (Ctrl-C or SIGTERM)."""
    from runform.service.core import Service
    from runform.service.settings import Settings

    count = concurrency if concurrency is not None else (os.cpu_count() or 1)
    if count < 1 or count > 256:
        raise OptionError("--concurrency must be a whole number of processes from 1 to 256.")
    configure_logging()
    settings = Settings.load(data_dir, worker="none")
    children: list[subprocess.Popen] = []
    if count > 1:
        command = [sys.executable, "-m", "runform", "worker", "--concurrency", "1"]
        if data_dir is not None:
            command += ["--data-dir", str(Path(data_dir))]
        children = [subprocess.Popen(command) for _ in range(count - 1)]

        def stop_children(signum, _frame) -> None:
            for child in children:
                child.send_signal(signum)

        signal.signal(signal.SIGTERM, stop_children)
    queue_words = "Redis" if settings.queue_url else f"the queue file in {settings.data_dir}"
    console.print(
        f"runform worker: {count} process{'es' if count > 1 else ''} taking jobs from {queue_words}"
    )
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
        service.queue.run_forever()
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            child.wait(timeout=60)
        service.db.dispose()


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
