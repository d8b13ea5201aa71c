"""Pose estimated in parts of the video at once: the cut, the seams, and that the result
does not depend on how many parts run at the same time (fake model, lossless clips)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

import runform.pose.parts as parts_module
from runform.pose.estimate import estimate_pose
from runform.pose.parts import (
    MAX_SEGMENTS,
    MIN_SEGMENT_FRAMES,
    PART_SETUP_FRAMES,
    SEAM_FRAMES,
    OnePass,
    Part,
    same_runner,
    seam_holds,
    segment_starts,
)
from runform.pose.runner import Box
from runform.pose.video import VideoReader
from test_video_helpers import write_clip
from test_video_runner import RectBackend, canvas, expected_xy

W, H, N = 640, 240, 230


class CloneableRectBackend(RectBackend):
    """The fake model, with a clone per part (as BlazePose has)."""

    clones = 0

    def clone(self) -> CloneableRectBackend:
        CloneableRectBackend.clones += 1
        return CloneableRectBackend(self.min_fraction)


def runner_rect(i: int) -> tuple[int, int, int, int]:
    """The runner crosses the picture left to right, two pixels a frame."""
    x0 = 20 + 2 * i
    return (x0, 55, x0 + 50, 185)


BYSTANDER = (4, 55, 34, 185)  # stands where the runner started, from frame 100 on


def _clip(path: Path, bystander_from: int | None) -> Path:
    def frames():
        for i in range(N):
            rects = [runner_rect(i)]
            if bystander_from is not None and i >= bystander_from:
                rects.append(BYSTANDER)
            yield canvas(W, H, *rects)

    # PNG in QuickTime is lossless: the fake model sees exactly the red the test drew
    return write_clip(path, frames(), 30, codec="png", pix_fmt="rgb24")


@pytest.fixture(scope="module")
def lone_runner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _clip(tmp_path_factory.mktemp("parts") / "lone.mov", None)


@pytest.fixture(scope="module")
def runner_and_bystander(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _clip(tmp_path_factory.mktemp("parts") / "bystander.mov", 100)


def _runner_xy() -> np.ndarray:
    return np.stack([expected_xy(runner_rect(i)) for i in range(N)])


# ---------------------------------------------------------------------------- the cut
def test_parts_are_cut_from_the_frame_count_alone() -> None:
    assert segment_starts(None) == [0]
    assert segment_starts(0) == [0]
    assert segment_starts(2 * MIN_SEGMENT_FRAMES - 1) == [0]  # too short to be worth two
    for n in (2 * MIN_SEGMENT_FRAMES, 360, 9000):
        starts = segment_starts(n)
        assert len(starts) == MAX_SEGMENTS == 2
        first, second = starts[1], n - starts[1] + SEAM_FRAMES + PART_SETUP_FRAMES
        # the later part also settles the model over the seam and finds the runner itself:
        # the first part is longer by that much, so that both take about as long
        assert abs(first - second) <= 1


def test_same_runner_compares_place_and_size() -> None:
    runner = Box(100, 50, 150, 250)
    assert same_runner(runner, Box(110, 55, 160, 255))
    assert not same_runner(runner, Box(300, 50, 350, 250))  # someone else, elsewhere
    assert not same_runner(runner, Box(100, 50, 120, 110))  # a much smaller person
    assert not same_runner(runner, None) and not same_runner(None, runner)


def test_a_seam_holds_when_both_parts_follow_the_same_person() -> None:
    before = Part(first=0, start=0, stop=20)
    before.boxes = [Box(100 + i, 50, 150 + i, 250) for i in range(20)]
    same = Part(first=15, start=20, stop=None)
    same.boxes = [Box(101 + i, 50, 151 + i, 250) for i in range(15, 25)]
    other = Part(first=15, start=20, stop=None)
    other.boxes = [Box(400, 50, 450, 250)] * 10
    lost = Part(first=0, start=0, stop=20)
    lost.boxes = [None] * 20
    assert seam_holds(before, same)
    assert not seam_holds(before, other)
    assert seam_holds(lost, other)  # the runner was lost there: the new search stands


# ---------------------------------------------------------------------------- reading
def test_reader_range_keeps_indices_and_times_of_the_whole_file(lone_runner: Path) -> None:
    whole = [(f.index, f.time) for f in VideoReader(lone_runner).frames()]
    seen: list[int] = []
    part = [
        (f.index, f.time)
        for f in VideoReader(lone_runner).frames(120, 150, tap=lambda i, _f: seen.append(i))
    ]
    assert part == whole[120:150]
    assert seen == list(range(120, 150))  # the tap sees exactly the frames handed out


# ---------------------------------------------------------------------------- parts
def test_pose_is_the_same_whether_parts_run_together_or_in_turn(lone_runner: Path) -> None:
    together = estimate_pose(lone_runner, backend=CloneableRectBackend(), workers=2)
    in_turn = estimate_pose(lone_runner, backend=CloneableRectBackend(), workers=1)
    plain = estimate_pose(lone_runner, backend=RectBackend(), workers=4)  # cannot be cloned
    runner = together.meta.extra["runner"]
    assert runner["parts"] == 2 and runner["parts_run_at_once"] == 2
    assert in_turn.meta.extra["runner"]["parts_run_at_once"] == 1
    assert plain.meta.extra["runner"]["parts_run_at_once"] == 1
    assert runner["seams_rerun"] == 0
    assert together.n_frames == in_turn.n_frames == plain.n_frames == N
    np.testing.assert_array_equal(together.xy, in_turn.xy)
    np.testing.assert_array_equal(together.xy, plain.xy)
    np.testing.assert_allclose(together.xy, _runner_xy(), atol=1e-3)
    assert np.all(np.diff(together.time) > 0)


def test_a_part_that_took_up_someone_else_is_run_again(
    runner_and_bystander: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At the second part's first frame the runner has moved on and a bystander stands where
    # the runner was first seen: that part's own search takes the bystander. The seam check
    # sees two different people and runs the part again, following on from the first part.
    track = estimate_pose(runner_and_bystander, backend=CloneableRectBackend(), workers=2)
    assert track.meta.extra["runner"]["seams_rerun"] == 1
    np.testing.assert_allclose(track.xy, _runner_xy(), atol=1e-3)
    monkeypatch.setattr(parts_module, "MAX_SEGMENTS", 1)  # one pass over the whole video
    single = estimate_pose(runner_and_bystander, backend=RectBackend())
    assert single.meta.extra["runner"]["parts"] == 1
    np.testing.assert_allclose(single.xy, track.xy, atol=1e-3)


class SlowRectBackend(CloneableRectBackend):
    """The fake model at ~5 ms a frame, whose clones fail after a few frames."""

    def track(self, image: np.ndarray):
        time.sleep(0.005)
        return super().track(image)

    def clone(self) -> RectBackend:
        return FailingRectBackend(self.min_fraction)


class FailingRectBackend(RectBackend):
    def track(self, image: np.ndarray):
        if len(self.calls) >= 3:
            raise RuntimeError("the model crashed")
        return super().track(image)


def test_a_failing_part_stops_the_other_and_raises(lone_runner: Path) -> None:
    backend = SlowRectBackend()
    with pytest.raises(RuntimeError, match="the model crashed"):
        estimate_pose(lone_runner, backend=backend, workers=2)
    tracked = sum(1 for kind, _ in backend.calls if kind == "track")
    assert 0 < tracked < segment_starts(N)[1]  # the first part stopped early
    left = {t.name for t in threading.enumerate()}
    assert not any(name.startswith(("runform-pose", "runform-decode")) for name in left), left


def test_parts_run_in_turn_share_one_decoding_pass(lone_runner: Path) -> None:
    # Run in turn, the second part does not decode the video from its start again: one pass
    # gives each part exactly the frames it would have decoded itself, the seam to both.
    starts = segment_starts(N)
    parts = [
        Part(first=0, start=0, stop=starts[1]),
        Part(first=starts[1] - SEAM_FRAMES, start=starts[1], stop=None),
    ]
    tapped: list[int] = []
    one_pass = OnePass(VideoReader(lone_runner), parts, lambda i, _f: tapped.append(i))
    try:
        with pytest.raises(ValueError, match="out of turn"):
            next(one_pass.frames(1))
        first = [f.index for f in one_pass.frames(0)]
        second = list(one_pass.frames(1))
    finally:
        one_pass.close()
    assert first == list(range(0, starts[1]))
    assert [f.index for f in second] == list(range(starts[1] - SEAM_FRAMES, N))
    # the seam's pictures, kept as decoded and made again, are the ones a reader gives
    alone = list(VideoReader(lone_runner).frames(starts[1] - SEAM_FRAMES, starts[1] + 2))
    for got, want in zip(second, alone, strict=False):
        assert (got.index, got.time) == (want.index, want.time)
        np.testing.assert_array_equal(got.image, want.image)
    assert tapped == list(range(N))  # every frame decoded, and seen by the tap, once
