"""A folder of OpenPose BODY_25 per-frame files (``<name>_<number>_keypoints.json``).

Each file holds ``{"people": [{"pose_keypoints_2d": [x0, y0, c0, x1, y1, c1, ...]}, ...]}``
with 25 points in :data:`BODY_25` order. A point with confidence 0 or at (0, 0) is missing.
When a frame holds several people, the runner is followed: the first frame with anyone
takes the person with the largest bounding box, every later frame the person whose mid-hip
is closest to the previous pick's. Files are ordered by the (last) number in their name
and frame number ``n`` is at ``(n - first number) / fps``; the files carry no timing, so
``fps`` is required.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from runform.errors import InputError
from runform.keypoints import BLAZEPOSE_33
from runform.pose.formats._common import check_fps, clip_scores, fps_time_base
from runform.track import PoseTrack, TrackMeta

SOURCE = "openpose-body25"
FILE_SUFFIX = "_keypoints.json"

#: OpenPose BODY_25 keypoint order.
BODY_25: tuple[str, ...] = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
    "MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye",
    "REar", "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel",
)  # fmt: skip

#: BODY_25 name -> BlazePose name (Neck, MidHip and the small toes have none).
BODY_25_TO_BLAZEPOSE: dict[str, str] = {
    "Nose": "nose",
    "REye": "right_eye",
    "LEye": "left_eye",
    "REar": "right_ear",
    "LEar": "left_ear",
    "RShoulder": "right_shoulder",
    "LShoulder": "left_shoulder",
    "RElbow": "right_elbow",
    "LElbow": "left_elbow",
    "RWrist": "right_wrist",
    "LWrist": "left_wrist",
    "RHip": "right_hip",
    "LHip": "left_hip",
    "RKnee": "right_knee",
    "LKnee": "left_knee",
    "RAnkle": "right_ankle",
    "LAnkle": "left_ankle",
    "RHeel": "right_heel",
    "LHeel": "left_heel",
    "RBigToe": "right_foot_index",
    "LBigToe": "left_foot_index",
}

_MID_HIP, _R_HIP, _L_HIP = (BODY_25.index(n) for n in ("MidHip", "RHip", "LHip"))
_COCO_18_LENGTH = 18 * 3


def keypoint_files(folder: Path) -> list[Path]:
    """The ``*_keypoints.json`` files directly inside ``folder`` (unsorted)."""
    return [p for p in folder.iterdir() if p.is_file() and p.name.endswith(FILE_SUFFIX)]


def read_openpose_folder(folder: Path, fps: float | None) -> PoseTrack:
    """Read a folder of OpenPose BODY_25 files as one runner's track.

    Parameters
    ----------
    folder:
        Folder holding the per-frame ``*_keypoints.json`` files.
    fps:
        Frame rate of the video the frames came from (required).

    Raises
    ------
    InputError
        No ``fps``, no or unreadable files, frame numbers missing or repeated, or keypoints
        that are not BODY_25.
    """
    fps = check_fps(fps)
    if fps is None:
        raise InputError(
            f"{folder} holds OpenPose frames, which carry no timing; pass --fps with the "
            "frame rate of the video (e.g. --fps 30)."
        )
    files = sorted(keypoint_files(folder), key=_frame_number)
    if not files:
        raise InputError(f"{folder} holds no OpenPose *{FILE_SUFFIX} files.")
    numbers = np.array([_frame_number(p) for p in files])
    repeated = numbers[1:][np.diff(numbers) == 0]
    if repeated.size:
        raise InputError(
            f"{folder} has several files numbered {int(repeated[0])}; keep one file per frame."
        )

    body_to_track = [BODY_25.index(b) for b in _body25_for(BLAZEPOSE_33)]
    names = tuple(BODY_25_TO_BLAZEPOSE[BODY_25[i]] for i in body_to_track)
    xy = np.full((len(files), len(names), 2), np.nan)
    score = np.full((len(files), len(names)), np.nan)
    previous_anchor: np.ndarray | None = None
    several = 0
    for f, file in enumerate(files):
        people = _people(file)
        several += len(people) > 1
        pick = _pick_runner(people, previous_anchor)
        if pick is None:
            continue
        person, previous_anchor = pick
        xy[f] = person[body_to_track, :2]
        score[f] = person[body_to_track, 2]
    score, max_raw = clip_scores(score, str(folder))

    steps = np.diff(numbers)
    step = float(np.median(steps)) if steps.size else 1.0
    extra: dict = {
        "n_files": len(files),
        "frames_with_several_people": int(several),
        "dropped_keypoints": [b for b in BODY_25 if b not in BODY_25_TO_BLAZEPOSE],
        "first_frame_number": int(numbers[0]),
    }
    if max_raw is not None:
        extra["max_raw_score"] = max_raw
    meta = TrackMeta(
        source=SOURCE,
        fps=fps / step,
        time_base=fps_time_base("frame number in file name", fps),
        path=str(folder),
        extra=extra,
    )
    time = (numbers - numbers[0]) / fps
    return PoseTrack(time=time, xy=xy, score=score, keypoints=names, meta=meta)


def _body25_for(order: tuple[str, ...]) -> list[str]:
    """BODY_25 names of the BlazePose points they map to, in BlazePose order."""
    inverse = {v: k for k, v in BODY_25_TO_BLAZEPOSE.items()}
    return [inverse[n] for n in order if n in inverse]


def _frame_number(file: Path) -> int:
    digits = re.findall(r"\d+", file.name[: -len(FILE_SUFFIX)])
    if not digits:
        raise InputError(
            f"{file} has no frame number in its name; name the files like "
            "video_000000000012_keypoints.json as OpenPose does."
        )
    return int(digits[-1])


def _people(file: Path) -> list[np.ndarray]:
    """Each person's ``(25, 3)`` x, y, confidence with missing points set to ``NaN`` x, y."""
    try:
        document = json.loads(file.read_bytes())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(
            f"{file} is not a readable OpenPose JSON file; re-export it or remove it."
        ) from None
    people = document.get("people") if isinstance(document, dict) else None
    if not isinstance(people, list):
        raise InputError(
            f"{file} has no 'people' list, so it is not OpenPose output; remove it from the folder."
        )
    out = []
    for person in people:
        flat = person.get("pose_keypoints_2d") if isinstance(person, dict) else None
        if not flat:
            continue
        if not isinstance(flat, list) or len(flat) != len(BODY_25) * 3:
            coco = isinstance(flat, list) and len(flat) == _COCO_18_LENGTH
            kind = "COCO-18 (18 points)" if coco else f"{len(flat)} values"
            raise InputError(
                f"{file} has pose_keypoints_2d of {kind}, not BODY_25 (75 values); "
                "run OpenPose with --model_pose BODY_25."
            )
        try:
            points = np.array(flat, dtype=float).reshape(len(BODY_25), 3)
        except (TypeError, ValueError):
            raise InputError(
                f"{file} has pose_keypoints_2d values that are not numbers; re-export it."
            ) from None
        missing = ~(points[:, 2] > 0) | ((points[:, 0] == 0) & (points[:, 1] == 0))
        missing |= ~np.isfinite(points[:, :2]).all(axis=1)
        points[missing, :2] = np.nan
        out.append(points)
    return out


def _anchor(person: np.ndarray) -> np.ndarray | None:
    """Mid-hip, else the mean of the hips, else the centre of the visible points."""
    visible = np.isfinite(person[:, 0])
    if visible[_MID_HIP]:
        return person[_MID_HIP, :2]
    hips = [i for i in (_R_HIP, _L_HIP) if visible[i]]
    if hips:
        return person[hips, :2].mean(axis=0)
    if visible.any():
        points = person[visible, :2]
        return (points.min(axis=0) + points.max(axis=0)) / 2
    return None


def _box_area(person: np.ndarray) -> float:
    points = person[np.isfinite(person[:, 0]), :2]
    return float(np.prod(points.max(axis=0) - points.min(axis=0)))


def _pick_runner(
    people: list[np.ndarray], previous_anchor: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """The runner among ``people`` and their anchor, or ``None`` if nobody is visible."""
    candidates = [(p, a) for p in people if (a := _anchor(p)) is not None]
    if not candidates:
        return None
    if previous_anchor is None:
        return max(candidates, key=lambda c: _box_area(c[0]))
    return min(candidates, key=lambda c: float(np.hypot(*(c[1] - previous_anchor))))
