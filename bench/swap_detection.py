"""Left/right label swaps: does the decoder find them at every frame rate?

A pose model sometimes names the far leg "left" and the near leg "right" for a stretch
(BlazePose does it as the legs cross). :func:`runform.gait.clean.detect_swaps` finds those
stretches from the legs' continuity, and everything downstream (each leg's contacts, its
metrics, the left/right comparison) relies on it. Its cost of declaring the labels swapped
was once a cost per frame, fitted at 30 fps, so at 120 and 240 fps, the rates runners film
in slow motion, a swap of half a second cost four and eight times as much to declare and
was left standing. This bench injects swaps of 0.15-0.6 s (three per track, every
left/right pair exchanged, as :mod:`runform.synthetic` does) into

- synthetic runners (:func:`runform.synthetic.synthetic_runner`), and
- the force-plate runners' marker tracks (:mod:`mocap`: real running, drawn as an
  orthographic side camera sees it; Fukuchi et al. 2017, Hamner & Delp 2013),

at 30, 60, 120 and 240 fps, clean and with 8 px of noise, with the far leg seen
throughout, dropping out (scored under the mask) on 15 % of the frames in runs of 2-8
frames, or hidden after the first second, and scores three decoders measured in the same
run: the per-frame cost as it was (``0.05 per frame``, the reference), the rate per second
with gaps free (session 24), and the decoder in use (:func:`~runform.gait.clean.find_swaps`:
:data:`~runform.gait.clean.SWAP_PRIOR_PER_S` per second, the short gaps filled before
decoding and a point beside a gap charged :data:`~runform.gait.clean.SWAP_MISS_COST`). Per
source, far leg, rate and noise it prints the injected runs missed (under half their
frames declared), the frames declared wrongly, and the frames declared swapped on the
same tracks without any swap injected (with the far leg hidden no swap is injected: only
these are counted).

Command line::

    python bench/swap_detection.py                 # synthetic + all force-plate runners
    python bench/swap_detection.py --shared-only   # the runners of ../shared/data only
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import format_table, log, trials_from_command_line
from runform.gait.clean import (
    SWAP_MISS_COST,
    SWAP_PARTS,
    SWAP_PRIOR_PER_S,
    detect_swaps,
    find_swaps,
    mask_low_confidence,
)
from runform.synthetic.generate import swap_labels, swap_runs
from runform.track import PoseTrack

RATES = (30.0, 60.0, 120.0, 240.0)
NOISES_PX = (0.0, 8.0)
SWAPS_PER_TRACK = 3
#: The rule as it was: a cost per frame, whatever the frame rate.
OLD_PER_FRAME = 0.05


#: A swap decoder as the bench runs it: the masked track and its frame rate in, the frames
#: declared swapped out.
Rule = Callable[[PoseTrack, float], np.ndarray]


def per_frame(cost: float) -> Rule:
    """The decoder charging ``cost`` per frame and nothing for gaps, as it was."""
    return lambda track, fps: detect_swaps(track, prior_per_s=cost * fps, miss_cost=0.0)


def per_second_gaps_free(rate: float) -> Rule:
    """The decoder charging ``rate`` per second, gaps free (session 24)."""
    return lambda track, fps: detect_swaps(track, prior_per_s=rate, miss_cost=0.0)


def in_use(track: PoseTrack, fps: float) -> np.ndarray:
    """The decoder as cleaning runs it (:func:`runform.gait.clean.find_swaps`)."""
    return find_swaps(track)


RULES: dict[str, Rule] = {
    f"{OLD_PER_FRAME:g} per frame (before)": per_frame(OLD_PER_FRAME),
    f"{SWAP_PRIOR_PER_S:g} per s, gaps free (session 24)": per_second_gaps_free(SWAP_PRIOR_PER_S),
    f"gaps filled, a miss {SWAP_MISS_COST:g} (now)": in_use,
}

#: What the pose model saw of the far leg (the right leg here; its knee, ankle, heel and
#: toe together): every frame; dropping out on about 15 % of the frames in runs of 2-8
#: frames (the far leg behind the near one, scored under the mask); hidden after the first
#: second (a treadmill's console, a near leg always in front).
LEG_CONDITIONS = ("far leg seen", "far leg drops out 15 %", "far leg hidden after 1 s")
FAR = "right"


def far_leg(track: PoseTrack, condition: str, seed: int) -> PoseTrack:
    """The track with its far leg's points scored 0 where ``condition`` hides them."""
    if condition == LEG_CONDITIONS[0]:
        return track
    hide = np.zeros(track.n_frames, dtype=bool)
    if condition == LEG_CONDITIONS[2]:
        hide = track.time - track.time[0] > 1.0
    else:
        rng = np.random.default_rng(1000 + seed)
        while hide.mean() < 0.15:
            start = int(rng.integers(0, track.n_frames))
            hide[start : start + int(rng.integers(2, 9))] = True
    score = track.score.copy()
    for part in SWAP_PARTS:
        score[hide, track.index(f"{FAR}_{part}")] = 0.0
    return track.replace(score=score)


