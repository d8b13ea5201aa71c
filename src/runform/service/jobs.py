"""Jobs: the table is the source of truth, the queue only moves job ids.

A job goes ``queued → running → done | failed``. :func:`run_job` is what the queue calls with
a job id; it is idempotent: it *claims* the job with one conditional UPDATE
(``state = 'queued'`` → ``'running'``, ``attempts + 1``), so a duplicate message, or a message
for a job already done, failed or deleted, does nothing. While it runs, a heartbeat thread
stamps ``heartbeat_at`` and the pipeline's progress callback writes ``stage``, ``detail`` and
``progress``; every write is conditional on the attempt number, so a job taken over after a
stale heartbeat cannot be overwritten by the attempt that lost it. :func:`sweep_stale` puts
running jobs whose heartbeat stopped (the process died) back in the queue, up to
``max_attempts``.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from runform.errors import OptionError, RunformError
from runform.service.models import (
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    AnalysisRecord,
    Job,
    utcnow,
)
from runform.service.storage import storage_failure_sentence
from runform.service.uploads import MAX_VIDEO_FRAMES, form_sentence, user_sentence

log = logging.getLogger("runform.service.jobs")

#: Share of the whole job each pipeline stage stands for (the video and stills are made
#: while the report is written; unknown stages only change the stage shown).
STAGE_WEIGHTS = {
    "find runner": 0.05,
    "pose": 0.60,
    "analyse": 0.05,
    "annotated video": 0.15,
    "key frames": 0.05,
    "report": 0.10,
}
CRASH_SENTENCE = (
    "The analysis stopped because of an error inside runform; try again, and report it if it "
    "happens again."
)


class JobLost(Exception):
    """The job was deleted or taken over while running: stop working on it."""


def input_prefix(analysis_id: uuid.UUID) -> str:
    return f"analyses/{analysis_id}/input"


def output_prefix(analysis_id: uuid.UUID) -> str:
    return f"analyses/{analysis_id}/output"


def analysis_prefix(analysis_id: uuid.UUID) -> str:
    return f"analyses/{analysis_id}"


# ---------------------------------------------------------------------------- options
def parse_options(fields: dict[str, str]) -> dict:
    """Analysis options from form fields (empty means not given), checked with the engine's
    own rules. Keys: ``capture_fps``, ``treadmill_speed`` (any unit
    :func:`runform.units.parse_speed` reads: ``3.2``, ``11.5km/h``, ``5:15/km``...), ``height_cm``."""
    from runform.pipeline import AnalysisOptions

    def number(name: str, words: str) -> float | None:
        raw = (fields.get(name) or "").strip()
        if not raw:
            return None
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            raise OptionError(f"The {words} must be a number, got {raw!r}.") from None
        if not math.isfinite(value):
            raise OptionError(f"The {words} must be a number, got {raw!r}.")
        return value

    capture = number("capture_fps", "capture frame rate")
    if capture is not None and not (1.0 <= capture <= 10_000.0):
        raise OptionError(
            f"The capture frame rate {capture:g} is not a camera frame rate; give frames per "
            "second, e.g. 240."
        )
    speed = _speed(fields.get("treadmill_speed"))
    height = number("height_cm", "height (cm)")
    side = (fields.get("filmed_side") or "").strip() or None
    try:
        AnalysisOptions(height_cm=height, treadmill_speed_mps=speed, filmed_side=side).validate()
    except OptionError as exc:
        raise OptionError(form_sentence(str(exc))) from None
    options = {"capture_fps": capture, "treadmill_speed_mps": speed, "height_cm": height}
    if side:
        options["filmed_side"] = side
    return options


def _speed(raw: str | None) -> float | None:
    """The treadmill speed as typed in the form, in any unit the CLI reads."""
    from runform.units import parse_speed

    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return parse_speed(raw)
    except ValueError as exc:
        raise OptionError(str(exc)) from None


# ---------------------------------------------------------------------------- analyse
@contextmanager
def _other_side(storage, options: dict):
    """The clip of the runner's other side as a local file, when one was uploaded."""
    key = options.get("other_side_key")
    if not key:
        yield None
        return
    with storage.local_file(key) as path:
        yield path


#: How a worker runs a job: one model instance, the frames streamed from the file (not
#: kept in memory) and the report written after the annotated video (not beside it), so a
#: machine runs one job per core without swapping (``python bench/worker_cost.py``: about
#: 520 MB instead of 2 GB for the 12 s example).
WORKER_PROFILE = {
    "pose_workers": 1,
    "frame_memory_mb": 0.0,
    "overlap_outputs": False,
    # the upload's check reads the header, which may state no length or a false one; the
    # decoding itself stops past the same limit
    "max_frames": MAX_VIDEO_FRAMES,
}


