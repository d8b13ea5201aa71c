"""Helpers that build test videos with PyAV, and checks of those helpers.

Test clips are made at test time, in temporary folders, from the committed example clip
``examples/male_side.mp4`` (a real treadmill run, MIT licence, attribution in
``examples/README.md``): downscaled, re-timed, darkened, cropped or placed side by side.
Builders are memoised per test session (:class:`ClipFactory`), and all MediaPipe runs of a
session share one pose cache folder (:func:`session_pose_cache`), so each clip is estimated
at most once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = REPO_ROOT / "examples" / "male_side.mp4"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
#: The example runner's box in the full 720x1280 frame (measured by eye on frame 100).
EXAMPLE_RUNNER_HEIGHT_PX = 640


def example_frames(
    *, start: int = 0, count: int | None = None, size: tuple[int, int] | None = None
) -> Iterator[np.ndarray]:
    """RGB frames of the example clip, optionally resized to ``size=(width, height)``."""
    with av.open(str(EXAMPLE)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i < start:
                continue
            if count is not None and i >= start + count:
                return
            if size is None:
                yield frame.to_ndarray(format="rgb24")
            else:
                yield frame.to_ndarray(
                    format="rgb24", width=size[0], height=size[1], interpolation="AREA"
                )


def write_clip(
    path: Path,
    frames: Iterable[np.ndarray],
    fps: float | Fraction = 30,
    *,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    pts: Iterable[int] | None = None,
    time_base: Fraction | None = None,
    rotation: float | None = None,
    metadata: dict[str, str] | None = None,
    faststart: bool = False,
) -> Path:
    """Encode RGB frames into a video file.

    ``pts``/``time_base`` give explicit presentation timestamps (variable frame rate);
    ``rotation`` writes a display matrix (PyAV's counter-clockwise convention, ``-90`` is a
    phone held upright); ``metadata`` goes into the container (mp4/mov ``mdta`` keys).
    """
    options = {}
    movflags = []
    if metadata and path.suffix in (".mp4", ".mov", ".m4v"):
        movflags.append("use_metadata_tags")
    if faststart:
        movflags.append("faststart")
    if movflags:
        options["movflags"] = "+".join(movflags)
    rate = Fraction(fps).limit_denominator(1001) if not isinstance(fps, Fraction) else fps
    stamps = iter(pts) if pts is not None else None
    with av.open(str(path), "w", options=options) as container:
        for key, value in (metadata or {}).items():
            container.metadata[key] = value
        stream = container.add_stream(codec, rate=rate)
        stream.pix_fmt = pix_fmt
        if codec == "libx264":
            # one encoder thread: the same clip, bit for bit, however busy the machine is
            stream.options = {"threads": "1"}
        if time_base is not None:
            stream.codec_context.time_base = time_base
            stream.time_base = time_base
        if rotation is not None:
            stream.set_display_rotation(rotation)
        opened = False
        for image in frames:
            if not opened:
                stream.height, stream.width = image.shape[:2]
                opened = True
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            if stamps is not None:
                frame.pts = next(stamps)
                frame.time_base = time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_audio_only(path: Path, seconds: float = 1.0) -> Path:
    """An AAC audio-only file (a 440 Hz tone)."""
    rate = 44100
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=rate)
        stream.layout = "mono"
        n = int(rate * seconds)
        tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(n) / rate)).astype(np.float32)
        for start in range(0, n, 1024):
            chunk = tone[start : start + 1024][None, :]
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def pattern(width: int, height: int, index: int) -> np.ndarray:
    """A picture with a white square at the top-left and a frame number encoded as grey."""
    image = np.full((height, width, 3), 40, dtype=np.uint8)
    image[: height // 4, : width // 4] = 255
    image[-4:, :] = (index * 7) % 256
    return image


# ---------------------------------------------------------------------------- clips
class ClipFactory:
    """Build each named test clip once per session, in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._built: dict[str, Path] = {}

    def get(self, name: str) -> Path:
        if name not in self._built:
            builder: Callable[[Path], Path] = getattr(self, f"_build_{name}")
            self._built[name] = builder(self.folder / f"{name}.mp4")
        return self._built[name]

    # 360x640 copies of the example (runner ~320 px tall)
    def _build_half(self, path: Path) -> Path:
        return write_clip(path, example_frames(count=180, size=(360, 640)))

    def _build_short(self, path: Path) -> Path:
        # 0.8 s: two or three steps in all, well under two per foot whatever the pose model
        # makes of the ends (40 frames sat on the limit and the test flickered)
        return write_clip(path, example_frames(count=24, size=(360, 640)))

    def _build_slowed(self, path: Path) -> Path:
        """Real 30 fps motion stored to play at 7.5 fps: like slow motion exported at 30 fps."""
        return write_clip(path, example_frames(count=150, size=(360, 640)), Fraction(15, 2))

    def _build_dark(self, path: Path) -> Path:
        frames = (
            (f.astype(np.float32) * 0.08).astype(np.uint8)
            for f in example_frames(count=90, size=(360, 640))
        )
        return write_clip(path, frames)

    def _build_empty(self, path: Path) -> Path:
        """The garage above the runner's head: a real scene with nobody in it."""
        frames = (f[:560] for f in example_frames(count=90))
        frames = (
            np.ascontiguousarray(
                av.VideoFrame.from_ndarray(f, format="rgb24").to_ndarray(
                    format="rgb24", width=360, height=280
                )
            )
            for f in frames
        )
        return write_clip(path, frames)

    def _build_mostly_out(self, path: Path) -> Path:
        """The runner for 40 frames, then 110 frames of the empty garage."""
        empty = next(example_frames(count=1))[:560]
        empty = av.VideoFrame.from_ndarray(empty, format="rgb24").to_ndarray(
            format="rgb24", width=360, height=640
        )

        def frames() -> Iterator[np.ndarray]:
            yield from example_frames(count=40, size=(360, 640))
            for _ in range(110):
                yield empty

        return write_clip(path, frames())

    def _build_two_runners(self, path: Path) -> Path:
        """Two identical runners side by side."""
        frames = (np.concatenate([f, f], axis=1) for f in example_frames(count=60, size=(360, 640)))
        return write_clip(path, frames)

    def _build_runner_and_statue(self, path: Path) -> Path:
        """A runner (left) next to a frozen copy of the first frame (right)."""
        statue = next(example_frames(count=1, size=(360, 640)))
        frames = (
            np.concatenate([f, statue], axis=1) for f in example_frames(count=150, size=(360, 640))
        )
        return write_clip(path, frames)

    def _build_small_runner(self, path: Path) -> Path:
        """Landscape 960x540 with the runner ~160 px tall in the lower right."""
        return write_clip(path, _inset(150, canvas=(960, 540), inset=(180, 320), at=(600, 210)))

    def _build_tiny_runner(self, path: Path) -> Path:
        """Landscape 640x360 with the runner ~90 px tall."""
        return write_clip(path, _inset(90, canvas=(640, 360), inset=(100, 178), at=(400, 170)))


