"""Frames kept from the pose pass for the annotated video and the stills.

The pose pass decodes every frame of the video; the annotated video and the key-frame
stills need the same frames again once the analysis is known. Decoding a 720x1280 H.264
clip a second time costs about a fifth of the whole render, so while the pose pass decodes,
:meth:`FrameStore.add` keeps each frame as the video encoder wants it: YUV 4:2:0, upright,
at the annotated video's size (:func:`output_size`). The render then
reads them from memory instead of decoding again.

Memory is the price: 1.4 MB a frame at 720x1280 (about 500 MB for a 12 s clip at 30 fps),
0.8 MB at 960x540 (the size 1080p clips are drawn at). A store is only made when the whole
clip fits its budget (:data:`DEFAULT_BUDGET_MB`, from the frame count the file states), and
it refuses frames past the budget if that count was wrong; the render then decodes the
video as it would without a store, so the output never depends on whether frames were kept.
Longer clips are drawn from a fresh decoding pass; for them the video is limited to its
steadiest stretch anyway, so its cost is a smaller share of the whole.

Examples
--------
>>> store = FrameStore.for_video(probe_video("run.mp4"))           # doctest: +SKIP
>>> track = estimate_pose("run.mp4", frame_tap=store.add)            # doctest: +SKIP
>>> store.holds(range(track.n_frames))                               # doctest: +SKIP
True
"""

from __future__ import annotations

import threading

import av
import numpy as np

from runform.pose.video import VideoInfo
from runform.render.surface import i420_planes

#: Most memory (MB) kept for frames by default.
DEFAULT_BUDGET_MB = 1024


#: Clips whose long side is at most this many pixels keep their size (no rescaling cost)...
MAX_NATIVE_SIDE = 1280
#: ...larger ones are scaled to this long side (half the encoding work of 1280; plenty for
#: a phone screen).
SCALED_LONG_SIDE = 960


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


