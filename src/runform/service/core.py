"""The service in one object: settings, database, storage, queue and the operations on
analyses that both the web pages and the JSON API use."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from runform.errors import InputError
from runform.service import jobs
from runform.service.db import Database
from runform.service.models import FAILED, QUEUED, RUNNING, AnalysisRecord, Job, User
from runform.service.queue import JobQueue
from runform.service.settings import Settings
from runform.service.storage import Storage, make_storage
from runform.service.uploads import ReceivedUpload, UploadError, check_video

log = logging.getLogger("runform.service")


class Service:
    def __init__(self, settings: Settings, storage: Storage | None = None):
        self.settings = settings
        self.db = Database(settings.database_url)
        self.storage = storage or make_storage(settings)
        self.queue = JobQueue(
            settings.worker,
            settings.queue_path,
            run=lambda job_id: jobs.run_job(self, job_id),
            sweep=lambda: self.sweep(),
            workers=settings.worker_threads,
            url=settings.queue_url,
        )

    # ------------------------------------------------------------------ life cycle
    def check(self) -> None:
        """Reach the database, the queue and the storage once, in that order, before a
        process claims to serve or takes jobs (``runform serve``, ``runform worker``).

        Raises
        ------
        runform.service.db.DatabaseUnavailable, runform.service.queue.QueueUnavailable,
        runform.service.storage.StorageUnavailable
            The first that cannot be reached (or, for the storage, written to): one
            sentence naming it and what to correct, never a password or a secret key.
        """
        self.db.check()
        self.queue.check()
        self.storage.check()  # the files folder, or the S3 bucket: reached, written

    def start(self) -> None:
        """Migrate the database, start the embedded worker, re-queue what was left."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.db.migrate()
        self.queue.start()
        self.drop_interrupted_uploads()
        self.prune_accounts()
        if self.settings.worker != "immediate":
            jobs.sweep_stale(self)
            for job_id in jobs.queued_job_ids(self):  # duplicates are harmless: claims are atomic
                self.queue.enqueue(job_id)

    def stop(self) -> None:
        self.queue.stop()
        self.db.dispose()

    def sweep(self) -> None:
        """Re-queue jobs whose worker died (stale heartbeat) and queued jobs the broker
        lost: the jobs table is the truth, and claims are atomic, so a job queued twice
        still runs once."""
        jobs.sweep_stale(self)
        self.drop_interrupted_uploads()
        self.prune_accounts()
        if self.settings.worker != "immediate" and self.queue.pending() == 0:
            for job_id in jobs.queued_job_ids(self):
                self.queue.enqueue(job_id)

    def drop_interrupted_uploads(self) -> list[str]:
        """Remove what uploads cut off by a killed web process left (``.part`` files not
        written to for ``stale_after_s``); no analysis is ever made of them. Returns their
        keys. (An object store keeps nothing of an unfinished upload.)"""
        drop = getattr(self.storage, "drop_stale_parts", None)
        try:
            # only where uploads are received (jobs.input_prefix), not every result file:
            # this runs with every sweep
            under = jobs.input_prefix("*")  # type: ignore[arg-type]
            dropped = drop(self.settings.stale_after_s, under) if drop is not None else []
        except OSError:  # housekeeping: never a reason not to start or sweep
            log.exception("interrupted uploads not removed")
            return []
        for key in dropped:
            log.info("interrupted upload removed: %s", key)
        return dropped

    def prune_accounts(self, batch: int = 1000, rounds: int = 20) -> int:
        """Delete expired browser sessions, sign-in failures older than the rate limit's
        window and expired reset tokens (:func:`runform.service.accounts.prune`), in
        batches; runs at start and with every sweep (each minute). Returns the rows
        deleted."""
        from runform.service import accounts

        total = 0
        try:
            for _ in range(rounds):
                with self.db.session() as s:
                    deleted = accounts.prune(s, window_s=self.settings.login_window_s, batch=batch)
                total += deleted
                if deleted < batch:
                    break
        except Exception:  # housekeeping: never a reason not to start or sweep
            log.exception("expired sessions not pruned")
        if total:
            log.info("pruned %d expired sessions, sign-in failures and reset tokens", total)
        return total

    # ------------------------------------------------------------------ analyses
    def pending_jobs(self, user: User) -> int:
        """How many of ``user``'s jobs are queued or running."""
        with self.db.session() as s:
            return s.scalar(
                select(func.count())
                .select_from(Job)
                .where(Job.owner_id == user.id, Job.state.in_((QUEUED, RUNNING)))
            )

    def check_pending(self, user: User) -> None:
        """Refuse one more job for ``user`` (:class:`UploadError`, 429) when they have
        :attr:`Settings.max_pending_jobs` queued or running: an upload is refused before
        its body is read, and :meth:`submit` and :meth:`retry` check again (two uploads
        at once)."""
        most = self.settings.max_pending_jobs
        if self.pending_jobs(user) >= most:
            raise UploadError(
                f"You have {most} analyses waiting or running already; upload the next "
                "video when one of them has finished.",
                status=429,
            )

    def submit(
        self,
        user: User,
        upload: ReceivedUpload,
        analysis_id: uuid.UUID,
        options: dict,
        submit_key: str | None = None,
    ) -> tuple[AnalysisRecord, Job, bool]:
        """Turn a received upload into an analysis and a queued job.

        The video must already be in storage under ``analysis_id``'s input prefix. Returns
        ``(analysis, job, created)``; a repeated ``submit_key`` gives the earlier analysis
        (``created`` False) and the new copy of the file is deleted. Raises
        :class:`InputError` (files deleted) for a missing, empty or non-video file."""
        try:
            if not upload.key or not self.storage.exists(upload.key):
                raise InputError("Choose a video file to upload.")
            if submit_key:
                earlier = self._by_submit_key(user, submit_key)
                if earlier is not None:
                    self.storage.delete_prefix(jobs.analysis_prefix(analysis_id))
                    return (*earlier, False)
            self.check_pending(user)
            with self.storage.local_file(upload.key) as path:
                check_video(path, upload.filename or "video")
            if upload.other_key:
                if not self.storage.exists(upload.other_key):
                    raise InputError("The clip of the other side did not arrive; upload it again.")
                with self.storage.local_file(upload.other_key) as path:
                    check_video(path, upload.other_filename or "other-side video")
                options = {
                    **options,
                    "other_side_key": upload.other_key,
                    "other_side_name": upload.other_filename,
                }
            record = AnalysisRecord(
                id=analysis_id,
                owner_id=user.id,
                submit_key=submit_key,
                video_name=upload.filename or "video",
                video_key=upload.key,
                video_bytes=upload.size,
                options=options,
            )
            job = Job(analysis_id=analysis_id, owner_id=user.id)
            with self.db.session() as s:
                s.add(record)
                s.flush()
                s.add(job)
        except IntegrityError:  # the same submission raced in twice
            self.storage.delete_prefix(jobs.analysis_prefix(analysis_id))
            earlier = self._by_submit_key(user, submit_key)
            if earlier is None:
                raise
            return (*earlier, False)
        except BaseException:
            self.storage.delete_prefix(jobs.analysis_prefix(analysis_id))
            raise
        log.info("analysis %s: queued job %s", record.id, job.id)
        self.queue.enqueue(job.id)
        return record, job, True

    def drop_refused_upload(self, analysis_id: uuid.UUID) -> None:
        """Remove what a refused or broken upload stored under ``analysis_id`` (files and
        folders), unless it became an analysis after all (an error after :meth:`submit`
        stored it, such as a broker that did not take the job: the sweep queues it)."""
        try:
            with self.db.session() as s:
                if s.get(AnalysisRecord, analysis_id) is not None:
                    return
            self.storage.delete_prefix(jobs.analysis_prefix(analysis_id))
        except Exception:  # the database or the storage is down: an empty folder goes with
            # the sweep (drop_interrupted_uploads); a file is left, and logged
            log.exception("files of the refused upload %s not removed", analysis_id)

    def _by_submit_key(self, user: User, key: str):
        with self.db.session() as s:
            record = s.scalar(
                select(AnalysisRecord).where(
                    AnalysisRecord.owner_id == user.id, AnalysisRecord.submit_key == key
                )
            )
            if record is None:
                return None
            return record, jobs.latest_job(s, record.id)

    def retry(self, record: AnalysisRecord, options: dict | None = None) -> Job:
        """A new queued job for an analysis whose last job failed (options may change)."""
        with self.db.session() as s:
            owner = s.get(User, record.owner_id)
        if owner is not None:
            self.check_pending(owner)
        with self.db.session() as s:
            last = jobs.latest_job(s, record.id)
            if last is None or last.state != FAILED:
                raise InputError("Only a failed analysis can be tried again.")
            if options is not None:
                s.get(AnalysisRecord, record.id).options = options
            job = Job(analysis_id=record.id, owner_id=record.owner_id)
            s.add(job)
        self.queue.enqueue(job.id)
        return job

    def delete_analysis(self, record: AnalysisRecord) -> None:
        """Delete an analysis, its jobs and every file (a running job stops at its next
        progress report and removes what it wrote)."""
        with self.db.session() as s:
            s.execute(delete(Job).where(Job.analysis_id == record.id))
            s.execute(delete(AnalysisRecord).where(AnalysisRecord.id == record.id))
        self.storage.delete_prefix(jobs.analysis_prefix(record.id))

    def analysis_for(self, user: User | None, analysis_id) -> AnalysisRecord | None:
        """The analysis if ``user`` may see it (its owner; admins see all), else ``None``."""
        ident = parse_uuid(analysis_id)
        if user is None or ident is None:
            return None
        with self.db.session() as s:
            record = s.get(AnalysisRecord, ident)
        if record is None or (record.owner_id != user.id and user.role != "admin"):
            return None
        return record

    def analysis_visible_to(self, user: User | None, analysis_id) -> AnalysisRecord | None:
        """The analysis if ``user`` may *look at* it: its owner, an admin, or a coach the
        owner has accepted (an active link). Changes stay with :meth:`analysis_for`."""
        record = self.analysis_for(user, analysis_id)
        if record is not None or user is None:
            return record
        ident = parse_uuid(analysis_id)
        if ident is None:
            return None
        with self.db.session() as s:
            record = s.get(AnalysisRecord, ident)
        from runform.service.coaching import coaches_runner

        if record is not None and coaches_runner(self, user, record.owner_id):
            return record
        return None

    def job_for(self, user: User | None, job_id) -> Job | None:
        ident = parse_uuid(job_id)
        if user is None or ident is None:
            return None
        with self.db.session() as s:
            job = s.get(Job, ident)
        if job is None or (job.owner_id != user.id and user.role != "admin"):
            return None
        return job

    def latest_job(self, analysis_id: uuid.UUID) -> Job | None:
        with self.db.session() as s:
            return jobs.latest_job(s, analysis_id)

    def analyses_of(self, user: User) -> list[tuple[AnalysisRecord, Job | None]]:
        with self.db.session() as s:
            records = s.scalars(
                select(AnalysisRecord)
                .where(AnalysisRecord.owner_id == user.id)
                .order_by(AnalysisRecord.created_at.desc())
            ).all()
            return [(r, jobs.latest_job(s, r.id)) for r in records]


def parse_uuid(value) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None
