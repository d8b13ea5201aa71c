"""Receive an uploaded video: stream the multipart body to storage chunk by chunk.

The body is never held in memory (the parser hands over pieces of each network chunk, which
are written straight to the storage's writer), the size cap is enforced while it streams
(and at once from ``Content-Length``), and only one file part is taken. What the file *is*
is then checked with the pipeline's own probe (:func:`runform.pose.video.probe_video`), so a
non-video is refused with the same sentence the command line gives, before any job exists.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePath

import anyio

from runform.errors import InputError, RunformError
from runform.service.storage import Storage, StorageUnavailable, storage_failure_sentence

MAX_FIELD_BYTES = 10_000
MAX_FIELDS = 30
FILE_FIELD = "file"
#: The optional second clip: the same run filmed from the runner's other side.
OTHER_FIELD = "other_side"


class UploadError(InputError):
    """An upload refused before analysis; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


#: An upload the storage could not take: full (507) or not reachable (503).
UPLOAD_STORAGE_FULL = (
    "The server's storage is full, so the video could not be received; nothing was kept. "
    "Try again later (the club's administrator needs to free some space)."
)
UPLOAD_STORAGE_UNAVAILABLE = (
    "The storage that keeps videos could not be reached, so the video could not be "
    "received; nothing was kept. Try again in a few minutes."
)


def too_large(max_bytes: int) -> UploadError:
    mb = max_bytes / (1024 * 1024)
    return UploadError(
        f"The video is larger than the {mb:.4g} MB limit; trim it to the running part "
        "(10–20 s of steady running is enough) and upload it again.",
        status=413,
    )


