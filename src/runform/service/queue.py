"""The queue: Huey moves job ids to a worker, and nothing else.

``SqliteHuey`` keeps the messages in ``DATA_DIR/queue.db`` by default; with a Redis URL
(``RUNFORM_QUEUE_URL``) ``RedisHuey`` carries them, so workers on other machines
(``runform worker``) take jobs. The embedded consumer runs in the web server's own process
(worker threads, no signal handlers of its own, so the server keeps its Ctrl-C handling).
A periodic task re-queues jobs whose heartbeat went stale and queued jobs the broker lost
(a Redis restart): the jobs table, not the broker, is the source of truth.
"""

from __future__ import annotations

import logging
import os
import signal
import uuid
from collections.abc import Callable

from huey import MemoryHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from huey.exceptions import CancelExecution

from runform.errors import RunformError

log = logging.getLogger("runform.service.queue")


class _EmbeddedConsumer(Consumer):
    """A consumer that lives inside another program: it leaves the signal handlers alone."""

    def _set_signal_handlers(self) -> None:
        pass


class QueueUnavailable(RunformError):
    """The queue's broker (Redis) cannot be reached (the message is the sentence to show)."""


class JobQueue:
    """``mode``: ``"embedded"`` (consumer threads in this process), ``"immediate"`` (a job
    runs as soon as it is queued, in the caller's thread: tests) or ``"none"`` (queue only).
    """

    def __init__(
        self,
        mode: str,
        queue_path,
        run: Callable[[uuid.UUID], object],
        sweep: Callable[[], object],
        workers: int = 1,
        url: str | None = None,
    ):
        if mode not in ("embedded", "immediate", "none"):
            raise ValueError(f"unknown worker mode {mode!r}")
        self.mode, self.workers = mode, workers
        if mode == "immediate":
            self.huey = MemoryHuey("runform", immediate=True, results=False)
        elif url:
            from huey import RedisHuey

            self.huey = RedisHuey("runform", url=url, results=False)
        else:
            self.huey = SqliteHuey("runform", filename=str(queue_path), results=False)
        self._consumer: Consumer | None = None
        self.url = url

        #: ``run_forever(max_jobs=...)``: the process stops after that many jobs
        self._max_jobs: int | None = None
        self._jobs_done = 0

        @self.huey.task(name="run_job")
        def run_job_task(job_id: str) -> None:
            try:
                run(uuid.UUID(job_id))
            finally:
                self._jobs_done += 1
                if self._max_jobs and self._jobs_done >= self._max_jobs:
                    # Huey's consumer stops gracefully on SIGTERM (this job is finished)
                    os.kill(os.getpid(), signal.SIGTERM)

        @self.huey.pre_execute()
        def hand_back_over_quota(task) -> None:
            # a job taken after this process's last one (Huey's worker fetches the next
            # message before the stop signal is seen) goes back to the queue for a fresh
            # process instead of running here
            if (
                getattr(task, "name", "") == "run_job"
                and self._max_jobs
                and (self._jobs_done >= self._max_jobs)
            ):
                self._task(*task.args)
                raise CancelExecution()

        @self.huey.periodic_task(crontab(), name="sweep_stale_jobs")
        def sweep_task() -> None:
            sweep()

        self._task = run_job_task

    def check(self) -> None:
        """Reach the broker once (Redis), so a server or worker that cannot says so in one
        sentence (:class:`QueueUnavailable`) before it claims to serve. Nothing to reach for
        the SQLite queue file or in memory."""
        if not self.url or self.mode == "immediate":
            return
        try:
            self.huey.storage.conn.ping()
        except Exception as exc:  # redis' ConnectionError, TimeoutError, AuthenticationError
            from urllib.parse import urlsplit

            parts = urlsplit(self.url)
            where = f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}"
            reason = str(exc).strip().splitlines()[0].rstrip(".") if str(exc).strip() else ""
            raise QueueUnavailable(
                f"The job queue {where} cannot be reached ({reason or type(exc).__name__}); "
                "start Redis, or correct RUNFORM_QUEUE_URL, and run the command again."
            ) from None

    def enqueue(self, job_id: uuid.UUID) -> None:
        self._task(str(job_id))

    def pending(self) -> int:
        return self.huey.pending_count()

    @property
    def running(self) -> bool:
        return self._consumer is not None

    def start(self) -> None:
        if self.mode != "embedded" or self._consumer is not None:
            return
        self._consumer = _EmbeddedConsumer(
            self.huey,
            workers=self.workers,
            worker_type="thread",
            periodic=True,
            initial_delay=0.1,
            max_delay=1.0,
            check_worker_health=False,
        )
        self._consumer.start()
        log.info(
            "embedded worker started (%d thread%s)", self.workers, "" if self.workers == 1 else "s"
        )

    def run_forever(self, threads: int = 1, max_jobs: int | None = None) -> None:
        """Consume in this process until SIGINT or SIGTERM (``runform worker``): Huey's own
        consumer, with its signal handling (a job in progress is finished on SIGTERM...
        unless the process is killed, which the heartbeat sweep covers). With ``max_jobs``,
        stop after that many jobs (the process is then replaced by its supervisor)."""
        self._max_jobs = max_jobs
        consumer = Consumer(
            self.huey,
            workers=threads,
            worker_type="thread",
            periodic=True,
            initial_delay=0.1,
            max_delay=1.0,
            check_worker_health=True,
            graceful_signal="TERM",  # SIGTERM lets the job in progress finish (Huey: SIGINT)
        )
        consumer.run()

    def stop(self, timeout: float = 10.0) -> None:
        if self._consumer is None:
            return
        self._consumer.shutdown_timeout = timeout
        self._consumer.stop(graceful=True)
        self._consumer = None