def _rotate_i420(buf: np.ndarray, width: int, height: int, clockwise: int) -> np.ndarray:
    """Turn an I420 buffer (stored ``width`` x ``height``) ``clockwise`` degrees."""
    if clockwise % 360 == 0:
        return buf
    k = -(clockwise // 90)
    y = np.rot90(buf[:height], k)
    q = height // 4
    u = np.rot90(buf[height : height + q].reshape(height // 2, width // 2), k)
    v = np.rot90(buf[height + q : height + 2 * q].reshape(height // 2, width // 2), k)
    out_w = y.shape[1]
    return np.concatenate([y, u.reshape(-1, out_w), v.reshape(-1, out_w)], axis=0)


def upright_i420(frame: av.VideoFrame, size: tuple[int, int], rotation: int) -> np.ndarray:
    """A decoded frame as an upright I420 buffer ``(3h/2, w)`` of display size ``size``.

    Converted (and scaled) by FFmpeg only when the frame is not already YUV 4:2:0 of that
    size; turned by the display matrix's ``rotation`` (clockwise degrees) the way
    :mod:`runform.pose.video` turns the pictures it gives the pose model.
    """
    w, h = _stored_size(size, rotation)
    if needs_conversion(frame, size, rotation):
        frame = frame.reformat(width=w, height=h, format="yuv420p", interpolation="AREA")
    return _rotate_i420(frame.to_ndarray(), w, h, rotation)


#: Y, U and V planes of one frame, each ``(rows, columns)``.
Planes = tuple[np.ndarray, np.ndarray, np.ndarray]


def frame_planes(frame: av.VideoFrame, writeable: bool = False) -> Planes:
    """Views of a ``yuv420p`` frame's own Y, U and V planes (no copy); read-only unless
    ``writeable`` (a frame made to be drawn into and encoded).

    The views keep the frame's buffers alive; the decoder never writes into a frame it has
    handed out, so they hold the picture for as long as they are kept.
    """
    sizes = (
        (frame.height, frame.width),
        (frame.height // 2, frame.width // 2),
        (frame.height // 2, frame.width // 2),
    )
    views = []
    for plane, (h, w) in zip(frame.planes, sizes, strict=True):
        view = np.frombuffer(memoryview(plane), dtype=np.uint8)
        view = view[: h * plane.line_size].reshape(h, plane.line_size)[:, :w]
        view.flags.writeable = writeable  # a decoded frame may be seen by others (the stills)
        views.append(view)
    return views[0], views[1], views[2]


def upright_planes(frame: av.VideoFrame, size: tuple[int, int], rotation: int) -> Planes:
    """:func:`upright_i420` as three planes: views of the decoded frame itself when it is
    already upright YUV 4:2:0 of display ``size`` (no copy), else the converted buffer's."""
    if rotation % 360 == 0 and not needs_conversion(frame, size, rotation):
        return frame_planes(frame)
    return i420_planes(upright_i420(frame, size, rotation))


def _stored_size(size: tuple[int, int], rotation: int) -> tuple[int, int]:
    return size if rotation in (0, 180) else (size[1], size[0])


def needs_conversion(frame: av.VideoFrame, size: tuple[int, int], rotation: int) -> bool:
    """Whether FFmpeg must convert or scale ``frame`` to give YUV 4:2:0 of display ``size``."""
    w, h = _stored_size(size, rotation)
    return (frame.width, frame.height, frame.format.name) != (w, h, "yuv420p")


class FrameStore:
    """Decoded frames, by index, as upright I420 buffers of one size (thread-safe).

    Parameters
    ----------
    info:
        The probed video.
    size:
        ``(width, height)`` to keep the frames at (even numbers; display orientation).
    budget_mb:
        Most memory the frames may take; frames past it are refused (see :attr:`full`).
    """

    def __init__(self, info: VideoInfo, size: tuple[int, int], budget_mb: float) -> None:
        self.size = (int(size[0]), int(size[1]))
        self.rotation = info.rotation
        self.frame_bytes = self.size[0] * self.size[1] * 3 // 2
        self.capacity = int(budget_mb * 1024 * 1024) // self.frame_bytes
        #: True once a frame was refused for lack of room.
        self.full = False
        self._frames: dict[int, np.ndarray] = {}
        self._colour: tuple[int, int] | None = None  # colorspace, range of the kept pixels
        self._lock = threading.Lock()

    @classmethod
    def for_video(cls, info: VideoInfo, budget_mb: float = DEFAULT_BUDGET_MB) -> FrameStore | None:
        """A store for the annotated video of ``info``, or ``None`` when the clip's stated
        frame count is unknown or its frames would not fit ``budget_mb``."""
        size = output_size(info.width, info.height)
        n = info.expected_frames()
        if not n or budget_mb <= 0 or n * size[0] * size[1] * 3 // 2 > budget_mb * 1024 * 1024:
            return None
        return cls(info, size, budget_mb)

    def __len__(self) -> int:
        return len(self._frames)

    def add(self, index: int, frame: av.VideoFrame) -> None:
        """Keep decoded frame ``index`` (a second copy of the same index is ignored)."""
        with self._lock:
            if index in self._frames:
                return
            if len(self._frames) >= self.capacity:
                self.full = True
                return
            self._frames[index] = _PENDING
        converted = needs_conversion(frame, self.size, self.rotation)
        buf = upright_i420(frame, self.size, self.rotation)
        with self._lock:
            self._frames[index] = buf
            if self._colour is None:
                # FFmpeg's conversion writes limited range; an unconverted frame keeps its own
                keep_range = 1 if converted else int(frame.color_range or 1)
                self._colour = (int(frame.colorspace or 2), keep_range)

    def holds(self, indices) -> bool:
        """Whether every frame in ``indices`` is kept."""
        frames = self._frames
        return all(isinstance(frames.get(i), np.ndarray) for i in indices)

    def _kept(self, index: int) -> np.ndarray:
        buf = self._frames[index]
        if not isinstance(buf, np.ndarray):
            raise KeyError(index)
        return buf

    def i420(self, index: int) -> np.ndarray:
        """A copy of frame ``index`` to draw on (``KeyError`` if it is not kept)."""
        return self._kept(index).copy()

    def pop(self, index: int) -> np.ndarray:
        """Frame ``index``, handed over (no copy) and forgotten (``KeyError`` if not kept)."""
        with self._lock:
            buf = self._frames.pop(index)
        if not isinstance(buf, np.ndarray):
            raise KeyError(index)
        return buf

    def video_frame(self, index: int) -> av.VideoFrame:
        """Frame ``index`` as a PyAV frame carrying the source's colour space and range, so
        converting it to RGB gives the colours decoding the file would have given."""
        frame = av.VideoFrame.from_ndarray(self._kept(index), format="yuv420p")  # copies
        if self._colour is not None:
            frame.colorspace, frame.color_range = self._colour
        return frame

    def release(self) -> None:
        """Forget every frame (free the memory)."""
        with self._lock:
            self._frames.clear()


_PENDING = object()
