"""What one analysis costs a worker (issue 13), against MediaPipe alone in the same run.

On ``examples/male_side.mp4`` (12 s, 360 frames) this script measures, in the same run:

- **MediaPipe alone** — the reference: BlazePose in tracking mode over the clip's frames,
  decoded beforehand (``bench/video_speed.py``'s raw loop), in a child process so its CPU
  time and peak memory are the process's own;
- **one job as a worker runs it** — :func:`runform.service.jobs.default_analyze` in its
  ``WORKER_PROFILE``: one model instance (a worker machine runs one job per core), the
  frames streamed from the file rather than kept, and the report written after the
  annotated video rather than beside it; video, stills and report included;
- **through the queue** — K uploads through ``runform serve --no-worker``'s service layer
  and ``runform worker --concurrency W`` processes on the SQLite queue, for W = 1 and 2:
  clips per minute, CPU seconds per clip and each worker process's peak memory.

Figures are printed as ratios against MediaPipe alone, measured in the same run; CPU time
is user + system of the child processes (``getrusage(RUSAGE_CHILDREN)``), peak memory the
largest resident set of one process. Targets (issue 13): a job at most 1.5× MediaPipe's CPU
time and at most 600 MB.

Usage: ``python bench/worker_cost.py [--jobs 2] [--no-queue]``
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import format_table

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "examples" / "male_side.mp4"
RUNFORM = [sys.executable, "-m", "runform"]

RAW = """
import sys
sys.path.insert(0, {bench!r})
from video_speed import decode_all, raw_loop
frames = decode_all(__import__("pathlib").Path({clip!r}))
raw_loop(frames)
"""


#: One job exactly as a worker runs it (:func:`runform.service.jobs.default_analyze`, in
#: its ``WORKER_PROFILE``), without the queue.
JOB = """
from pathlib import Path
from runform.cli import limit_malloc_arenas
limit_malloc_arenas()  # as every runform process does first
from runform.service.jobs import default_analyze
default_analyze(Path({clip!r}), Path({out!r}), {{}}, lambda *a: None)
"""


def child_cost(command: list[str], env: dict | None = None) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MB) of one child process run to the end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if proc.stderr:
        proc.stderr.close()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, usage.ru_maxrss / 1024.0


def through_queue(jobs: int, workers: int) -> dict:
    """K uploads queued, then ``runform worker --concurrency W`` until all are done."""
    import warnings

    from runform.service.core import Service
    from runform.service.settings import Settings
    from runform.service.uploads import ReceivedUpload

    folder = Path(tempfile.mkdtemp(prefix="runform-bench-"))
    settings = Settings.load(folder, env={}, worker="none")
    service = Service(settings)
    service.db.migrate()
    with service.db.session() as s:
        from runform.service.accounts import create_user

        user = create_user(s, "bench@example.org", "a long password")
    import uuid

    from runform.service.jobs import input_prefix

    for _ in range(jobs):
        analysis_id = uuid.uuid4()
        key = f"{input_prefix(analysis_id)}/video.mp4"
        with service.storage.writer(key) as out:
            out.write(CLIP.read_bytes())
        upload = ReceivedUpload(filename=CLIP.name, key=key, size=CLIP.stat().st_size)
        service.submit(user, upload, analysis_id, {})
    env = {**os.environ, "RUNFORM_SECRET_KEY": settings.secret_key}
    command = [*RUNFORM, "worker", "--concurrency", str(workers), "--data-dir", str(folder)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        while True:
            from sqlalchemy import select

            from runform.service.models import Job

            with service.db.session() as s:
                states = [j.state for j in s.scalars(select(Job))]
            if all(st in ("done", "failed") for st in states):
                break
            time.sleep(0.5)
    wall = time.perf_counter() - started
    proc.terminate()
    _, _, usage = os.wait4(proc.pid, 0)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    service.stop()
    return {
        "workers": workers,
        "jobs": jobs,
        "failed": states.count("failed"),
        "clips_per_min": 60.0 * jobs / wall,
        "cpu_per_clip": cpu / jobs,
        # the worker process and the copies it started and waited for (not earlier children)
        "peak_mb": usage.ru_maxrss / 1024.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="clips through the queue")
    parser.add_argument("--no-queue", action="store_true", help="skip the queue runs")
    args = parser.parse_args(argv)
    raw = child_cost([sys.executable, "-c", RAW.format(bench=str(ROOT / "bench"), clip=str(CLIP))])
    out = tempfile.mkdtemp(prefix="runform-job-")
    job = child_cost([sys.executable, "-c", JOB.format(clip=str(CLIP), out=out)])
    rows = [
        ["MediaPipe alone (reference)", f"{raw[1]:.1f}", "1.00", f"{raw[2]:.0f}", "–"],
        ["one job, worker profile", f"{job[1]:.1f}", f"{job[1] / raw[1]:.2f}", f"{job[2]:.0f}",
         "CPU ≤ 1.50×, ≤ 600 MB"],
    ]  # fmt: skip
    print(f"clip: {CLIP.name}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print(format_table(["run", "CPU s", "CPU × MediaPipe", "peak MB", "target"], rows))
    if not args.no_queue:
        queue_rows = []
        for workers in (1, 2):
            r = through_queue(args.jobs, workers)
            queue_rows.append([
                str(r["workers"]), str(r["jobs"]), f"{r['clips_per_min']:.2f}",
                f"{r['cpu_per_clip']:.1f}", f"{r['cpu_per_clip'] / job[1]:.2f}",
                f"{r['cpu_per_clip'] / raw[1]:.2f}", f"{r['peak_mb']:.0f}", str(r["failed"]),
            ])  # fmt: skip
        print()
        print(format_table(
            ["worker processes", "clips", "clips/min", "CPU s/clip", "× job alone",
             "× MediaPipe", "peak MB (one process)", "failed"],
            queue_rows,
        ))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
