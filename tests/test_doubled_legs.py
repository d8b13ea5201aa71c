"""Both legs drawn on one foot (``bench/doubled_legs.py``).

A pose model sometimes puts one leg's knee, ankle, heel and toe on the other leg's foot
for a frame or a few; no relabelling mends that, both labels sit on one foot. Cleaning
sets the points of the leg drawn on the wrong foot missing, for the gap filling to
bridge (:func:`runform.gait.clean.unstack_doubled_legs`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from runform.gait.clean import (
    SWAP_PARTS,
    apply_swaps,
    clean_track,
    find_swaps,
    mask_low_confidence,
    unstack_doubled_legs,
)
from runform.synthetic import synthetic_runner

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "bench"))

import doubled_legs as dl  # noqa: E402

HAVE_HAMNER = (SHARED / "hamner2013" / "subject01").exists()


def _leg_columns(track) -> list[int]:
    return [track.index(f"{s}_{p}") for s in ("left", "right") for p in SWAP_PARTS]


@pytest.mark.parametrize("fps", [30.0, 60.0, 240.0])
def test_doubled_frames_are_mended_back_onto_their_own_foot(fps: float) -> None:
    """Synthetic runners with one leg drawn on the other's foot every 0.5-1 s: after
    cleaning, the legs' points on those frames are within a few pixels of where cleaning
    the undisturbed track puts them (left as drawn, a foot-length and more off)."""
    for seed in range(3):
        run = synthetic_runner(fps=fps, duration_s=8.0, seed=seed, noise_px=3.0)
        doubled, drawn = dl.inject_doubled(run.track, seed=seed)
        assert drawn > 0
        hit = np.any(np.abs(doubled.xy - run.track.xy) > 1e-9, axis=-1).any(axis=1)
        reference, _ = clean_track(run.track)
        mended, report = clean_track(doubled)
        assert report.doubled_frames >= 0.8 * drawn
        cols = _leg_columns(run.track)
        off = np.abs(mended.xy[hit][:, cols] - reference.xy[hit][:, cols])
        assert np.nanpercentile(off, 95) < 25.0
        with dl.mending(False):
            unmended, _ = clean_track(doubled)
        before = np.abs(unmended.xy[hit][:, cols] - reference.xy[hit][:, cols])
        assert np.nanpercentile(before, 95) > 3 * np.nanpercentile(off, 95)


def test_a_track_without_doubled_frames_is_left_alone() -> None:
    """Legs crossing at mid-stance and mid-swing come close gradually: no frame of twelve
    synthetic runners at 30-240 fps is taken for a doubled one (nor, checked in the
    bench's reference rows, of the force-plate runners' tracks)."""
    for fps in (30.0, 60.0, 120.0, 240.0):
        for seed in range(3):
            track = synthetic_runner(fps=fps, duration_s=8.0, seed=seed, noise_px=3.0).track
            masked = mask_low_confidence(track)
            masked = apply_swaps(masked, find_swaps(masked))
            assert unstack_doubled_legs(masked)[1] == 0


@pytest.mark.skipif(not HAVE_HAMNER, reason="needs Hamner's runners in ../shared/data")
def test_doubled_frames_cost_no_contacts_on_a_force_plate_runner() -> None:
    """Hamner's subject 01 at 2-5 m/s, 60 Hz + 8 px, with doubled frames injected: the
    events found against the force plate are as many as without them (left as drawn,
    several contacts were lost and extra ones made)."""
    import mocap

    trials = mocap.load_trials(only=["hamner01"])
    clean = dl.scores(trials, 60.0, injected=False, on=True)
    mended = dl.scores(trials, 60.0, injected=True, on=True)
    as_drawn = dl.scores(trials, 60.0, injected=True, on=False)
    for c, m in zip(clean, mended, strict=True):
        assert m["contact_recall_pct"] >= c["contact_recall_pct"] - 5.0
        assert m["extra_pct"] <= 1.0
        assert m["contact_mae_ms"] <= c["contact_mae_ms"] + 3.0
    assert np.mean([m["contact_recall_pct"] for m in mended]) > np.mean(
        [a["contact_recall_pct"] for a in as_drawn]
    )
    # with nothing injected the mending changes nothing
    assert dl.scores(trials, 60.0, injected=False, on=False) == clean
