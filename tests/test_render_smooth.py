"""Asked for (``smooth``), the annotated video plays smoothly; its labels stay inside the
frame.

With ``smooth``, a clip that would play below 24 frames a second once slowed down (30 fps at
4x: 7.5) gets in-between frames at 24 fps: cross-fades of the two source frames around each one,
weighted by time, with the overlay drawn at the pose interpolated in time. Checked on a
synthetic runner whose background brightness changes from frame to frame, so that the
blend of every output frame can be read off the picture.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from runform.keypoints import SIDES
from runform.render import draw, lettering
from runform.render.annotate import (
    SMOOTH_PLAYBACK_FPS,
    output_schedule,
    write_annotated_video,
)
from runform.render.overlay import Overlay
from runform.render.surface import Style, YUV420Canvas
from runform.synthetic import RunnerSpec, synthetic_runner
from test_render import BACKGROUND, encode, point_at, runner_frames, truth_analysis

#: A patch of plain background, right of the runner and away from every label.
PATCH = (slice(150, 200), slice(560, 620))  # rows, columns of the 640x360 frame


# ----------------------------------------------------------------------------- schedule
def test_by_default_every_filmed_frame_is_shown_once() -> None:
    t = np.arange(31) / 30.0  # one second at 30 fps
    s = output_schedule(t, 4.0)
    assert s.fps == 7.5 and s.source.tolist() == list(range(31)) and not s.weight.any()
    assert np.all(np.diff(s.ticks) == 80)  # 4/30 s in ticks of 1/600 s


def test_a_slowed_30fps_clip_gets_in_between_frames_at_24fps() -> None:
    t = np.arange(31) / 30.0  # one second at 30 fps
    s = output_schedule(t, 4.0, smooth=True)
    assert s.fps == SMOOTH_PLAYBACK_FPS == 24
    assert len(s) == 4 * 24 + 1  # 4 s on screen, both ends included
    assert np.all(np.diff(s.ticks) == 25)  # 1/24 s in ticks of 1/600 s
    # each output frame sits at its real time between the two source frames around it
    real = t[0] + s.ticks / 600.0 / 4.0
    assert np.allclose(t[s.source] + s.weight / 30.0, real, atol=1e-9)
    assert np.all((s.weight >= 0) & (s.weight < 1))
    # a source frame is shown as it is where an output frame falls on it (every 5th)
    exact = s.source[s.weight == 0]
    assert exact.tolist() == list(range(0, 31, 5))
    assert s.needed == list(range(31))  # every source frame is used


def test_high_speed_and_variable_rate_clips() -> None:
    # 120 fps at 4x is 30 fps on screen already: one output frame per source frame
    s = output_schedule(np.arange(40) / 120.0, 4.0, smooth=True)
    assert s.fps == pytest.approx(30) and len(s) == 40 and not s.weight.any()
    # 60 fps at 4x would be 15 fps: in-between frames at 24
    s = output_schedule(np.arange(61) / 60.0, 4.0, smooth=True)
    assert s.fps == 24 and len(s) == 97 and s.weight.any()
    # a variable frame rate: the weights follow the timestamps, not the frame numbers
    t = np.array([0.0, 0.03, 0.07, 0.10, 0.16, 0.20])
    s = output_schedule(t, 4.0, capture_fps=30.0, smooth=True)
    real = s.ticks / 600.0 / 4.0
    nxt = np.minimum(s.source + 1, len(t) - 1)
    between = t[s.source] + s.weight * (t[nxt] - t[s.source])
    assert np.allclose(between, real, atol=1e-9)


# ------------------------------------------------------------------------ end to end
def _decode_luma(path: Path) -> tuple[list[np.ndarray], list[float], float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f for f in container.decode(stream)]
        rate = float(stream.average_rate)
    height = frames[0].height
    return [f.to_ndarray()[:height] for f in frames], [float(f.time) for f in frames], rate


@pytest.fixture(scope="module")
def ramp(tmp_path_factory):
    """A 16-frame clip (30 fps) whose background gets 12 levels brighter every frame,
    rendered with its true events: (run, source luma, output luma, times, rate)."""
    run = synthetic_runner(
        RunnerSpec(facing="right"), fps=30, duration_s=16 / 30, px_per_m=150, seed=3
    )
    run.track.xy[:] = run.track.xy * 0.9 + np.array([10.0, 20.0])  # all of it in the frame
    frames = runner_frames(run.track)
    for i, img in enumerate(frames):
        img[np.all(img == BACKGROUND, axis=-1)] = 30 + 12 * i
    folder = tmp_path_factory.mktemp("ramp")
    clip = encode(folder / "ramp.mp4", frames, 30)
    out = write_annotated_video(
        clip, run.track, truth_analysis(run), folder / "annotated.mp4", smooth=True
    )
    source, _, _ = _decode_luma(clip)
    video, times, rate = _decode_luma(out)
    return run, source, video, times, rate


def test_in_between_frames_are_cross_fades_of_their_neighbours(ramp) -> None:
    run, source, video, times, rate = ramp
    assert rate >= 24 and np.allclose(np.diff(times), 1 / 24, atol=1e-3)
    schedule = output_schedule(run.track.time, 4.0, smooth=True)
    assert len(video) == len(schedule) > 3 * len(source)
    level = [float(np.median(f[PATCH])) for f in source]  # background of each source frame
    seen = [float(np.median(f[PATCH])) for f in video]
    new = 0
    for k, (i, w) in enumerate(zip(schedule.source, schedule.weight, strict=True)):
        j = min(i + 1, len(source) - 1)
        expected = (1 - w) * level[i] + w * level[j]
        assert seen[k] == pytest.approx(expected, abs=1.5), (k, i, w)
        if 0.2 <= w <= 0.8:  # genuinely new: neither neighbour's picture
            assert abs(seen[k] - level[i]) > 1.5 and abs(seen[k] - level[j]) > 1.5
            assert not np.array_equal(video[k], video[k - 1])
            assert not np.array_equal(video[k], video[k + 1])
            new += 1
    assert new >= 1.5 * len(source)


def test_in_between_frames_show_the_interpolated_pose(ramp) -> None:
    run, _, _, _, _ = ramp
    style = Style.for_frame(run.track.meta.width, run.track.meta.height)
    size = (run.track.meta.width, run.track.meta.height)
    overlay = Overlay(run.track, truth_analysis(run), (1.0, 1.0), style, 4.0, size)
    i = 7
    pose = overlay.pose(i, 0.25)
    assert pose.t == pytest.approx(run.track.time[i] + 0.25 / 30)
    for name in ("right_knee", "left_ankle"):
        a, b = run.track.point(name)[i], run.track.point(name)[i + 1]
        assert np.allclose(pose.points[name], 0.75 * a + 0.25 * b)
        assert np.allclose(pose.points[name], point_at(run.track, name, pose.t))
    knee = overlay.knee["right"]
    assert pose.knee["right"] == pytest.approx(0.75 * knee[i] + 0.25 * knee[i + 1])
    # a keypoint missing on one side of the interval is taken from the nearer frame
    overlay.xy[i + 1, run.track.index("left_knee")] = np.nan
    assert np.allclose(
        overlay.points(i, 0.25)["left_knee"], overlay.xy[i, overlay.track.index("left_knee")]
    )
    assert np.isnan(overlay.points(i, 0.75)["left_knee"]).all()


# ------------------------------------------------------------------------------ labels
def test_labels_never_cross_the_frame_edge(monkeypatch) -> None:
    # the runner (facing right) with the feet 3 px from the left edge and the bottom: the
    # contact and toe-off labels go behind the runner by default, i.e. past the left edge
    run = synthetic_runner(RunnerSpec(facing="right"), fps=30, duration_s=1.5, px_per_m=150, seed=3)
    width, height = run.track.meta.width, run.track.meta.height
    feet = [run.track.index(f"{s}_{p}") for s in SIDES for p in ("heel", "foot_index", "ankle")]
    xy = run.track.xy.copy()
    xy += np.array([3.0 - np.nanmin(xy[:, feet, 0]), height - 3.0 - np.nanmax(xy[:, feet, 1])])
    track = run.track.replace(xy=xy)
    analysis = truth_analysis(run)
    analysis.track = track
    style = Style.for_frame(width, height)
    overlay = Overlay(track, analysis, (1.0, 1.0), style, 4.0, (width, height))

    drawn: list[tuple[str, tuple[float, float, float, float]]] = []
    put_text = lettering.put_text

    def spy(canvas, text, xy, size_px, *args, **kwargs):
        if kwargs.get("anchor", "lt") == "lt" and not kwargs.get("inside", False):
            w, h = lettering.text_size(text, size_px, kwargs.get("box", True))
            drawn.append((text, (xy[0], xy[1], xy[0] + w, xy[1] + h)))
        return put_text(canvas, text, xy, size_px, *args, **kwargs)

    monkeypatch.setattr(lettering, "put_text", spy)  # the overlay's own labels
    monkeypatch.setattr(draw, "put_text", spy)  # those of the figures (events, angles)
    schedule = output_schedule(track.time, 4.0, smooth=True)
    buf = np.full((height * 3 // 2, width), 128, np.uint8)
    for i, w in zip(schedule.source, schedule.weight, strict=True):
        overlay.draw(YUV420Canvas.from_i420(buf), int(i), float(w))
    events = [(t, box) for t, box in drawn if "CONTACT" in t or "TOE-OFF" in t]
    assert len(events) > 20
    joints = [(t, box) for t, box in drawn if t.startswith(("thigh", "knee", "trunk"))]
    for text, (x0, y0, x1, y1) in events + joints:
        assert x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height, (text, x0, y0, x1, y1)
    # ... and still beside the foot they name: within a label's width of the marker
    for text, (x0, y0, x1, y1) in events:
        side = text.split()[0].lower()
        marks = [e.where for e in overlay.events if e.side == side and e.where is not None]
        gap = min(
            np.hypot(max(x0 - m[0], 0, m[0] - x1), max(y0 - m[1], 0, m[1] - y1)) for m in marks
        )
        assert gap <= x1 - x0, text


def test_placer_flips_a_label_that_would_leave_the_frame() -> None:
    placer = draw.LabelPlacer(400, 300)
    placer.start(np.empty((0, 2, 2)))
    # preferred side is left (-1), but the anchor is 5 px from the left edge: flipped right
    x0, y0 = placer.place("a", (80, 20), (5, 150), gap=8, prefer=-1)
    assert x0 >= 5 + 8 and 0 <= y0 <= 280
    # an anchor in a corner: pushed inside, whatever the spot
    for key, anchor in (("b", (398, 299)), ("c", (0, 0)), ("d", (399, 0))):
        x0, y0 = placer.place(key, (80, 20), anchor, gap=8, prefer=1)
        assert 0 <= x0 and x0 + 80 <= 400 and 0 <= y0 and y0 + 20 <= 300, key
    # wider than the frame: at the left edge (the rest is cut, nothing better is possible)
    assert placer.place("e", (500, 20), (200, 150), gap=8)[0] == 0
