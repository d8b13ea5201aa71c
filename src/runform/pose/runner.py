"""Find the runner, follow them with a crop window, and map their pose to video pixels.

Why crop: BlazePose's person detector sees the whole picture shrunk to 224 × 224 pixels,
so a runner filmed in landscape from a few metres away (a few hundred pixels tall in a
1920 × 1080 frame) is often missed, and the landmark model gets fewer pixels of them. Once
the runner is found, every frame is cut to a square window about 1.6 × the runner's size
centred on their hips, and the model only sees that window; its landmarks are mapped back
to full-frame pixels (:func:`person_from`).

Finding people (:func:`find_people`): the whole frame first; every person found is
blanked out and the frame searched again, so several people are counted. When nobody is
found in the whole frame, overlapping tiles of half the frame's long side are searched, which
finds runners down to roughly a tenth of the frame height.

Choosing the runner (:func:`choose_runner`): with several people, each is followed over
about half a second; the runner is the one whose legs scissor the most (weighted by size,
since the subject is usually the nearest person). When two people look equally like the
runner, runform refuses to guess.

Following (:class:`RunnerFollower`): the window follows the runner's hips frame by frame;
after a few frames without a pose the runner is searched for again (every ~0.5 s), picking
the person nearest to where the runner was last seen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from runform.errors import AnalysisError
from runform.keypoints import BLAZEPOSE_33
from runform.pose.backends import PoseBackend, PoseDetection
from runform.pose.video import FILMING_HOW

#: A keypoint with at least this confidence counts when measuring a person's box.
BOX_MIN_SCORE = 0.5
#: A pose counts as the runner when its hips, knees and ankles average at least this score.
MIN_LEG_SCORE = 0.3
#: Window side as a multiple of the runner's box (the longer of height and width).
WINDOW_SCALE = 1.6
#: Smallest window side in processing pixels.
MIN_WINDOW = 96
#: Hip-centre smoothing of the window position (weight of the newest frame).
WINDOW_FOLLOW = 0.5
#: Re-size the window (and restart the model's tracking) when the runner's size changes by more.
RESIZE_RATIO = 1.3
#: How many people at most :func:`find_people` looks for in one frame.
MAX_PEOPLE = 3
#: Leg-scissor amplitude (std of foot separation / body height) above which a person runs.
RUNNING_MOTION = 0.08
#: A second person scoring at least this fraction of the best makes the choice ambiguous.
AMBIGUOUS_RATIO = 0.6

LEG_NAMES = tuple(f"{s}_{p}" for s in ("left", "right") for p in ("hip", "knee", "ankle"))
_IDX = {name: i for i, name in enumerate(BLAZEPOSE_33)}


# ---------------------------------------------------------------------------- geometry
@dataclass(frozen=True)
class Box:
    """An axis-aligned box in pixels: ``x0 <= x < x1``, ``y0 <= y < y1``."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def iou(self, other: Box) -> float:
        """Intersection over union.

        >>> Box(0, 0, 2, 2).iou(Box(1, 0, 3, 2))
        0.3333333333333333
        """
        ix = max(0.0, min(self.x1, other.x1) - max(self.x0, other.x0))
        iy = max(0.0, min(self.y1, other.y1) - max(self.y0, other.y0))
        inter = ix * iy
        union = self.width * self.height + other.width * other.height - inter
        return inter / union if union > 0 else 0.0

    def scaled(self, factor: float) -> Box:
        """The box grown (``factor > 1``) or shrunk about its centre."""
        hw, hh = self.width * factor / 2, self.height * factor / 2
        return Box(self.cx - hw, self.cy - hh, self.cx + hw, self.cy + hh)

    def to_dict(self) -> dict:
        return {k: round(float(v), 1) for k, v in vars(self).items()}


@dataclass(frozen=True)
class Person:
    """One person's pose in frame (processing) pixels, and the box around them."""

    xy: np.ndarray
    score: np.ndarray
    box: Box
    depth: np.ndarray | None = None  # the model's relative depth per keypoint, if it gives one

    def point(self, name: str) -> np.ndarray:
        return self.xy[_IDX[name]]

    @property
    def leg_score(self) -> float:
        return float(np.mean([self.score[_IDX[n]] for n in LEG_NAMES]))

    @property
    def hip_centre(self) -> tuple[float, float]:
        hips = self.xy[[_IDX["left_hip"], _IDX["right_hip"]]]
        return float(hips[:, 0].mean()), float(hips[:, 1].mean())


