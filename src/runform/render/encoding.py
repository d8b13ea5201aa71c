"""Reading and writing the annotated video's frames: decoding in the source's own YUV,
the H.264 writer, and the encoder thread with its pool of frames.

Frames stay YUV 4:2:0 end to end (the encoder's own format), so the video needs no RGB
round trip; the source's colour description is passed on to the output unchanged.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from runform.pose.video import VideoInfo
from runform.render.frame_store import Planes, frame_planes, upright_planes
from runform.render.surface import YUV420Canvas

#: Output timestamps are in ticks of 1/600 s (divisible by 24, 25, 30, 60 fps).
TICKS_PER_SECOND = 600

#: libx264 settings: ``ultrafast`` keeps encoding near 2 ms per 720x1280 frame. A constant
#: quantiser (``qp`` 22) rather than ``crf`` 23: the same picture quality (PSNR 47.8 vs
#: 47.6 dB re-encoding this video's own frames) and about the same size, for a fifth less
#: encoding time, as x264 then skips the half-size copy and cost estimate it makes of every
#: frame for ``crf``. One encoder thread: encoding already runs in a thread of its own
#: beside the drawing (and the stills), which keeps both cores busy; x264's own threads (frame
#: or sliced) only added overhead (measured), and one thread makes the output the same on
#: every machine. No B-frames: with the overlay they cost more time than they save.
X264_OPTIONS = {"preset": "ultrafast", "qp": "22", "threads": "1"}


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


def open_writer(out_path: Path, width: int, height: int, playback_fps: float, colour: ColourTags):
    """An MP4 container and its H.264 stream (:data:`X264_OPTIONS`, a key frame every ~2 s,
    timestamps in :data:`TICKS_PER_SECOND`), tagged with the source's colours."""
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


class OutFrame:
    """A frame to encode (a PyAV frame) and numpy views of its three planes, to blend and
    draw into directly: the encoder then takes it without a copy."""

    __slots__ = ("frame", "planes")

    def __init__(self, width: int, height: int) -> None:
        self.frame = av.VideoFrame(width, height, "yuv420p")
        self.planes = frame_planes(self.frame, writeable=True)

    def canvas(self, matrix: str) -> YUV420Canvas:
        return YUV420Canvas(*self.planes, matrix=matrix)


class FramePool:
    """Frames to encode, handed back by the encoder once it has taken their pixels (libx264
    copies a picture into its own buffers while encoding it), so that a long video
    allocates a handful of frames, not one per frame."""

    def __init__(self, width: int, height: int) -> None:
        self.size = (width, height)
        self._free: queue.SimpleQueue = queue.SimpleQueue()

    def take(self) -> OutFrame:
        try:
            return self._free.get_nowait()
        except queue.Empty:
            return OutFrame(*self.size)

    def give(self, out: OutFrame) -> None:
        self._free.put(out)


class EncoderThread:
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

    def put(self, out: OutFrame, pts: int, pool: FramePool) -> None:
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