def _inset(
    count: int, *, canvas: tuple[int, int], inset: tuple[int, int], at: tuple[int, int]
) -> Iterator[np.ndarray]:
    """Frames of the example shrunk to ``inset`` and pasted at ``at`` on a garage background."""
    background = next(example_frames(count=1))[:560]
    background = av.VideoFrame.from_ndarray(background, format="rgb24").to_ndarray(
        format="rgb24", width=canvas[0], height=canvas[1]
    )
    x, y = at
    for small in example_frames(count=count, size=inset):
        image = background.copy()
        image[y : y + inset[1], x : x + inset[0]] = small
        yield image


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> ClipFactory:
    return _factory(tmp_path_factory)


_FACTORY: ClipFactory | None = None


def _factory(tmp_path_factory: pytest.TempPathFactory) -> ClipFactory:
    global _FACTORY
    if _FACTORY is None:
        _FACTORY = ClipFactory(tmp_path_factory.mktemp("clips"))
    return _FACTORY


def session_pose_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pose cache folder for the whole test session (shared by all video test modules)."""
    folder = tmp_path_factory.getbasetemp() / "pose-cache"
    folder.mkdir(exist_ok=True)
    return folder


# ---------------------------------------------------------------------------- checks
def test_example_clip_is_committed_with_attribution() -> None:
    assert EXAMPLE.is_file() and EXAMPLE.stat().st_size > 1_000_000
    readme = (EXAMPLE.parent / "README.md").read_text()
    assert "zzzhushi/running-gait-analysis" in readme and "MIT" in readme
    shared = SHARED_DATA / "male_side" / "male_side.mp4"
    if shared.is_file():
        assert shared.read_bytes() == EXAMPLE.read_bytes()


def test_write_clip_round_trip(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "p.mp4", (pattern(64, 48, i) for i in range(12)), 24)
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == 12
    assert (frames[0].width, frames[0].height) == (64, 48)
    np.testing.assert_allclose([f.time for f in frames], np.arange(12) / 24, atol=1e-3)
