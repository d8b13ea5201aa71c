"""Peak memory of the video pipeline on a long clip: it must not grow with video length.

Builds (once, in the temp folder) a clip of at least ``--minutes`` minutes by looping the
example clip with PyAV stream copy (no re-encoding: packets are re-stamped and re-muxed),
then runs :func:`runform.pipeline.video.analyze_video` on it (no cache, by default without
the annotated video) and prints the process's resident memory (RSS, from
``/proc/self/status``) at every 10 % of the frames, the peak (``VmHWM``), and the slope of
RSS over the second half of the run in MB per 1000 frames. Frames are streamed, so the
slope is the pose track itself (about 0.6 kB per frame), not the pictures (2.8 MB per frame
at 720x1280).

Usage: ``python bench/video_memory.py [--minutes 5] [--video]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

from _common import REPO_ROOT, SHARED_DATA, format_table

SOURCE = SHARED_DATA / "male_side" / "male_side.mp4"
FALLBACK = REPO_ROOT / "examples" / "male_side.mp4"


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory of this process in MB (``VmRSS`` now, ``VmHWM`` peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def looped_clip(source: Path, minutes: float, target: Path) -> Path:
    """Concatenate ``source`` with itself (stream copy) until it lasts ``minutes``."""
    if target.is_file():
        return target
    with av.open(str(source)) as probe:
        stream = probe.streams.video[0]
        duration = float(stream.duration * stream.time_base)
    loops = int(np.ceil(minutes * 60 / duration))
    partial = target.with_suffix(".partial.mp4")
    with av.open(str(partial), "w") as out:
        with av.open(str(source)) as first:
            out_stream = out.add_stream_from_template(first.streams.video[0])
        offset = 0
        for _ in range(loops):
            with av.open(str(source)) as src:
                in_stream = src.streams.video[0]
                last = 0
                for packet in src.demux(in_stream):
                    if packet.dts is None:
                        continue
                    packet.pts += offset
                    packet.dts += offset
                    last = max(last, packet.pts + (packet.duration or 0))
                    packet.stream = out_stream
                    out.mux(packet)
                offset = last
    partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the long clip")
    parser.add_argument("--video", action="store_true", help="also write the annotated video")
    args = parser.parse_args(argv)
    source = SOURCE if SOURCE.is_file() else FALLBACK
    long_clip = looped_clip(
        source, args.minutes, Path(tempfile.gettempdir()) / f"runform_long_{args.minutes:g}min.mp4"
    )
    from runform.pipeline.video import analyze_video
    from runform.pose.video import probe_video

    info = probe_video(long_clip)
    total = info.n_frames_stated or 0
    print(
        f"clip: {long_clip} ({info.duration_s:.0f} s, {total} frames, {info.width}x{info.height})"
    )
    baseline = rss_mb()
    samples: list[tuple[int, float]] = []
    next_mark = [0.0]

    def progress(stage: str, fraction: float | None, detail: str = "") -> None:
        if stage == "pose" and fraction is not None and fraction >= next_mark[0]:
            samples.append((int(round(fraction * total)), rss_mb()))
            next_mark[0] += 0.1

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        result = analyze_video(
            long_clip, out_dir=out, annotate=args.video, cache=False, progress=progress
        )
    elapsed = time.perf_counter() - started
    after = rss_mb()
    peak = rss_mb("VmHWM")
    print(
        f"analysed {result.pose.n_frames} frames in {elapsed:.0f} s "
        f"({result.pose.n_frames / elapsed:.1f} frames/s)"
    )
    rows = (
        [["before", 0, baseline]]
        + [["pose", n, mb] for n, mb in samples]
        + [
            ["after analysis", result.pose.n_frames, after],
            ["peak (VmHWM)", "–", peak],
        ]
    )
    print(format_table(["when", "frames done", "RSS (MB)"], rows))
    half = [(n, mb) for n, mb in samples if n >= total / 2]
    if len(half) >= 2:
        frames, mbs = np.array(half, dtype=float).T
        slope = np.polyfit(frames, mbs, 1)[0] * 1000
        print(
            f"RSS slope over the second half of the pose pass: {slope:.2f} MB per 1000 frames "
            f"(a frame of pixels is {info.width * info.height * 3 / 1e6:.1f} MB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