def inject(track: PoseTrack, seed: int) -> tuple[PoseTrack, list[tuple[int, int]]]:
    """The track with :data:`SWAPS_PER_TRACK` swaps of 0.15-0.6 s (every ``left_*``/``right_*``
    pair exchanged, one run per equal block, as :mod:`runform.synthetic` draws them) and
    those runs."""
    fps = float(np.median(1.0 / np.diff(track.time)))
    runs = swap_runs(track.n_frames, SWAPS_PER_TRACK, fps, np.random.default_rng(seed))
    xy, score = track.xy.copy(), track.score.copy()
    swap_labels(xy, score, track.keypoints, runs)
    return track.replace(xy=xy, score=score), runs


@dataclass
class Tally:
    """What one rule did on a set of tracks."""

    runs: int = 0
    missed: int = 0
    wrong_frames: int = 0
    frames: int = 0
    clean_false_frames: int = 0

    def row(self) -> list[object]:
        return [
            f"{self.missed}/{self.runs}",
            self.wrong_frames,
            self.clean_false_frames,
            self.frames,
        ]


def score_track(
    track: PoseTrack, fps: float, seed: int, rules: dict[str, Rule], condition: str = ""
) -> dict[str, Tally]:
    """Inject swaps into ``track`` and score each rule on it and on the track as it is, the
    far leg seen as ``condition`` says (hidden after a second: no swap is injected, as none
    could be seen, and only the false frames are counted)."""
    condition = condition or LEG_CONDITIONS[0]
    hidden = condition == LEG_CONDITIONS[2]
    swapped, runs = (track, []) if hidden else inject(track, seed)
    bad = mask_low_confidence(far_leg(swapped, condition, seed))
    clean = mask_low_confidence(far_leg(track, condition, seed))
    truth = np.zeros(track.n_frames, dtype=bool)
    for a, b in runs:
        truth[a:b] = True
    out = {}
    for name, rule in rules.items():
        found = rule(bad, fps)
        out[name] = Tally(
            runs=len(runs),
            missed=sum(bool(found[a:b].mean() < 0.5) for a, b in runs),
            wrong_frames=int((found != truth).sum()),
            frames=track.n_frames,
            clean_false_frames=int(rule(clean, fps).sum()),
        )
    return out


def add(total: dict[str, Tally], part: dict[str, Tally]) -> None:
    for name, t in part.items():
        s = total.setdefault(name, Tally())
        s.runs += t.runs
        s.missed += t.missed
        s.wrong_frames += t.wrong_frames
        s.frames += t.frames
        s.clean_false_frames += t.clean_false_frames


def synthetic_tracks(fps: float, noise_px: float, count: int = 12):
    """Synthetic runners of 8 s (seeded)."""
    from runform.synthetic import synthetic_runner

    for seed in range(count):
        yield seed, synthetic_runner(fps=fps, duration_s=8.0, seed=seed, noise_px=noise_px).track


def mocap_tracks(trials: Sequence, fps: float, noise_px: float):
    """The force-plate runners' marker tracks at ``fps`` (seeded noise)."""
    from mocap import project

    for k, trial in enumerate(trials):
        yield k, project(trial, rate_hz=fps, noise_px=noise_px, seed=k)


def table(
    source: str, tracks: Callable[[float, float], Iterable[tuple[int, PoseTrack]]]
) -> list[list[object]]:
    rows: list[list[object]] = []
    for condition in LEG_CONDITIONS:
        for fps in RATES:
            for noise in NOISES_PX:
                total: dict[str, Tally] = {}
                for seed, track in tracks(fps, noise):
                    add(total, score_track(track, fps, seed, RULES, condition))
                for name, t in total.items():
                    rows.append([source, condition, f"{fps:g}", f"{noise:g}", name, *t.row()])
                log(f"{source}, {condition}: {fps:g} fps, {noise:g} px")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    trials = trials_from_command_line(__doc__, argv)
    rows = table("synthetic (12)", synthetic_tracks)
    rows += table(f"force plate ({len(trials)} trials)", lambda f, n: mocap_tracks(trials, f, n))
    header = [
        "tracks",
        "far leg",
        "fps",
        "noise px",
        "rule",
        "runs missed",
        "frames wrong",
        "false frames, no swap",
        "frames",
    ]
    print(format_table(header, rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
