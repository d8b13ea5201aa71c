"""The annotated video and stills of the real treadmill clip (shared/data/male_side).

The pose is the independent RTMPose track of the same frames; the analysis is the engine's.
Skipped when the reference data is absent.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from conftest import shared_path
from runform.keyframes import still_filename
from runform.pipeline import analyze_track
from runform.pose.readers import read_pose
from runform.render import surface
from runform.render.key_moments import KEY_FRAMES
from runform.render.still_frame import still_size
from runform.render.stills import write_video_and_key_frames

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    video = shared_path("male_side", "male_side.mp4")
    track = read_pose(shared_path("male_side", "male_side.pose.json"))
    analysis = analyze_track(track)
    out = tmp_path_factory.mktemp("real")
    path, stills = write_video_and_key_frames(
        video, track, analysis, out / "annotated.mp4", out / "stills"
    )
    return track, analysis, path, stills


def test_real_clip_video(outputs) -> None:
    track, analysis, path, _ = outputs
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.codec_context.width, stream.codec_context.height) == (720, 1280)
        assert float(stream.average_rate) == 7.5  # every filmed frame once, none made up
        frames = []
        for k, frame in enumerate(container.decode(stream)):
            if k in (60, 200, 201):
                frames.append((float(frame.time), frame.to_ndarray(format="bgr24")))
            last_time = float(frame.time)
        n = k + 1
    assert track.n_frames == 360
    # 30 fps played 4x slower: 12 s of running last ~48 s, at 7.5 frames a second
    real = track.time[-1] - track.time[0]
    assert n == track.n_frames
    assert last_time == pytest.approx(4 * real, abs=1 / 600)
    # the runner faces image-left: the left leg is near, drawn in full orange at its knee
    assert analysis.direction == -1
    knee_track = analysis.track.point("left_knee")
    for shown, img in frames:
        t = track.time[0] + shown / 4  # the real time the frame shows
        knee = [np.interp(t, analysis.track.time, knee_track[:, j]) for j in (0, 1)]
        x, y = (int(round(v)) for v in knee)
        patch = img[y - 4 : y + 5, x - 4 : x + 5].reshape(-1, 3).astype(int)
        assert (np.abs(patch - surface.LEFT_COLOR).max(axis=1) < 45).any(), shown


def test_real_clip_stills(outputs) -> None:
    *_, stills = outputs
    assert [p.name for p in stills] == sorted(
        still_filename(s, k) for s in ("left", "right") for k in KEY_FRAMES
    )
    width, height = still_size()
    for path in stills:
        img = cv2.imread(str(path))
        assert img.shape == (height, width, 3), Path(path).name
