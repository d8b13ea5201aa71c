"""What one analysis costs a worker (issue 13), against MediaPipe alone in the same run.

On ``examples/male_side.mp4`` (12 s, 360 frames) this script measures, in the same run:

- **MediaPipe alone** — the reference: BlazePose in tracking mode over the clip's frames,
  decoded beforehand (``bench/video_speed.py``'s raw loop), in a child process so its CPU
  time and peak memory are the process's own;
- **one job as runform worker runs it** — :func:`runform.service.jobs.default_analyze` in
  its ``WORKER_PROFILE`` (one model instance, as a worker machine runs one job per core;
  the frames streamed from the file rather than kept; the report written after the
  annotated video rather than beside it; video, stills and report included), in a process
  forked from the fork server ``runform worker`` starts (:mod:`runform.cli.preload`:
  what a job imports, imported once per machine). Its CPU time and peak are the forked
  process's own (``getrusage(RUSAGE_SELF)``, which starts from zero at the fork);
- **the same job in a new Python process** — imports included, as every job paid them
  before the fork server;
- **through the queue** — K uploads through ``runform serve --no-worker``'s service layer
  and ``runform worker --concurrency W`` on the SQLite queue, for W = 1 and 2: clips per
  minute, CPU seconds per clip (every process: the supervisor, the fork server, the jobs'
  processes) and the largest process's peak memory.

Each run is repeated ``--rounds`` times, the three alternated so that a slow spell of this
shared machine falls on all of them, and medians are printed, with the range of the ratio
(one pair varies by about ±0.1). Figures are ratios against MediaPipe alone in the same
run. CPU time is user + system. runform's modules are compiled to bytecode first, as
``pip install`` does (:func:`installed_env`). Targets (issue 13): a job at most 1.5×
MediaPipe's CPU time and at most 600 MB.

Usage: ``python bench/worker_cost.py [--jobs 2] [--rounds 3] [--no-queue]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
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


def installed_env() -> dict:
    """The children's environment, with runform's bytecode compiled as an install has it.

    ``pip install`` compiles every module of a wheel once; an editable checkout compiles
    them on first import, and with ``PYTHONDONTWRITEBYTECODE`` set (as in CI containers) on
    every start, which would charge each job about 0.4 s of compiling that a deployed
    worker never does. The packages both runs import (MediaPipe, NumPy...) were compiled
    by pip.
    """
    import runform

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    package = str(Path(runform.__file__).parent)
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], env=env, check=True)
    return env


def adopt_orphans() -> None:
    """Have this process adopt its descendants when their parent exits (Linux), so that the
    worker's fork server and the job processes it forked and reaped are counted in
    ``RUSAGE_CHILDREN`` once reaped here (:func:`reap_orphans`)."""
    import ctypes

    pr_set_child_subreaper = 36
    ctypes.CDLL("libc.so.6").prctl(pr_set_child_subreaper, 1, 0, 0, 0)


def reap_orphans(seconds: float = 60.0) -> float:
    """Wait for the adopted processes to end; return the largest peak MB among them."""
    peak = 0.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pid, _, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.05)
            continue
        peak = max(peak, usage.ru_maxrss / 1024.0)
    return peak


def through_queue(jobs: int, workers: int, env: dict) -> dict:
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
    env = {**env, "RUNFORM_SECRET_KEY": settings.secret_key}
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
    peak = usage.ru_maxrss / 1024.0
    peak = max(peak, reap_orphans())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    service.stop()
    return {
        "workers": workers,
        "jobs": jobs,
        "failed": states.count("failed"),
        "clips_per_min": 60.0 * jobs / wall,
        "cpu_per_clip": cpu / jobs,
        # the largest single process: the supervisor, the fork server or a job's process
        "peak_mb": peak,
    }


def _forked_job(clip: str, out: str, conn) -> None:
    """In a process forked from the worker's fork server: one job, then its own usage."""
    from runform.service.jobs import default_analyze

    started = time.perf_counter()
    default_analyze(Path(clip), Path(out), {}, lambda *a: None)
    usage = resource.getrusage(resource.RUSAGE_SELF)  # a forked process starts from zero
    conn.send((time.perf_counter() - started, usage.ru_utime + usage.ru_stime,
               usage.ru_maxrss / 1024.0))  # fmt: skip
    conn.close()


class ForkServer:
    """The fork server ``runform worker`` starts (:mod:`runform.cli.preload`)."""

    def __init__(self, env: dict) -> None:
        import multiprocessing

        os.environ.clear()
        os.environ.update(env)
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as runform worker sets them
        os.environ.setdefault("MALLOC_ARENA_MAX", "1")
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["runform.cli.preload"])
        warm = self.context.Process(target=time.sleep, args=(0,))
        warm.start()  # the server is started, and has imported, before any job is timed
        warm.join()

    def job_cost(self) -> tuple[float, float, float]:
        """(wall s, CPU s, peak MB) of one job in a process forked from the server."""
        receive, send = self.context.Pipe(duplex=False)
        out = tempfile.mkdtemp(prefix="runform-job-")
        process = self.context.Process(target=_forked_job, args=(str(CLIP), out, send))
        process.start()
        send.close()
        result = receive.recv()
        process.join()
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="clips through the queue")
    parser.add_argument("--no-queue", action="store_true", help="skip the queue runs")
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of each, alternated (medians are printed)"
    )
    args = parser.parse_args(argv)
    env = installed_env()
    queued = []
    if not args.no_queue:  # first: the fork server below is a child that never ends by itself
        adopt_orphans()
        queued = [through_queue(args.jobs, workers, env) for workers in (1, 2)]
    server = ForkServer(env)
    raws, fresh, forked = [], [], []
    for _ in range(max(1, args.rounds)):
        # alternated, so that a slow spell of the machine falls on all three
        command = [sys.executable, "-c", RAW.format(bench=str(ROOT / "bench"), clip=str(CLIP))]
        raws.append(child_cost(command, env))
        out = tempfile.mkdtemp(prefix="runform-job-")
        fresh.append(child_cost([sys.executable, "-c", JOB.format(clip=str(CLIP), out=out)], env))
        forked.append(server.job_cost())

    def median(runs: list[tuple[float, float, float]]) -> tuple[float, ...]:
        return tuple(statistics.median(r[i] for r in runs) for i in range(3))

    def spread(runs: list[tuple[float, float, float]]) -> str:
        ratios = sorted(j[1] / r[1] for r, j in zip(raws, runs, strict=True))
        return f"{ratios[0]:.2f}–{ratios[-1]:.2f}" if len(ratios) > 1 else "–"

    raw, alone, job = median(raws), median(fresh), median(forked)
    rows = [
        ["MediaPipe alone (reference)", f"{raw[1]:.1f}", "1.00", "–", f"{raw[2]:.0f}", "–"],
        ["one job as runform worker runs it", f"{job[1]:.1f}", f"{job[1] / raw[1]:.2f}",
         spread(forked), f"{job[2]:.0f}", "CPU ≤ 1.50×, ≤ 600 MB"],
        ["the same job in a new Python process", f"{alone[1]:.1f}", f"{alone[1] / raw[1]:.2f}",
         spread(fresh), f"{alone[2]:.0f}", "(imports included)"],
    ]  # fmt: skip
    print(
        f"clip: {CLIP.name}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
        f"medians of {len(raws)} alternated runs of each\n"
    )
    print(format_table(
        ["run", "CPU s", "CPU × MediaPipe", "range of the ratio", "peak MB", "target"], rows
    ))  # fmt: skip
    if queued:
        queue_rows = []
        for r in queued:
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
