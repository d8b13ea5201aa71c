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

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from runform.errors import InputError, OptionError
from runform.pose.video import VideoInfo, prefetch, probe_video
from runform.progress import ProgressLike, ensure_progress
from runform.render.encoding import (
    TICKS_PER_SECOND,
    EncoderThread,
    FrameHook,
    FramePool,
    colour_tags,
    iter_i420_frames,
    open_writer,
)
from runform.render.frame_store import (
    FrameStore,
    Planes,
    i420_planes,
    output_size,
)
from runform.render.overlay import Overlay
from runform.render.surface import Style
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
#: While frames before the annotated stretch are decoded and passed over, progress is
#: reported every this many frames (about 0.1–0.2 s of decoding a 1080p frame each).
SKIPPED_REPORT_EVERY = 60

_STAGE = "annotated video"


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


class _Frames:
    """Turns source frames, arriving in order, into the frames of a :class:`Schedule`: each
    source frame copied, or blended with the next one (weighted by time), straight into a
    frame to encode, annotated there and queued for the encoder in schedule order. The
    source buffers are only read."""

    def __init__(
        self,
        schedule: Schedule,
        overlay: Overlay,
        encoder: EncoderThread,
        pool: FramePool,
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
    container, stream = open_writer(out_path, out_w, out_h, schedule.fps, colour)
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
    encoder = EncoderThread(container, stream, time_base)
    try:
        pool = FramePool(out_w, out_h)
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
