"""Annotated slow-motion video and key-frame stills, on a synthetic runner with known events.

The clip is made here: the noiseless synthetic runner (:mod:`runform.synthetic`) drawn as
thick dark limbs on a plain grey background and encoded with PyAV. The analysis handed to
the renderer is built from the generator's *true* events (not from the detector), so every
check below compares the output with an independent truth.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import av
import cv2
import numpy as np
import pytest

from runform.errors import AnalysisError, InputError, OptionError
from runform.gait.types import GaitEvents, Step
from runform.keyframes import parse_still_filename, still_filename
from runform.keypoints import SKELETON
from runform.metrics.angles import frame_angles
from runform.render import surface
from runform.render.annotate import (
    MAX_PLAYBACK_FPS,
    SMOOTH_PLAYBACK_FPS,
    default_slow_factor,
    output_schedule,
    output_size,
    playback_ticks,
    steady_window,
    write_annotated_video,
)
from runform.render.key_moments import KEY_FRAMES, key_frames
from runform.render.still_frame import still_size
from runform.render.stills import (
    stills_unavailable_reason,
    write_key_frames,
    write_video_and_key_frames,
)
from runform.synthetic import RunnerSpec, synthetic_runner

BACKGROUND = (110, 110, 110)
LIMB = (25, 25, 25)


# ----------------------------------------------------------------------------- helpers
def encode(path: Path, frames, fps: float, rotation: float | None = None) -> Path:
    """Encode BGR frames as H.264 at a constant ``fps`` (optionally with a display matrix)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "18"}
        if rotation is not None:
            stream.set_display_rotation(rotation)
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
    """The track drawn as a stick figure: what a camera would see of the synthetic runner."""
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


def true_steps(events) -> list[Step]:
    """Steps paired from the generator's true contacts and toe-offs."""
    steps = []
    for side in ("left", "right"):
        contacts = [e for e in events if e.side == side and e.kind == "contact"]
        toe_offs = [e for e in events if e.side == side and e.kind == "toe_off"]
        for k, c in enumerate(contacts):
            after = [t for t in toe_offs if t.time_s > c.time_s]
            if not after:
                continue
            nxt = contacts[k + 1].time_s if k + 1 < len(contacts) else None
            steps.append(Step(side, c.time_s, after[0].time_s, c.frame, after[0].frame, None, nxt))
    return sorted(steps, key=lambda s: s.contact_s)


def truth_analysis(run, events=None) -> SimpleNamespace:
    """A stand-in for the engine's result, built from the synthetic truth."""
    events = run.events if events is None else events
    direction = int(run.truth["direction"])
    return SimpleNamespace(
        track=run.track,
        direction=direction,
        gait=GaitEvents(events=list(events), steps=true_steps(events)),
        angles=frame_angles(run.track, direction),
    )


def decode_bgr(path: Path) -> tuple[list[np.ndarray], list[float], av.video.stream.VideoStream]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames, times = [], []
        for frame in container.decode(stream):
            frames.append(frame.to_ndarray(format="bgr24"))
            times.append(float(frame.time))
        info = SimpleNamespace(
            codec=stream.codec_context.name,
            pix_fmt=stream.codec_context.pix_fmt,
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            duration=float(stream.duration * stream.time_base) if stream.duration else None,
            rate=float(stream.average_rate) if stream.average_rate else None,
        )
    return frames, times, info


def expected_frames(track, first: int = 0, last: int | None = None) -> int:
    """How many frames the annotated video of ``track[first:last]`` has (default slow-down)."""
    fps = track.frame_rate
    return len(output_schedule(track.time[first:last], default_slow_factor(fps), fps))


def real_times(times, track, slow_factor: float = 4.0, first: int = 0) -> np.ndarray:
    """The real (capture) time each output frame shows, from its on-screen time."""
    return track.time[first] + np.asarray(times, float) / slow_factor


def point_at(track, name: str, t: float) -> np.ndarray:
    """Keypoint ``name`` at real time ``t``, interpolated between frames."""
    p = track.point(name)
    return np.array([np.interp(t, track.time, p[:, 0]), np.interp(t, track.time, p[:, 1])])


