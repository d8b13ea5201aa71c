"""The annotated slow-motion video (``annotated.mp4``).

Each decoded video frame gets the runner's skeleton (left leg orange, right leg sky blue;
the leg nearer the camera drawn on top and brighter, the far leg thinner and darker), live
thigh, knee and trunk angles next to the joints and in a panel, a marker and a coloured
border flash at every foot contact (disc) and toe-off (triangle) with a short label, a
step counter, and the real time in seconds.

Slow motion
-----------
The video lasts the clip's real duration times ``slow_factor``; the default factor is
``max(4, capture_fps / 30)``. Every picture is a real frame of the clip with the pose
measured on it: a high-speed capture is shown at 30 fps (240 fps 8x slower, 120 fps 4x), a
30 fps clip 4x slower at 7.5 frames a second, each frame held on screen for its share of
the slowed time, as coaching tools step through a clip. If a chosen factor would play
faster than 60 frames per second, frames are dropped to stay at or below 60 fps.

``smooth=True`` asks for **in-between frames** instead, for clips that would play below
:data:`SMOOTH_PLAYBACK_FPS` (24) frames per second: the video plays at 24 fps, and a frame
that falls between two source frames is their cross-fade (a weighted blend of the two
pictures, by the time between them) with the overlay drawn at the pose interpolated in time
(keypoints and angles), so the skeleton moves smoothly while fast limbs in the picture show
a faint double image. It costs three times the frames (a third of a worker's CPU for a
30 fps clip), and the in-between pictures and skeletons were never filmed or measured, so
it is not the default (``docs/decisions.md``). ``window_s`` optionally limits the video to
the stretch of the clip with the most steps. See ``docs/render.md``.

The overlay is drawn straight on YUV 4:2:0 planes (no RGB round trip), and
frames are streamed: a few decoded frames are in memory at a time, whatever the length.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from runform.errors import InputError, OptionError
from runform.pose.video import VideoInfo, prefetch, probe_video
from runform.progress import ProgressLike, ensure_progress
from runform.render import draw
from runform.render.draw import SIDE_COLORS, Style, YUV420Canvas
from runform.render.frame_store import FrameStore, Planes, i420_planes, upright_planes
from runform.track import PoseTrack

#: Playback rate of a high-speed capture (frames per second on screen).
PLAYBACK_FPS = 30.0
#: Least slow-down applied by default (a 30 fps clip plays 4x slower).
MIN_SLOW_FACTOR = 4.0
#: Frames closer together on screen than 1/60 s are dropped.
MAX_PLAYBACK_FPS = 60.0
#: Playback rate of ``smooth`` videos whose frames would play slower: in-between frames
#: (cross-fades of their neighbours, overlay at the interpolated pose) at this rate, film's
#: 24 fps: smooth, and 20 % fewer frames to draw and encode than 30 fps.
SMOOTH_PLAYBACK_FPS = 24.0
#: Clips whose long side is at most this many pixels keep their size (no rescaling cost)...
MAX_NATIVE_SIDE = 1280
#: ...larger ones are scaled to this long side (half the encoding work of 1280; plenty for
#: a phone screen).
SCALED_LONG_SIDE = 960
#: Output timestamps are in ticks of 1/600 s (divisible by 24, 25, 30, 60 fps).
TICKS_PER_SECOND = 600
#: How long (on screen) an event marker stays visible while it fades.
FLASH_SECONDS = 0.6
#: While frames before the annotated stretch are decoded and passed over, progress is
#: reported every this many frames (about 0.1–0.2 s of decoding a 1080p frame each).
SKIPPED_REPORT_EVERY = 60

#: libx264 settings: ``ultrafast`` keeps encoding near 2 ms per 720x1280 frame. A constant
#: quantiser (``qp`` 22) rather than ``crf`` 23: the same picture quality (PSNR 47.8 vs
#: 47.6 dB re-encoding this video's own frames) and about the same size, for a fifth less
#: encoding time, as x264 then skips the half-size copy and cost estimate it makes of every
#: frame for ``crf``. One encoder thread: encoding already runs in a thread of its own
#: beside the drawing (and the stills), which keeps both cores busy; x264's own threads (frame
#: or sliced) only added overhead (measured), and one thread makes the output the same on
#: every machine. No B-frames: with the overlay they cost more time than they save.
X264_OPTIONS = {"preset": "ultrafast", "qp": "22", "threads": "1"}

_STAGE = "annotated video"


# --------------------------------------------------------------------------- frames


#: FFmpeg colour-space codes (AVColorSpace) -> the YUV matrix they use.
_MATRIX_OF_COLORSPACE = {1: "bt709", 5: "bt601", 6: "bt601", 9: "bt2020", 10: "bt2020"}


@dataclass(frozen=True)
class ColourTags:
    """The source's colour description, passed on to the annotated video unchanged."""

    colorspace: int = 2  # 2 = unspecified
    primaries: int = 2
    transfer: int = 2

    @property
    def matrix(self) -> str:
        """YUV matrix to draw colours with (BT.601 when the file does not say)."""
        return _MATRIX_OF_COLORSPACE.get(self.colorspace, "bt601")