def pose_box(xy: np.ndarray, score: np.ndarray, min_score: float = BOX_MIN_SCORE) -> Box | None:
    """The box around a pose's confident keypoints, padded for the head and feet.

    Returns ``None`` when fewer than 6 keypoints are confident.

    >>> xy = np.array([[10.0, 0.0], [10.0, 100.0], [20.0, 50.0]] * 2)
    >>> pose_box(xy, np.ones(6)).to_dict()
    {'x0': 5.0, 'y0': -12.0, 'x1': 25.0, 'y1': 105.0}
    """
    good = np.isfinite(xy).all(axis=1) & (score >= min_score)
    if good.sum() < 6:
        return None
    pts = xy[good]
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    h = max(y1 - y0, 1.0)
    # landmarks stop at the nose and the toes: add the top of the head and a margin
    return Box(x0 - 0.05 * h, y0 - 0.12 * h, x1 + 0.05 * h, y1 + 0.05 * h)


def window_for(
    box: Box,
    frame_w: int,
    frame_h: int,
    *,
    centre: tuple[float, float] | None = None,
    side: float | None = None,
) -> Box:
    """A square crop window (integer pixels) for a person, kept inside the frame.

    The side is ``WINDOW_SCALE`` × the box's longer side unless ``side`` is given; the window
    is centred on ``centre`` (default: the box centre) and shifted, not shrunk, to stay in
    the frame (it is clipped only where the frame itself is smaller).

    >>> window_for(Box(100, 100, 150, 200), 640, 360).to_dict()
    {'x0': 45.0, 'y0': 70.0, 'x1': 205.0, 'y1': 230.0}
    """
    if side is None:
        side = WINDOW_SCALE * max(box.height, box.width)
    side = max(float(side), MIN_WINDOW)
    w, h = min(round(side), frame_w), min(round(side), frame_h)
    cx, cy = centre if centre is not None else (box.cx, box.cy)
    x0 = int(round(min(max(cx - w / 2, 0), frame_w - w)))
    y0 = int(round(min(max(cy - h / 2, 0), frame_h - h)))
    return Box(float(x0), float(y0), float(x0 + w), float(y0 + h))


def crop(image: np.ndarray, window: Box) -> np.ndarray:
    """The window's pixels as a contiguous array (what the model is given)."""
    x0, y0, x1, y1 = (int(v) for v in (window.x0, window.y0, window.x1, window.y1))
    return np.ascontiguousarray(image[y0:y1, x0:x1])


def person_from(detection: PoseDetection | None, window: Box) -> Person | None:
    """Map a detection made on a window back to frame pixels; ``None`` if not a usable pose."""
    if detection is None:
        return None
    xy = np.empty_like(detection.xy)
    xy[:, 0] = window.x0 + detection.xy[:, 0] * window.width
    xy[:, 1] = window.y0 + detection.xy[:, 1] * window.height
    box = pose_box(xy, detection.score)
    if box is None:
        return None
    person = Person(xy=xy, score=detection.score, box=box, depth=detection.depth)
    return person if person.leg_score >= MIN_LEG_SCORE else None


def search_tiles(frame_w: int, frame_h: int) -> list[Box]:
    """Overlapping square tiles of half the frame's long side (50 % overlap).

    >>> len(search_tiles(1920, 1080)), search_tiles(1920, 1080)[0].to_dict()
    (6, {'x0': 0.0, 'y0': 0.0, 'x1': 960.0, 'y1': 960.0})
    """
    side = max(frame_w, frame_h) / 2
    tw, th = min(side, frame_w), min(side, frame_h)

    def starts(length: float, tile: float) -> list[float]:
        if tile >= length:
            return [0.0]
        n = math.ceil((length - tile) / (tile / 2)) + 1
        return [float(round(v)) for v in np.linspace(0, length - tile, n)]

    return [
        Box(x, y, x + round(tw), y + round(th))
        for y in starts(frame_h, th)
        for x in starts(frame_w, tw)
    ]


