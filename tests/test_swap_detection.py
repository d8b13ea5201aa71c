"""Left/right label swaps are found whatever the frame rate (``bench/swap_detection.py``).

The decoder's cost of declaring the labels swapped is a rate per second of clip
(:data:`runform.gait.clean.SWAP_PRIOR_PER_S`); as a cost per frame, fitted at 30 fps, it let
most swaps of 0.15-0.6 s stand at 120 and 240 fps. Checked on synthetic runners and on a
force-plate runner's marker track (Hamner & Delp 2013, data via Fox 2024; skipped when
``../shared/data`` is absent), drawn at the rates phones film.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from runform.gait.clean import SWAP_PARTS, clean_track, detect_swaps, mask_low_confidence
from runform.synthetic import synthetic_runner
from runform.synthetic.frame_times import drop_frames

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "bench"))

import swap_detection as sd  # noqa: E402

HAVE_HAMNER = (SHARED / "hamner2013" / "subject01").exists()


@pytest.mark.parametrize("fps", [30.0, 120.0, 240.0])
def test_swaps_of_half_a_second_are_found_in_slow_motion(fps: float) -> None:
    """Three swaps of 0.15-0.6 s in each of four synthetic runners: every run found, no
    other frame declared, and nothing declared on the same runners without swaps. With the
    old cost per frame, 5 to 11 of these 12 runs were missed at 120 and 240 fps."""
    total: dict[str, sd.Tally] = {}
    for seed in range(4):
        run = synthetic_runner(fps=fps, duration_s=8.0, seed=seed, noise_px=3.0)
        sd.add(total, sd.score_track(run.track, fps, seed, sd.RULES))
    now = total[next(name for name in sd.RULES if "now" in name)]
    assert now.runs == 12
    assert now.missed == 0
    assert now.wrong_frames == 0
    assert now.clean_false_frames == 0
    if fps >= 120:  # the old per-frame rule, measured in the same run, did miss them
        before = total[next(name for name in sd.RULES if "before" in name)]
        assert before.missed >= 3


def test_the_swap_cost_follows_time_on_uneven_frames() -> None:
    """A 120 fps runner with 5 % of its frames dropped: the swaps are found on the frames
    that remain, and cleaning puts every leg point it checks back where the unswapped
    track has it (the hips carry no sign of a swap in a side view and are left as
    labelled)."""
    even = synthetic_runner(fps=120.0, duration_s=8.0, seed=3).track
    track = even.select(np.searchsorted(even.time, drop_frames(even.time, 0.05, seed=3)))
    assert track.n_frames < even.n_frames
    swapped, runs = sd.inject(track, seed=0)
    found = detect_swaps(mask_low_confidence(swapped))
    truth = np.zeros(track.n_frames, dtype=bool)
    for a, b in runs:
        truth[a:b] = True
    assert (found == truth).all()
    fixed, report = clean_track(swapped)
    reference, _ = clean_track(track)
    assert report.swap_segments == 3
    legs = [track.index(f"{side}_{part}") for side in ("left", "right") for part in SWAP_PARTS]
    assert np.nanmax(np.abs(fixed.xy[:, legs] - reference.xy[:, legs])) < 1e-6


@pytest.mark.skipif(not HAVE_HAMNER, reason="needs Hamner's runners in ../shared/data")
@pytest.mark.parametrize("noise_px", [0.0, 8.0])
def test_swaps_in_a_real_runners_track_are_found_at_240_fps(noise_px: float) -> None:
    """Hamner's subject 01 at 2 and 5 m/s, drawn from the markers at 240 fps: the injected
    swaps are found (all of them clean; with 8 px of independent noise on every point
    of every frame, at most one of six runs missed), and the tracks without swaps keep
    their labels. The old per-frame rule missed at least four of the six."""
    import mocap

    trials = [t for t in mocap.load_trials(only=["hamner01"]) if t.speed_label in (2, 5)]
    assert len(trials) == 2
    total: dict[str, sd.Tally] = {}
    for k, track in sd.mocap_tracks(trials, 240.0, noise_px):
        sd.add(total, sd.score_track(track, 240.0, k, sd.RULES))
    now = total[next(name for name in sd.RULES if "now" in name)]
    before = total[next(name for name in sd.RULES if "before" in name)]
    assert now.runs == 6
    assert now.missed <= (0 if noise_px == 0 else 1)
    assert now.clean_false_frames == 0
    assert before.missed >= 4


def _hide_leg(track, side: str, after_s: float):
    """The leg's knee, ankle, heel and toe scored 0.05 (masked) after ``after_s``."""
    score = track.score.copy()
    for part in SWAP_PARTS:
        score[track.time > after_s, track.index(f"{side}_{part}")] = 0.05
    return track.replace(score=score)


