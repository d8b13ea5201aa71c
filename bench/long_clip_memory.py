"""Peak memory of a worker job as the clip gets longer (issue 13: memory stays flat).

Makes a long 1080p clip by looping ``examples/male_side.mp4`` (scaled to 1080 px wide,
so a 1920-pixel-tall portrait frame) for ``--seconds`` seconds, then runs the worker's
job as ``runform worker`` runs it (:func:`runform.service.jobs.default_analyze`: one model
instance, the frames streamed from the file) on the original 12 s clip and on the long one, and prints each run's peak resident memory, CPU time, the
ratio long / short, and how live the progress was (reports, and the longest silence).

Usage: ``python bench/long_clip_memory.py [--seconds 600]``
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

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import format_table

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "examples" / "male_side.mp4"


def looped_clip(source: Path, target: Path, seconds: float, width: int = 1080) -> Path:
    """``source`` played again and again for ``seconds``, scaled to ``width``, H.264."""
    with av.open(str(source)) as inp:
        stream = inp.streams.video[0]
        rate = stream.average_rate
        frames = [f.reformat(width=width, height=int(round(f.height * width / f.width / 2)) * 2)
                  .to_ndarray(format="yuv420p") for f in inp.decode(stream)]  # fmt: skip
    height = frames[0].shape[0] * 2 // 3
    total = int(seconds * float(rate))
    with av.open(str(target), "w") as out:
        enc = out.add_stream("libx264", rate=rate)
        enc.width, enc.height, enc.pix_fmt = width, height, "yuv420p"
        enc.options = {"preset": "ultrafast", "crf": "23"}
        for k in range(total):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frames[k % len(frames)]),
                                               format="yuv420p")  # fmt: skip
            frame.pts = k
            for packet in enc.encode(frame):
                out.mux(packet)
        for packet in enc.encode():
            out.mux(packet)
    return target


#: The worker's own job (:func:`runform.service.jobs.default_analyze` in its profile), its
#: progress reports timed: how many, the longest silence between two and the stage that
#: ended it.
JOB = """
import sys, time
from pathlib import Path
from runform.cli import limit_malloc_arenas
limit_malloc_arenas()  # as every runform process does first
from runform.service.jobs import default_analyze
last, gaps, count, where = [time.monotonic()], [0.0], [0], ["-"]
def progress(stage, fraction, detail=""):
    now = time.monotonic()
    if now - last[0] > gaps[0]:
        gaps[0], where[0] = now - last[0], stage.replace(" ", "_")
    last[0] = now
    count[0] += 1
default_analyze(Path(sys.argv[1]), Path(sys.argv[2]), {}, progress)
print(count[0], round(gaps[0], 1), where[0])
"""


def job(video: Path) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak MB, progress) of the worker's job on ``video``."""
    out = tempfile.mkdtemp(prefix="runform-long-")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", JOB, str(video), out],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    printed = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if status != 0:
        print(f"warning: the job on {video.name} exited with status {status}", file=sys.stderr)
    count, gap, stage = [*printed.split(), "?", "?", "?"][:3]
    silence = f"longest gap {gap} s (before a {stage.replace('_', ' ')!r} report)"
    return wall, cpu, usage.ru_maxrss / 1024.0, f"{count} updates, {silence}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="length of the long clip")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="runform-longclip-"))
    # made in a child process: a child's peak memory on Linux starts from its parent's size
    # at fork, and the decoded 1080p frames would inflate every figure after them
    long_clip = folder / "long.mp4"
    subprocess.run(
        [sys.executable, "-c",
         "import sys; sys.path.insert(0, sys.argv[1]); from long_clip_memory import looped_clip;"
         "from pathlib import Path; looped_clip(Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4]))",
         str(Path(__file__).resolve().parent), str(CLIP), str(long_clip), str(args.seconds)],
        check=True,
    )  # fmt: skip
    short = job(CLIP)
    long = job(long_clip)
    rows = [
        [f"{CLIP.name} (12 s, 720×1280)", f"{short[0]:.0f}", f"{short[1]:.0f}", f"{short[2]:.0f}",
         "1.00", short[3]],
        [f"looped {args.seconds:.0f} s, 1080×1920", f"{long[0]:.0f}", f"{long[1]:.0f}",
         f"{long[2]:.0f}", f"{long[2] / short[2]:.2f}", long[3]],
    ]  # fmt: skip
    print(format_table(["clip", "wall s", "CPU s", "peak MB", "peak × 12 s clip", "progress"],
                       rows))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