# ---------------------------------------------------------------------------- finding
def find_people(
    image: np.ndarray, backend: PoseBackend, *, max_people: int = MAX_PEOPLE
) -> list[Person]:
    """Everyone the model finds in one frame, largest first.

    The whole frame is searched, then searched again with each person found blanked out
    (the model reports one person at a time). If nobody is found, overlapping tiles are
    searched so that small, distant people are found too.
    """
    h, w = image.shape[:2]
    full = Box(0.0, 0.0, float(w), float(h))
    people: list[Person] = []
    masked: np.ndarray | None = None
    person = person_from(backend.detect(image), full)
    while person is not None:
        people.append(person)
        if len(people) >= max_people:
            break
        if masked is None:
            masked = image.copy()
        b = person.box.scaled(1.1)
        x0, y0 = max(int(b.x0), 0), max(int(b.y0), 0)
        x1, y1 = min(int(math.ceil(b.x1)), w), min(int(math.ceil(b.y1)), h)
        masked[y0:y1, x0:x1] = 127
        found = person_from(backend.detect(masked), full)
        if found is not None and any(found.box.iou(p.box) > 0.3 for p in people):
            break
        person = found
    if not people:
        for tile in search_tiles(w, h):
            found = person_from(backend.detect(crop(image, tile)), tile)
            if found is None:
                continue
            same = [i for i, p in enumerate(people) if p.box.iou(found.box) > 0.3]
            if not same:
                people.append(found)
            elif found.box.height > people[same[0]].box.height:
                people[same[0]] = found  # a tile border may cut a person: keep the fuller pose
    people.sort(key=lambda p: -p.box.height)
    return people


def leg_spread(person: Person) -> float:
    """Signed fore-aft distance between the feet and between the knees, over body height."""
    if person.box.height <= 0:
        return math.nan
    dx = [
        person.point(f"left_{part}")[0] - person.point(f"right_{part}")[0]
        for part in ("ankle", "knee")
    ]
    return float(np.mean(dx) / person.box.height)


def running_motion(samples: Sequence[Person]) -> float:
    """How much a person's legs scissor over a few samples (std of :func:`leg_spread`)."""
    spreads = np.array([leg_spread(p) for p in samples], dtype=float)
    spreads = spreads[np.isfinite(spreads)]
    return float(np.std(spreads)) if spreads.size >= 3 else 0.0


@dataclass
class Candidate:
    """One person followed over a few frames while the runner is being chosen."""

    samples: list[Person]

    @property
    def last(self) -> Person:
        return self.samples[-1]

    @property
    def height(self) -> float:
        return float(np.median([p.box.height for p in self.samples]))

    @property
    def motion(self) -> float:
        return running_motion(self.samples)


def describe_position(box: Box, frame_w: int) -> str:
    """``"left"``, ``"centre"`` or ``"right"`` third of the frame."""
    third = box.cx / frame_w
    return "left" if third < 1 / 3 else "right" if third > 2 / 3 else "centre"


def choose_runner(candidates: Sequence[Candidate], frame_w: int) -> int:
    """Index of the candidate who is the runner.

    Score = leg-scissor motion × relative size. Raises :class:`AnalysisError` when a second
    person who is also running scores at least ``AMBIGUOUS_RATIO`` of the best.
    """
    if len(candidates) == 1:
        return 0
    tallest = max(c.height for c in candidates)
    motions = [c.motion for c in candidates]
    scores = [m * c.height / tallest for m, c in zip(motions, candidates, strict=True)]
    order = sorted(range(len(candidates)), key=lambda i: -scores[i])
    best, second = order[0], order[1]
    if motions[best] < RUNNING_MOTION:
        return max(range(len(candidates)), key=lambda i: candidates[i].height)
    if motions[second] >= RUNNING_MOTION and scores[second] >= AMBIGUOUS_RATIO * scores[best]:
        where = sorted({describe_position(candidates[i].last.box, frame_w) for i in (best, second)})
        place = " and ".join(where) if len(where) == 2 else f"the {where[0]}"
        raise AnalysisError(
            f"{len(candidates)} people are running in the video (at {place}) and runform "
            f"cannot tell which one to analyse; film the runner alone (nobody else moving in "
            f"view), {FILMING_HOW}."
        )
    return best


# ---------------------------------------------------------------------------- following
#: Time without a pose (s of the runner's motion) before the runner counts as lost and the
#: whole frame is searched again: five frames of a 30 fps clip. Counted in frames it was
#: 21 ms at 240 fps, where a brief miss (a blurred frame or two) dropped the window and the
#: pose model's tracking for a full search.
LOST_AFTER_S = 5 / 30
#: ...and never fewer frames than this.
LOST_AFTER_FRAMES = 5


