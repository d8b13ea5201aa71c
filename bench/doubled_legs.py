"""Both legs drawn on one foot: are such frames mended, and what does it do to the events?

A pose model sometimes puts one leg's knee, ankle, heel and toe on the other leg's foot
for a frame or a few (BlazePose does it on the real example clip on 12 of its 360 frames,
mostly as the far leg passes behind the near one). No relabelling mends such a frame: both
labels sit on one foot. :func:`runform.gait.clean.unstack_doubled_legs` sets the points of
the leg drawn on the wrong foot missing, for the gap filling to bridge.

This bench draws the force-plate runners' marker tracks (:mod:`mocap`: real running, drawn
as an orthographic side camera sees it; Fukuchi et al. 2017, Hamner & Delp 2013) at 30 and
60 fps with 8 px of noise, injects such frames (every 0.5-1 s, a run of one frame up to
0.1 s, either leg's points copied onto the other's foot with 4 px of noise), and scores the
events against the force plate with the mending off (the reference, measured in the same
run) and on; and on the tracks without injected frames, where the two must agree.

Command line::

    python bench/doubled_legs.py                 # all force-plate runners found
    python bench/doubled_legs.py --shared-only   # the runners of ../shared/data only
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import format_table, log, trials_from_command_line
from runform.track import PoseTrack

RATES = (30.0, 60.0)
NOISE_PX = 8.0
PARTS = ("knee", "ankle", "heel", "foot_index")


def inject_doubled(track: PoseTrack, seed: int) -> tuple[PoseTrack, int]:
    """The track with runs of frames where one leg's points sit on the other leg's foot
    (every 0.5-1 s, one frame up to 0.1 s long, the leg chosen at random), and the number
    of frames so drawn."""
    rng = np.random.default_rng(seed)
    fps = float(np.median(1.0 / np.diff(track.time)))
    longest = max(1, int(round(0.1 * fps)))
    xy = track.xy.copy()
    t, drawn = 0.3, 0
    while True:
        t += float(rng.uniform(0.5, 1.0))
        a = int(np.searchsorted(track.time, track.time[0] + t))
        if a >= track.n_frames - longest - 2:
            break
        k = int(rng.integers(1, longest + 1))
        wrong = str(rng.choice(["left", "right"]))
        other = "right" if wrong == "left" else "left"
        for part in PARTS:
            copy = xy[a : a + k, track.index(f"{other}_{part}")]
            xy[a : a + k, track.index(f"{wrong}_{part}")] = copy + rng.normal(0.0, 4.0, (k, 2))
        drawn += k
    return track.replace(xy=xy), drawn


@contextmanager
def mending(on: bool):
    """Cleaning with :func:`~runform.gait.clean.unstack_doubled_legs` on, or off."""
    import runform.gait.clean as clean

    kept = clean.unstack_doubled_legs
    if not on:
        clean.unstack_doubled_legs = lambda track: (track, 0)
    try:
        yield
    finally:
        clean.unstack_doubled_legs = kept


def scores(trials: Sequence, fps: float, injected: bool, on: bool) -> list[dict]:
    """The events' scores of each trial at ``fps`` + 8 px, facing left."""
    import events_protocol as ep
    from mocap import project

    out = []
    with mending(on):
        for k, trial in enumerate(trials):
            track = project(trial, fps, NOISE_PX, "left", seed=k)
            if injected:
                track, _ = inject_doubled(track, seed=k)
            out.append(ep.score(ep.run_engine(track), trial))
    return out


def summary(rows: list[dict]) -> list[object]:
    worst = max(rows, key=lambda r: max(r["contact_mae_ms"], r["toe_off_mae_ms"]))
    return [
        f"{np.mean([r['contact_mae_ms'] for r in rows]):.1f}",
        f"{np.mean([r['toe_off_mae_ms'] for r in rows]):.1f}",
        f"{max(worst['contact_mae_ms'], worst['toe_off_mae_ms']):.1f}",
        f"{np.mean([r['contact_recall_pct'] for r in rows]):.1f}",
        f"{min(r['contact_recall_pct'] for r in rows):.0f}",
        f"{np.mean([r['extra_pct'] for r in rows]):.2f}",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    trials = trials_from_command_line(__doc__, argv)
    rows = []
    for fps in RATES:
        for injected in (False, True):
            for on in (False, True):
                found = scores(trials, fps, injected, on)
                label = "mended (now)" if on else "left as drawn (reference)"
                drawn = "injected" if injected else "none"
                rows.append([f"{fps:g}", drawn, label, *summary(found)])
                log(f"{fps:g} fps, doubled frames {drawn}, {label}")
    header = [
        "fps",
        "doubled frames",
        "cleaning",
        "contact MAE ms",
        "toe-off MAE ms",
        "worst trial MAE ms",
        "contact recall %",
        "lowest recall %",
        "extra %",
    ]
    print(f"{len(trials)} trials, 8 px of noise, facing left\n")
    print(format_table(header, rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