def distance_to_line(p, points) -> float:
    """Distance from ``p`` to the polyline through ``points``."""
    p = np.asarray(p, float)
    best = np.inf
    for a, b in itertools.pairwise(points):
        ab = b - a
        u = np.clip(np.dot(p - a, ab) / max(np.dot(ab, ab), 1e-9), 0.0, 1.0)
        best = min(best, float(np.linalg.norm(p - (a + u * ab))))
    return best


def near(img: np.ndarray, xy, color, radius: int = 3, tol: float = 40.0) -> bool:
    """Is there a pixel within ``radius`` of ``xy`` whose colour is within ``tol`` of ``color``?"""
    x, y = int(round(xy[0])), int(round(xy[1]))
    patch = img[max(y - radius, 0) : y + radius + 1, max(x - radius, 0) : x + radius + 1]
    dist = np.linalg.norm(patch.astype(float) - np.asarray(color, float), axis=-1)
    return bool((dist < tol).any())


@pytest.fixture(scope="module")
def run():
    # facing right (direction +1): the right leg is the near one
    return synthetic_runner(RunnerSpec(facing="right"), fps=30, duration_s=3, px_per_m=150, seed=3)


@pytest.fixture(scope="module")
def clip(run, tmp_path_factory) -> Path:
    return encode(tmp_path_factory.mktemp("clip") / "runner.mp4", runner_frames(run.track), 30)