def lost_after_frames(fps: float) -> int:
    """Frames without a pose before the runner counts as lost, at ``fps`` frames per second
    of the runner's motion (the capture rate: a slow-motion clip's frames are that far
    apart in the runner's time, whatever rate they play at).

    >>> lost_after_frames(30.0), lost_after_frames(60.0), lost_after_frames(240.0)
    (5, 10, 40)
    """
    if not math.isfinite(fps) or fps <= 0:
        return LOST_AFTER_FRAMES
    return max(LOST_AFTER_FRAMES, round(LOST_AFTER_S * fps))


class RunnerFollower:
    """Follow one runner through a video, one frame at a time.

    Parameters
    ----------
    backend:
        The pose model.
    frame_w, frame_h:
        Processing frame size.
    start:
        The runner's box when known (from the choice made beforehand), else ``None``.
    search_every:
        While the runner is lost, search the whole frame every this many frames.
    lost_after:
        Frames without a pose before the runner counts as lost (:func:`lost_after_frames`
        gives it for a frame rate).
    hint:
        Where the runner was last seen, when ``start`` is unknown: the first search takes the
        person nearest to it (used when following starts part-way through a video).
    """

    def __init__(
        self,
        backend: PoseBackend,
        frame_w: int,
        frame_h: int,
        start: Box | None,
        *,
        search_every: int,
        lost_after: int = LOST_AFTER_FRAMES,
        hint: Box | None = None,
    ) -> None:
        self.backend = backend
        self.frame_w, self.frame_h = frame_w, frame_h
        self.search_every = max(1, int(search_every))
        self.lost_after = max(1, int(lost_after))
        self.last_box = start if start is not None else hint
        self.window = window_for(start, frame_w, frame_h) if start is not None else None
        self._centre = (start.cx, start.cy) if start is not None else None
        self._misses = 0
        self._since_search = self.search_every
        self.searches = 0
        self.reacquired = 0
        self.backend.reset()

    def step(self, image: np.ndarray) -> Person | None:
        """The runner's pose in this frame (frame pixels), or ``None``."""
        if self.window is None and not self._search(image):
            return None
        assert self.window is not None
        window = self.window
        person = person_from(self.backend.track(crop(image, window)), window)
        if person is None:
            self._misses += 1
            if self._misses >= self.lost_after:
                self.window = None
                self._since_search = self.search_every
                self.backend.reset()
            return None
        self._misses = 0
        self.last_box = person.box
        self._follow(person)
        return person

    def _search(self, image: np.ndarray) -> bool:
        self._since_search += 1
        if self._since_search < self.search_every:
            return False
        self._since_search = 0
        self.searches += 1
        people = find_people(image, self.backend)
        if not people:
            return False
        target = self._nearest(people)
        self.window = window_for(target.box, self.frame_w, self.frame_h)
        self._centre = target.hip_centre
        self._misses = 0
        self.reacquired += 1
        self.backend.reset()
        return True

    def _nearest(self, people: Sequence[Person]) -> Person:
        if self.last_box is None:
            return people[0]
        last = self.last_box

        def distance(p: Person) -> float:
            d = math.hypot(p.box.cx - last.cx, p.box.cy - last.cy) / max(last.height, 1.0)
            return d + abs(math.log(max(p.box.height, 1.0) / max(last.height, 1.0)))

        return min(people, key=distance)

    def _follow(self, person: Person) -> None:
        """Move the window with the runner's hips; re-size it when their size changes."""
        assert self.window is not None and self._centre is not None
        hx, hy = person.hip_centre
        if not (math.isfinite(hx) and math.isfinite(hy)):
            hx, hy = person.box.cx, person.box.cy
        a = WINDOW_FOLLOW
        self._centre = (a * hx + (1 - a) * self._centre[0], a * hy + (1 - a) * self._centre[1])
        wanted = WINDOW_SCALE * max(person.box.height, person.box.width)
        side = max(self.window.width, self.window.height)
        resize = not (1 / RESIZE_RATIO <= wanted / max(side, 1.0) <= RESIZE_RATIO)
        window = window_for(
            person.box,
            self.frame_w,
            self.frame_h,
            centre=self._centre,
            side=wanted if resize else side,
        )
        if resize and (window.width, window.height) != (self.window.width, self.window.height):
            self.backend.reset()  # a new scale: let the model find the runner afresh
        self.window = window
