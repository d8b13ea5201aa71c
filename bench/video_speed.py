"""End-to-end speed of ``runform analyze`` against the raw MediaPipe inference loop.

On ``../shared/data/male_side/male_side.mp4`` (or ``examples/male_side.mp4``), this script
times, alternately and ``--repeat`` times each:

- **raw loop** — the reference: MediaPipe BlazePose (runform's backend, same settings) run in
  tracking mode over the same frames, pre-decoded into memory beforehand (graph creation
  included, decoding excluded);
- **pipeline, no video** — :func:`runform.pipeline.video.analyze_video` with
  ``annotate=False`` and no cache: probe, decode (background thread), find the runner,
  pose in the runner window, engine, ``analysis.json`` and ``pose.csv``;
- **pipeline, with video** — the same plus ``annotated.mp4`` and the key-frame stills.

It prints the median of each and the ratios to the raw loop (targets: 1.10 without the
video, 1.25 with it), plus where the pipeline's time went (from its progress callback).
Run it on an otherwise idle machine: other processes on the 2 cores skew every figure.

Usage: ``python bench/video_speed.py [--repeat 3] [--video PATH]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import av

from _common import REPO_ROOT, SHARED_DATA, format_table

DEFAULT_CLIP = SHARED_DATA / "male_side" / "male_side.mp4"
FALLBACK_CLIP = REPO_ROOT / "examples" / "male_side.mp4"


def decode_all(path: Path) -> list:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def raw_loop(frames: list) -> float:
    """Seconds for MediaPipe alone over pre-decoded frames (new graph, tracking mode)."""
    from runform.pose.backends import BlazePoseBackend, quiet_native_logs

    started = time.perf_counter()
    with quiet_native_logs(), BlazePoseBackend() as backend:
        for image in frames:
            backend.track(image)
    return time.perf_counter() - started


class StageClock:
    """Progress callback recording when each stage first and last reported."""

    def __init__(self) -> None:
        self.spans: dict[str, list[float]] = {}

    def __call__(self, stage: str, fraction: float | None, detail: str = "") -> None:
        now = time.perf_counter()
        span = self.spans.setdefault(stage, [now, now])
        span[1] = now


def pipeline(path: Path, annotate: bool) -> tuple[float, dict[str, float]]:
    from runform.pipeline.video import analyze_video

    clock = StageClock()
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        analyze_video(path, out_dir=out, annotate=annotate, cache=False, progress=clock)
        total = time.perf_counter() - started
    stages = {name: end - start for name, (start, end) in clock.spans.items()}
    return total, stages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each variant (median)")
    parser.add_argument("--video", type=Path, default=None, help="clip to time")
    args = parser.parse_args(argv)
    clip = args.video or (DEFAULT_CLIP if DEFAULT_CLIP.is_file() else FALLBACK_CLIP)
    if not clip.is_file():
        print(f"no clip at {clip}", file=sys.stderr)
        return 1
    frames = decode_all(clip)
    height, width = frames[0].shape[:2]
    print(f"clip: {clip.name}, {len(frames)} frames, {width}x{height}; {args.repeat} runs each")

    raw, bare, full = [], [], []
    stages_bare: list[dict[str, float]] = []
    stages_full: list[dict[str, float]] = []
    for i in range(args.repeat):
        raw.append(raw_loop(frames))
        seconds, stages = pipeline(clip, annotate=False)
        bare.append(seconds)
        stages_bare.append(stages)
        seconds, stages = pipeline(clip, annotate=True)
        full.append(seconds)
        stages_full.append(stages)
        print(
            f"run {i + 1}: raw {raw[-1]:.2f} s, no video {bare[-1]:.2f} s, video {full[-1]:.2f} s"
        )

    ref = statistics.median(raw)
    rows = [
        ["raw MediaPipe loop (reference)", ref, len(frames) / ref, 1.0, "–"],
        [
            "pipeline, no annotated video",
            statistics.median(bare),
            len(frames) / statistics.median(bare),
            statistics.median(bare) / ref,
            "<= 1.10",
        ],
        [
            "pipeline, with annotated video + stills",
            statistics.median(full),
            len(frames) / statistics.median(full),
            statistics.median(full) / ref,
            "<= 1.25",
        ],
    ]
    print()
    print(format_table(["run", "seconds (median)", "frames/s", "x raw loop", "target"], rows))
    for label, runs in (("no video", stages_bare), ("with video", stages_full)):
        names = sorted({n for r in runs for n in r}, key=lambda n: min(r.get(n, 1e9) for r in runs))
        spans = [[n, statistics.median([r.get(n, 0.0) for r in runs])] for n in names]
        print(f"\nstage spans, {label} (first to last progress report, median s):")
        print(format_table(["stage", "seconds"], spans))
    return 0


if __name__ == "__main__":
    sys.exit(main())
