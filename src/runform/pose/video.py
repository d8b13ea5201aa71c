"""Read a video with PyAV: upright RGB frames, real per-frame time, streamed.

- **Time** comes from each frame's presentation timestamp (PTS × stream time base), so
  variable-frame-rate phone clips keep their true spacing. Slow motion is handled by
  :func:`runform.pose.time_base.resolve_time_base`: the capture rate comes from
  ``--capture-fps`` or from a tag the phone wrote (Android: ``com.android.capture.fps``,
  which FFmpeg exposes in the container metadata), and playback time is scaled to real time.
- **Rotation**: phones store portrait clips as landscape pictures plus a display matrix;
  frames are rotated the way FFmpeg's player would (``frame.rotation`` is the matrix's
  counter-clockwise angle, so ``-90`` means "turn 90° clockwise to show").
- **Streaming**: :meth:`VideoReader.frames` decodes one frame at a time, optionally in a
  background thread (:func:`prefetch`) with a small bounded queue, so memory does not grow
  with the length of the clip.

Examples
--------
>>> reader = VideoReader("run.mp4")                      # doctest: +SKIP
>>> for frame in reader.frames():                        # doctest: +SKIP
...     frame.index, frame.time, frame.image.shape
(0, 0.0, (1280, 720, 3))
"""

from __future__ import annotations

import math
import os
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from runform.errors import InputError

#: How to film, for the end of every "film it again" message.
FILMING_HOW = (
    "from the side with the camera at hip height, 3–5 m away, the whole body in frame, "
    "in landscape and good light (slow motion if the phone has it)"
)
#: The advice every "film it again" message ends with.
FILMING_TIP = f"film {FILMING_HOW}"

#: Containers runform is tested with (any FFmpeg-readable one works).
VIDEO_KINDS = "an mp4, mov, m4v, avi, mkv or webm video"

#: Frames larger than this (long side, pixels) are scaled down while decoding; pose is then
#: mapped back to the original pixels. 1920 keeps 1080p and smaller untouched.
DEFAULT_MAX_SIDE = 1920

#: Capture and playback rates closer than this (relative) are treated as equal (real time).
SAME_RATE_TOLERANCE = 0.05

#: Metadata keys stating the capture rate (matched case-insensitively on format and stream
#: metadata). Android writes ``com.android.capture.fps`` (an ``mdta`` key, float32); some
#: apps and exports write Apple-style ``com.apple.quicktime.capture-fps`` or similar.
CAPTURE_FPS_KEY = re.compile(r"capture[._ -]?(fps|frame[._ -]?rate)", re.IGNORECASE)

_T = TypeVar("_T")


