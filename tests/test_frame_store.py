"""Frames kept from the pose pass: what is kept, within what budget, and that the annotated
video and stills drawn from them are the very pictures a fresh decoding pass gives."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from runform.pose.video import probe_video
from runform.render.annotate import default_slow_factor, output_schedule, output_size
from runform.render.encoding import decoded_frames
from runform.render.frame_store import (
    FrameStore,
    frame_planes,
    i420_planes,
    upright_i420,
    upright_planes,
)
from runform.render.stills import write_video_and_key_frames
from runform.synthetic import RunnerSpec, synthetic_runner
from test_render import clip, encode, expected_frames, run, runner_frames, truth_analysis

__all__ = ["clip", "run"]  # the synthetic runner and its clip, fixtures of test_render


def _filled(clip: Path, budget_mb: float = 64) -> FrameStore:
    store = FrameStore.for_video(probe_video(clip), budget_mb)
    assert store is not None
    for index, frame in enumerate(decoded_frames(clip)):
        store.add(index, frame)
    return store


def _decode_i420(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray() for frame in container.decode(video=0)]


def test_store_is_made_only_when_the_whole_clip_fits(clip: Path) -> None:
    info = probe_video(clip)
    w, h = output_size(info.width, info.height)
    needed_mb = info.expected_frames() * w * h * 1.5 / 2**20
    assert FrameStore.for_video(info, needed_mb * 1.01) is not None
    assert FrameStore.for_video(info, needed_mb * 0.99) is None
    assert FrameStore.for_video(info, 0) is None


def test_store_keeps_each_frame_once_as_the_encoder_wants_it(clip: Path) -> None:
    store = _filled(clip)
    info = probe_video(clip)
    frames = list(decoded_frames(clip))
    assert len(store) == len(frames) and store.holds(range(len(frames)))
    assert not store.holds([len(frames)])
    size = output_size(info.width, info.height)
    np.testing.assert_array_equal(store.i420(7), upright_i420(frames[7], size, info.rotation))
    copy = store.i420(7)
    copy[:] = 0  # drawing on a copy leaves the kept frame alone
    assert store.i420(7).any()
    store.add(7, frames[0])  # a second copy of a frame is ignored
    np.testing.assert_array_equal(store.i420(7), upright_i420(frames[7], size, info.rotation))
    store.release()
    assert len(store) == 0 and not store.holds([0])


def test_store_refuses_frames_past_its_budget(clip: Path) -> None:
    info = probe_video(clip)
    w, h = output_size(info.width, info.height)
    store = FrameStore(info, (w, h), budget_mb=10 * w * h * 1.5 / 2**20)
    for index, frame in enumerate(decoded_frames(clip)):
        store.add(index, frame)
    assert len(store) == 10 and store.full
    assert store.holds(range(10)) and not store.holds(range(11))


def _assert_kept_frames_change_nothing(
    clip: Path, run, tmp_path: Path, smooth: bool = False
) -> FrameStore:
    """Render video and stills by decoding, then from a filled store: the same pictures,
    bit for bit (video frames and PNG files). Returns the store after its use."""
    analysis = truth_analysis(run)
    fresh = write_video_and_key_frames(
        clip,
        run.track,
        analysis,
        tmp_path / "a" / "annotated.mp4",
        tmp_path / "a" / "stills",
        smooth=smooth,
    )
    store = _filled(clip)
    kept = write_video_and_key_frames(
        clip,
        run.track,
        analysis,
        tmp_path / "b" / "annotated.mp4",
        tmp_path / "b" / "stills",
        frames=store,
        smooth=smooth,
    )
    a, b = _decode_i420(fresh[0]), _decode_i420(kept[0])
    fps = run.track.frame_rate
    n_out = len(output_schedule(run.track.time, default_slow_factor(fps), fps, smooth))
    assert len(a) == len(b) == n_out
    assert (n_out > run.track.n_frames) if smooth else (n_out == run.track.n_frames)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert [p.name for p in fresh[1]] == [p.name for p in kept[1]] and fresh[1]
    for p, q in zip(fresh[1], kept[1], strict=True):
        assert p.read_bytes() == q.read_bytes()
    return store


@pytest.mark.parametrize("smooth", [False, True], ids=["filmed frames", "in-between frames"])
def test_video_and_stills_from_kept_frames_equal_a_fresh_decoding(
    run, clip: Path, tmp_path: Path, smooth: bool
) -> None:
    store = _assert_kept_frames_change_nothing(clip, run, tmp_path, smooth)
    assert len(store) == 0  # every frame was used, taken out of the store


def test_render_decodes_when_a_frame_is_missing(run, clip: Path, tmp_path: Path) -> None:
    analysis = truth_analysis(run)
    info = probe_video(clip)
    w, h = output_size(info.width, info.height)
    partial = FrameStore(info, (w, h), budget_mb=5 * w * h * 1.5 / 2**20)
    for index, frame in enumerate(decoded_frames(clip)):
        partial.add(index, frame)
    video, stills = write_video_and_key_frames(
        clip, run.track, analysis, tmp_path / "annotated.mp4", tmp_path / "stills", frames=partial
    )
    assert len(_decode_i420(video)) == expected_frames(run.track) and stills


def test_large_clip_stills_are_decoded_beside_the_kept_frames(tmp_path: Path) -> None:
    # 1920x1080: the video is drawn at 960x540 (what the store keeps) but the stills are made
    # from full-size frames, so they are decoded in a thread beside the render
    big = synthetic_runner(RunnerSpec(facing="right"), fps=30, duration_s=2.5, seed=2)
    path = encode(tmp_path / "big.mp4", runner_frames(big.track), 30)
    info = probe_video(path)
    assert (info.width, info.height) == (1920, 1080)
    assert output_size(info.width, info.height) == (960, 540)
    store = _assert_kept_frames_change_nothing(path, big, tmp_path)
    assert len(store) == 0  # the video came from the store, the stills from decoding


def test_the_stills_are_announced_once_written(run, clip: Path, tmp_path: Path) -> None:
    # from kept frames the stills are written first; whoever shows them (the report) is told
    # as soon as they are all on disk, with their paths, once
    calls: list[list[Path]] = []

    def on_stills(paths: list[Path]) -> None:
        assert all(p.is_file() and p.stat().st_size > 0 for p in paths)
        calls.append(paths)

    _, stills = write_video_and_key_frames(
        clip,
        run.track,
        truth_analysis(run),
        tmp_path / "annotated.mp4",
        tmp_path / "stills",
        frames=_filled(clip),
        on_stills=on_stills,
    )
    assert calls == [stills] and len(stills) == 10
    # by decoding, and with no stride at all (no stills: told at once, with none)
    calls.clear()
    _, stills = write_video_and_key_frames(
        clip,
        run.track,
        truth_analysis(run),
        tmp_path / "b.mp4",
        tmp_path / "b",
        on_stills=on_stills,
    )
    assert calls == [stills] and len(stills) == 10
    calls.clear()
    empty = truth_analysis(run, events=[])
    write_video_and_key_frames(
        clip, run.track, empty, tmp_path / "c.mp4", tmp_path / "c", on_stills=on_stills
    )
    assert calls == [[]]


def test_planes_of_a_decoded_frame_are_its_own_pixels_without_a_copy(clip: Path) -> None:
    # A frame already upright YUV 4:2:0 of the output size is drawn from as views of the
    # decoder's planes (no copy); any other frame through the converted buffer. Either way
    # the planes hold exactly the pixels of upright_i420.
    info = probe_video(clip)
    size = output_size(info.width, info.height)
    frames = list(decoded_frames(clip))
    frame = frames[5]
    assert frame.format.name == "yuv420p" and (frame.width, frame.height) == size
    planes = frame_planes(frame)
    expected = i420_planes(upright_i420(frame, size, info.rotation))
    for got, want in zip(planes, expected, strict=True):
        np.testing.assert_array_equal(got, want)
    assert not planes[0].flags.writeable  # the decoder's own memory: read, never drawn on
    assert np.shares_memory(upright_planes(frame, size, 0)[0], planes[0])
    turned = upright_planes(frame, (size[1], size[0]), 90)  # a phone's portrait clip
    want = i420_planes(upright_i420(frame, (size[1], size[0]), 90))
    for got, w in zip(turned, want, strict=True):
        np.testing.assert_array_equal(got, w)
    del frames, frame
    assert planes[0].sum() > 0  # the views keep the frame's buffers alive
