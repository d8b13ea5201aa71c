"""Agreement of runform's pose (MediaPipe BlazePose) with an independent RTMPose track.

Runs :func:`runform.pose.estimate.estimate_pose` on ``../shared/data/male_side/male_side.mp4``
(a real treadmill clip, runner facing image-left, 720x1280, 30 fps) and compares it frame by
frame with ``male_side.pose.json``, made from the same clip by RTMPose (Halpe-26), a
different model trained on different data. Printed:

- per keypoint (hips, knees, ankles, heels, toes; left = the side facing the camera): the
  median distance between the two models, as a fraction of thigh length (median hip–knee
  distance of the RTMPose track), and the share of frames within 0.1 and 0.2 thigh lengths;
- thigh angle (hip→knee against vertical, runform's convention) RMSE and median absolute
  difference per side, in degrees;
- the same for a plain full-frame MediaPipe run (no runner window), to show what cropping
  changes.

Neither model is ground truth: the figures bound how much two good 2-D pose models disagree
on this clip. "Toes" is BlazePose ``foot_index`` against RTMPose's big toe.

Usage: ``python bench/pose_agreement.py [--no-full-frame]``
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from _common import SHARED_DATA, format_table
from runform.metrics.angles import frame_angles
from runform.pose.readers import read_pose
from runform.track import PoseTrack

CLIP = SHARED_DATA / "male_side" / "male_side.mp4"
REFERENCE = SHARED_DATA / "male_side" / "male_side.pose.json"
POINTS = ("hip", "knee", "ankle", "heel", "foot_index")
DIRECTION = -1  # the runner faces image-left


def thigh_length(track: PoseTrack) -> float:
    """Median hip–knee distance over both sides (pixels)."""
    lengths = [
        np.linalg.norm(track.point(f"{s}_hip") - track.point(f"{s}_knee"), axis=1)
        for s in ("left", "right")
    ]
    return float(np.nanmedian(np.concatenate(lengths)))


def keypoint_agreement(ours: PoseTrack, ref: PoseTrack, thigh: float) -> list[list[object]]:
    rows = []
    for part in POINTS:
        for side in ("left", "right"):
            name = f"{side}_{part}"
            d = np.linalg.norm(ours.point(name) - ref.point(name), axis=1) / thigh
            d = d[np.isfinite(d)]
            rows.append(
                [
                    name,
                    d.size,
                    float(np.median(d)),
                    100.0 * float(np.mean(d <= 0.1)),
                    100.0 * float(np.mean(d <= 0.2)),
                ]
            )
    return rows


def thigh_angle_errors(ours: PoseTrack, ref: PoseTrack) -> dict[str, tuple[float, float, int]]:
    a = frame_angles(ours, DIRECTION)["thigh"]
    b = frame_angles(ref, DIRECTION)["thigh"]
    out = {}
    for side in ("left", "right"):
        diff = a[side] - b[side]
        diff = diff[np.isfinite(diff)]
        out[side] = (
            float(np.sqrt(np.mean(diff**2))),
            float(np.median(np.abs(diff))),
            int(diff.size),
        )
    return out


def full_frame_track(n_frames: int) -> PoseTrack:
    """Plain MediaPipe on whole frames (tracking mode), same backend settings."""
    import av

    from runform.keypoints import BLAZEPOSE_33
    from runform.pose.backends import BlazePoseBackend

    xy = np.full((n_frames, 33, 2), np.nan)
    score = np.zeros((n_frames, 33))
    with BlazePoseBackend() as backend, av.open(str(CLIP)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i >= n_frames:
                break
            image = frame.to_ndarray(format="rgb24")
            det = backend.track(image)
            if det is not None:
                xy[i] = det.xy * (image.shape[1], image.shape[0])
                score[i] = det.score
    return PoseTrack(np.arange(n_frames) / 30.0, xy, score, BLAZEPOSE_33)


def report(label: str, ours: PoseTrack, ref: PoseTrack, thigh: float) -> None:
    print(f"\n## {label}\n")
    rows = [[r[0], r[1], f"{r[2]:.3f}", r[3], r[4]] for r in keypoint_agreement(ours, ref, thigh)]
    print(
        format_table(
            ["keypoint", "frames", "median / thigh", "% <= 0.1 thigh", "% <= 0.2 thigh"], rows
        )
    )
    errors = thigh_angle_errors(ours, ref)
    print()
    print(
        format_table(
            ["thigh angle", "RMSE (deg)", "median |diff| (deg)", "frames"],
            [
                [side, f"{errors[side][0]:.2f}", f"{errors[side][1]:.2f}", errors[side][2]]
                for side in ("left", "right")
            ],
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-full-frame", action="store_true", help="skip the full-frame run")
    args = parser.parse_args(argv)
    if not CLIP.is_file() or not REFERENCE.is_file():
        print(f"reference data not found under {SHARED_DATA}; nothing to compare", file=sys.stderr)
        return 1
    from runform.pose.estimate import estimate_pose

    ref = read_pose(REFERENCE)
    started = time.perf_counter()
    ours = estimate_pose(CLIP)
    elapsed = time.perf_counter() - started
    if ours.n_frames != ref.n_frames:
        print(f"frame counts differ: {ours.n_frames} vs {ref.n_frames}", file=sys.stderr)
        return 1
    thigh = thigh_length(ref)
    print(f"clip: {CLIP.name}, {ours.n_frames} frames; thigh length (RTMPose) {thigh:.1f} px")
    print(f"runform pose: {elapsed:.1f} s; backend {ours.meta.extra['pose_backend']['model']}")
    report("runform (runner window) vs RTMPose", ours, ref, thigh)
    if not args.no_full_frame:
        report(
            "plain MediaPipe, whole frame, vs RTMPose", full_frame_track(ref.n_frames), ref, thigh
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
