"""The side-by-side video and key-frame stills of `runform compare`.

Two short clips are made here the way ``tests/test_render.py`` makes its clip: a synthetic
runner drawn as dark limbs on grey, encoded with PyAV, analysed by the real engine and
rendered by :mod:`runform.render` into an analysis folder (``analysis.json``,
``annotated.mp4``, ``stills/``). The side-by-side video must decode as H.264/yuv420p and
keep the panels in sync: the border flash the annotated video draws at each foot event of
the aligned leg falls on the same output frame in both panels (within one frame).
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import av
import cv2
import numpy as np
import pytest

from runform.colours import SIDE_BGR
from runform.compare import write_compare
from runform.compare.timing import annotated_timing
from runform.compare.video import write_side_by_side
from runform.errors import InputError
from runform.keypoints import SKELETON
from runform.pipeline import AnalysisOptions, analyze_track
from runform.pipeline.document import analysis_document
from runform.render.annotate import (
    TICKS_PER_SECOND,
    default_slow_factor,
    output_schedule,
    steady_window,
    write_annotated_video,
)
from runform.render.stills import write_video_and_key_frames
from runform.synthetic import RunnerSpec, synthetic_runner

BACKGROUND = (110, 110, 110)
LIMB = (25, 25, 25)
FPS = 120.0
DURATION = 4.0


def encode(path: Path, frames, fps: float) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "18"}
        for k, image in enumerate(frames):
            if k == 0:
                stream.height, stream.width = image.shape[:2]
            frame = av.VideoFrame.from_ndarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), "rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def runner_frames(track) -> list[np.ndarray]:
    w, h = track.meta.width, track.meta.height
    frames = []
    for i in range(track.n_frames):
        img = np.full((h, w, 3), BACKGROUND, np.uint8)
        for a, b in SKELETON:
            if track.has(a) and track.has(b):
                pa, pb = track.point(a)[i], track.point(b)[i]
                if np.all(np.isfinite(pa)) and np.all(np.isfinite(pb)):
                    cv2.line(img, tuple(map(int, pa)), tuple(map(int, pb)), LIMB, 7, cv2.LINE_AA)
        frames.append(img)
    return frames


def make_folder(root: Path, name: str, spec: RunnerSpec, seed: int, stills: bool = True) -> Path:
    """An analysis folder like `runform analyze` writes: analysis.json, annotated.mp4, stills."""
    folder = root / name
    folder.mkdir()
    run = synthetic_runner(spec, fps=FPS, duration_s=DURATION, px_per_m=150, seed=seed)
    clip = encode(folder / "clip.mp4", runner_frames(run.track), FPS)
    analysis = analyze_track(run.track, AnalysisOptions(treadmill_speed_mps=spec.speed_mps))
    if stills:
        write_video_and_key_frames(
            clip, run.track, analysis, folder / "annotated.mp4", folder / "stills"
        )
    else:
        write_annotated_video(clip, run.track, analysis, folder / "annotated.mp4")
    (folder / "analysis.json").write_text(json.dumps(analysis_document(analysis)))
    return folder


def decode(path: Path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(stream)]
        info = (stream.codec_context.name, stream.codec_context.pix_fmt)
    return frames, info


def flash_frames(frames, origin: tuple[int, int], size: tuple[int, int], side: str) -> list[int]:
    """Output frames where a panel's border flashes in ``side``'s colour (a foot event)."""
    x0, y0 = origin
    h = size[1]
    colour = np.asarray(SIDE_BGR[side], float)
    expected = 0.85 * colour + 0.15 * np.asarray(BACKGROUND, float)
    out = []
    for k, img in enumerate(frames):
        strip = img[y0 + h // 3 : y0 + 2 * h // 3, x0 + 1 : x0 + 3].reshape(-1, 3).astype(float)
        if np.linalg.norm(strip.mean(axis=0) - expected) < 35:
            out.append(k)
    return out


def onsets(frames: list[int]) -> list[int]:
    return [k for k in frames if k - 1 not in frames]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("sessions")
    base = RunnerSpec(facing="right")
    return {
        "before": make_folder(root, "before", base, seed=3),
        "again": make_folder(root, "again", base, seed=4, stills=False),
        "faster": make_folder(root, "faster", RunnerSpec(facing="right", cadence_spm=184), seed=5),
    }


def docs(*folders: Path) -> list[dict]:
    return [json.loads((f / "analysis.json").read_text()) for f in folders]


def test_annotated_timing_is_recovered(folders) -> None:
    (doc,) = docs(folders["before"])
    timing = annotated_timing(doc, folders["before"] / "annotated.mp4")
    assert timing.slow_factor == 4.0 and timing.window == "whole clip"
    assert timing.frame_times[0] == pytest.approx(0.0, abs=1e-4)  # events' times are rounded
    assert np.median(np.diff(timing.frame_times)) == pytest.approx(1 / FPS, rel=1e-3)


def test_side_by_side_is_h264_and_in_sync(folders, tmp_path) -> None:
    before, again = docs(folders["before"], folders["again"])
    made = write_side_by_side(
        before,
        again,
        folders["before"] / "annotated.mp4",
        folders["again"] / "annotated.mp4",
        tmp_path / "compare.mp4",
    )
    frames, (codec, pix_fmt) = decode(made.path)
    assert (codec, pix_fmt) == ("h264", "yuv420p")
    assert len(frames) == made.frames_per_loop * made.repeats
    assert frames[0].shape[:2] == (made.size[1], made.size[0])
    assert made.size[0] % 2 == 0 and made.size[1] % 2 == 0
    assert made.layout == "stacked"  # landscape clips go one above the other
    assert made.leg == "right"  # the near leg of a runner facing right
    assert made.strides == 3 and made.slow_factor == 4.0
    # the real times shown stay in step: the same offset from each aligned contact
    tb = made.panel_times["before"] - made.contacts["before"]
    ta = made.panel_times["after"] - made.contacts["after"]
    assert np.max(np.abs(tb - ta)) <= 1.0 / FPS + 1e-9
    # ... and what is drawn agrees: each panel's flash of the aligned leg on the same frames
    xb, yb, wb, hb = made.panels["before"]
    xa, ya, wa, ha = made.panels["after"]
    assert ya >= yb + hb  # stacked
    panel_b = flash_frames(frames, (xb, yb), (wb, hb), made.leg)
    panel_a = flash_frames(frames, (xa, ya), (wa, ha), made.leg)
    # (a flash within a frame of the loop's ends may fall just outside it in one panel)
    inner = range(2, made.frames_per_loop - 2)
    ob = [k for k in onsets(panel_b) if k % made.frames_per_loop in inner]
    oa = [k for k in onsets(panel_a) if k % made.frames_per_loop in inner]
    assert len(ob) >= 4, ob  # contacts and toe-offs of 3 strides, in each loop
    assert len(ob) == len(oa)
    assert all(abs(x - y) <= 1 for x, y in zip(ob, oa, strict=True)), (ob, oa)
    # the aligned contact flashes at the contact frame of every loop, in both panels
    for loop in range(made.repeats):
        k = made.contact_frame + loop * made.frames_per_loop
        assert any(abs(k - x) <= 1 for x in ob) and any(abs(k - x) <= 1 for x in oa)


def test_a_faster_cadence_starts_aligned_and_then_runs_ahead(folders, tmp_path) -> None:
    before, faster = docs(folders["before"], folders["faster"])
    made = write_side_by_side(
        before,
        faster,
        folders["before"] / "annotated.mp4",
        folders["faster"] / "annotated.mp4",
        tmp_path / "compare.mp4",
        strides=2,
    )
    tb = made.panel_times["before"] - made.contacts["before"]
    ta = made.panel_times["after"] - made.contacts["after"]
    assert np.max(np.abs(tb - ta)) <= 1.0 / FPS + 1e-9  # same real time from the contact...
    after_contacts = [
        s["contact_s"] - made.contacts["after"] for s in faster["steps"] if s["side"] == made.leg
    ]
    before_contacts = [
        s["contact_s"] - made.contacts["before"] for s in before["steps"] if s["side"] == made.leg
    ]
    nxt_a = min(t for t in after_contacts if t > 0.1)
    nxt_b = min(t for t in before_contacts if t > 0.1)
    assert nxt_a < nxt_b - 0.03  # ...so the faster cadence's next contact comes sooner


def test_write_compare_with_video_and_stills(folders, tmp_path) -> None:
    out = write_compare(folders["before"], folders["faster"], tmp_path, strides=2)
    doc = out.document
    assert doc["outputs"]["video"] == "compare.mp4"
    assert doc["outputs"]["video_alignment"]["leg"] == "right"
    assert (tmp_path / "compare.mp4").stat().st_size > 10_000
    names = sorted(doc["outputs"]["stills"])
    assert names == [
        "compare-contact-left.png",
        "compare-contact-right.png",
        "compare-peak-extension-left.png",
        "compare-peak-extension-right.png",
    ]
    img = cv2.imread(str(tmp_path / names[-1]))
    assert img.shape[1] == 2 * 540 + 6 and img.shape[0] > 700
    html = (tmp_path / "compare.html").read_text()
    assert '<video src="compare.mp4"' in html
    assert html.count("data:image/png;base64,") == 4


def test_missing_annotated_video_is_said_and_skipped(folders, tmp_path) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "analysis.json").write_text((folders["again"] / "analysis.json").read_text())
    out = write_compare(folders["before"], bare, tmp_path / "out")
    assert out.document["outputs"]["video"] is None
    assert not (tmp_path / "out" / "compare.mp4").exists()
    assert any("no annotated.mp4" in n and "AFTER" in n for n in out.notes)
    assert "no annotated.mp4" in (tmp_path / "out" / "compare.html").read_text()


def test_a_video_that_matches_no_rendering_is_not_aligned(folders, tmp_path) -> None:
    # an annotated video rendered at another slow-motion factor: its times cannot be trusted
    odd = tmp_path / "odd"
    odd.mkdir()
    run = synthetic_runner(
        RunnerSpec(facing="right"), fps=FPS, duration_s=4.0, px_per_m=150, seed=4
    )
    analysis = analyze_track(run.track, AnalysisOptions(treadmill_speed_mps=3.2))
    write_annotated_video(
        folders["again"] / "clip.mp4", run.track, analysis, odd / "annotated.mp4", slow_factor=2.0
    )
    (odd / "analysis.json").write_text(json.dumps(analysis_document(analysis)))
    with pytest.raises(InputError, match="cannot be aligned"):
        annotated_timing(docs(odd)[0], odd / "annotated.mp4")
    out = write_compare(folders["before"], odd, tmp_path / "out")
    assert out.document["outputs"]["video"] is None
    assert any("cannot be aligned" in n for n in out.notes)


@pytest.mark.parametrize("smooth", [False, True], ids=["filmed frames", "in-between frames"])
def test_the_20_second_window_of_a_long_clip_is_recovered(tmp_path, smooth: bool) -> None:
    """`runform analyze` shows the steadiest 20 s of a longer clip: the comparison finds which
    20 s from the analysis alone (a stand-in video with the renderer's timestamps, tiny
    frames), whether the video shows the filmed frames only (7.5 fps) or in-between frames
    too (24 fps, ``--smooth-video``)."""
    run = synthetic_runner(RunnerSpec(), fps=30.0, duration_s=26.0, noise_px=1.0, seed=2)
    analysis = analyze_track(run.track, AnalysisOptions(treadmill_speed_mps=3.2))
    doc = analysis_document(analysis)
    # no accepted step in the first 5 s (say the runner was settling): the window starts later
    doc["steps"] = [s for s in doc["steps"] if s["contact_s"] > 5.0]
    kept = SimpleNamespace(
        gait=SimpleNamespace(steps=[s for s in analysis.gait.steps if s.contact_s > 5.0])
    )
    first, last = steady_window(run.track, kept, 20.0)
    assert first > 0
    schedule = output_schedule(
        run.track.time[first:last], default_slow_factor(30.0), 30.0, smooth=smooth
    )
    assert schedule.fps == (24.0 if smooth else 7.5)
    path = tmp_path / "annotated.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(24))
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, TICKS_PER_SECOND)
        for tick in schedule.ticks:
            frame = av.VideoFrame.from_ndarray(np.zeros((24, 16), np.uint8), format="yuv420p")
            frame.pts, frame.time_base = int(tick), Fraction(1, TICKS_PER_SECOND)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    timing = annotated_timing(doc, path)
    assert timing.window == "steadiest 20 s"
    # the clip's clock comes from the events' times and frames, which analysis.json keeps to
    # 1e-5 s and 1e-3 frames: exact to within those roundings (a frame is 33 ms)
    assert timing.start_s == pytest.approx(float(run.track.time[first]), abs=0.5e-5 + 0.5e-3 / 30)
    assert timing.end_s == pytest.approx(float(run.track.time[last - 1]), abs=1.0 / 30)
