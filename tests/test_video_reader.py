"""Reading video: true timestamps, rotation, slow-motion time base, containers, bad files.

No pose model here: these tests check :mod:`runform.pose.video` against what the test
wrote into each file (timestamps, display matrix, metadata tags) and against FFmpeg's
documented conventions.
"""

from __future__ import annotations

import threading
import time
import tracemalloc
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from runform.errors import InputError, OptionError
from runform.pose.time_base import check_capture_fps, fill_missing_times, resolve_time_base
from runform.pose.video import VideoReader, clockwise_rotation, prefetch, probe_video
from test_video_helpers import EXAMPLE, example_frames, pattern, write_audio_only, write_clip


def read_all(path: Path, **kwargs) -> tuple[VideoReader, list]:
    reader = VideoReader(path, **kwargs)
    return reader, list(reader.frames())


# ---------------------------------------------------------------------------- time
def test_variable_frame_rate_keeps_true_timestamps(tmp_path: Path) -> None:
    # irregular spacing, as phones write when the light changes: times in milliseconds
    stamps_ms = [0, 33, 70, 100, 141, 166, 210, 233, 270, 300, 345, 366]
    path = write_clip(
        tmp_path / "vfr.mp4",
        (pattern(64, 48, i) for i in range(len(stamps_ms))),
        30,
        pts=stamps_ms,
        time_base=Fraction(1, 1000),
    )
    reader, frames = read_all(path)
    assert [f.index for f in frames] == list(range(len(stamps_ms)))
    np.testing.assert_allclose([f.time for f in frames], np.array(stamps_ms) / 1000, atol=1e-9)
    assert reader.missing_pts == 0 and not reader.truncated


def test_real_clip_time_and_description() -> None:
    info = probe_video(EXAMPLE)
    assert (info.width, info.height, info.rotation) == (720, 1280, 0)
    assert info.codec == "h264" and "mp4" in info.container
    assert info.stored_fps == 30 and info.n_frames_stated == 360
    assert info.capture_fps_tag is None and not info.has_audio
    times = np.array([f.time for f in VideoReader(EXAMPLE).frames()])
    assert times.size == 360
    np.testing.assert_allclose(times, np.arange(360) / 30, atol=1e-4)
    tb = resolve_time_base(times, info)
    assert tb.factor == 1.0 and tb.source == "timestamps"
    assert (
        tb.description
        == "container timestamps as real time (30 fps; the file states no capture rate)"
    )


def test_decoding_past_the_frame_limit_stops_with_one_sentence() -> None:
    """A server's cap on frames holds while decoding, whatever the header states (it may
    state no length, or a false one), and through a reopened reader (the parts of the
    pose pass)."""
    reader = VideoReader(EXAMPLE, max_frames=100)
    with pytest.raises(InputError, match=r"more than 100 frames.*trim it to the running part"):
        for _ in reader.frames():
            pass
    assert reader.frames_read == 100
    again = reader.reopen()
    with pytest.raises(InputError, match="more than 100 frames"):
        list(again.frames(start=50))
    # no limit, or one the clip stays under: every frame
    assert sum(1 for _ in VideoReader(EXAMPLE, max_frames=360).frames()) == 360


