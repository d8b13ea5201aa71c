"""End-to-end speed of ``runform analyze`` against the raw MediaPipe inference loop.

On ``../shared/data/male_side/male_side.mp4`` (or ``examples/male_side.mp4``), this script
times, alternately and ``--repeat`` times each:

- **raw loop** — the reference: MediaPipe BlazePose (runform's backend, same settings) run in
  tracking mode over the same frames, pre-decoded into memory beforehand (graph creation
  included, decoding excluded);
- **pipeline, no video** — :func:`runform.pipeline.video.analyze_video` with
  ``annotate=False`` and no cache: probe, decode (background thread), find the runner,
  pose in the runner window, engine, ``analysis.json`` and ``pose.csv``;
- **pipeline, with video** — the same plus ``annotated.mp4`` and the key-frame stills;
- **the same + report** — everything ``runform analyze`` writes by default (the report came
  with a later issue and has no target of its own; printed for information);
- **with video, one model instance** — ``pose_workers=1``: the parts of the video are run
  through the model one after the other instead of at the same time (same pose), to show
  what running the model on both cores contributes (no target; for information).

It prints the best and the median wall time of each, the CPU time, the ratios to the raw
loop (targets: 1.10 without the video, 1.25 with it), the ratio of CPU time to the raw
loop's (what the pipeline costs beyond inference, whatever the cores), the load average,
and where the pipeline's time went (from its progress callback). Run it on an otherwise
idle machine: other processes on the 2 cores skew every figure (the best run is the least
disturbed one).

Usage: ``python bench/video_speed.py [--repeat 3] [--video PATH]``
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import av

from _common import clip_arguments, format_table


def decode_all(path: Path) -> list:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def raw_loop(frames: list) -> tuple[float, float]:
    """(wall, CPU) seconds for MediaPipe alone over pre-decoded frames (new graph, tracking)."""
    from runform.pose.backends import BlazePoseBackend, quiet_native_logs

    started, cpu = time.perf_counter(), cpu_seconds()
    with quiet_native_logs(), BlazePoseBackend() as backend:
        for image in frames:
            backend.track(image)
    return time.perf_counter() - started, cpu_seconds() - cpu


class StageClock:
    """Progress callback recording when each stage first and last reported."""

    def __init__(self) -> None:
        self.spans: dict[str, list[float]] = {}

    def __call__(self, stage: str, fraction: float | None, detail: str = "") -> None:
        now = time.perf_counter()
        span = self.spans.setdefault(stage, [now, now])
        span[1] = now


def pipeline(
    path: Path, annotate: bool, report: bool = False, pose_workers: int | None = None
) -> tuple[float, float, dict[str, float]]:
    """(wall, CPU, stage spans) of one uncached ``analyze_video`` run."""
    from runform.pipeline.video import analyze_video

    clock = StageClock()
    with tempfile.TemporaryDirectory() as out:
        started, cpu = time.perf_counter(), cpu_seconds()
        analyze_video(
            path,
            out_dir=out,
            annotate=annotate,
            cache=False,
            progress=clock,
            write_report=report,
            pose_workers=pose_workers,
        )
        wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    stages = {name: end - start for name, (start, end) in clock.spans.items()}
    return wall, cpu, stages


def main(argv: list[str] | None = None) -> int:
    args, clip = clip_arguments(__doc__.splitlines()[0], argv)
    if clip is None:
        return 1
    frames = decode_all(clip)
    height, width = frames[0].shape[:2]
    print(f"clip: {clip.name}, {len(frames)} frames, {width}x{height}; {args.repeat} runs each")

    runs: dict[str, list[tuple[float, float]]] = {
        "raw": [],
        "bare": [],
        "full": [],
        "all": [],
        "one": [],
    }
    stages_bare: list[dict[str, float]] = []
    stages_full: list[dict[str, float]] = []
    loads = [os.getloadavg()[0]]
    for i in range(args.repeat):
        runs["raw"].append(raw_loop(frames))
        wall, cpu, stages = pipeline(clip, annotate=False)
        runs["bare"].append((wall, cpu))
        stages_bare.append(stages)
        wall, cpu, stages = pipeline(clip, annotate=True)
        runs["full"].append((wall, cpu))
        stages_full.append(stages)
        wall, cpu, _ = pipeline(clip, annotate=True, report=True)
        runs["all"].append((wall, cpu))
        wall, cpu, _ = pipeline(clip, annotate=True, pose_workers=1)
        runs["one"].append((wall, cpu))
        loads.append(os.getloadavg()[0])
        print(
            f"run {i + 1}: raw {runs['raw'][-1][0]:.2f} s, no video {runs['bare'][-1][0]:.2f} s, "
            f"video {runs['full'][-1][0]:.2f} s, video + report {runs['all'][-1][0]:.2f} s, "
            f"video with one model instance {runs['one'][-1][0]:.2f} s "
            f"(load average {loads[-1]:.1f})"
        )

    def best(name: str) -> float:
        return min(w for w, _ in runs[name])

    def median(name: str, which: int = 0) -> float:
        return statistics.median(r[which] for r in runs[name])

    rows = []
    for name, label, target in (
        ("raw", "raw MediaPipe loop (reference)", "–"),
        ("bare", "pipeline, no annotated video", "<= 1.10"),
        ("full", "pipeline, with annotated video + stills", "<= 1.25"),
        ("all", "the same + report.html/pdf, steps.csv (issue 4)", "(none set)"),
        ("one", "with video, one model instance (pose_workers=1)", "(information)"),
    ):
        rows.append(
            [
                label,
                best(name),
                median(name),
                median(name, 1),
                best(name) / best("raw"),
                median(name) / median("raw"),
                median(name, 1) / median("raw", 1),
                target,
            ]
        )
    print()
    print(
        format_table(
            [
                "run",
                "best s",
                "median s",
                "median CPU s",
                "x raw (best)",
                "x raw (median)",
                "CPU x raw CPU",
                "target",
            ],
            rows,
        )
    )
    print(
        f"\nload average during the runs: {min(loads):.1f}–{max(loads):.1f} on "
        f"{os.cpu_count()} cores (above ~0.5 the figures include other processes' work)"
    )
    for label, spans_of_runs in (("no video", stages_bare), ("with video", stages_full)):
        names = sorted({n for r in spans_of_runs for n in r})
        spans = [[n, statistics.median([r.get(n, 0.0) for r in spans_of_runs])] for n in names]
        print(f"\nstage spans, {label} (first to last progress report, median s):")
        print(format_table(["stage", "seconds"], spans))
    return 0


if __name__ == "__main__":
    sys.exit(main())
