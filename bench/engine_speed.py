"""How fast is the analysis engine? ``analyze_track`` on a 10,000-frame synthetic track.

The figure is printed in seconds and, because absolute times depend on the machine, also
as ratios against two reference jobs run in the same process on the same data:

- reading the same track back from a pose CSV (``runform.pose.readers.read_pose``);
- one zero-lag Butterworth pass (``scipy.signal.sosfiltfilt``) over every coordinate of the
  track, the cheapest thing any gait pipeline must do.

Each job is timed as the best of ``--repeats`` runs after one warm-up run.

Usage::

    python bench/engine_speed.py                 # 10,000 frames at 240 fps (41.7 s of running)
    python bench/engine_speed.py --fps 120       # same frame count at 120 fps
    python bench/engine_speed.py --profile       # plus the 15 costliest functions (cProfile)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy.signal import butter, sosfiltfilt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import format_table
from runform.pipeline import AnalysisOptions, analyze_track
from runform.pose.readers import read_pose, write_pose_csv
from runform.synthetic import RunnerSpec, synthetic_runner
from runform.track import PoseTrack

#: Target from issue 2: "a 10,000-frame track analysed in well under a second".
TARGET_S = 1.0


def make_track(n_frames: int = 10_000, fps: float = 240.0, seed: int = 0) -> PoseTrack:
    """A synthetic treadmill runner of exactly ``n_frames`` frames, with 2 px of noise."""
    duration = n_frames / fps
    run = synthetic_runner(RunnerSpec(), fps=fps, duration_s=duration, noise_px=2.0, seed=seed)
    track = run.track
    return track.select(slice(0, n_frames)) if track.n_frames > n_frames else track


def best_time(fn: Callable[[], object], repeats: int = 3) -> float:
    """Best wall time of ``repeats`` calls after one warm-up call, in seconds."""
    fn()
    times = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _filter_all(track: PoseTrack) -> np.ndarray:
    sos = butter(2, 12.0, btype="low", fs=track.frame_rate, output="sos")
    flat = np.nan_to_num(track.xy.reshape(track.n_frames, -1))
    return sosfiltfilt(sos, flat, axis=0)


def measure(n_frames: int = 10_000, fps: float = 240.0, repeats: int = 3) -> dict:
    """Time ``analyze_track`` and the two reference jobs; return the figures.

    Returns
    -------
    dict
        ``n_frames``, ``fps``, ``keypoints``, ``analyze_s``, ``read_csv_s``, ``filtfilt_s``,
        ``ratio_read_csv`` and ``ratio_filtfilt`` (analyse time / reference time),
        ``steps`` (accepted steps) and ``target_s``.
    """
    track = make_track(n_frames, fps)
    options = AnalysisOptions()
    analysis = analyze_track(track, options)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "track.csv"
        write_pose_csv(track, path)
        read_s = best_time(lambda: read_pose(path), repeats)
    analyze_s = best_time(lambda: analyze_track(track, options), repeats)
    filt_s = best_time(lambda: _filter_all(track), repeats)
    return {
        "n_frames": track.n_frames,
        "fps": fps,
        "keypoints": len(track.keypoints),
        "analyze_s": analyze_s,
        "read_csv_s": read_s,
        "filtfilt_s": filt_s,
        "ratio_read_csv": analyze_s / read_s,
        "ratio_filtfilt": analyze_s / filt_s,
        "steps": len(analysis.gait.steps),
        "target_s": TARGET_S,
    }


def format_measure(m: dict) -> str:
    """The figures as a Markdown table and one verdict line."""
    rows = [
        ["analyze_track", f"{m['analyze_s'] * 1000:.0f}", "1.00"],
        [
            "read the same track from CSV",
            f"{m['read_csv_s'] * 1000:.0f}",
            f"{m['read_csv_s'] / m['analyze_s']:.2f}",
        ],
        [
            "sosfiltfilt over every coordinate",
            f"{m['filtfilt_s'] * 1000:.1f}",
            f"{m['filtfilt_s'] / m['analyze_s']:.3f}",
        ],
    ]
    table = format_table(["job", "time (ms)", "time / analyze_track"], rows)
    verdict = "MET" if m["analyze_s"] < m["target_s"] else "NOT MET"
    return (
        f"{m['n_frames']} frames at {m['fps']:g} fps, {m['keypoints']} keypoints, "
        f"{m['steps']} steps found; best of the repeats after a warm-up.\n\n{table}\n\n"
        f"analyze_track: {m['analyze_s']:.3f} s = {m['ratio_read_csv']:.2f} x reading the CSV = "
        f"{m['ratio_filtfilt']:.0f} x one filtfilt pass; target < {m['target_s']:g} s -> {verdict}"
    )


def profile(n_frames: int = 10_000, fps: float = 240.0, top: int = 15) -> str:
    """cProfile of one ``analyze_track`` call: the ``top`` functions by cumulative time."""
    track = make_track(n_frames, fps)
    analyze_track(track)  # warm-up (imports, caches)
    prof = cProfile.Profile()
    prof.enable()
    analyze_track(track)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--fps", type=float, default=240.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="also print a cProfile summary")
    args = parser.parse_args(argv)
    print(format_measure(measure(args.frames, args.fps, args.repeats)))
    if args.profile:
        print()
        print(profile(args.frames, args.fps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