def colour_tags(video_path: str | Path) -> ColourTags:
    """Read the first video stream's colour space, primaries and transfer codes."""
    with av.open(str(video_path)) as container:
        ctx = container.streams.video[0].codec_context
        return ColourTags(
            int(getattr(ctx, "colorspace", 2) or 2),
            int(getattr(ctx, "color_primaries", 2) or 2),
            int(getattr(ctx, "color_trc", 2) or 2),
        )


def decoded_frames(video_path: str | Path) -> Iterator[av.VideoFrame]:
    """Decoded frames of the first video stream, in order, not yet converted.

    The same frames, in the same order and number, as
    :meth:`runform.pose.video.VideoReader.frames` gives the pose model (so index ``i`` is
    track row ``i``). Stops quietly at a damaged tail, keeping the good frames.
    """
    container = av.open(str(video_path))
    try:
        stream = container.streams.video[0]
        stream.thread_type = "NONE"
        frames = container.decode(stream)
        while True:
            try:
                yield next(frames)
            except (StopIteration, av.error.FFmpegError):
                return
    finally:
        container.close()


FrameHook = Callable[[int, av.VideoFrame], None]


def iter_i420_frames(
    video_path: str | Path,
    info: VideoInfo,
    size: tuple[int, int],
    frame_hook: FrameHook | None = None,
    wanted: Callable[[int], bool] | None = None,
    stop: int | None = None,
    skipped_every: int | None = None,
) -> Iterator[tuple[int, Planes | None]]:
    """Decode frames in order; yield ``(index, (Y, U, V))``, upright, at ``size``.

    Rotated by the display matrix the way :mod:`runform.pose.video` does, but kept in
    YUV 4:2:0, the encoder's own format, so the annotated video needs no RGB round trip.
    A frame already upright YUV 4:2:0 of that size (a phone's H.264 at up to 1280 px) is
    given as views of the decoder's own planes, read only, so its pixels are copied once,
    into the frame to encode.
    Only frames with ``wanted(index)`` true are converted and yielded (the others are just
    decoded); with ``skipped_every``, ``(index, None)`` is yielded for every that many
    frames passed over, so that the consumer can say it is still working (a long clip's
    stretch can start minutes in). Decoding ends before frame ``stop``.
    ``frame_hook(index, frame)`` sees every decoded frame first (the key-frame stills use
    it to share this decoding pass).
    """
    for index, frame in enumerate(decoded_frames(video_path)):
        if stop is not None and index >= stop:
            return
        if frame_hook is not None:
            frame_hook(index, frame)
        if wanted is not None and not wanted(index):
            if skipped_every and index % skipped_every == skipped_every - 1:
                yield index, None
            continue
        yield index, upright_planes(frame, size, info.rotation)