@pytest.mark.parametrize("fps", [30.0, 60.0, 240.0])
def test_a_hidden_leg_does_not_pull_the_seen_legs_points_to_its_label(fps: float) -> None:
    """The far leg hidden (masked) after the first second: no frame is declared swapped.
    A frame whose labels put every point next to a gap once cost the decoder nothing, so
    it moved the seen leg's points to the hidden leg's label on every frame they jumped:
    69 of 240 frames at 30 fps, 560 of 1920 at 240 fps."""
    for seed in range(3):
        run = synthetic_runner(fps=fps, duration_s=8.0, seed=seed, noise_px=3.0)
        hidden = mask_low_confidence(_hide_leg(run.track, "right", 1.0))
        assert not detect_swaps(hidden).any()


def test_swaps_are_found_beside_a_leg_that_drops_out() -> None:
    """Injected swaps are still found, and nothing else declared, when each leg point is
    also missing on a random 10 % of frames (a pose model's dropouts)."""
    for seed in range(3):
        run = synthetic_runner(fps=60.0, duration_s=8.0, seed=seed, noise_px=3.0)
        swapped, runs = sd.inject(run.track, seed=seed)
        rng = np.random.default_rng(seed)
        score = swapped.score.copy()
        for side in ("left", "right"):
            for part in SWAP_PARTS:
                score[rng.random(swapped.n_frames) < 0.1, swapped.index(f"{side}_{part}")] = 0.0
        found = detect_swaps(mask_low_confidence(swapped.replace(score=score)))
        truth = np.zeros(swapped.n_frames, dtype=bool)
        for a, b in runs:
            truth[a:b] = True
        assert (found == truth).mean() > 0.99
        for a, b in runs:
            assert found[a:b].mean() > 0.9


def test_swaps_are_found_when_the_far_leg_drops_out_in_runs() -> None:
    """The far leg's points dropping out together on 15 % of the frames (runs of 2-8
    frames, as a leg behind the other is scored under the mask), three swaps injected in
    each of four synthetic runners at 120 fps: at most one of the 12 missed and nothing
    declared without swaps. Decoded on the track with its gaps and nothing charged for
    them, as before, most were missed and frames were declared on the swap-free tracks."""
    condition = sd.LEG_CONDITIONS[1]
    total: dict[str, sd.Tally] = {}
    for seed in range(4):
        run = synthetic_runner(fps=120.0, duration_s=8.0, seed=seed, noise_px=3.0)
        sd.add(total, sd.score_track(run.track, 120.0, seed, sd.RULES, condition))
    now = total[next(name for name in sd.RULES if "now" in name)]
    before = total[next(name for name in sd.RULES if "session 24" in name)]
    assert now.runs == 12
    assert now.missed <= 1
    assert now.clean_false_frames == 0
    assert before.missed >= 4
    assert before.clean_false_frames > 0


@pytest.mark.parametrize("share", [0.25, 0.4])
def test_the_real_clips_near_leg_keeps_its_steps_when_the_far_leg_drops_out(
    male_side_pose_path: Path, share: float
) -> None:
    """The real clip's pose (RTMPose, 30 fps), its far (right) leg's knee, ankle, heel and
    toe scored 0.05 on runs of 2-8 frames covering ``share`` of the clip: the near leg
    keeps every one of its 16 steps, each contact within 10 ms of the unmasked analysis.
    Before, the decoder moved the near leg's points to the far leg's label wherever that
    label was a gap, and the near leg lost 2 and 4 of its steps."""
    from runform.pipeline import analyze_track
    from runform.pose.readers import read_pose

    track = read_pose(male_side_pose_path)
    base = analyze_track(track)
    assert base.near_side == "left"
    rng = np.random.default_rng(0)
    hide = np.zeros(track.n_frames, dtype=bool)
    while hide.mean() < share:
        start = int(rng.integers(0, track.n_frames))
        hide[start : start + int(rng.integers(2, 9))] = True
    score = track.score.copy()
    for part in SWAP_PARTS:
        score[hide, track.index(f"right_{part}")] = 0.05
    masked = analyze_track(track.replace(score=score))
    assert masked.near_side == "left"
    before = np.array([s.contact_s for s in base.gait.steps if s.side == "left"])
    after = np.array([s.contact_s for s in masked.gait.steps if s.side == "left"])
    assert after.size == before.size == 16
    assert np.abs(after - before).max() < 0.010