def safe_name(filename: str | None) -> str:
    """The file's base name for showing to the user (no folders, printable, ≤ 120 chars)."""
    name = PurePath((filename or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:120] or "video"


def video_key(prefix: str, filename: str | None) -> str:
    """Storage key of the uploaded video: ``prefix/video.<ext>``, the extension kept only
    when it is a video's (the user's name is never used in paths).

    >>> video_key("a", "../../x.MOV"), video_key("a", "clip.mp4.php"), video_key("a", None)
    ('a/video.mov', 'a/video', 'a/video')
    """
    from runform.pose.readers import VIDEO_SUFFIXES

    ext = PurePath(safe_name(filename)).suffix.lower()
    return f"{prefix}/video{ext if ext in VIDEO_SUFFIXES else ''}"


@dataclass
class ReceivedUpload:
    fields: dict[str, str] = field(default_factory=dict)
    filename: str | None = None
    key: str | None = None
    size: int = 0
    other_filename: str | None = None
    other_key: str | None = None
    other_size: int = 0


async def receive_upload(
    headers,
    stream: AsyncIterator[bytes],
    storage: Storage,
    prefix: str,
    max_bytes: int,
) -> ReceivedUpload:
    """Parse a ``multipart/form-data`` body, writing the ``file`` part to storage under
    ``prefix``. On any error the partial file is deleted and :class:`UploadError` raised."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    ctype, params = parse_options_header(headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise UploadError(
            "Send the video as a multipart/form-data upload with a 'file' field.", 415
        )
    # the whole body, whatever its parts, as it streams as when its length is declared (a
    # field sent again and again, or parts without a name, are never stored, but were
    # read without end)
    most, received = max_bytes + 64 * 1024, 0
    length = headers.get("content-length")
    if length and length.isdigit() and int(length) > most:
        raise too_large(max_bytes)
    charset = params.get(b"charset", b"utf-8")
    try:
        charset = codecs.lookup(charset.decode("latin-1")).name
    except LookupError:
        charset = "utf-8"

    result = ReceivedUpload()
    state = {"name": None, "is_file": False, "data": bytearray(), "writer": None,
             "sizes": {}, "seen": set()}  # fmt: skip
    writers: list = []
    header = {"field": b"", "value": b"", "disposition": b""}
    pending: list[tuple[object, bytes]] = []

    def on_part_begin() -> None:
        state.update(name=None, is_file=False, data=bytearray(), writer=None)
        header["disposition"] = b""

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        if header["field"].lower() == b"content-disposition":
            header["disposition"] = header["value"]
        header["field"], header["value"] = b"", b""

    def on_headers_finished() -> None:
        _, options = parse_options_header(header["disposition"])
        name = options.get(b"name", b"").decode(charset, "replace")
        state["name"] = name
        if b"filename" in options:
            state["is_file"] = True
            if name not in (FILE_FIELD, OTHER_FIELD):
                raise UploadError(f"Unexpected file field {name!r}; send the video as 'file'.")
            if name in state["seen"]:
                raise UploadError("Send one video at a time.")
            state["seen"].add(name)
            filename = options[b"filename"].decode(charset, "replace")
            if name == OTHER_FIELD and not filename:
                return  # the form's optional second clip left empty
            shown = safe_name(filename)
            if name == FILE_FIELD:
                result.filename, result.key = shown, video_key(prefix, filename)
                key = result.key
            else:
                result.other_filename = shown
                result.other_key = video_key(prefix, filename).replace("/video", "/other-side", 1)
                key = result.other_key
            state["writer"] = storage.writer(key)
            writers.append((state["writer"], key))
        elif len(result.fields) >= MAX_FIELDS:
            raise UploadError("Too many form fields.")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state["is_file"]:
            if state["writer"] is None:
                return
            sizes = state["sizes"]
            sizes[state["name"]] = sizes.get(state["name"], 0) + end - start
            if sizes[state["name"]] > max_bytes:
                raise too_large(max_bytes)
            pending.append((state["writer"], data[start:end]))
        else:
            state["data"] += data[start:end]
            if len(state["data"]) > MAX_FIELD_BYTES:
                raise UploadError(f"The form field {state['name']!r} is too long.")

    def on_part_end() -> None:
        if not state["is_file"] and state["name"]:
            result.fields[state["name"]] = state["data"].decode(charset, "replace")

    def flush() -> list:
        batches: list[tuple[object, bytes]] = []
        for writer, data in pending:
            if batches and batches[-1][0] is writer:
                batches[-1] = (writer, batches[-1][1] + data)
            else:
                batches.append((writer, data))
        pending.clear()
        return batches

    callbacks = {
        "on_part_begin": on_part_begin,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
    }
    parser = MultipartParser(params[b"boundary"], callbacks)
    try:
        async for chunk in stream:
            received += len(chunk)
            if received > most:
                raise too_large(max_bytes)
            parser.write(chunk)
            for writer, data in flush():
                await anyio.to_thread.run_sync(writer.write, data)
        parser.finalize()
        for writer, _key in writers:  # to their keys (S3: sent to the store)
            await anyio.to_thread.run_sync(writer.close)
    except BaseException as exc:
        _discard(writers)
        if isinstance(exc, StorageUnavailable):
            raise UploadError(UPLOAD_STORAGE_UNAVAILABLE, 503) from exc
        if isinstance(exc, RunformError):
            raise
        if isinstance(exc, Exception) and type(exc).__module__.startswith("python_multipart"):
            raise UploadError("The upload is not valid multipart form data.") from exc
        if storage_failure_sentence(exc):  # a full or read-only disk
            raise UploadError(UPLOAD_STORAGE_FULL, 507) from exc
        raise
    result.size = state["sizes"].get(FILE_FIELD, 0)
    result.other_size = state["sizes"].get(OTHER_FIELD, 0)
    return result


@asynccontextmanager
async def refused_upload_leaves_nothing(service, analysis_id):
    """Whatever stops an upload before it is an analysis (too large, cut off, not
    multipart, two files, a bad option, a forged form, the client gone) removes every file
    and folder made for it (:meth:`runform.service.core.Service.drop_refused_upload`): the
    streamed parts were deleted, but their ``analyses/<id>/input/`` folders stayed."""
    try:
        yield
    except BaseException:
        await anyio.to_thread.run_sync(service.drop_refused_upload, analysis_id)
        raise


def _discard(writers: list) -> None:
    """A broken upload leaves nothing behind."""
    for writer, _key in writers:
        writer.abort()


#: The largest picture an upload may have: 8K UHD, what the largest phones film. A few
#: hundred kB of H.264 can declare 8192×8192 frames (a decompression bomb), each 100 MB
#: to decode, before the pipeline scales it down.
MAX_VIDEO_PIXELS = 7680 * 4320
#: The most frames an upload may have: more than two minutes at 240 fps, a quarter of an
#: hour at 30 fps (10–20 s of running is what is analysed). A few kB can declare an hour
#: of small frames, each a pose estimate for the worker.
MAX_VIDEO_FRAMES = 30_000


def check_video_size(path: Path, display_name: str) -> None:
    """Refuse a video whose header declares more pixels per frame than
    :data:`MAX_VIDEO_PIXELS` or more frames than :data:`MAX_VIDEO_FRAMES`, from the
    container's header alone, before any frame is decoded (:class:`UploadError`, 422). A
    file that does not open is left to :func:`check_video`'s probe, which says why; a
    length the header does not state is not judged."""
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError):
        return
    with container:
        if not container.streams.video:
            return
        stream = container.streams.video[0]
        width, height = int(stream.codec_context.width), int(stream.codec_context.height)
        if width * height > MAX_VIDEO_PIXELS:
            raise UploadError(
                f"{display_name} is {width}×{height} pixels, more than runform takes (8K, "
                "7680×4320); film at 4K or less (1080p is plenty) and upload it again.",
                422,
            )
        frames = int(stream.frames or 0)
        rate = stream.average_rate or stream.guessed_rate
        if not frames and rate:
            if stream.duration and stream.time_base:
                frames = int(stream.duration * stream.time_base * rate)
            elif container.duration:
                frames = int(container.duration / 1_000_000 * rate)
        if frames > MAX_VIDEO_FRAMES:
            raise UploadError(
                f"{display_name} has {frames} frames, more than the {MAX_VIDEO_FRAMES} runform "
                "analyses; trim it to the running part (10–20 s of steady running is enough) "
                "and upload it again.",
                422,
            )


def check_video(path: Path, display_name: str) -> None:
    """Refuse a file that is not a readable video, with the command line's sentence (the
    server's path replaced by the name the user gave it), and a video too big to analyse
    (:func:`check_video_size`, before anything is decoded)."""
    from runform.pose.video import probe_video

    check_video_size(path, display_name)
    try:
        probe_video(path)
    except RunformError as exc:
        raise UploadError(user_sentence(str(exc), {str(path): display_name}), 422) from None


#: Command-line option names as a web form calls them.
_FORM_WORDS = {
    "--capture-fps": "capture frame rate",
    "--height-cm": "height (cm)",
    "--treadmill-speed": "treadmill speed",
    "--filmed-side": "side filmed",
}


def user_sentence(message: str, paths: dict[str, str] | None = None) -> str:
    """The pipeline's sentence with server paths replaced by the user's file name."""
    for path, name in sorted((paths or {}).items(), key=lambda item: -len(item[0])):
        message = message.replace(path, name)
    return message


def form_sentence(message: str) -> str:
    """The sentence with command-line option names put as a form calls them."""
    for flag, words in _FORM_WORDS.items():
        message = message.replace(flag, words)
    return message
