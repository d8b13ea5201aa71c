"""The video in parts: where it is cut, each part's pass of the model, and the seams.

The pose of a long clip is estimated in parts (:func:`segment_starts`), at the same time
on a machine with cores to spare (:func:`run_lanes`, one model instance a part) or in turn
(:class:`OnePass`, one decoding pass shared). Every part after the first finds the runner
by itself and is checked against the part before at its seam (:func:`seam_holds`). The
cut depends on the video alone, so the pose does not depend on how many parts run at once.
:func:`runform.pose.follow.follow_runner` puts it together.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from runform.errors import OptionError
from runform.pose.backends import PoseBackend
from runform.pose.runner import LOST_AFTER_FRAMES, Box, RunnerFollower
from runform.pose.video import Frame, FrameTap, VideoReader, prefetch

#: The video is cut into at most this many parts whose pose is estimated at the same time,
#: one model instance per core. Every part decodes the video from its start (frames before
#: the part are decoded, not converted), so more parts would waste decoding on long clips.
MAX_SEGMENTS = 2
#: ...each at least this many frames long.
MIN_SEGMENT_FRAMES = 100
#: Frames a part starts early, to settle the model's tracking and to check at the seam that
#: it follows the same person as the part before it.
SEAM_FRAMES = 10
#: What a later part costs beyond its frames, in frames of tracking: finding the runner,
#: starting a model instance and decoding (not converting) the frames before it. Measured on
#: the example clip: with 25 both parts end within ~0.05 s of each other.
PART_SETUP_FRAMES = 25


def segment_starts(expected_frames: int | None) -> list[int]:
    """First frame of each part of the video whose pose is estimated separately.

    The video is cut into at most :data:`MAX_SEGMENTS` parts of at least
    :data:`MIN_SEGMENT_FRAMES` frames, from the frame count the container states. Every part
    after the first also runs the model over :data:`SEAM_FRAMES` frames before its start and
    has to find the runner first (about :data:`PART_SETUP_FRAMES` frames' worth of work), so
    the first part is made that much longer and all parts take about as long. The cut depends
    on the video alone, never on the machine, so the pose is the same whether the parts run
    at the same time or one after the other.

    >>> segment_starts(360), segment_starts(150), segment_starts(None)
    ([0, 198], [0], [0])
    """
    if not expected_frames or expected_frames <= 0:
        return [0]
    parts = max(1, min(MAX_SEGMENTS, expected_frames // MIN_SEGMENT_FRAMES))
    extra = SEAM_FRAMES + PART_SETUP_FRAMES
    first = (expected_frames + (parts - 1) * extra) / parts
    return [0] + [int(round(k * first - (k - 1) * extra)) for k in range(1, parts)]


def check_workers(workers: int | None) -> int | None:
    """Validate a ``--pose-workers`` value (``None``: one per core)."""
    if workers is None:
        return None
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise OptionError(
            f"--pose-workers must be a whole number of model instances, 1 or more, got {workers!r}."
        )
    return workers


def default_workers() -> int:
    """Cores this process may use (its CPU affinity where the system tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class Part:
    """The pose of one part of the video: frames ``first .. stop-1`` were run through the
    model, the part owns ``start ..`` (frames ``first .. start-1`` settle the tracking and
    are compared with the part before at the seam)."""

    first: int
    start: int
    stop: int | None
    times: list[float] = field(default_factory=list)
    xy: list[np.ndarray] = field(default_factory=list)
    score: list[np.ndarray] = field(default_factory=list)
    depth: list[np.ndarray] = field(default_factory=list)
    boxes: list[Box | None] = field(default_factory=list)
    searches: int = 0
    reacquired: int = 0
    truncated: bool = False

    def box_at(self, index: int) -> Box | None:
        j = index - self.first
        return self.boxes[j] if 0 <= j < len(self.boxes) else None


class FrameCounter:
    """Frames done by all parts (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self, n: int = 1) -> None:
        with self._lock:
            self.value += n


def follow_part(
    reader: VideoReader,
    backend: PoseBackend,
    part: Part,
    *,
    start_box: Box | None,
    hint: Box | None,
    search_every: int,
    lost_after: int = LOST_AFTER_FRAMES,
    counter: FrameCounter,
    frame_tap: FrameTap | None = None,
    stop: threading.Event | None = None,
    source: Iterator[Frame] | None = None,
) -> Part:
    """Run the model over one part of the video (decoding in a background thread), until
    its end or until ``stop`` is set. With ``source`` (the part's frames from a pass over
    the whole video, :class:`OnePass`), the part decodes nothing itself."""
    follower = RunnerFollower(
        backend,
        reader.width,
        reader.height,
        start_box,
        search_every=search_every,
        lost_after=lost_after,
        hint=hint,
    )
    k = len(backend.keypoints)
    missing_xy = np.full((k, 2), np.nan, dtype=np.float32)
    missing_score = np.zeros(k, dtype=np.float32)
    missing_depth = np.full(k, np.nan, dtype=np.float32)
    scale = reader.scale
    frames = (
        source if source is not None else prefetch(reader.frames(part.first, part.stop, frame_tap))
    )
    try:
        for frame in frames:
            if stop is not None and stop.is_set():
                break
            person = follower.step(frame.image)
            part.times.append(frame.time)
            if person is None:
                part.xy.append(missing_xy)
                part.score.append(missing_score)
                part.depth.append(missing_depth)
                part.boxes.append(None)
            else:
                part.xy.append((person.xy * scale).astype(np.float32))
                part.score.append(person.score.astype(np.float32))
                part.depth.append(
                    missing_depth if person.depth is None else person.depth.astype(np.float32)
                )
                part.boxes.append(person.box)
            counter.add()
    finally:  # also on an error: stop the decoding thread and close the file now
        if source is None:
            frames.close()
    part.searches, part.reacquired = follower.searches, follower.reacquired
    part.truncated = reader.truncated
    return part


class OnePass:
    """One decoding pass over the whole video for parts run one after the other.

    Run apart, each part after the first would decode the video from its start up to its
    first frame again (a third of a 12 s clip's decoding, for two parts). Run in turn, the
    parts share one pass instead: :meth:`frames` gives part ``k`` its frames, and those it
    shares with part ``k + 1`` are kept for that part: the seam's :data:`SEAM_FRAMES` as
    decoded (YUV 4:2:0, half the memory of the model's RGB picture, which is made again
    from it, the same pixels), and the frame that ended part ``k`` as it was handed out.
    Each part sees exactly the frames it would have decoded itself, so the pose is the same.
    """

    def __init__(self, reader: VideoReader, parts: list[Part], tap: FrameTap | None) -> None:
        self._reader = reader
        self._parts = parts
        # the seams: frames run by two parts (a part's first ones, before its start)
        seams = [range(part.first, part.start) for part in parts[1:]]
        self._decoded: dict[int, object] = {}  # seam frames as decoded, by index

        def keep(index: int, frame) -> None:  # in the decoding thread, before conversion
            if any(index in seam for seam in seams):
                self._decoded[index] = frame
            if tap is not None:
                tap(index, frame)

        self._pass = prefetch(reader.frames(parts[0].first, parts[-1].stop, keep))
        self._kept: list[Frame | tuple[int, float]] = []
        self._next = 0

    def frames(self, k: int) -> Iterator[Frame]:
        """Frames ``first .. stop-1`` of part ``k``; parts are asked for in order, once."""
        if k != self._next:
            raise ValueError(f"part {k} asked for out of turn (part {self._next} is next)")
        self._next += 1
        part = self._parts[k]
        shared_from = self._parts[k + 1].first if k + 1 < len(self._parts) else None
        kept, self._kept = self._kept, []
        for item in itertools.chain(kept, self._pass):
            if isinstance(item, tuple):  # a seam frame of the part before: its picture again
                index, time = item
                frame = Frame(index, time, self._reader.picture(self._decoded.pop(index)))
            else:
                frame = item
            if part.stop is not None and frame.index >= part.stop:
                self._kept.append(frame)  # the next part's first frame of its own
                return
            if shared_from is not None and frame.index >= shared_from:
                self._kept.append((frame.index, frame.time))
            yield frame

    def close(self) -> None:
        """Stop the decoding thread and close the file."""
        self._pass.close()
        self._kept = []
        self._decoded.clear()


def run_lanes(
    run: Callable[[int], None], lanes: int, tick: Callable[[], None], stop: threading.Event
) -> None:
    """``run(lane)`` for each lane, each in a thread of its own; ``tick()`` every 0.1 s
    from this thread meanwhile (so progress is reported from the caller's thread).

    When a lane fails, or this thread is interrupted (Ctrl-C), ``stop`` is set so the other
    lanes end at their next frame, and they are waited for before the error is raised here:
    no model is closed while a lane still uses it.
    """
    # one lane runs in a thread too: the caller's thread reports progress meanwhile (a
    # worker runs one lane, and a 10-minute clip said nothing for minutes otherwise)
    errors: list[BaseException] = []

    def guarded(lane: int) -> None:
        try:
            run(lane)
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)
            stop.set()

    threads = [
        threading.Thread(target=guarded, args=(lane,), name=f"runform-pose-{lane}", daemon=True)
        for lane in range(lanes)
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.1)
                tick()
    except BaseException:
        stop.set()
        for thread in threads:
            thread.join()
        raise
    if errors:
        raise errors[0]


def same_runner(before: Box | None, after: Box | None) -> bool:
    """Whether two boxes of one frame hold the same person (centres within a quarter of the
    runner's height, heights within 35 %).

    >>> same_runner(Box(0, 0, 50, 200), Box(10, 5, 60, 210)), same_runner(Box(0, 0, 50, 200), Box(300, 0, 350, 200))
    (True, False)
    """
    if before is None or after is None:
        return False
    h = max(before.height, 1.0)
    near = math.hypot(after.cx - before.cx, after.cy - before.cy) <= 0.25 * h
    return near and abs(math.log(max(after.height, 1.0) / h)) <= math.log(1.35)


def seam_holds(before: Part, after: Part) -> bool:
    """Whether ``after`` took up the runner that ``before`` was following.

    Both parts ran the model over the seam frames ``after.first .. after.start-1``. The seam
    holds when, in the frames where ``before`` saw the runner, ``after`` saw the same person
    in most of them; or when ``before`` had lost the runner there (``after``'s own search is
    then as good as any).
    """
    seen = [i for i in range(after.first, after.start) if before.box_at(i) is not None]
    if not seen:
        return True
    agree = sum(same_runner(before.box_at(i), after.box_at(i)) for i in seen)
    return agree * 2 > len(seen)