# ---------------------------------------------------------------------------- probing
@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video, checked by decoding its first frame.

    Attributes
    ----------
    path: the file.
    container: FFmpeg's name of the container format (e.g. ``"mov,mp4,m4a,3gp,3g2,mj2"``).
    codec: the video codec (e.g. ``"h264"``).
    coded_width, coded_height: picture size as stored.
    width, height: picture size as displayed (after rotation).
    rotation: degrees the stored picture is turned clockwise for display (0, 90, 180, 270).
    stored_fps: nominal playback frame rate of the stream (``None`` when not stated).
    capture_fps_tag: capture rate stated by a metadata tag, if any.
    capture_fps_key: the key of that tag.
    duration_s: stated duration in seconds, if any.
    n_frames_stated: stated number of frames, if any.
    stream_time_base: the stream's time base, e.g. ``"1/15360"`` (PTS unit in seconds).
    has_audio: whether the file also holds an audio stream.
    bit_rate: the video stream's bits per second of playback, when stated.
    """

    path: str
    container: str
    codec: str
    coded_width: int
    coded_height: int
    width: int
    height: int
    rotation: int
    stored_fps: float | None
    capture_fps_tag: float | None
    capture_fps_key: str | None
    duration_s: float | None
    n_frames_stated: int | None
    stream_time_base: str
    has_audio: bool
    bit_rate: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def expected_frames(self) -> int | None:
        """Best guess of the number of frames (for progress), ``None`` when unknown."""
        if self.n_frames_stated:
            return self.n_frames_stated
        if self.duration_s and self.stored_fps:
            return max(1, int(round(self.duration_s * self.stored_fps)))
        return None


def clockwise_rotation(frame_rotation: float | int | None) -> int:
    """Degrees to turn a decoded picture clockwise for display (FFmpeg's autorotate rule).

    PyAV's ``VideoFrame.rotation`` is the display matrix's counter-clockwise angle; FFmpeg
    shows a frame whose matrix says ``-90`` turned 90° clockwise (a phone held upright).

    >>> clockwise_rotation(-90), clockwise_rotation(90), clockwise_rotation(180), clockwise_rotation(0)
    (90, 270, 180, 0)
    """
    theta = -float(frame_rotation or 0.0)
    return int(round(theta / 90.0)) % 4 * 90


def upright(image: np.ndarray, clockwise: int) -> np.ndarray:
    """Turn an ``(H, W, C)`` picture ``clockwise`` degrees (multiple of 90); contiguous result."""
    if clockwise % 360 == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=-(clockwise // 90)))


def _sniff(path: Path) -> str | None:
    """A container family recognised from the first bytes, for clearer error messages."""
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return None
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "MP4/MOV"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "MKV/WebM"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "AVI"
    return None


#: Files (and folders) that hold pose made elsewhere: the other command reads them.
POSE_SUFFIXES = (".csv", ".json", ".trc")


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path} does not exist; give the path of {VIDEO_KINDS}.")
    pose_hint = f"analyse it with `runform analyze-pose {path}`, or give {VIDEO_KINDS}"
    if path.is_dir():
        if any(path.glob("*_keypoints.json")):
            raise InputError(
                f"{path} is a folder of OpenPose pose files, not a video; {pose_hint}."
            )
        raise InputError(f"{path} is a folder; give the path of {VIDEO_KINDS}.")
    if path.suffix.lower() in POSE_SUFFIXES:
        raise InputError(f"{path} is a pose file, not a video; {pose_hint}.")
    if path.stat().st_size == 0:
        raise InputError(
            f"{path} is empty (0 bytes); copy the video from the phone again and check the "
            "copy finished."
        )


def _open(path: Path):
    """Open a container with PyAV, turning FFmpeg errors into one clear sentence."""
    import av

    _check_file(path)
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        family = _sniff(path)
        if family is not None:
            raise InputError(
                f"{path} looks like an {family} video but cannot be read: it is probably "
                "truncated or damaged (for example an interrupted copy); copy it from the phone "
                "again."
            ) from exc
        raise InputError(
            f"{path} is not a video runform can read (FFmpeg finds no video in it); give "
            f"{VIDEO_KINDS} straight from the phone."
        ) from exc


def _capture_fps_tag(*metadata: dict) -> tuple[float | None, str | None]:
    for meta in metadata:
        for key, value in (meta or {}).items():
            if not CAPTURE_FPS_KEY.search(key):
                continue
            try:
                fps = float(str(value).strip())
            except ValueError:
                continue
            if math.isfinite(fps) and fps > 0:
                return fps, key
    return None, None


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Open a video, check it has a decodable video stream, and describe it.

    Raises
    ------
    InputError
        Missing, empty, unreadable, truncated, audio-only, or no decodable video frame; the
        message says what is wrong and what to do.
    """
    import av

    path = Path(path)
    container = _open(path)
    try:
        if not container.streams.video:
            if container.streams.audio:
                raise InputError(
                    f"{path} holds only audio, no picture; give the video itself ({VIDEO_KINDS})."
                )
            raise InputError(f"{path} holds no video stream; give {VIDEO_KINDS}.")
        stream = container.streams.video[0]
        first = None
        try:
            for frame in container.decode(stream):
                first = frame
                break
        except av.error.FFmpegError:
            first = None
        if first is None:
            raise InputError(
                f"{path} has a video stream but no picture could be decoded: the file is "
                "probably truncated or damaged; copy it from the phone again."
            )
        rotation = clockwise_rotation(getattr(first, "rotation", 0))
        coded_w, coded_h = int(first.width), int(first.height)
        width, height = (coded_h, coded_w) if rotation in (90, 270) else (coded_w, coded_h)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        stored_fps = float(rate) if rate else None
        tag, key = _capture_fps_tag(dict(container.metadata), dict(stream.metadata))
        if stream.duration and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        elif container.duration:
            duration = container.duration / 1_000_000
        else:
            duration = None
        return VideoInfo(
            path=str(path),
            container=container.format.name,
            codec=stream.codec_context.name,
            coded_width=coded_w,
            coded_height=coded_h,
            width=width,
            height=height,
            rotation=rotation,
            stored_fps=stored_fps,
            capture_fps_tag=tag,
            capture_fps_key=key,
            duration_s=duration,
            n_frames_stated=int(stream.frames) or None,
            stream_time_base=str(stream.time_base),
            has_audio=bool(container.streams.audio),
            bit_rate=int(stream.bit_rate) if stream.bit_rate else None,
        )
    finally:
        container.close()


# ---------------------------------------------------------------------------- reading
#: ``tap(index, frame)``: sees a decoded ``av.VideoFrame`` (see :meth:`VideoReader.frames`).
FrameTap = Callable[[int, Any], None]


@dataclass
class Frame:
    """One decoded picture.

    ``index`` counts decoded frames from 0 (one per frame the file holds, in order);
    ``time`` is playback time in seconds since the first frame, from the PTS (``NaN`` when
    the frame has no timestamp); ``image`` is upright RGB ``uint8`` at processing size.
    """

    index: int
    time: float
    image: np.ndarray


def processing_size(info: VideoInfo, max_side: int | None) -> tuple[int, int, float]:
    """``(width, height, scale)`` of the pictures handed to the pose model.

    ``scale`` converts processing pixels to original display pixels (``>= 1``).

    >>> info = VideoInfo("a", "mp4", "h264", 3840, 2160, 3840, 2160, 0, 30.0, None, None,
    ...                  1.0, 30, "1/30", False)
    >>> processing_size(info, 1920)
    (1920, 1080, 2.0)
    """
    long_side = max(info.width, info.height)
    if not max_side or long_side <= max_side:
        return info.width, info.height, 1.0
    factor = max_side / long_side
    width = max(2, int(round(info.width * factor / 2)) * 2)
    height = max(2, int(round(info.height * factor / 2)) * 2)
    return width, height, info.width / width


def too_many_frames(limit: int) -> str:
    """What a video longer than ``limit`` frames is told (one sentence, no server path)."""
    return (
        f"The video has more than {limit} frames, more than runform analyses; trim it to "
        "the running part (10-20 s of steady running is enough) and upload it again."
    )


class VideoReader:
    """Stream the frames of one video, upright, at processing size.

    Parameters
    ----------
    path:
        The video file.
    max_side:
        Long side (pixels) above which frames are scaled down while converting to RGB (in the
        same FFmpeg call, so it costs nothing extra); ``None`` keeps the full size.
    info:
        A :class:`VideoInfo` already probed (probed here otherwise).
    max_frames:
        Decoding more frames than this stops with an :class:`InputError` (``None``: no
        limit). A server sets it: a file's header may state no length, or a false one, and
        the upload's check of the header (``runform.service.uploads``) cannot see that.

    Attributes set while reading: ``truncated`` (decoding stopped at a damaged tail),
    ``frames_read``, ``missing_pts`` (frames without a timestamp).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        max_side: int | None = DEFAULT_MAX_SIDE,
        info: VideoInfo | None = None,
        max_frames: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.info = info or probe_video(self.path)
        self.max_side = max_side
        self.max_frames = max_frames
        self.width, self.height, self.scale = processing_size(self.info, max_side)
        self.truncated = False
        self.frames_read = 0
        self.missing_pts = 0

    def reopen(self) -> VideoReader:
        """Another reader of the same video and settings (to read two places at once)."""
        return VideoReader(
            self.path, max_side=self.max_side, info=self.info, max_frames=self.max_frames
        )

    def frames(
        self, start: int = 0, stop: int | None = None, tap: FrameTap | None = None
    ) -> Iterator[Frame]:
        """Decode the video in order, one :class:`Frame` at a time.

        Frames before index ``start`` are decoded (so indices and times stay those of the
        whole file) but not converted or yielded; decoding ends before index ``stop``.
        ``tap(index, frame)`` sees each yielded frame as decoded (a ``av.VideoFrame``),
        before it is converted for the model (the render keeps frames this way).
        """
        import av

        container = _open(self.path)
        try:
            stream = container.streams.video[0]
            time_base = stream.time_base
            first_pts = None
            self.truncated = False
            self.frames_read = 0
            self.missing_pts = 0
            decoded = container.decode(stream)
            while True:
                try:
                    frame = next(decoded)
                except StopIteration:
                    break
                except av.error.FFmpegError:
                    if self.frames_read == 0:
                        raise InputError(
                            f"{self.path} cannot be decoded; copy it from the phone again."
                        ) from None
                    self.truncated = True
                    break
                if stop is not None and self.frames_read >= stop:
                    break
                if self.max_frames is not None and self.frames_read >= self.max_frames:
                    raise InputError(too_many_frames(self.max_frames))
                if frame.pts is None or time_base is None:
                    self.missing_pts += 1
                    t = math.nan
                else:
                    if first_pts is None:
                        first_pts = frame.pts
                    t = float((frame.pts - first_pts) * time_base)
                if self.frames_read < start:
                    self.frames_read += 1
                    continue
                if tap is not None:
                    tap(self.frames_read, frame)
                yield Frame(self.frames_read, t, self.picture(frame))
                self.frames_read += 1
        finally:
            container.close()

    def picture(self, frame) -> np.ndarray:
        """A decoded frame (``av.VideoFrame``) as the model sees it: upright RGB at
        processing size (the same pixels every time it is asked)."""
        rotation = self.info.rotation
        # Reformat in the stored orientation, then turn upright.
        w, h = (self.height, self.width) if rotation in (90, 270) else (self.width, self.height)
        if (w, h) != (self.info.coded_width, self.info.coded_height):
            image = frame.to_ndarray(format="rgb24", width=w, height=h, interpolation="AREA")
        else:
            image = frame.to_ndarray(format="rgb24")
        return upright(image, rotation)


def prefetch(items: Iterable[_T], depth: int = 4) -> Iterator[_T]:
    """Iterate ``items`` in a background thread, keeping at most ``depth`` ready.

    Decoding then overlaps with the consumer's work (PyAV and MediaPipe release the GIL).
    Exceptions raised by the producer are re-raised in the consumer; closing the returned
    generator early stops the producer.

    >>> list(prefetch(range(5)))
    [0, 1, 2, 3, 4]
    """
    q: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()
    done = object()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
        except BaseException as exc:  # forwarded to the consumer
            put(("error", exc))
            return
        finally:
            close = getattr(items, "close", None)
            if stop.is_set() and close is not None:
                try:
                    close()
                except Exception:  # pragma: no cover - best effort cleanup
                    pass
        put(("done", done))

    thread = threading.Thread(target=produce, name="runform-decode", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join(timeout=5.0)