@pytest.fixture(scope="module")
def rendered(run, clip, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "annotated.mp4"
    calls = []
    path = write_annotated_video(
        clip, run.track, truth_analysis(run), out, progress=lambda *a: calls.append(a)
    )
    frames, times, info = decode_bgr(path)
    return SimpleNamespace(path=path, frames=frames, times=times, info=info, calls=calls)


# ------------------------------------------------------------------------- the video
def test_video_is_browser_playable_h264(rendered, run) -> None:
    info = rendered.info
    assert rendered.path.exists() and rendered.path.stat().st_size > 10_000
    assert info.codec == "h264"
    assert info.pix_fmt == "yuv420p"
    assert (info.width, info.height) == (run.track.meta.width, run.track.meta.height)
    assert info.width % 2 == 0 and info.height % 2 == 0


def test_slow_motion_30fps_shows_every_filmed_frame_at_7_5fps(rendered, run) -> None:
    # 30 fps capture: default 4x slower, every source frame shown once (no made-up frames),
    # so the video plays at 7.5 frames a second
    assert default_slow_factor(30.0) == 4.0
    real = run.track.time[-1] - run.track.time[0]
    n = run.track.n_frames
    assert len(rendered.frames) == n == expected_frames(run.track)
    assert rendered.info.rate == pytest.approx(7.5)
    assert np.allclose(np.diff(rendered.times), 4 / 30, atol=1e-3)
    assert rendered.times[0] == 0.0
    assert rendered.times[-1] == pytest.approx(4 * real, abs=1e-3)
    # the container's duration covers the last frame too: n x 4/30 s
    assert rendered.info.duration == pytest.approx(n * 4 / 30, abs=2 * 4 / 30)


def test_smooth_slow_motion_plays_at_24fps_with_in_between_frames(run) -> None:
    # asked for, a 30 fps clip 4x slower gets in-between frames at 24 fps
    assert SMOOTH_PLAYBACK_FPS == 24
    real = run.track.time[-1] - run.track.time[0]
    s = output_schedule(run.track.time, 4.0, 30.0, smooth=True)
    n = int(np.floor(real * 4 * 24 + 1e-6)) + 1
    assert len(s) == n > 3 * run.track.n_frames
    assert s.fps == 24.0
    assert np.count_nonzero(s.weight) > 2 * run.track.n_frames


def test_skeleton_drawn_at_the_keypoints(rendered, run) -> None:
    # the output frames have the skeleton at the pose of their real time
    near_color = surface.SIDE_COLORS["right"]  # facing right: right leg near, full colour
    far_color = surface.shade(surface.SIDE_COLORS["left"], surface.FAR_SHADE)
    shown = real_times(rendered.times, run.track)
    checked = 0
    for k in range(7, len(rendered.frames), 13):
        img, t = rendered.frames[k], shown[k]
        knee_r = point_at(run.track, "right_knee", t)
        knee_l = point_at(run.track, "left_knee", t)
        assert near(img, knee_r, near_color), f"frame {k}: no near-leg colour at the right knee"
        near_leg = [point_at(run.track, f"right_{p}", t) for p in ("hip", "knee", "ankle", "heel")]
        if distance_to_line(knee_l, near_leg) > 15:  # far knee not hidden under the near leg
            assert near(img, knee_l, far_color), f"frame {k}: no far-leg colour at the left knee"
        # the source there is a dark limb or grey background, never orange or blue
        i = int(np.argmin(np.abs(run.track.time - t)))
        source = runner_frames(run.track.select(slice(i, i + 1)))[0]
        assert not near(source, knee_r, near_color)
        checked += 1
    assert checked >= 6


def test_event_flash_and_step_counter_region(rendered, run) -> None:
    truth = truth_analysis(run)
    shown = real_times(rendered.times, run.track)
    for event in truth.gait.events[:4]:
        k = int(np.argmin(np.abs(shown - event.time_s)))  # the output frame nearest the event
        border = rendered.frames[k][1:3, :, :].reshape(-1, 3).mean(axis=0)
        expected = 0.85 * np.asarray(surface.SIDE_COLORS[event.side]) + 0.15 * np.asarray(
            BACKGROUND
        )
        assert np.linalg.norm(border - expected) < 25, (event, border)
    # a frame far from every event has no flash: the border is the background
    event_times = np.array([e.time_s for e in truth.gait.events])
    quiet = next(k for k, t in enumerate(shown) if np.min(np.abs(event_times - t)) > 3 / 30)
    border = rendered.frames[quiet][1:3, 200:400].reshape(-1, 3).mean(axis=0)
    assert np.linalg.norm(border - np.asarray(BACKGROUND)) < 12
    # the panel (top left) darkens the background and carries text
    panel = rendered.frames[quiet][12:90, 12:200]
    assert panel.mean() < 0.8 * np.mean(BACKGROUND)
    assert (panel.max(axis=-1) > 200).sum() > 50  # white/coloured glyphs


def test_progress_reported(rendered) -> None:
    stages = {c[0] for c in rendered.calls}
    assert stages == {"annotated video"}
    assert rendered.calls[-1][1] == 1.0
    fractions = [c[1] for c in rendered.calls if c[1] is not None]
    assert fractions == sorted(fractions)


def test_high_speed_capture_plays_at_30fps_and_caps_at_60(run, tmp_path) -> None:
    # timing rule on its own: 240 fps -> 8x -> 30 fps on screen
    t240 = np.arange(48) / 240.0
    assert default_slow_factor(240.0) == 8.0
    ticks, keep = playback_ticks(t240, 8.0)
    assert keep.all() and np.all(np.diff(ticks) == 20)  # 20/600 s = 1/30 s
    # asking for only 2x would be 120 fps on screen: every other frame is dropped (60 fps)
    ticks, keep = playback_ticks(t240, 2.0)
    assert keep.sum() == 24 and np.all(np.diff(ticks[keep]) == 10)
    assert MAX_PLAYBACK_FPS == 60
    # end to end on a real 240 fps file
    fast = synthetic_runner(RunnerSpec(), fps=240, duration_s=0.4, px_per_m=90, seed=1)
    video = encode(tmp_path / "fast.mp4", runner_frames(fast.track), 240)
    out = write_annotated_video(video, fast.track, truth_analysis(fast), tmp_path / "a.mp4")
    frames, times, _ = decode_bgr(out)
    assert len(frames) == fast.track.n_frames
    assert np.allclose(np.diff(times), 1 / 30, atol=1e-3)
    out2 = write_annotated_video(
        video, fast.track, truth_analysis(fast), tmp_path / "b.mp4", slow_factor=2
    )
    frames2, times2, _ = decode_bgr(out2)
    assert len(frames2) == (fast.track.n_frames + 1) // 2
    assert np.allclose(np.diff(times2), 1 / 60, atol=1e-3)


def test_no_steps_gives_a_banner_and_no_stills(run, clip, tmp_path) -> None:
    analysis = truth_analysis(run, events=[])
    out = write_annotated_video(clip, run.track, analysis, tmp_path / "a.mp4")
    frames, _, _ = decode_bgr(out)
    assert len(frames) == expected_frames(run.track)
    # a red band across the full width (ALERT_COLOR blended over the picture)
    img = frames[10]
    reddish = (img[..., 2].astype(int) - img[..., 1] > 60) & (img[..., 2] > 120)
    full_rows = reddish.mean(axis=1) > 0.9
    assert full_rows.sum() >= 10
    with pytest.raises(AnalysisError, match="No complete stride"):
        write_key_frames(clip, run.track, analysis, tmp_path / "stills")
    assert not (tmp_path / "stills").exists()


def test_bad_arguments(run, clip, tmp_path) -> None:
    analysis = truth_analysis(run)
    with pytest.raises(OptionError, match="slow-motion factor"):
        write_annotated_video(clip, run.track, analysis, tmp_path / "a.mp4", slow_factor=0)
    with pytest.raises(OptionError, match="slow-motion factor"):
        write_annotated_video(clip, run.track, analysis, tmp_path / "a.mp4", slow_factor="fast")
    with pytest.raises(InputError):
        write_annotated_video(tmp_path / "missing.mp4", run.track, analysis, tmp_path / "a.mp4")
    portrait = run.track.replace(meta=run.track.meta.__class__(width=360, height=640))
    with pytest.raises(InputError, match="made for 360x640"):
        write_annotated_video(clip, portrait, truth_analysis(run), tmp_path / "a.mp4")


def test_rotated_phone_clip_is_drawn_upright(run, tmp_path) -> None:
    # stored sideways with a display matrix (-90: turn clockwise to show), as phones do;
    # the track is in upright (display) pixels, so the skeleton must land on the runner
    upright = runner_frames(run.track)[:20]
    sideways = [np.ascontiguousarray(np.rot90(f, k=1)) for f in upright]
    video = encode(tmp_path / "phone.mp4", sideways, 30, rotation=-90)
    short = run.track.select(slice(0, 20))
    analysis = truth_analysis(run)
    analysis.track, analysis.angles = short, frame_angles(short, analysis.direction)
    analysis.gait = GaitEvents()
    out = write_annotated_video(video, short, analysis, tmp_path / "a.mp4")
    frames, times, info = decode_bgr(out)
    assert (info.width, info.height) == (run.track.meta.width, run.track.meta.height)
    shown = real_times(times, short)
    for k in (3, 10, 16):
        knee = point_at(short, "right_knee", shown[k])
        assert near(frames[k], knee, surface.SIDE_COLORS["right"]), k


def test_output_size_is_even_and_bounded() -> None:
    assert output_size(720, 1280) == (720, 1280)  # up to 1280: native size
    assert output_size(1080, 1920) == (540, 960)  # larger: 960 long side
    assert output_size(3840, 2160) == (960, 540)
    w, h = output_size(721, 405)
    assert (w, h) == (720, 404)


# ------------------------------------------------------------------------- the stills
@pytest.fixture(scope="module")
def stills(run, clip, tmp_path_factory):
    out = tmp_path_factory.mktemp("stills")
    return write_key_frames(clip, run.track, truth_analysis(run), out)


def test_stills_for_every_moment_and_side(stills) -> None:
    names = [p.name for p in stills]
    assert names == [
        "01-contact-left.jpg",
        "01-contact-right.jpg",
        "02-midstance-left.jpg",
        "02-midstance-right.jpg",
        "03-toe-off-left.jpg",
        "03-toe-off-right.jpg",
        "04-peak-extension-left.jpg",
        "04-peak-extension-right.jpg",
        "05-peak-knee-flexion-left.jpg",
        "05-peak-knee-flexion-right.jpg",
    ]
    # the file names sort in the order the moments happen in a gait cycle
    assert sorted(names) == names
    assert [parse_still_filename(n) for n in names] == [
        (s, k) for k in KEY_FRAMES for s in ("left", "right")
    ]
    assert KEY_FRAMES == ("contact", "midstance", "toe_off", "peak_extension", "peak_knee_flexion")
    width, height = still_size()
    for path in stills:
        img = cv2.imread(str(path))
        assert img is not None, path
        assert img.shape == (height, width, 3)
        # title band on top, then the cropped picture with the runner (dark limbs) in it
        picture = img[height - int(width * 4 / 3) :]
        assert (np.linalg.norm(picture.astype(float) - LIMB, axis=-1) < 30).sum() > 500


def test_the_report_finds_the_stills_by_their_names(stills) -> None:
    from runform.report.content import collect_media

    found, _ = collect_media(stills[0].parent, None)
    assert sorted(s.path.name for s in found) == [p.name for p in stills]
    by_key = {s.key: s.path.name for s in found}
    assert by_key["left_midstance"] == "02-midstance-left.jpg"
    assert by_key["right_toe_off"] == "03-toe-off-right.jpg"


def test_key_frames_match_the_true_events_and_peaks(run) -> None:
    analysis = truth_analysis(run)
    angles = analysis.angles
    for side in ("left", "right"):
        frames = {kf.key: kf for kf in key_frames(analysis, side)}
        contact = frames["contact"].frame
        true_contacts = [e.frame for e in run.events if e.side == side and e.kind == "contact"]
        true_toe_offs = [e.frame for e in run.events if e.side == side and e.kind == "toe_off"]
        assert min(abs(contact - c) for c in true_contacts) <= 0.5
        assert min(abs(frames["toe_off"].frame - t) for t in true_toe_offs) <= 0.5
        assert contact <= frames["midstance"].frame <= frames["toe_off"].frame
        # peaks: within sampling error of the generator's fine-grid truth
        ext = angles["thigh"][side][frames["peak_extension"].frame]
        assert -ext == pytest.approx(run.truth["thigh_extension_deg"][side], abs=2.5)
        flex = angles["knee"][side][frames["peak_knee_flexion"].frame]
        assert flex == pytest.approx(run.truth["knee_flexion_swing_peak_deg"][side], abs=3.0)
        assert frames["peak_knee_flexion"].frame > frames["toe_off"].frame


def test_stills_skip_a_side_without_a_stride(run, clip, tmp_path) -> None:
    only_left = [e for e in run.events if e.side == "left"]
    messages = []
    paths = write_key_frames(
        clip,
        run.track,
        truth_analysis(run, only_left),
        tmp_path,
        progress=lambda *a: messages.append(a),
    )
    assert [p.name for p in paths] == [still_filename("left", k) for k in KEY_FRAMES]
    assert any("right side skipped" in m[2] for m in messages)


def test_a_far_leg_still_shows_no_angle_and_says_why(run, tmp_path) -> None:
    """The leg further from the camera is partly hidden and none of its angles reaches the
    report; its stills must not print one either (the example clip's far swing knee read
    57° where the picture shows more than 90°), and the report's caption names it far."""
    from runform.render.still_frame import FAR_LEG_LINE, render_key_frame

    analysis = truth_analysis(run)
    kf = next(k for k in key_frames(analysis, "left") if k.key == "peak_knee_flexion")
    img = np.full((run.track.meta.height, run.track.meta.width, 3), 200, np.uint8)
    points = dict(zip(run.track.keypoints, run.track.xy[kf.frame], strict=True))
    angles = analysis.angles
    near_leg = render_key_frame(img, points, kf, angles, analysis.direction, near="left")
    far_leg = render_key_frame(img, points, kf, angles, analysis.direction, near="right")
    assert not np.array_equal(near_leg, far_leg)
    from runform.render import still_frame

    canvas = surface.BGRCanvas(img.copy())
    style = surface.Style.for_frame(img.shape[1], img.shape[0])
    drawn = still_frame._draw_angles(canvas, points, kf, angles, style)
    assert drawn and drawn[0].startswith("knee ") and "°" in drawn[0]
    assert still_frame._draw_angles(canvas, points, kf, angles, style, far=True) == [FAR_LEG_LINE]
    from runform.report.content import Still

    still = Still("right_contact", "right", "contact", tmp_path / "x.jpg", far=True)
    assert still.label == "Right leg (far from the camera), initial contact"


def test_stills_with_the_real_engine(run, clip, tmp_path) -> None:
    # the engine's own result object works as is (attributes the renderer reads)
    from runform.pipeline import analyze_track

    analysis = analyze_track(run.track)
    paths = write_key_frames(clip, run.track, analysis, tmp_path)
    assert len(paths) == 2 * len(KEY_FRAMES)


def test_video_and_stills_in_one_pass(run, clip, stills, tmp_path) -> None:
    # same outputs as the two separate calls, from a single decoding pass
    video, paths = write_video_and_key_frames(
        clip, run.track, truth_analysis(run), tmp_path / "a.mp4", tmp_path / "stills"
    )
    frames, _, info = decode_bgr(video)
    assert len(frames) == expected_frames(run.track) and info.codec == "h264"
    assert [p.name for p in paths] == [p.name for p in stills]
    for mine, theirs in zip(paths, stills, strict=True):
        assert np.array_equal(cv2.imread(str(mine)), cv2.imread(str(theirs)))
    # no stride at all: the video is still written, no stills, and the reason is given
    empty = truth_analysis(run, events=[])
    video, paths = write_video_and_key_frames(
        clip, run.track, empty, tmp_path / "b.mp4", tmp_path / "none"
    )
    assert video.exists() and paths == []
    assert "No complete stride" in stills_unavailable_reason(empty)
    assert stills_unavailable_reason(truth_analysis(run)) is None


def test_window_shows_the_stretch_with_most_steps(run, clip, stills, tmp_path) -> None:
    analysis = truth_analysis(run)
    first, last = steady_window(run.track, analysis, 1.5)
    t = run.track.time
    assert t[last - 1] - t[first] == pytest.approx(1.5, abs=1 / 30)
    inside = [
        s for s in analysis.gait.steps if t[first] <= s.contact_s and s.toe_off_s <= t[last - 1]
    ]
    # no other 1.5 s stretch holds more complete stances (checked on a fine grid)
    best = max(
        sum(1 for s in analysis.gait.steps if a <= s.contact_s and s.toe_off_s <= a + 1.5)
        for a in np.arange(t[0], t[-1] - 1.5, 0.005)
    )
    assert len(inside) == best >= 3
    out = write_annotated_video(clip, run.track, analysis, tmp_path / "w.mp4", window_s=1.5)
    frames, times, _ = decode_bgr(out)
    assert len(frames) == expected_frames(run.track, first, last)
    assert len(frames) == last - first  # every filmed frame of the window, once
    assert np.allclose(np.diff(times), 4 / 30, atol=1e-3)
    # the picture is the source's frame `first` onwards: the skeleton sits on its knee
    assert near(frames[0], run.track.point("right_knee")[first], surface.SIDE_COLORS["right"])
    # stills from the same pass still cover the whole clip
    _, paths = write_video_and_key_frames(
        clip, run.track, analysis, tmp_path / "w2.mp4", tmp_path / "st", window_s=1.5
    )
    assert [p.name for p in paths] == [p.name for p in stills]
    assert steady_window(run.track, analysis, None) == (0, run.track.n_frames)
    with pytest.raises(OptionError):
        steady_window(run.track, analysis, -1.0)


def test_progress_goes_on_while_frames_outside_the_stretch_are_decoded(
    run, clip, tmp_path, monkeypatch
) -> None:
    # A long clip's steadiest stretch may start minutes in, and stills may lie after it:
    # the frames outside it are decoded and passed over, and progress says so instead of
    # falling silent.
    import runform.render.annotate as annotate_module

    analysis = truth_analysis(run)
    first, last = steady_window(run.track, analysis, 1.5)
    monkeypatch.setattr(annotate_module, "SKIPPED_REPORT_EVERY", 3)
    seen: list[tuple[float, str]] = []
    _, paths = write_video_and_key_frames(
        clip, run.track, analysis, tmp_path / "w.mp4", tmp_path / "st", window_s=1.5,
        progress=lambda stage, fraction, detail="": seen.append((fraction, detail)),
    )  # fmt: skip
    passing = [int(d.rsplit(" ", 1)[1]) for _, d in seen if d.startswith("decoding: frame")]
    assert passing and all(n % 3 == 0 for n in passing)
    assert all(not first < n <= last for n in passing)  # frames shown are counted as drawn
    assert paths and max(passing) > last  # stills after the stretch: decoded, and said so
