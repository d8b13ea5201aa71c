"""The keypoint vocabulary: MediaPipe BlazePose's 33 landmark names, and body segments.

All tracks use these names (a subset is allowed). Readers of other formats map their
names onto this vocabulary (e.g. Halpe-26 ``l_big_toe`` -> ``left_foot_index``).
"""

from __future__ import annotations

#: BlazePose landmark order (index = MediaPipe landmark id).
BLAZEPOSE_33: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)

KEYPOINTS: frozenset[str] = frozenset(BLAZEPOSE_33)

SIDES: tuple[str, str] = ("left", "right")

#: Keypoints every analysis needs, per side.
LEG_POINTS: tuple[str, ...] = ("hip", "knee", "ankle")
#: Foot points: at least one of heel / foot_index per side is needed for events.
FOOT_POINTS: tuple[str, ...] = ("heel", "foot_index")

#: Skeleton edges for drawing.
SKELETON: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_hip", "right_hip"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("left_ankle", "left_heel"),
    ("left_heel", "left_foot_index"),
    ("left_ankle", "left_foot_index"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("right_ankle", "right_heel"),
    ("right_heel", "right_foot_index"),
    ("right_ankle", "right_foot_index"),
)


def side_name(side: str, part: str) -> str:
    """``side_name("left", "knee") -> "left_knee"``."""
    return f"{side}_{part}"


def other_side(side: str) -> str:
    return "right" if side == "left" else "left"


def required_keypoints() -> list[str]:
    """Names that must be present for gait analysis (hips, knees, ankles of both sides)."""
    return [side_name(s, p) for s in SIDES for p in LEG_POINTS]