def test_fill_missing_times() -> None:
    fixed, n = fill_missing_times(np.array([0.0, 0.1, np.nan, 0.3, 0.3, 0.5]), 10.0)
    np.testing.assert_allclose(fixed, [0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
    assert n == 2
    leading, n = fill_missing_times(np.array([np.nan, np.nan, 0.2, 0.3]), 10.0)
    np.testing.assert_allclose(leading, [0.0, 0.1, 0.2, 0.3], atol=1e-12)
    assert n == 2
    none, n = fill_missing_times(np.full(3, np.nan), 20.0)
    np.testing.assert_allclose(none, [0.0, 0.05, 0.1], atol=1e-12)
    assert n == 3


# ---------------------------------------------------------------------------- slow motion
def _tagged(tmp_path: Path, name: str, fps: float, tag: str | None, n: int = 24) -> Path:
    metadata = {"com.android.capture.fps": tag} if tag is not None else None
    return write_clip(
        tmp_path / name, (pattern(64, 48, i) for i in range(n)), fps, metadata=metadata
    )


def test_android_capture_fps_tag_gives_real_time(tmp_path: Path) -> None:
    # Android slow motion: 240 fps capture stored to play at 30 fps, tag in the mdta keys
    path = _tagged(tmp_path, "slomo.mp4", 30, "240.000000")
    info = probe_video(path)
    assert info.capture_fps_tag == 240.0 and info.capture_fps_key == "com.android.capture.fps"
    times = np.array([f.time for f in VideoReader(path).frames()])
    tb = resolve_time_base(times, info)
    assert tb.factor == pytest.approx(1 / 8)
    assert tb.capture_fps == 240.0 and tb.stored_fps == pytest.approx(30.0)
    np.testing.assert_allclose(times * tb.factor, np.arange(24) / 240, atol=1e-6)
    assert "slow motion" in tb.description and "com.android.capture.fps" in tb.description


def test_capture_fps_option_overrides_and_fills_in(tmp_path: Path) -> None:
    untagged = _tagged(tmp_path, "plain.mp4", 30, None)
    times = np.array([f.time for f in VideoReader(untagged).frames()])
    info = probe_video(untagged)
    assert resolve_time_base(times, info).factor == 1.0
    tb = resolve_time_base(times, info, capture_fps=120)
    assert tb.factor == pytest.approx(0.25) and tb.source == "--capture-fps"
    tagged = _tagged(tmp_path, "tagged.mp4", 30, "240.000000")
    info = probe_video(tagged)
    assert resolve_time_base(times, info, capture_fps=60).factor == pytest.approx(0.5)


def test_high_frame_rate_stored_at_capture_rate_is_real_time(tmp_path: Path) -> None:
    # 240 fps stored at 240 fps (tag says 240): already real time
    path = _tagged(tmp_path, "hfr.mp4", 240, "240.000000", n=48)
    info = probe_video(path)
    times = np.array([f.time for f in VideoReader(path).frames()])
    tb = resolve_time_base(times, info)
    assert tb.factor == 1.0 and tb.capture_fps == pytest.approx(240.0)
    np.testing.assert_allclose(times, np.arange(48) / 240, atol=1e-4)
    # a normal Android clip tags 30 while playing at 29.97: no re-timing
    ntsc = _tagged(tmp_path, "ntsc.mp4", Fraction(30000, 1001), "30.000000")
    times = np.array([f.time for f in VideoReader(ntsc).frames()])
    assert resolve_time_base(times, probe_video(ntsc)).factor == 1.0


@pytest.mark.parametrize("bad", [0, -240, float("nan"), "fast", 50_000])
def test_capture_fps_must_be_plausible(bad: object) -> None:
    with pytest.raises(OptionError, match="--capture-fps"):
        check_capture_fps(bad)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- rotation
def test_rotation_follows_ffmpeg_display_matrix(tmp_path: Path) -> None:
    # FFmpeg shows a frame whose display matrix says -90 turned 90° clockwise (a phone held
    # upright): the white square stored at the top-left must come out at the top-right.
    path = write_clip(
        tmp_path / "rot.mp4", (pattern(64, 32, i) for i in range(3)), 30, rotation=-90
    )
    info = probe_video(path)
    assert (info.coded_width, info.coded_height) == (64, 32)
    assert (info.width, info.height, info.rotation) == (32, 64, 90)
    image = next(VideoReader(path).frames()).image
    assert image.shape == (64, 32, 3)
    assert image[:8, -8:].mean() > 200  # top-right: white
    assert image[:8, :8].mean() < 100  # top-left: dark
    assert [clockwise_rotation(r) for r in (-90, 90, 180, -180, 0, None)] == [
        90,
        270,
        180,
        180,
        0,
        0,
    ]


def test_portrait_phone_clip_stored_sideways_reads_upright(tmp_path: Path) -> None:
    # Store the real portrait clip the way a phone does: the picture turned to landscape
    # plus a display matrix. Reading it must give back the original upright frames.
    originals = list(example_frames(count=6, size=(360, 640)))
    sideways = (np.ascontiguousarray(np.rot90(f, k=1)) for f in originals)  # 90° anticlockwise
    path = write_clip(tmp_path / "phone.mp4", sideways, 30, rotation=-90)
    info = probe_video(path)
    assert (info.coded_width, info.coded_height, info.width, info.height) == (640, 360, 360, 640)
    decoded = [f.image for f in VideoReader(path).frames()]
    assert len(decoded) == 6
    for original, image in zip(originals, decoded, strict=True):
        assert image.shape == original.shape
        assert np.abs(image.astype(int) - original.astype(int)).mean() < 6  # codec noise only


# ---------------------------------------------------------------------------- size, containers
def test_large_frames_are_scaled_for_the_model(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "big.mp4", (pattern(1280, 720, i) for i in range(2)), 30)
    reader = VideoReader(path, max_side=640)
    image = next(reader.frames()).image
    assert image.shape == (360, 640, 3) and reader.scale == pytest.approx(2.0)
    assert VideoReader(path, max_side=None).scale == 1.0


@pytest.mark.parametrize(
    ("suffix", "codec", "pix_fmt"),
    [
        (".mov", "libx264", "yuv420p"),
        (".m4v", "libx264", "yuv420p"),
        (".mkv", "libx264", "yuv420p"),
        (".webm", "libvpx-vp9", "yuv420p"),
        (".avi", "mpeg4", "yuv420p"),
    ],
)
def test_common_containers(tmp_path: Path, suffix: str, codec: str, pix_fmt: str) -> None:
    path = write_clip(
        tmp_path / f"clip{suffix}",
        (pattern(64, 48, i) for i in range(15)),
        25,
        codec=codec,
        pix_fmt=pix_fmt,
    )
    reader, frames = read_all(path)
    assert len(frames) == 15
    assert frames[0].image.shape == (48, 64, 3)
    times, _ = fill_missing_times(np.array([f.time for f in frames]), 25)
    np.testing.assert_allclose(times - times[0], np.arange(15) / 25, atol=2e-3)
    assert resolve_time_base(times, reader.info).stored_fps == pytest.approx(25, rel=0.01)


# ---------------------------------------------------------------------------- bad files
def test_missing_empty_and_not_a_video(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        probe_video(tmp_path / "nope.mp4")
    with pytest.raises(InputError, match="is a folder"):
        probe_video(tmp_path)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty \(0 bytes\)"):
        probe_video(empty)
    text = tmp_path / "notes.mp4"
    text.write_text("this is a shopping list, not a video\n" * 50)
    with pytest.raises(InputError, match="is not a video runform can read"):
        probe_video(text)


def test_truncated_file_without_index(tmp_path: Path) -> None:
    data = EXAMPLE.read_bytes()  # its index (moov) sits at the end, as phones write it
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated or damaged"):
        probe_video(cut)


def test_truncated_file_with_index_first_keeps_its_good_frames(tmp_path: Path) -> None:
    full = write_clip(
        tmp_path / "fast.mp4", example_frames(count=60, size=(180, 320)), 30, faststart=True
    )
    data = full.read_bytes()
    cut = tmp_path / "fast_cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    info = probe_video(cut)
    assert info.n_frames_stated == 60  # the index still promises all frames
    _, frames = read_all(cut)
    assert 10 < len(frames) < 60
    np.testing.assert_allclose([f.time for f in frames], np.arange(len(frames)) / 30, atol=1e-3)


def test_audio_only(tmp_path: Path) -> None:
    path = write_audio_only(tmp_path / "voice.m4a")
    with pytest.raises(InputError, match="only audio"):
        probe_video(path)


# ---------------------------------------------------------------------------- streaming
def test_prefetch_order_errors_and_early_stop() -> None:
    assert list(prefetch(iter(range(100)), depth=3)) == list(range(100))

    def failing():
        yield 1
        raise InputError("broken at frame 2")

    with pytest.raises(InputError, match="broken at frame 2"):
        list(prefetch(failing()))

    produced = []

    def endless():
        i = 0
        while True:
            produced.append(i)
            yield i
            i += 1

    it = prefetch(endless(), depth=2)
    assert [next(it) for _ in range(5)] == [0, 1, 2, 3, 4]
    it.close()
    time.sleep(0.3)
    count = len(produced)
    time.sleep(0.3)
    assert len(produced) == count <= 10  # the producer stopped, the queue stayed small
    assert not any(t.name == "runform-decode" for t in threading.enumerate())


def test_memory_stays_flat_with_video_length(tmp_path: Path) -> None:
    frame = pattern(320, 240, 0)
    short = write_clip(tmp_path / "short.mp4", (frame for _ in range(40)), 30)
    long = write_clip(tmp_path / "long.mp4", (frame for _ in range(400)), 30)

    def peak(path: Path) -> int:
        tracemalloc.start()
        try:
            n = sum(1 for _ in prefetch(VideoReader(path).frames(), depth=4))
            return tracemalloc.get_traced_memory()[1], n
        finally:
            tracemalloc.stop()

    peak_short, n_short = peak(short)
    peak_long, n_long = peak(long)
    assert (n_short, n_long) == (40, 400)
    assert peak_long < 1.5 * peak_short + 1_000_000  # 10x the frames, not 10x the memory
    assert peak_long < 20 * frame.nbytes
