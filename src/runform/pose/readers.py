"""Read any supported pose file or folder into a :class:`~runform.track.PoseTrack`; write one.

Supported inputs (see ``docs/formats.md`` for the precise layouts):

- ``.csv`` — the pose CSV contract ``time,<name>_x,<name>_y[,<name>_score],...``;
- ``.json`` with ``"schema": "runform.pose/1"`` — runform's own lossless pose JSON;
- ``.json`` with ``keypoint_names`` and ``frames`` — RTMPose Halpe-26;
- a folder of OpenPose BODY_25 ``*_keypoints.json`` files (needs ``fps``);
- ``.trc`` — an OpenSim TRC of 2-D keypoints as Sports2D and Pose2Sim write them
  (``RHip``, ``RKnee``, ``RBigToe``...; see :func:`runform.pose.formats.trc_pose.read_trc_pose`).

``fps`` means the same for every format: when given, frame ``k`` is at ``k / fps`` seconds
and any time stored in the file is ignored.

Examples
--------
>>> import tempfile, pathlib, numpy as np
>>> from runform.track import PoseTrack

>>> track = PoseTrack.from_points(np.arange(3) / 30, {"left_hip": np.ones((3, 2))})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "pose.csv"
>>> write_pose_csv(track, path)
>>> read_pose(path).point("left_hip").tolist()
[[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from runform.errors import InputError
from runform.pose.formats import csv_contract, openpose, rtmpose, runform_json, trc_pose
from runform.pose.formats._common import check_fps, read_bytes, unsupported
from runform.pose.formats.runform_json import POSE_JSON_SCHEMA_ID
from runform.track import PoseTrack

#: Video files: `runform analyze` reads those, not this module.
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".3gp", ".mts")

__all__ = ["POSE_JSON_SCHEMA_ID", "read_pose", "write_pose_csv", "write_pose_json"]


def read_pose(path: str | os.PathLike, fps: float | None = None) -> PoseTrack:
    """Read a pose file or folder, whatever its supported format.

    Parameters
    ----------
    path:
        A ``.csv``, ``.json`` or ``.trc`` pose file, or a folder of OpenPose
        ``*_keypoints.json`` files.
    fps:
        Frame rate: when given, frame ``k`` is at ``k / fps`` seconds (required for CSV
        without a ``time`` column and for OpenPose folders).

    Returns
    -------
    PoseTrack
        Keypoints in the BlazePose vocabulary; ``meta.source`` names the format and
        ``meta.time_base`` says where the time came from.

    Raises
    ------
    InputError
        Missing path, unsupported or malformed content (the message says what to do).
    OptionError
        ``fps`` is not a positive number.
    """
    fps = check_fps(fps)
    path = Path(path)
    if path.is_dir():
        if not openpose.keypoint_files(path):
            raise unsupported(path, "is a folder without OpenPose *_keypoints.json files")
        return openpose.read_openpose_folder(path, fps)
    if not path.exists():
        raise unsupported(path, "does not exist")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return csv_contract.read_pose_csv(path, fps)
    if suffix == ".json":
        return _read_json(path, fps)
    if suffix == ".trc":
        return trc_pose.read_trc_pose(path, fps)
    if suffix in (".mot", ".sto"):
        raise InputError(
            f"{path} is an OpenSim motion file (joint angles or forces), not keypoint "
            "positions; give the .trc marker file of the trial or another pose file."
        )
    if suffix in VIDEO_SUFFIXES:
        raise InputError(
            f"{path} is a video, not a pose file; analyse it with `runform analyze {path}`."
        )
    raise unsupported(path, f"has an unsupported extension {suffix or '(none)'!r}")


def _read_json(path: Path, fps: float | None) -> PoseTrack:
    data = read_bytes(path)
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise unsupported(path, "is not valid JSON") from None
    if runform_json.is_runform_pose(document):
        return runform_json.read_pose_json(document, path, fps)
    if rtmpose.is_rtmpose(document):
        return rtmpose.read_rtmpose_json(document, path, fps)
    if isinstance(document, dict) and "people" in document:
        raise unsupported(
            path,
            "is a single OpenPose frame; pass the folder holding all its *_keypoints.json "
            "files (with --fps) instead",
        )
    raise unsupported(path, "is JSON of an unknown layout")


def write_pose_csv(track: PoseTrack, path: str | os.PathLike) -> None:
    """Write ``track`` in the pose CSV contract (time, then x, y, score per keypoint).

    Full float precision, empty cells for ``NaN``: :func:`read_pose` gives back the same
    ``time``, ``xy``, ``score`` and keypoints (the meta is not stored; use JSON for that).
    """
    csv_contract.write_pose_csv(track, Path(path))


def write_pose_json(track: PoseTrack, path: str | os.PathLike) -> None:
    """Write ``track`` as ``runform.pose/1`` JSON; :func:`read_pose` gives it back exactly."""
    runform_json.write_pose_json(track, Path(path))
