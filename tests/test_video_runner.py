"""Finding, choosing and following the runner, and judging the view — without a real model.

A fake backend (:class:`RectBackend`) "sees" solid red rectangles as people: it returns a
fixed side-view pose stretched over the largest red rectangle and, like BlazePose's detector,
misses people smaller than ~18 % of the picture's long side. That makes the expected answers
exact: where each person is, in which window, and in which frame pixels.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from runform.errors import AnalysisError
from runform.keypoints import BLAZEPOSE_33
from runform.pose.assessment import assess_runner, side_view_ratio
from runform.pose.backends import PoseBackend, PoseDetection
from runform.pose.runner import (
    Box,
    Candidate,
    Person,
    RunnerFollower,
    choose_runner,
    find_people,
    lost_after_frames,
    person_from,
    pose_box,
    running_motion,
    search_tiles,
    window_for,
)
from runform.synthetic import RunnerSpec, synthetic_runner
from runform.track import PoseTrack, TrackMeta

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
RED = (255, 0, 0)

#: A side-view pose in a unit box (x right, y down), runner facing left, mid-stride.
_UNIT_POSE = {
    "nose": (0.30, 0.06),
    "left_shoulder": (0.50, 0.20),
    "right_shoulder": (0.52, 0.20),
    "left_elbow": (0.45, 0.35),
    "right_elbow": (0.60, 0.34),
    "left_wrist": (0.35, 0.42),
    "right_wrist": (0.65, 0.45),
    "left_hip": (0.50, 0.50),
    "right_hip": (0.52, 0.50),
    "left_knee": (0.30, 0.70),
    "right_knee": (0.62, 0.72),
    "left_ankle": (0.22, 0.93),
    "right_ankle": (0.80, 0.88),
    "left_heel": (0.25, 0.95),
    "right_heel": (0.84, 0.90),
    "left_foot_index": (0.10, 0.97),
    "right_foot_index": (0.78, 0.94),
}


def unit_pose() -> tuple[np.ndarray, np.ndarray]:
    xy = np.full((33, 2), 0.5)
    score = np.full(33, 0.2)
    for name, (x, y) in _UNIT_POSE.items():
        xy[BLAZEPOSE_33.index(name)] = (x, y)
        score[BLAZEPOSE_33.index(name)] = 0.95
    return xy, score


class RectBackend:
    """Fake pose model: the largest red rectangle in the picture is a person."""

    name = "rect-fake"
    keypoints = BLAZEPOSE_33

    def __init__(self, min_fraction: float = 0.18) -> None:
        self.min_fraction = min_fraction
        self.calls: list[tuple[str, tuple[int, int]]] = []
        self.resets = 0

    def settings(self) -> dict:
        return {"backend": self.name, "min_fraction": self.min_fraction}

    def _find(self, image: np.ndarray) -> PoseDetection | None:
        h, w = image.shape[:2]
        red = (image[..., 0] == 255) & (image[..., 1] == 0) & (image[..., 2] == 0)
        labels, n = ndimage.label(red)
        if n == 0:
            return None
        sizes = ndimage.sum(red, labels, range(1, n + 1))
        sl = ndimage.find_objects(labels)[int(np.argmax(sizes))]
        y0, y1, x0, x1 = sl[0].start, sl[0].stop, sl[1].start, sl[1].stop
        if (y1 - y0) < self.min_fraction * max(h, w):
            return None
        unit, score = unit_pose()
        xy = np.column_stack([(x0 + unit[:, 0] * (x1 - x0)) / w, (y0 + unit[:, 1] * (y1 - y0)) / h])
        return PoseDetection(xy=xy, score=score)

    def track(self, image: np.ndarray) -> PoseDetection | None:
        self.calls.append(("track", image.shape[:2]))
        return self._find(image)

    def detect(self, image: np.ndarray) -> PoseDetection | None:
        self.calls.append(("detect", image.shape[:2]))
        return self._find(image)

    def reset(self) -> None:
        self.resets += 1

    def close(self) -> None:
        pass


def canvas(w: int, h: int, *rects: tuple[int, int, int, int]) -> np.ndarray:
    image = np.full((h, w, 3), 90, dtype=np.uint8)
    for x0, y0, x1, y1 in rects:
        image[y0:y1, x0:x1] = RED
    return image


def expected_xy(rect: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = rect
    unit, _ = unit_pose()
    return np.column_stack([x0 + unit[:, 0] * (x1 - x0), y0 + unit[:, 1] * (y1 - y0)])


def test_fake_backend_satisfies_the_protocol() -> None:
    assert isinstance(RectBackend(), PoseBackend)


# ---------------------------------------------------------------------------- geometry
def test_person_from_maps_window_coordinates_to_frame_pixels() -> None:
    unit, score = unit_pose()
    window = Box(100.0, 50.0, 300.0, 450.0)
    person = person_from(PoseDetection(unit, score), window)
    assert person is not None
    np.testing.assert_allclose(person.xy[:, 0], 100 + unit[:, 0] * 200)
    np.testing.assert_allclose(person.xy[:, 1], 50 + unit[:, 1] * 400)
    # a pose whose legs are not confident is not a usable runner
    weak = score.copy()
    weak[
        [
            BLAZEPOSE_33.index(f"{s}_{p}")
            for s in ("left", "right")
            for p in ("hip", "knee", "ankle")
        ]
    ] = 0.1
    assert person_from(PoseDetection(unit, weak), window) is None


def test_window_is_square_around_the_runner_and_inside_the_frame() -> None:
    box = Box(900, 300, 1000, 500)  # 200 px tall runner near the right edge
    window = window_for(box, 1920, 1080)
    assert (window.width, window.height) == (320, 320)  # 1.6 x 200
    assert window.x0 <= box.x0 and window.x1 >= box.x1
    edge = window_for(Box(1850, 900, 1910, 1070), 1920, 1080)
    assert edge.x1 == 1920 and edge.y1 == 1080 and edge.width == edge.height
    huge = window_for(Box(0, 0, 700, 1280), 720, 1280)
    assert (huge.width, huge.height) == (720, 1280)  # clipped only by the frame itself


def test_search_tiles_cover_the_frame_with_overlap() -> None:
    tiles = search_tiles(1920, 1080)
    covered = np.zeros((1080, 1920), dtype=bool)
    for t in tiles:
        assert t.width == t.height == 960
        covered[int(t.y0) : int(t.y1), int(t.x0) : int(t.x1)] = True
    assert covered.all()
    portrait = search_tiles(720, 1280)
    assert all(t.width == 640 and t.height == 640 for t in portrait) and len(portrait) == 6


def test_pose_box_pads_head_and_feet() -> None:
    xy = expected_xy((100, 100, 200, 400))
    _, score = unit_pose()
    box = pose_box(xy, score)
    assert box is not None
    assert box.y0 < 100 + 0.06 * 300 and box.y1 > 100 + 0.97 * 300  # above the nose, below toes


# ---------------------------------------------------------------------------- finding
def test_find_people_counts_everyone_largest_first() -> None:
    small, big = (60, 200, 160, 520), (400, 100, 560, 600)
    backend = RectBackend()
    people = find_people(canvas(720, 640, small, big), backend)
    assert len(people) == 2
    np.testing.assert_allclose(people[0].xy, expected_xy(big), atol=1e-6)
    np.testing.assert_allclose(people[1].xy, expected_xy(small), atol=1e-6)
    assert [c[0] for c in backend.calls] == ["detect"] * 3  # whole frame, then masked twice


def test_find_people_uses_tiles_for_small_distant_runners() -> None:
    rect = (1300, 700, 1370, 880)  # 180 px tall in 1920x1080: the whole-frame detector misses it
    backend = RectBackend()
    people = find_people(canvas(1920, 1080, rect), backend)
    assert len(people) == 1
    np.testing.assert_allclose(people[0].xy, expected_xy(rect), atol=1e-6)
    assert len(backend.calls) == 1 + len(search_tiles(1920, 1080))
    assert find_people(canvas(1920, 1080), RectBackend()) == []


# ---------------------------------------------------------------------------- choosing
def _person_with_spread(spread: float, height: float = 300.0, x: float = 100.0) -> Person:
    unit, score = unit_pose()
    xy = np.column_stack([x + unit[:, 0] * height * 0.5, 100 + unit[:, 1] * height])
    for part, k in (("ankle", 1.0), ("knee", 0.6)):
        xy[BLAZEPOSE_33.index(f"left_{part}"), 0] = x + 75 - k * spread * height / 2
        xy[BLAZEPOSE_33.index(f"right_{part}"), 0] = x + 75 + k * spread * height / 2
    box = pose_box(xy, score)
    assert box is not None
    return Person(xy=xy, score=score, box=box)


def _candidate(amplitude: float, height: float = 300.0, x: float = 100.0) -> Candidate:
    phases = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    return Candidate([_person_with_spread(amplitude * math.sin(p), height, x) for p in phases])


def test_runner_is_the_one_whose_legs_scissor() -> None:
    runner, bystander = _candidate(0.6, x=500), _candidate(0.0, x=100)
    assert running_motion(runner.samples) > 0.2 > running_motion(bystander.samples)
    assert choose_runner([bystander, runner], 720) == 1
    # two people running alike cannot be told apart: refuse, and say how to film
    with pytest.raises(AnalysisError, match=r"2 people are running.*film the runner alone"):
        choose_runner([_candidate(0.6, x=100), _candidate(0.55, x=500)], 720)
    # the nearer (much larger) runner is the subject
    near, far = _candidate(0.6, height=600, x=100), _candidate(0.6, height=250, x=500)
    assert choose_runner([far, near], 720) == 1
    # nobody running: the largest person
    assert choose_runner([_candidate(0.0, 200), _candidate(0.0, 400)], 720) == 1


# ---------------------------------------------------------------------------- following
def test_follower_tracks_a_moving_runner_and_maps_back_exactly() -> None:
    backend = RectBackend()
    start = (100, 200, 180, 520)
    first = find_people(canvas(1280, 720, start), backend)[0]
    follower = RunnerFollower(backend, 1280, 720, first.box, search_every=5)
    for i in range(40):
        rect = (100 + 20 * i, 200, 180 + 20 * i, 520)  # runs right at 20 px per frame
        person = follower.step(canvas(1280, 720, rect))
        assert person is not None, f"lost at frame {i}"
        np.testing.assert_allclose(person.xy, expected_xy(rect), atol=1e-6)
        window = follower.window
        assert window is not None and window.x0 <= rect[0] and window.x1 >= rect[2]
    tracked = [shape for kind, shape in backend.calls if kind == "track"]
    assert len(tracked) == 40 and all(s[0] <= 720 and s[1] < 1280 for s in tracked)  # crops


def test_follower_searches_again_after_losing_the_runner() -> None:
    backend = RectBackend()
    rect = (200, 150, 280, 470)
    follower = RunnerFollower(
        backend,
        1280,
        720,
        find_people(canvas(1280, 720, rect), backend)[0].box,
        search_every=4,
        lost_after=3,
    )
    assert follower.step(canvas(1280, 720, rect)) is not None
    results = [follower.step(canvas(1280, 720)) for _ in range(10)]  # runner gone
    assert results == [None] * 10 and follower.window is None
    back = (900, 200, 980, 520)
    found = [follower.step(canvas(1280, 720, back)) for _ in range(5)]
    hits = [p for p in found if p is not None]
    assert hits and follower.reacquired == 1
    np.testing.assert_allclose(hits[-1].xy, expected_xy(back), atol=1e-6)


def test_a_brief_miss_in_slow_motion_keeps_the_window() -> None:
    """Ten frames without a pose are a third of a second at 30 fps (the runner is lost:
    search the whole frame) but 42 ms at 240 fps (a blur: keep following where the runner
    was, without a full search)."""
    rect = (200, 150, 280, 470)
    for fps, lost in ((30.0, True), (240.0, False)):
        backend = RectBackend()
        box = find_people(canvas(1280, 720, rect), backend)[0].box
        follower = RunnerFollower(
            backend, 1280, 720, box, search_every=4, lost_after=lost_after_frames(fps)
        )
        assert follower.step(canvas(1280, 720, rect)) is not None
        assert [follower.step(canvas(1280, 720)) for _ in range(10)] == [None] * 10
        assert (follower.window is None) is lost, fps
        back = [follower.step(canvas(1280, 720, rect)) for _ in range(5)]
        assert back[-1] is not None
        assert follower.reacquired == (1 if lost else 0), fps


# ---------------------------------------------------------------------------- judging
def _viewed(run_track: PoseTrack, yaw_deg: float, scale: float = 1.0) -> PoseTrack:
    """The synthetic side-view runner seen with the camera turned ``yaw_deg`` toward the front.

    Lateral half-widths (metres): shoulders 0.19, everything else 0.09 (hips, legs, arms,
    head points); at 0° the view is pure side, at 90° pure front.
    """
    px_per_m = 450.0 * scale
    yaw = math.radians(yaw_deg)
    xy = run_track.xy.copy() * scale
    centre = np.nanmedian(xy[:, :, 0])
    for k, name in enumerate(run_track.keypoints):
        side = 1.0 if name.startswith("left_") else -1.0 if name.startswith("right_") else 0.0
        half = 0.19 if name.endswith("shoulder") else 0.09
        sagittal = xy[:, k, 0] - centre
        xy[:, k, 0] = centre + sagittal * math.cos(yaw) + side * half * px_per_m * math.sin(yaw)
    meta = TrackMeta(width=int(1920 * scale), height=int(1080 * scale), units="px")
    return run_track.replace(xy=xy, meta=meta)


@pytest.fixture(scope="module")
def side_run() -> PoseTrack:
    return synthetic_runner(RunnerSpec(), fps=60, duration_s=4, seed=3).track


def test_side_view_passes_front_view_is_refused(side_run: PoseTrack) -> None:
    ratios = [side_view_ratio(_viewed(side_run, yaw)) for yaw in (0, 15, 30, 45, 60, 90)]
    assert ratios == sorted(ratios) and ratios[0] < 0.05 and ratios[-1] > 0.45
    ok = assess_runner(_viewed(side_run, 10))
    assert ok.usable_fraction == 1.0 and ok.view_ratio < 0.15 and ok.warnings == []
    oblique = assess_runner(_viewed(side_run, 30))
    assert [w["code"] for w in oblique.warnings] == ["oblique_view"]
    for yaw in (60, 90):
        with pytest.raises(AnalysisError, match="from the front or back, not from the side"):
            assess_runner(_viewed(side_run, yaw))


def test_real_side_view_reads_as_side_view() -> None:
    path = SHARED_DATA / "male_side" / "male_side.pose.json"
    if not path.is_file():
        pytest.skip(f"shared data not found at {path}")
    from runform.pose.readers import read_pose

    track = read_pose(path)
    assert side_view_ratio(track) < 0.25  # RTMPose on the real treadmill clip: no oblique warning


def test_small_runner_and_out_of_frame_are_refused(side_run: PoseTrack) -> None:
    tiny = _viewed(side_run, 0, scale=0.12)  # ~110 px tall runner
    with pytest.raises(AnalysisError, match=r"pixels tall.*film closer"):
        assess_runner(tiny)
    small = assess_runner(_viewed(side_run, 0, scale=0.25))
    assert [w["code"] for w in small.warnings] == ["runner_small"]

    missing = side_run.replace(xy=side_run.xy.copy())
    missing.xy[: int(0.6 * side_run.n_frames)] = np.nan  # runner absent 60 % of the time
    with pytest.raises(AnalysisError, match=r"in view in only 40 % of the video"):
        assess_runner(missing)

    cut = side_run.replace(
        meta=TrackMeta(width=1920, height=int(np.nanpercentile(side_run.xy[:, :, 1], 80)))
    )
    with pytest.raises(AnalysisError, match="legs are cut off by the edge of the picture"):
        assess_runner(cut)

    partial = side_run.replace(xy=side_run.xy.copy())
    partial.xy[: int(0.3 * side_run.n_frames)] = np.nan
    result = assess_runner(partial)
    assert [w["code"] for w in result.warnings] == ["runner_partly_out_of_view"]
    assert result.usable_fraction == pytest.approx(0.7, abs=0.01)


def test_a_clip_without_a_runner_says_so(side_run: PoseTrack) -> None:
    """A blurred or empty clip (the model sees legs in a frame or two) is not 'in view 0 %'."""
    ghost = side_run.replace(xy=np.full_like(side_run.xy, np.nan))
    ghost.xy[:1] = side_run.xy[:1]  # the model saw shapes in one frame
    with pytest.raises(
        AnalysisError, match=r"^No runner was found in the video \(legs in 1 frame of 240\)"
    ):
        assess_runner(ghost)
    nobody = side_run.replace(xy=np.full_like(side_run.xy, np.nan))
    with pytest.raises(AnalysisError, match=r"^No runner was found.*legs in 0 frames of 240"):
        assess_runner(nobody)
