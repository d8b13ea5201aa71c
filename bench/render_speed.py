"""Speed of the annotated video and key-frame stills, with and without kept frames.

On ``../shared/data/male_side/male_side.mp4`` (or ``examples/male_side.mp4``): the pose and
analysis are computed once, then, alternately and ``--repeat`` times each:

- **raw loop** — the reference: MediaPipe BlazePose over the same frames, pre-decoded;
- **video + stills, decoding** — :func:`runform.render.stills.write_video_and_key_frames`
  decoding the video itself (what happens when the pose came from the cache, or the clip
  is too long to keep its frames);
- **video + stills, kept frames** — the same from a :class:`~runform.render.frame_store.FrameStore`
  filled beforehand (what ``runform analyze`` does after a pose pass); the time to fill it
  is printed on its own line (in the pipeline it is spent in the pose pass's decoding
  threads);
- **video only, kept frames** — without the stills.

Printed: best and median wall time, median CPU time, both per source frame, and the ratio
to the raw loop.

Usage: ``python bench/render_speed.py [--repeat 3] [--video PATH]``
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import clip_arguments, format_table
from video_speed import cpu_seconds, decode_all, raw_loop


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    started, cpu = time.perf_counter(), cpu_seconds()
    fn()
    return time.perf_counter() - started, cpu_seconds() - cpu


def main(argv: list[str] | None = None) -> int:
    args, clip = clip_arguments(__doc__.splitlines()[0], argv)
    if clip is None:
        return 1
    from runform.pipeline.video import analyze_video
    from runform.pose.video import probe_video
    from runform.render.annotate import render_video
    from runform.render.encoding import decoded_frames
    from runform.render.frame_store import FrameStore
    from runform.render.stills import write_video_and_key_frames

    frames = decode_all(clip)
    out = Path(tempfile.mkdtemp(prefix="runform-render-bench-"))
    result = analyze_video(clip, out_dir=out / "analysis", annotate=False, write_report=False)
    track, analysis = result.pose, result.analysis
    n = track.n_frames
    store = FrameStore.for_video(probe_video(clip))
    if store is None:
        print("the clip does not fit the frame store's budget", file=sys.stderr)
        return 1

    def fill() -> None:
        store.release()
        for index, frame in enumerate(decoded_frames(clip)):
            store.add(index, frame)

    fill_time = timed(fill)
    kept_mb = len(store) * store.frame_bytes / 2**20
    variants: dict[str, Callable[[], object]] = {
        "raw": lambda: raw_loop(frames),
        "decoding": lambda: write_video_and_key_frames(
            clip, track, analysis, out / "a.mp4", out / "stills"
        ),
        "kept": lambda: write_video_and_key_frames(
            clip, track, analysis, out / "a.mp4", out / "stills", frames=store
        ),
        "video": lambda: render_video(clip, track, analysis, out / "a.mp4", frames=store),
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for _ in range(args.repeat):
        for name, fn in variants.items():
            if name in ("kept", "video"):
                fill()  # the render takes the frames it shows out of the store
            runs[name].append(timed(fn))
    print(f"clip: {clip.name}, {n} frames; {args.repeat} runs each")
    print(
        f"filling the frame store (decode + keep {n} frames, {kept_mb:.0f} MB): "
        f"{fill_time[0]:.2f} s wall, {fill_time[1]:.2f} s CPU"
    )
    raw = statistics.median(w for w, _ in runs["raw"])
    rows = []
    for name, label in (
        ("raw", "raw MediaPipe loop (reference)"),
        ("decoding", "video + stills, decoding the video"),
        ("kept", "video + stills, kept frames"),
        ("video", "video only, kept frames"),
    ):
        walls = [w for w, _ in runs[name]]
        cpu = statistics.median(c for _, c in runs[name])
        median = statistics.median(walls)
        rows.append([label, 1000 * min(walls) / n, 1000 * median / n, 1000 * cpu / n, median / raw])
    print()
    print(
        format_table(
            ["run", "best ms/frame", "median ms/frame", "CPU ms/frame", "x raw (median)"], rows
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
