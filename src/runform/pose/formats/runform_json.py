"""runform's own pose JSON (``runform.pose/1``): a lossless copy of a :class:`PoseTrack`.

Layout (``T`` frames, ``K`` keypoints; ``null`` stands for ``NaN``)::

    {"schema": "runform.pose/1",
     "keypoints": ["left_hip", ...],            # K names
     "meta": {"source": ..., "fps": ..., ...},  # every TrackMeta field
     "time": [0.0, 0.0333, ...],                # T seconds, strictly increasing
     "xy": [[[x, y], ...], ...],                # T x K x 2
     "score": [[s, ...], ...]}                  # T x K

Numbers are written with full precision, so reading gives back exactly the track written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from runform.errors import InputError
from runform.pose.formats._common import check_fps, first_non_increasing, fps_time_base
from runform.track import PoseTrack, TrackMeta

POSE_JSON_SCHEMA_ID = "runform.pose/1"
_SCHEMA_FAMILY = "runform.pose/"

# TrackMeta fields and the JSON types each may hold (None = null allowed).
_META_TYPES: dict[str, tuple[type, ...]] = {
    "source": (str,),
    "width": (int, type(None)),
    "height": (int, type(None)),
    "fps": (int, float, type(None)),
    "capture_fps": (int, float, type(None)),
    "units": (str,),
    "time_base": (str,),
    "path": (str, type(None)),
    "extra": (dict,),
}


def is_runform_pose(document: object) -> bool:
    """Whether a parsed JSON document claims to be a runform pose file (any version)."""
    return isinstance(document, Mapping) and str(document.get("schema", "")).startswith(
        _SCHEMA_FAMILY
    )


# ---------------------------------------------------------------------- writing
def track_to_document(track: PoseTrack) -> dict:
    """The ``runform.pose/1`` dict of a track (``NaN`` as ``None``)."""
    return {
        "schema": POSE_JSON_SCHEMA_ID,
        "keypoints": list(track.keypoints),
        "meta": track.meta.to_dict(),
        "time": _to_json_list(track.time),
        "xy": _to_json_list(track.xy),
        "score": _to_json_list(track.score),
    }


def write_pose_json(track: PoseTrack, path: Path) -> None:
    """Write ``track`` as ``runform.pose/1`` JSON; :func:`read_pose_json` reads it back exactly.

    Raises
    ------
    InputError
        If the track holds infinite values or a ``meta.extra`` that is not JSON, or the
        file cannot be written.
    """
    try:
        text = json.dumps(track_to_document(track), allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"Cannot write the track as JSON ({exc}); keep values finite (NaN for missing) "
            "and meta.extra to plain JSON types."
        ) from None
    try:
        Path(path).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"Cannot write {path} ({exc.strerror}); check the folder exists and is writable."
        ) from None


def _to_json_list(values: np.ndarray) -> list:
    as_objects = values.astype(object)
    as_objects[np.isnan(values)] = None
    return as_objects.tolist()


# ---------------------------------------------------------------------- reading
def read_pose_json(document: Mapping, path: Path, fps: float | None = None) -> PoseTrack:
    """A track from a parsed ``runform.pose/1`` document.

    Parameters
    ----------
    document:
        The parsed JSON.
    path:
        Where it came from (for messages only; ``meta.path`` keeps the stored value).
    fps:
        If given, frame ``k`` is put at ``k / fps`` seconds instead of the stored time.

    Raises
    ------
    InputError
        Another schema version, missing or malformed arrays, or bad meta.
    """
    fps = check_fps(fps)
    schema = document.get("schema")
    if schema != POSE_JSON_SCHEMA_ID:
        raise InputError(
            f"{path} is a runform pose file of schema {schema!r}, but this runform reads "
            f"{POSE_JSON_SCHEMA_ID!r}; upgrade runform or re-export the pose."
        )
    for key in ("keypoints", "time", "xy", "score"):
        if key not in document:
            raise InputError(f"{path} has no {key!r} entry; re-export it with write_pose_json.")
    names = document["keypoints"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InputError(f"{path} has 'keypoints' that are not a list of names; re-export it.")
    n_names = len(names)
    time = _array(document["time"], "time", path)
    n = time.shape[0] if time.ndim == 1 else -1
    if n < 1:
        raise InputError(f"{path} holds no frames ('time' must be a non-empty list of seconds).")
    xy = _array(document["xy"], "xy", path)
    score = _array(document["score"], "score", path)
    expected = {"xy": (n, n_names, 2), "score": (n, n_names)}
    for key, array in (("xy", xy), ("score", score)):
        if array.shape != expected[key] and not (array.size == 0 and n_names == 0):
            raise InputError(
                f"{path} has {key!r} of shape {array.shape} but {n} frames of {n_names} "
                f"keypoints need {expected[key]}; re-export it."
            )
    meta = _meta(document.get("meta", {}), path)
    if fps is not None:
        time = np.arange(n) / fps
        meta = TrackMeta.from_dict(
            {**meta.to_dict(), "fps": fps, "time_base": fps_time_base("frame index", fps)}
        )
    else:
        bad = first_non_increasing(time)
        if not np.isfinite(time).all() or bad is not None:
            where = f"frame {bad}" if bad is not None else "a frame"
            raise InputError(
                f"{path} has time that is missing or not increasing at {where}; fix it or "
                "pass --fps to use frame index / fps instead."
            )
    return PoseTrack(
        time=time,
        xy=xy.reshape(expected["xy"]),
        score=score.reshape(expected["score"]),
        keypoints=tuple(names),
        meta=meta,
    )


def _array(values: object, key: str, path: Path) -> np.ndarray:
    try:
        return np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(
            f"{path} has a {key!r} entry that is not a regular array of numbers and nulls; "
            "re-export it with write_pose_json."
        ) from None


def _meta(raw: object, path: Path) -> TrackMeta:
    if not isinstance(raw, Mapping):
        raise InputError(f"{path} has a 'meta' entry that is not an object; re-export it.")
    for key, types in _META_TYPES.items():
        if key in raw and (
            not isinstance(raw[key], types) or (isinstance(raw[key], bool) and bool not in types)
        ):
            raise InputError(
                f"{path} has meta.{key} = {raw[key]!r}, which is not a valid value; "
                "fix or remove it."
            )
    return TrackMeta.from_dict(raw)