def output_size(width: int, height: int) -> tuple[int, int]:
    """Even output dimensions: the clip's own size up to a 1280 px long side, else 960.

    Encoding 720x1280 costs about as much more than 540x960 as rescaling 720x1280 to
    540x960 would, so clips up to 1280 keep their full sharpness; larger ones (1080p, 4K)
    are scaled to a 960 px long side, which keeps the encoder's work small.

    >>> output_size(720, 1280), output_size(1920, 1080), output_size(721, 405)
    ((720, 1280), (960, 540), (720, 404))
    """
    long_side = max(width, height)
    scale = 1.0 if long_side <= MAX_NATIVE_SIDE else SCALED_LONG_SIDE / long_side
    out_w = max(2, int(round(width * scale)) // 2 * 2)
    out_h = max(2, int(round(height * scale)) // 2 * 2)
    return out_w, out_h


# ------------------------------------------------------------------------- timing


def default_slow_factor(capture_fps: float) -> float:
    """``max(4, capture_fps / 30)``: high-speed clips play at 30 fps, others 4x slower."""
    if not np.isfinite(capture_fps) or capture_fps <= 0:
        return MIN_SLOW_FACTOR
    return max(MIN_SLOW_FACTOR, capture_fps / PLAYBACK_FPS)


def playback_ticks(time_s: np.ndarray, slow_factor: float) -> tuple[np.ndarray, np.ndarray]:
    """On-screen timestamps (ticks of 1/600 s) for source frames at real times ``time_s``.

    Returns
    -------
    ticks:
        ``(T,)`` int64, ``round((time - time[0]) * slow_factor * 600)``.
    keep:
        ``(T,)`` bool, False for frames dropped to stay at or below 60 fps on screen.
    """
    t = np.asarray(time_s, float)
    ticks = np.round((t - t[0]) * slow_factor * TICKS_PER_SECOND).astype(np.int64)
    keep = np.zeros(len(t), bool)
    min_gap = TICKS_PER_SECOND / MAX_PLAYBACK_FPS
    last = None
    for i, tick in enumerate(ticks):
        if last is None or tick - last >= min_gap - 1e-9:
            keep[i] = True
            last = tick
    return ticks, keep


@dataclass(frozen=True)
class Schedule:
    """What each frame of the annotated video shows, and when.

    Output frame ``k`` shows source frame ``source[k]`` blended with the next one,
    ``weight[k]`` of the next (0: the source frame as it is), at ``ticks[k]`` (1/600 s).
    """

    source: np.ndarray  # (K,) int
    weight: np.ndarray  # (K,) float in [0, 1)
    ticks: np.ndarray  # (K,) int64
    fps: float  # playback frames per second

    def __len__(self) -> int:
        return len(self.source)

    @property
    def needed(self) -> list[int]:
        """Source frames the video needs, in order: those shown and their blend partners."""
        partners = self.source[self.weight > 0] + 1
        return sorted({*self.source.tolist(), *partners.tolist()})


def output_schedule(
    time_s: np.ndarray,
    slow_factor: float,
    capture_fps: float | None = None,
    smooth: bool = False,
) -> Schedule:
    """The frames of the annotated video for source frames at real times ``time_s``.

    Each source frame is shown once, at its real time slowed ``slow_factor`` times (or
    dropped above 60 fps, :func:`playback_ticks`). With ``smooth``, a clip that would then
    play below :data:`SMOOTH_PLAYBACK_FPS` gets frames made at ``SMOOTH_PLAYBACK_FPS``,
    evenly on screen: each at the real time ``time[0] + screen time / slow_factor``, between
    the source frames around it, weighted by time (timestamps of a variable-frame-rate clip
    are followed). A frame within 0.1 % of a source frame's time shows that frame as it is.

    >>> s = output_schedule(np.arange(3) / 30.0, 4.0)  # 30 fps, 4x slower: 7.5 fps
    >>> s.fps, s.source.tolist(), s.weight.tolist(), s.ticks.tolist()
    (7.5, [0, 1, 2], [0.0, 0.0, 0.0], [0, 80, 160])
    >>> s = output_schedule(np.arange(3) / 30.0, 4.0, smooth=True)  # in-between frames: 24 fps
    >>> s.fps, s.source.tolist(), s.weight.round(4).tolist(), s.ticks.tolist()
    (24.0, [0, 0, 0, 0, 1, 1, 1], [0.0, 0.3125, 0.625, 0.9375, 0.25, 0.5625, 0.875], [0, 25, 50, 75, 100, 125, 150])
    """
    t = np.asarray(time_s, float)
    n = len(t)
    if capture_fps is None:
        capture_fps = float(1.0 / np.median(np.diff(t))) if n > 1 else PLAYBACK_FPS
    rate = capture_fps / slow_factor if np.isfinite(capture_fps) else PLAYBACK_FPS
    if n < 2 or not smooth or rate >= SMOOTH_PLAYBACK_FPS - 1e-6:
        ticks, keep = playback_ticks(t, slow_factor)
        shown = np.nonzero(keep)[0]
        fps = round(float(min(rate, MAX_PLAYBACK_FPS)), 6)  # 7.5, not 7.500000000000002
        return Schedule(shown, np.zeros(len(shown)), ticks[shown], fps)
    fps = SMOOTH_PLAYBACK_FPS
    screen = (t - t[0]) * slow_factor  # seconds on screen of each source frame
    k = np.arange(int(np.floor(screen[-1] * fps + 1e-6)) + 1)
    at = k / fps
    lower = np.clip(np.searchsorted(screen, at + 1e-9, side="right") - 1, 0, n - 1)
    upper = np.minimum(lower + 1, n - 1)
    gap = screen[upper] - screen[lower]
    weight = np.divide(at - screen[lower], gap, out=np.zeros(len(k)), where=gap > 0)
    weight = np.clip(weight, 0.0, 1.0)
    snap_up = (weight > 1 - 1e-3) & (upper > lower)
    lower[snap_up] += 1
    weight[snap_up | (weight < 1e-3)] = 0.0
    ticks = np.round(at * TICKS_PER_SECOND).astype(np.int64)
    return Schedule(lower.astype(np.int64), weight, ticks, fps)


def steady_window(track: PoseTrack, analysis, window_s: float | None) -> tuple[int, int]:
    """Frames ``[start, stop)`` to show: all of them, or the ``window_s`` seconds of real
    time holding the most accepted steps (the earliest such stretch)."""
    n = track.n_frames
    if window_s is None:
        return 0, n
    try:
        window_s = float(window_s)
    except (TypeError, ValueError):
        window_s = float("nan")
    if not (np.isfinite(window_s) and window_s > 0):
        raise OptionError(f"The video window must be a positive number of seconds, not {window_s}.")
    if window_s >= track.duration:
        return 0, n
    steps = list(getattr(getattr(analysis, "gait", None), "steps", []) or [])
    t = track.time
    best_start, best_count = float(t[0]), -1
    for start in sorted({float(t[0]), *(s.contact_s - 0.1 for s in steps)}):
        start = min(max(start, float(t[0])), float(t[-1]) - window_s)
        count = sum(1 for s in steps if start <= s.contact_s and s.toe_off_s <= start + window_s)
        if count > best_count:
            best_start, best_count = start, count
    first = int(np.searchsorted(t, best_start, side="left"))
    last = int(np.searchsorted(t, best_start + window_s, side="right"))
    return first, max(last, first + 1)


# ------------------------------------------------------------------------ overlay


def near_side(direction: int) -> str:
    """The leg nearer the camera: a runner moving toward image right shows their right side."""
    return "right" if direction > 0 else "left"


def analysis_angles(analysis) -> dict:
    """``analysis.angles``, or recomputed from the cleaned track if the result lacks it."""
    angles = getattr(analysis, "angles", None)
    if angles:
        return angles
    from runform.metrics.angles import frame_angles

    return frame_angles(analysis.track, analysis.direction)


def _series(angles: dict, name: str, side: str | None, n: int) -> np.ndarray:
    try:
        values = angles[name] if side is None else angles[name][side]
    except (KeyError, TypeError):
        return np.full(n, np.nan)
    values = np.asarray(values, float)
    if values.shape[0] < n:
        values = np.concatenate([values, np.full(n - values.shape[0], np.nan)])
    return values


def foot_point(track: PoseTrack, side: str, frame: int, kind: str) -> np.ndarray | None:
    """Where to mark an event: the toe at toe-off, the lowest foot point at contact."""
    names = [f"{side}_{p}" for p in ("heel", "foot_index", "ankle")]
    pts = [track.xy[frame, track.index(n)] for n in names if track.has(n)]
    pts = [p for p in pts if np.all(np.isfinite(p))]
    if not pts:
        return None
    if kind == "toe_off" and track.has(f"{side}_foot_index"):
        toe = track.xy[frame, track.index(f"{side}_foot_index")]
        if np.all(np.isfinite(toe)):
            return toe
    return max(pts, key=lambda p: p[1])


@dataclass(frozen=True)
class _Event:
    side: str
    kind: str
    time_s: float
    where: np.ndarray | None


def _lerp(values: np.ndarray, i: int, weight: float) -> np.ndarray:
    """``values[i]`` moved ``weight`` of the way to ``values[i + 1]``; where either is
    missing (NaN), the nearer one's value."""
    a = values[i]
    if weight <= 0.0 or i + 1 >= len(values):
        return a
    b = values[i + 1]
    mixed = a + (b - a) * weight
    return np.where(np.isnan(mixed), a if weight < 0.5 else b, mixed)


@dataclass(frozen=True)
class _Pose:
    """The runner at one output frame: real time, keypoints (output pixels) and angles."""

    t: float
    points: dict[str, tuple[float, float]]
    thigh: dict[str, float]
    knee: dict[str, float]
    trunk: float


class Overlay:
    """Everything drawn on the video, precomputed per track so drawing a frame is cheap.

    Parameters
    ----------
    track:
        Cleaned pose track (pixel coordinates of the *source* frame).
    analysis:
        The engine result (``direction``, ``gait``, ``angles``).
    scale:
        ``(sx, sy)`` from source pixels to output pixels.
    style:
        Sizes for the output frame.
    slow_factor:
        Used for the on-screen label and for how long event markers stay up.
    frame_size:
        ``(width, height)`` of the output frame.

    :meth:`draw` draws source frame ``i``, or an in-between frame ``weight`` of the way to
    frame ``i + 1``: keypoints, angles and time are then interpolated linearly in time.
    """

    def __init__(
        self,
        track: PoseTrack,
        analysis,
        scale: tuple[float, float],
        style: Style,
        slow_factor: float,
        frame_size: tuple[int, int],
    ) -> None:
        self.track = track
        self.style = style
        self.slow_factor = slow_factor
        self.direction = 1 if getattr(analysis, "direction", 1) >= 0 else -1
        # The leg the engine decided is near (image evidence), else the facing's guess.
        self.near = getattr(analysis, "near_side", None) or near_side(self.direction)
        self.xy = track.xy * np.asarray(scale, float)
        n = track.n_frames
        angles = analysis_angles(analysis)
        self.thigh = {s: _series(angles, "thigh", s, n) for s in SIDE_COLORS}
        self.knee = {s: _series(angles, "knee", s, n) for s in SIDE_COLORS}
        self.trunk = _series(angles, "trunk", None, n)
        # the angles of a frame side by side, interpolated in one go: thigh, knee (L, R), trunk
        self._angles = np.stack(
            [*self.thigh.values(), *self.knee.values(), self.trunk],
            axis=1,
        )
        self.time = np.asarray(track.time, float)
        dt = float(np.median(np.diff(track.time))) if n > 1 else 1.0 / 30.0
        # the border flashes for the source frame interval nearest each event, in-between
        # frames included (as long on screen as the frame nearest the event without them)
        self.half_dt = dt / 2.0
        self.flash_real_s = max(FLASH_SECONDS / slow_factor, 1.5 * dt)
        gait = getattr(analysis, "gait", None)
        events = list(getattr(gait, "events", []) or [])
        steps = list(getattr(gait, "steps", []) or [])
        self.events: list[_Event] = []
        for e in sorted(events, key=lambda e: e.time_s):
            frame = int(np.clip(round(e.frame), 0, n - 1))
            where = foot_point(track, e.side, frame, e.kind)
            self.events.append(
                _Event(e.side, e.kind, float(e.time_s), None if where is None else where * scale)
            )
        self.event_times = np.array([e.time_s for e in self.events], float)
        if steps:
            contacts = [s.contact_s for s in steps]
        else:
            contacts = [e.time_s for e in self.events if e.kind == "contact"]
        self.contact_times = np.sort(np.asarray(contacts, float))
        self.no_steps = len(self.contact_times) == 0
        self._columns = self._column_widths()
        self.labels = draw.LabelPlacer(*frame_size)
        line_h = draw.text_size("Ag°", style.font_px, box=False)[1]
        # just below the angle panel (4 rows), which has no step counter above it then
        self._banner_y = style.margin + 4 * line_h + 2 * (style.margin // 2) + style.margin

    # ------------------------------------------------------------------ parts
    def _column_widths(self) -> list[int]:
        px = self.style.font_px
        widest = [
            ("RIGHT (near)", "LEFT (far)", "trunk"),
            ("thigh", "88° back", "88° fwd"),
            ("knee", "188°"),
        ]
        return [max(draw.text_size(t, px, box=False)[0] for t in col) for col in widest]

    def points(self, i: int, weight: float = 0.0) -> dict[str, tuple[float, float]]:
        """Keypoint name -> ``(x, y)`` output pixels in frame ``i`` (NaN where missing), or
        ``weight`` of the way to frame ``i + 1``."""
        xy = _lerp(self.xy, i, weight)
        return dict(zip(self.track.keypoints, map(tuple, xy.tolist()), strict=True))

    def pose(self, i: int, weight: float = 0.0) -> _Pose:
        """Time, keypoints and angles of frame ``i``, or ``weight`` of the way to ``i + 1``."""
        t = float(_lerp(self.time, i, weight))
        thigh_l, thigh_r, knee_l, knee_r, trunk = _lerp(self._angles, i, weight).tolist()
        return _Pose(
            t,
            self.points(i, weight),
            {"left": thigh_l, "right": thigh_r},
            {"left": knee_l, "right": knee_r},
            trunk,
        )

    def _panel(self, canvas: draw.Canvas, pose: _Pose) -> tuple[int, int, int, int]:
        """Step counter, then a table of live angles, in the top-left corner."""
        t = pose.t
        m = self.style.margin
        top = m
        if not self.no_steps:
            count = int(np.searchsorted(self.contact_times, t + self.half_dt, side="right"))
            text = f"STEP {count}/{len(self.contact_times)}"
            box = draw.put_text(canvas, text, (m, m), self.style.title_font_px, draw.WHITE)
            top = box[3] + m // 2
        grey = draw.GREY
        rows = [[("", grey), ("thigh", grey), ("knee", grey)]]
        for side in (self.near, "right" if self.near == "left" else "left"):
            where = "near" if side == self.near else "far"
            rows.append(
                [
                    (f"{side.upper()} ({where})", SIDE_COLORS[side]),
                    (draw.signed_words(pose.thigh[side], "fwd", "back"), SIDE_COLORS[side]),
                    (draw.degrees_text(pose.knee[side]), SIDE_COLORS[side]),
                ]
            )
        rows.append(
            [
                ("trunk", draw.BODY_COLOR),
                (draw.signed_words(pose.trunk, "fwd", "back"), draw.WHITE),
            ]
        )
        return draw.draw_table(
            canvas, rows, (m, top), self.style.font_px, column_widths=self._columns, pad=m // 2
        )

    def _labels(self, canvas: draw.Canvas, pose: _Pose, taken: list, labels: list[tuple]) -> None:
        """Event labels by the foot, thigh and knee angles by each leg's hip and knee, trunk
        angle by the shoulders, each where it hides the least of the runner and inside the
        frame."""
        pts = pose.points
        px = self.style.small_font_px
        gap = self.style.joint_radius * 2.5
        self.labels.start(draw.skeleton_segments(pts), taken)
        behind = -self.direction
        far = "right" if self.near == "left" else "left"
        labels = list(labels)
        shoulders = [pts.get(f"{s}_shoulder") for s in SIDE_COLORS]
        shoulders = [p for p in shoulders if p is not None and math.isfinite(p[0] + p[1])]
        if shoulders and np.isfinite(pose.trunk):
            text = "trunk " + draw.signed_words(pose.trunk, "fwd", "back")
            labels.append(("trunk", np.mean(shoulders, axis=0), text, draw.WHITE, behind, 1.0))
        for side in (self.near, far):
            color = SIDE_COLORS[side]
            thigh = "thigh " + draw.signed_words(pose.thigh[side], "fwd", "back")
            knee = "knee " + draw.degrees_text(pose.knee[side])
            # near-leg labels start behind the runner, far-leg labels in front
            prefer = behind if side == self.near else -behind
            labels.append((f"{side}_hip", pts.get(f"{side}_hip"), thigh, color, prefer, 1.0))
            labels.append((f"{side}_knee", pts.get(f"{side}_knee"), knee, color, prefer, 1.0))
        for key, p, text, color, prefer, opacity in labels:
            if p is None or not math.isfinite(p[0] + p[1]) or text.endswith("–"):
                continue
            size = draw.text_size(text, px)
            x0, y0 = self.labels.place(key, size, p, gap, prefer)
            draw.put_text(canvas, text, (x0, y0), px, color, opacity=opacity)

    def _events(self, canvas: draw.Canvas, t: float) -> list[tuple]:
        """Markers and border flash of the events around time ``t``; returns their labels."""
        labels: list[tuple] = []
        if not self.events:
            return labels
        age = t - self.event_times
        live = np.nonzero((age >= -self.half_dt) & (age < self.half_dt + self.flash_real_s))[0]
        style = self.style
        for j in live:
            e = self.events[j]
            opacity = float(
                np.clip(1.0 - max(age[j] - self.half_dt, 0.0) / self.flash_real_s, 0, 1)
            )
            color = SIDE_COLORS[e.side]
            if age[j] <= self.half_dt + 1e-9:
                draw.flash_border(canvas, color, style.margin // 2, 0.85)
            if e.where is None:
                continue
            draw.event_marker(canvas, e.where, e.kind, color, style, opacity)
            label = f"{e.side.upper()} {'CONTACT' if e.kind == 'contact' else 'TOE-OFF'}"
            labels.append((f"event{j}", e.where, label, color, -self.direction, opacity))
        return labels

    def _footer(self, canvas: draw.Canvas, t: float, t0: float) -> list[tuple]:
        """Real time (seconds from the first frame) and the slow-motion factor; their boxes."""
        h, w = canvas.height, canvas.width
        m = self.style.margin
        clock = f"t = {t - t0:.3f} s"
        slow = f"{self.slow_factor:.3g}× slow motion"
        return [
            draw.put_text(canvas, clock, (m, h - m), self.style.font_px, anchor="lb", cache=False),
            draw.put_text(canvas, slow, (w - m, h - m), self.style.small_font_px, anchor="rb"),
        ]

    # ------------------------------------------------------------------ frame
    def draw(self, canvas: draw.Canvas, i: int, weight: float = 0.0) -> None:
        """Draw every annotation of source frame ``i``, or of the in-between frame
        ``weight`` of the way to frame ``i + 1`` (output pixels)."""
        pose = self.pose(i, weight)
        taken = []
        if self.no_steps:  # under the skeleton, so the runner stays visible
            taken.append(draw.banner(canvas, "No steps detected", self.style, y=self._banner_y))
        draw.draw_skeleton(canvas, pose.points, self.style, self.near)
        event_labels = self._events(canvas, pose.t)
        taken.append(self._panel(canvas, pose))
        taken += self._footer(canvas, pose.t, float(self.time[0]))
        self._labels(canvas, pose, taken, event_labels)


# -------------------------------------------------------------------------- writer


def _check_slow_factor(value) -> float:
    try:
        factor = float(value)
    except (TypeError, ValueError):
        factor = float("nan")
    if not (np.isfinite(factor) and 0 < factor <= 1000):
        raise OptionError(
            f"The slow-motion factor must be a number between 0 and 1000 (e.g. 4), not {value!r}."
        )
    return factor


def _check_track(track: PoseTrack, info: VideoInfo) -> tuple[float, float]:
    """Scale from the track's pixel frame to the decoded display frame."""
    if track.meta.units != "px":
        raise InputError(
            f"The pose track is in {track.meta.units!r}, not image pixels; "
            "the annotated video needs a track made from this video."
        )
    if track.n_frames < 2:
        raise InputError("The pose track has fewer than 2 frames; nothing to annotate.")
    tw, th = track.meta.width, track.meta.height
    if not tw or not th:
        return 1.0, 1.0
    if abs(tw / th - info.width / info.height) > 0.02:
        raise InputError(
            f"The pose track was made for {tw}x{th} frames but the video shows "
            f"{info.width}x{info.height}; use the pose track made from this video."
        )
    return info.width / tw, info.height / th


def _open_writer(out_path: Path, width: int, height: int, playback_fps: float, colour: ColourTags):
    container = av.open(str(out_path), "w", options={"movflags": "+faststart"})
    rate = Fraction(playback_fps).limit_denominator(1000)
    stream = container.add_stream("libx264", rate=rate)
    stream.width, stream.height = width, height
    stream.pix_fmt = "yuv420p"
    stream.codec_context.time_base = Fraction(1, TICKS_PER_SECOND)
    gop = max(1, int(round(2 * playback_fps)))  # a key frame every ~2 s for seeking
    stream.options = {**X264_OPTIONS, "g": str(gop)}
    # The pixels are the source's own YUV: describe them as the source did, so players
    # show the colours as they showed the original.
    ctx = stream.codec_context
    try:
        ctx.color_range = 1  # MPEG (limited): frames are converted to yuv420p if needed
        if colour.colorspace != 2:
            ctx.colorspace = colour.colorspace
        if colour.primaries != 2:
            ctx.color_primaries = colour.primaries
        if colour.transfer != 2:
            ctx.color_trc = colour.transfer
    except (AttributeError, TypeError, ValueError):  # pragma: no cover - older PyAV
        pass
    return container, stream


def write_annotated_video(
    video_path: str | Path,
    track: PoseTrack,
    analysis,
    out_path: str | Path,
    *,
    slow_factor: float | None = None,
    progress: ProgressLike = None,
    window_s: float | None = None,
    smooth: bool = False,
) -> Path:
    """Write ``annotated.mp4``: skeleton, live angles, events, steps, in slow motion.

    Parameters
    ----------
    video_path:
        The source video (the one the pose track was made from).
    track:
        The pose track as read (one row per decoded frame, real time in ``time``); used for
        timing. The skeleton and angles come from ``analysis.track`` (cleaned, same frames).
    analysis:
        The engine result: ``.track``, ``.direction``, ``.gait.events``, ``.gait.steps``,
        ``.angles``. With no events the video is still written, with a "No steps detected"
        banner.
    out_path:
        The ``.mp4`` to write (H.264, yuv420p, even dimensions; see :func:`output_size`).
    slow_factor:
        How many times slower than real time to play; default ``max(4, capture_fps / 30)``.
        Every source frame is shown once (a 30 fps clip plays at 7.5 frames a second).
    smooth:
        When the source frames would be fewer than 24 a second on screen, add in-between
        frames (cross-fades, overlay at the interpolated pose) to play at 24 fps
        (:func:`output_schedule`): three times the frames to draw and encode.
    progress:
        Callback ``(stage, fraction, detail)``.
    window_s:
        Show only this many seconds of real time (the stretch with the most steps) instead
        of the whole clip; ``None`` (default) shows everything. Cost is proportional to the
        frames shown (frames before the window are decoded, not converted).

    Returns
    -------
    The path written.

    Raises
    ------
    InputError
        The video cannot be read, or the track does not fit it.
    OptionError
        ``slow_factor`` or ``window_s`` is not a positive number.

    Examples
    --------
    >>> write_annotated_video("run.mp4", track, analysis, "out/annotated.mp4")  # doctest: +SKIP
    PosixPath('out/annotated.mp4')
    """
    return render_video(
        video_path, track, analysis, out_path, slow_factor, progress, window_s, smooth=smooth
    )


class _OutFrame:
    """A frame to encode (a PyAV frame) and numpy views of its three planes, to blend and
    draw into directly: the encoder then takes it without a copy."""

    __slots__ = ("frame", "planes")

    def __init__(self, width: int, height: int) -> None:
        self.frame = av.VideoFrame(width, height, "yuv420p")
        sizes = ((height, width), (height // 2, width // 2), (height // 2, width // 2))
        self.planes = tuple(
            np.asarray(memoryview(plane)).reshape(h, plane.line_size)[:, :w]
            for plane, (h, w) in zip(self.frame.planes, sizes, strict=True)
        )

    def canvas(self, matrix: str) -> YUV420Canvas:
        return YUV420Canvas(*self.planes, matrix=matrix)


class _FramePool:
    """Frames to encode, handed back by the encoder once it has taken their pixels (libx264
    copies a picture into its own buffers while encoding it), so that a long video
    allocates a handful of frames, not one per frame."""

    def __init__(self, width: int, height: int) -> None:
        self.size = (width, height)
        self._free: queue.SimpleQueue = queue.SimpleQueue()

    def take(self) -> _OutFrame:
        try:
            return self._free.get_nowait()
        except queue.Empty:
            return _OutFrame(*self.size)

    def give(self, out: _OutFrame) -> None:
        self._free.put(out)


class _EncoderThread:
    """Encode and mux frames in a worker thread, so that H.264 encoding (C code, which
    releases the GIL) overlaps the drawing of the next frame. The queue is short, so memory
    stays flat; an error in the worker is raised in the caller. Each frame is given back to
    its pool once encoded."""

    def __init__(self, container, stream, time_base: Fraction, depth: int = 3) -> None:
        self._container, self._stream, self._time_base = container, stream, time_base
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="runform-encode", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while (item := self._queue.get()) is not None:
                out, pts, pool = item
                frame = out.frame
                frame.pts = pts
                frame.time_base = self._time_base
                for packet in self._stream.encode(frame):
                    self._container.mux(packet)
                pool.give(out)
            for packet in self._stream.encode():
                self._container.mux(packet)
        except BaseException as exc:  # handed to the caller in put()/finish()
            self._error = exc
            while True:  # drain so that put() never blocks on a dead worker
                try:
                    if self._queue.get_nowait() is None:
                        break
                except queue.Empty:
                    break

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    def put(self, out: _OutFrame, pts: int, pool: _FramePool) -> None:
        self._check()
        self._queue.put((out, pts, pool))

    def finish(self) -> None:
        """Flush the encoder and wait for the worker; re-raise its error, if any."""
        self._queue.put(None)
        self._thread.join()
        self._check()

    def close(self) -> None:
        """Stop the worker if still running (after an error in the caller)."""
        if self._thread.is_alive():
            try:
                self._queue.put(None, timeout=5)
            except queue.Full:
                pass
            self._thread.join(timeout=30)


class _Frames:
    """Turns source frames, arriving in order, into the frames of a :class:`Schedule`: each
    source frame copied, or blended with the next one (weighted by time), straight into a
    frame to encode, annotated there and queued for the encoder in schedule order. The
    source buffers are only read."""

    def __init__(
        self,
        schedule: Schedule,
        overlay: Overlay,
        encoder: _EncoderThread,
        pool: _FramePool,
        matrix: str,
        tick: Callable[[], None],
    ) -> None:
        self.schedule, self.overlay, self.encoder = schedule, overlay, encoder
        self.pool, self.matrix, self.tick = pool, matrix, tick
        self._source = schedule.source  # sorted: a source frame's output frames are a slice
        self._held: tuple[int, Planes] | None = None

    def add(self, index: int, planes: Planes) -> None:
        """Source frame ``index`` (the output frames before it are then complete)."""
        if self._held is not None:
            held, held_planes = self._held
            self._emit(held, held_planes, planes if index == held + 1 else None)
        self._held = (index, planes)

    def finish(self) -> None:
        if self._held is not None:
            self._emit(*self._held, None)
            self._held = None

    def _emit(self, index: int, planes: Planes, after: Planes | None) -> None:
        lo, hi = np.searchsorted(self._source, [index, index + 1])
        if lo == hi:  # needed only as the blend partner of the frame before it
            return
        for k in range(lo, hi):
            w = float(self.schedule.weight[k])
            out = self.pool.take()
            for src, dst, nxt in zip(planes, out.planes, after or planes, strict=True):
                if w > 0.0 and after is not None:
                    cv2.addWeighted(src, 1.0 - w, nxt, w, 0.0, dst=dst)
                else:  # a source frame as it is (or the video ended before its partner)
                    np.copyto(dst, src)
            self.overlay.draw(out.canvas(self.matrix), index, w)
            self.encoder.put(out, int(self.schedule.ticks[k]), self.pool)
            self.tick()


def render_video(
    video_path: str | Path,
    track: PoseTrack,
    analysis,
    out_path: str | Path,
    slow_factor: float | None = None,
    progress: ProgressLike = None,
    window_s: float | None = None,
    frame_hook: FrameHook | None = None,
    hook_until: int = -1,
    frames: FrameStore | None = None,
    smooth: bool = False,
) -> Path:
    """:func:`write_annotated_video`, with a ``frame_hook(index, frame)`` on every decoded
    frame up to at least ``hook_until`` (used to write the key-frame stills in the same
    decoding pass). When ``frames`` (kept by the pose pass) holds every frame the video
    needs at its size, they are drawn on without decoding the video again (and
    ``frame_hook`` is not called); the frames needed are taken out of ``frames``."""
    report = ensure_progress(progress)
    out_path = Path(out_path)
    clean = getattr(analysis, "track", None)
    clean = track if clean is None else clean
    if clean.n_frames != track.n_frames:
        raise InputError(
            "The cleaned track and the pose track have different frame counts; "
            "pass the analysis made from this track."
        )
    capture_fps = track.frame_rate
    if slow_factor is None:
        slow_factor = default_slow_factor(capture_fps)
    else:
        slow_factor = _check_slow_factor(slow_factor)

    info = probe_video(video_path)
    scale_track = _check_track(track, info)
    out_w, out_h = output_size(info.width, info.height)
    scale = (scale_track[0] * out_w / info.width, scale_track[1] * out_h / info.height)
    style = Style.for_frame(out_w, out_h)
    overlay = Overlay(clean, analysis, scale, style, slow_factor, (out_w, out_h))
    first, last = steady_window(track, analysis, window_s)
    window = output_schedule(track.time[first:last], slow_factor, capture_fps, smooth)
    schedule = Schedule(window.source + first, window.weight, window.ticks, window.fps)
    needed = schedule.needed

    out_path.parent.mkdir(parents=True, exist_ok=True)
    colour = colour_tags(video_path)
    container, stream = _open_writer(out_path, out_w, out_h, schedule.fps, colour)
    total = len(schedule)
    blended = int(np.count_nonzero(schedule.weight))
    report(
        _STAGE,
        0.0,
        f"{total} frames ({blended} in-between), {slow_factor:.3g}x slower, {schedule.fps:.3g} fps",
    )
    every = max(1, total // 100)
    written = 0

    def tick() -> None:
        nonlocal written
        written += 1
        if written % every == 0:
            report(_STAGE, written / total, f"frame {written}/{total}")

    time_base = Fraction(1, TICKS_PER_SECOND)
    if frames is not None and frames.size == (out_w, out_h) and frames.holds(needed):
        store = frames  # each frame is used once: taken out of the store, freed after use
        decoding = ((i, i420_planes(store.pop(i))) for i in needed)
    else:
        wanted = set(needed)
        decoding = iter_i420_frames(
            video_path,
            info,
            (out_w, out_h),
            frame_hook,
            wanted=wanted.__contains__,
            stop=max(last, hook_until + 1),
            skipped_every=SKIPPED_REPORT_EVERY,
        )
    source = prefetch(decoding, depth=3)
    encoder = _EncoderThread(container, stream, time_base)
    try:
        pool = _FramePool(out_w, out_h)
        frames_out = _Frames(schedule, overlay, encoder, pool, colour.matrix, tick)
        for i, planes in source:
            if planes is None:  # decoded on the way to the frames shown, or for a still
                report(_STAGE, written / total, f"decoding: frame {i + 1}")
                continue
            frames_out.add(i, planes)
        frames_out.finish()
        encoder.finish()
    finally:
        source.close()
        encoder.close()
        container.close()
    if written == 0:
        out_path.unlink(missing_ok=True)
        raise InputError(f"{Path(video_path).name} has no decodable video frames; re-export it.")
    report(_STAGE, 1.0, f"{written} frames written")
    return out_path