def default_analyze(video: Path, out_dir: Path, options: dict, progress: Callable) -> None:
    """The real work: :func:`runform.pipeline.video.analyze_video` with the report (or, with
    a clip of the other side, :func:`runform.pipeline.both_sides.analyze_both_sides`), in
    the :data:`WORKER_PROFILE`."""
    from runform.pipeline import AnalysisOptions
    from runform.pipeline.video import analyze_video

    engine = AnalysisOptions(
        height_cm=options.get("height_cm"),
        treadmill_speed_mps=options.get("treadmill_speed_mps"),
        filmed_side=options.get("filmed_side"),
    )
    if options.get("other_side_path"):
        from runform.pipeline.both_sides import analyze_both_sides

        # each clip says which side it shows from its own picture
        engine = AnalysisOptions(
            height_cm=engine.height_cm, treadmill_speed_mps=engine.treadmill_speed_mps
        )
        analyze_both_sides(
            (video, Path(options["other_side_path"])),
            engine,
            out_dir,
            progress=progress,
            names=(
                options.get("video_name") or video.name,
                options.get("other_side_name") or Path(options["other_side_path"]).name,
            ),
            capture_fps=options.get("capture_fps"),
            cache=False,
            **WORKER_PROFILE,
        )
        return
    analyze_video(
        video,
        engine,
        out_dir=out_dir,
        progress=progress,
        capture_fps=options.get("capture_fps"),
        cache=False,
        # the report and analysis.json name the runner's file, not the stored video.mp4
        display_name=Path(options.get("video_name") or "").name or None,
        **WORKER_PROFILE,
    )


# ---------------------------------------------------------------------------- progress
class JobProgress:
    """The pipeline's progress callback, written to the job's row (at most every
    ``min_interval`` s unless the stage changes). Raises :class:`JobLost` when the row is gone
    or belongs to a newer attempt."""

    def __init__(self, db, job_id: uuid.UUID, attempt: int, min_interval: float = 0.5):
        self.db, self.job_id, self.attempt = db, job_id, attempt
        self.min_interval = min_interval
        self.fractions: dict[str, float] = {}
        self.overall = 0.0
        self.stage = ""
        self._last = 0.0
        self.lost = threading.Event()

    def __call__(self, stage: str, fraction: float | None, detail: str = "") -> None:
        if self.lost.is_set():
            raise JobLost(str(self.job_id))
        if fraction is not None and stage in STAGE_WEIGHTS:
            self.fractions[stage] = max(
                self.fractions.get(stage, 0.0), min(max(fraction, 0.0), 1.0)
            )
            total = sum(STAGE_WEIGHTS[s] * f for s, f in self.fractions.items())
            self.overall = max(self.overall, min(total / sum(STAGE_WEIGHTS.values()), 0.99))
        now = time.monotonic()
        if stage == self.stage and now - self._last < self.min_interval:
            return
        self.stage, self._last = stage, now
        self.write(stage=stage[:64], detail=(detail or "")[:255], progress=self.overall)

    def write(self, **values) -> None:
        with self.db.session() as s:
            done = s.execute(
                update(Job)
                .where(Job.id == self.job_id, Job.attempts == self.attempt, Job.state == RUNNING)
                .values(heartbeat_at=utcnow(), **values)
            ).rowcount
        if not done:
            self.lost.set()
            raise JobLost(str(self.job_id))


class Heartbeat(threading.Thread):
    """Stamps the job's heartbeat every ``interval`` s while the pipeline works."""

    def __init__(self, progress: JobProgress, interval: float):
        super().__init__(name=f"heartbeat-{progress.job_id}", daemon=True)
        self.progress, self.interval = progress, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.progress.write()
            except JobLost:
                return
            except Exception:  # a locked database now and then must not end the heartbeat
                log.exception("heartbeat of job %s not written", self.progress.job_id)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


