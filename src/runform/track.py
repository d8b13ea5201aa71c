"""The pose track: one array structure for a 2-D pose sequence.

A :class:`PoseTrack` holds, for ``T`` frames and ``K`` named keypoints:

- ``time``  — shape ``(T,)``, seconds of *real* time (for slow-motion footage this is
  capture time, not playback time), strictly increasing;
- ``xy``    — shape ``(T, K, 2)``, image convention (x right, y down), in ``meta.units``
  (pixels unless declared otherwise); ``NaN`` where a point is missing;
- ``score`` — shape ``(T, K)``, confidence in ``[0, 1]``; ``NaN`` where the source gave none;
- ``keypoints`` — the ``K`` names, in the BlazePose vocabulary (see :mod:`runform.keypoints`);
- ``meta``  — :class:`TrackMeta`: source, frame size, fps, capture fps, units, time base.

Tracks are immutable in spirit: functions that clean or transform a track return a new one
(``track.replace(xy=...)``), never mutate their input.

Examples
--------
>>> import numpy as np
>>> t = PoseTrack.from_points(
...     time=np.arange(3) / 30.0,
...     points={"left_hip": np.zeros((3, 2)), "left_knee": np.ones((3, 2))},
... )
>>> t.n_frames, t.keypoints
(3, ('left_hip', 'left_knee'))
>>> t.point("left_knee")[0].tolist()
[1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from runform.errors import InputError
from runform.keypoints import KEYPOINTS


@dataclass(frozen=True)
class TrackMeta:
    """Metadata that travels with a pose track.

    Attributes
    ----------
    source:
        Where the pose came from (``"mediapipe-blazepose"``, ``"csv"``, ``"rtmpose-halpe26"``...).
    width, height:
        Frame size in pixels, when known.
    fps:
        Nominal frame rate of the *track* in real time (frames per real second).
    capture_fps:
        Rate at which the camera captured, when it differs from playback (slow motion).
    units:
        Units of ``xy``: ``"px"`` for image pixels, or e.g. ``"m"`` for projected markers.
    time_base:
        How ``time`` was obtained, in words a user can check (e.g. ``"csv time column"``,
        ``"container timestamps x 8 (240 fps capture played at 30 fps)"``).
    path:
        The file the track was read from, if any.
    extra:
        Free-form, JSON-serialisable details from the source.
    """

    source: str = "unknown"
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    capture_fps: float | None = None
    units: str = "px"
    time_base: str = "unknown"
    path: str | None = None
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping) -> TrackMeta:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass(frozen=True, eq=False)
class PoseTrack:
    """A 2-D pose sequence: time × keypoint × (x, y) plus a confidence per point."""

    time: np.ndarray
    xy: np.ndarray
    score: np.ndarray
    keypoints: tuple[str, ...]
    meta: TrackMeta = field(default_factory=TrackMeta)

    def __post_init__(self) -> None:
        time = np.asarray(self.time, dtype=float)
        xy = np.asarray(self.xy, dtype=float)
        score = np.asarray(self.score, dtype=float)
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "xy", xy)
        object.__setattr__(self, "score", score)
        object.__setattr__(self, "keypoints", tuple(self.keypoints))
        n, k = time.shape[0], len(self.keypoints)
        if time.ndim != 1:
            raise InputError("The time axis must be one-dimensional.")
        if xy.shape != (n, k, 2):
            raise InputError(f"xy has shape {xy.shape}, expected {(n, k, 2)}.")
        if score.shape != (n, k):
            raise InputError(f"score has shape {score.shape}, expected {(n, k)}.")
        if len(set(self.keypoints)) != k:
            raise InputError("Keypoint names must be unique.")

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_points(
        cls,
        time: Sequence[float] | np.ndarray,
        points: Mapping[str, np.ndarray],
        scores: Mapping[str, np.ndarray] | None = None,
        meta: TrackMeta | None = None,
    ) -> PoseTrack:
        """Build a track from a mapping ``name -> (T, 2)`` array (scores optional)."""
        names = tuple(points)
        time = np.asarray(time, dtype=float)
        xy = np.stack([np.asarray(points[n], dtype=float) for n in names], axis=1)
        if scores is None:
            score = np.full(xy.shape[:2], np.nan)
        else:
            score = np.stack(
                [np.asarray(scores.get(n, np.full(len(time), np.nan)), float) for n in names],
                axis=1,
            )
        return cls(time=time, xy=xy, score=score, keypoints=names, meta=meta or TrackMeta())

    def replace(self, **changes) -> PoseTrack:
        """Return a copy with some fields replaced (``time``, ``xy``, ``score``, ``meta``...)."""
        return replace(self, **changes)

    # ------------------------------------------------------------------ access
    @property
    def n_frames(self) -> int:
        return int(self.time.shape[0])

    @property
    def duration(self) -> float:
        return float(self.time[-1] - self.time[0]) if self.n_frames > 1 else 0.0

    @property
    def frame_rate(self) -> float:
        """Frames per real second, from the median time step."""
        if self.n_frames < 2:
            return float(self.meta.fps or np.nan)
        return float(1.0 / np.median(np.diff(self.time)))

    def has(self, name: str) -> bool:
        return name in self.keypoints

    def index(self, name: str) -> int:
        try:
            return self.keypoints.index(name)
        except ValueError:
            raise KeyError(f"keypoint {name!r} is not in this track") from None

    def point(self, name: str) -> np.ndarray:
        """``(T, 2)`` coordinates of one keypoint (a view; do not modify)."""
        return self.xy[:, self.index(name), :]

    def point_score(self, name: str) -> np.ndarray:
        return self.score[:, self.index(name)]

    def select(self, frames: slice | np.ndarray) -> PoseTrack:
        """A track restricted to some frames."""
        return self.replace(time=self.time[frames], xy=self.xy[frames], score=self.score[frames])

    def unknown_keypoints(self) -> list[str]:
        return [k for k in self.keypoints if k not in KEYPOINTS]