# ---------------------------------------------------------------------------- run
def run_job(service, job_id: uuid.UUID) -> str | None:
    """Run one job if it is queued; returns its final state, or ``None`` when there was
    nothing to do (already claimed, finished or deleted)."""
    db, storage, settings = service.db, service.storage, service.settings
    with db.session() as s:
        now = utcnow()
        claimed = s.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == QUEUED)
            .values(
                state=RUNNING,
                attempts=Job.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                stage="starting",
                detail="",
                progress=0.0,
                error=None,
            )
        ).rowcount
        if not claimed:
            return None
        job = s.get(Job, job_id)
        record = s.get(AnalysisRecord, job.analysis_id)
        attempt, analysis_id = job.attempts, record.id
        video_key, video_name, options = record.video_key, record.video_name, dict(record.options)
    log.info("job %s: attempt %d started", job_id, attempt)

    progress = JobProgress(db, job_id, attempt)
    heartbeat = Heartbeat(progress, settings.heartbeat_s)
    analyze = settings.analyze or default_analyze
    error: str | None = None
    heartbeat.start()
    try:
        with (
            storage.local_file(video_key) as video,
            _other_side(storage, options) as other,
            storage.work_dir(output_prefix(analysis_id)) as out,
        ):
            try:
                options = {**options, "video_name": video_name}
                if other is not None:
                    options = {**options, "other_side_path": str(other)}
                analyze(Path(video), Path(out), options, progress)
                if options.get("retest_of"):
                    from runform.service.retest import write_comparison

                    note = write_comparison(
                        storage, options["retest_of"], Path(out), progress=progress
                    )
                    if note:
                        log.info("job %s: %s", job_id, note)
            except RunformError as exc:
                error = form_sentence(
                    user_sentence(str(exc), {str(video): video_name, str(out): "the output folder"})
                )
    except JobLost:
        log.info("job %s: deleted or taken over; attempt %d stopped", job_id, attempt)
        _drop_orphan_files(service, analysis_id)
        return None
    except Exception as exc:
        error = storage_failure_sentence(exc)
        if error is None:
            log.exception("job %s: attempt %d crashed", job_id, attempt)
            error = CRASH_SENTENCE
        else:  # a full disk or an unreachable store: the job can be tried again later
            log.warning("job %s: attempt %d could not store its results: %r", job_id, attempt, exc)
    finally:
        heartbeat.stop()
        release_memory()

    state = DONE if error is None else FAILED
    if state == FAILED:  # a failed analysis keeps its video (to try again), no half outputs
        try:
            storage.delete_prefix(output_prefix(analysis_id))
        except Exception:  # the storage is down: the job is failed all the same (nothing
            # under a failed job's outputs is ever served) and a retry replaces them
            log.exception("job %s: outputs of the failed attempt not removed", job_id)
    with db.session() as s:
        values = dict(state=state, finished_at=utcnow(), heartbeat_at=utcnow(), error=error)
        if state == DONE:
            values.update(progress=1.0, stage="done", detail="")
        finished = s.execute(
            update(Job)
            .where(Job.id == job_id, Job.attempts == attempt, Job.state == RUNNING)
            .values(**values)
        ).rowcount
    if not finished:
        _drop_orphan_files(service, analysis_id)
        return None
    log.info("job %s: %s", job_id, state)
    return state


def release_memory() -> None:
    """Give back what a finished job held: the video renderer's label caches, Python's
    garbage, and the C heap's free pages (glibc's ``malloc_trim``). A worker process lives
    for many jobs; without this each job started from the previous one's high-water mark
    (two clips in one worker peaked at 820 MB against 545 MB for one)."""
    import ctypes
    import gc
    import sys

    lettering = sys.modules.get("runform.render.lettering")  # loaded if a video was rendered
    if lettering is not None:
        lettering.clear_caches()
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): the caches are cleared anyway
        pass


def _drop_orphan_files(service, analysis_id: uuid.UUID) -> None:
    """Files of an analysis deleted while its job ran would be orphans: remove them."""
    with service.db.session() as s:
        if s.get(AnalysisRecord, analysis_id) is None:
            service.storage.delete_prefix(analysis_prefix(analysis_id))


def sweep_stale(service) -> list[uuid.UUID]:
    """Re-queue running jobs whose heartbeat is older than ``stale_after_s`` (their worker
    died); after ``max_attempts`` the job fails with a sentence. Returns the re-queued ids."""
    settings = service.settings
    cutoff = utcnow() - timedelta(seconds=settings.stale_after_s)
    requeued: list[uuid.UUID] = []
    with service.db.session() as s:
        stale = s.scalars(select(Job).where(Job.state == RUNNING, Job.heartbeat_at < cutoff)).all()
        for job in stale:
            if job.attempts >= settings.max_attempts:
                values = dict(
                    state=FAILED,
                    finished_at=utcnow(),
                    error=(
                        f"The analysis stopped unexpectedly {job.attempts} times; try again, "
                        "or upload a shorter clip (10–20 s of running)."
                    ),
                )
            else:
                values = dict(state=QUEUED, stage="waiting to restart", detail="")
            changed = s.execute(
                update(Job)
                .where(Job.id == job.id, Job.state == RUNNING, Job.heartbeat_at < cutoff)
                .values(**values)
            ).rowcount
            if changed and values["state"] == QUEUED:
                requeued.append(job.id)
    for job_id in requeued:
        log.warning("job %s: heartbeat stale, queued again", job_id)
        service.queue.enqueue(job_id)
    return requeued


def queued_job_ids(service) -> list[uuid.UUID]:
    with service.db.session() as s:
        return list(s.scalars(select(Job.id).where(Job.state == QUEUED).order_by(Job.created_at)))


def latest_job(s, analysis_id: uuid.UUID) -> Job | None:
    return s.scalars(
        select(Job).where(Job.analysis_id == analysis_id).order_by(Job.created_at.desc()).limit(1)
    ).first()
