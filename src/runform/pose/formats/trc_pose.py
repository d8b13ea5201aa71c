"""A TRC of 2-D body keypoints as a pose track: Sports2D and Pose2Sim output.

:func:`read_trc_pose` reads a TRC (through :func:`runform.pose.formats.opensim.read_trc`)
whose markers are body keypoints (``RHip``, ``RKnee``, ``RBigToe``...: HALPE_26, COCO,
BODY_25 or BlazePose names, :func:`trc_marker_to_blazepose`) as a
:class:`~runform.track.PoseTrack` with BlazePose names, x right and y down, in ``px`` or
``m``; the units and the axes are read from the file or declared (``docs/formats.md``).
:func:`runform.pose.readers.read_pose` uses it for ``.trc`` files.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np

from runform.errors import InputError, OptionError
from runform.keypoints import BLAZEPOSE_33, KEYPOINTS
from runform.pose.formats._common import (
    blazepose_alias,
    check_fps,
    first_non_increasing,
    fps_time_base,
    median_rate,
)
from runform.pose.formats.opensim import read_trc
from runform.track import PoseTrack, TrackMeta

__all__ = ["TRC_TO_BLAZEPOSE", "read_trc_pose", "trc_marker_to_blazepose"]

SOURCE = "opensim-trc"

#: Coordinate units a TRC of body keypoints may use, and the factor to runform's ``m``/``px``.
_UNIT_SCALE: dict[str, tuple[str, float]] = {
    "px": ("px", 1.0),
    "pixel": ("px", 1.0),
    "pixels": ("px", 1.0),
    "m": ("m", 1.0),
    "cm": ("m", 0.01),
    "mm": ("m", 0.001),
}

#: A vertical extent above this many "metres" can only be pixels (a body is under 3 m tall).
PIXEL_EXTENT_THRESHOLD = 10.0

#: Marker names written by Sports2D and Pose2Sim (HALPE_26, COCO_17/133, BODY_25, BlazePose
#: skeletons), lower-cased, -> BlazePose name. ``Hip``/``CHip``/``MidHip``, ``Neck``, ``Head``
#: and the small toes have no BlazePose counterpart and are dropped.
TRC_TO_BLAZEPOSE: dict[str, str] = {
    "nose": "nose",
    **{
        f"{s[0]}{part}": f"{s}_{name}"
        for s in ("left", "right")
        for part, name in (
            ("eye", "eye"),
            ("ear", "ear"),
            ("shoulder", "shoulder"),
            ("elbow", "elbow"),
            ("wrist", "wrist"),
            ("pinky", "pinky"),
            ("index", "index"),
            ("thumb", "thumb"),
            ("hip", "hip"),
            ("knee", "knee"),
            ("ankle", "ankle"),
            ("heel", "heel"),
            ("bigtoe", "foot_index"),
        )
    },
}

#: Names shown in the error for a TRC whose markers are not body keypoints.
_EXPECTED_NAMES = "RHip, RKnee, RAnkle, RHeel, RBigToe, LHip, LKnee, LAnkle, LHeel, LBigToe"


def trc_marker_to_blazepose(name: str) -> str | None:
    """The BlazePose name of a TRC marker, or ``None`` when it has none.

    Sports2D / Pose2Sim names (``RHip``, ``LBigToe``, ``Lknee``...), BlazePose names
    (``left_hip``) and Halpe-style ``l_hip`` are recognised, whatever their case.

    >>> trc_marker_to_blazepose("RBigToe"), trc_marker_to_blazepose("Lknee")
    ('right_foot_index', 'left_knee')
    >>> trc_marker_to_blazepose("left_heel"), trc_marker_to_blazepose("Neck")
    ('left_heel', None)
    >>> trc_marker_to_blazepose("RASI") is None
    True
    """
    key = name.strip().lower()
    if key in TRC_TO_BLAZEPOSE:
        return TRC_TO_BLAZEPOSE[key]
    alias = blazepose_alias(key)
    return alias if alias in KEYPOINTS else None


def read_trc_pose(
    path: str | os.PathLike,
    fps: float | None = None,
    *,
    units: str | None = None,
    y_axis: str | None = None,
    horizontal_axis: str = "x",
) -> PoseTrack:
    """Read a TRC of body keypoints (as Sports2D and Pose2Sim write them) as a pose track.

    Markers named like ``RHip``, ``RKnee``, ``RAnkle``, ``RHeel``, ``RBigToe``, ``Nose``,
    ``RShoulder``... become BlazePose keypoints (``right_hip``, ...); ``Hip``, ``Neck``,
    ``Head`` and the small toes are dropped. The side view is the X (or Z) and Y columns;
    the other horizontal column is ignored (Sports2D writes Z = 0 or a fixed depth).

    Parameters
    ----------
    path:
        The ``.trc`` file.
    fps:
        If given, frame ``k`` is at ``k / fps`` seconds and the ``Time`` column is ignored.
    units:
        ``"px"``, ``"m"``, ``"cm"`` or ``"mm"``; ``None`` reads them: a file name with
        ``_px`` (Sports2D's pixel file, whose header says ``m`` all the same) is in pixels,
        else the header's ``Units``, except that "metres" spanning more than
        :data:`PIXEL_EXTENT_THRESHOLD` vertically are taken as pixels.
    y_axis:
        ``"down"`` (image rows, as in Sports2D's pixel file) or ``"up"`` (OpenSim, as in
        Sports2D's metre file and Pose2Sim); ``None`` means ``"down"`` for pixels and
        ``"up"`` otherwise. A ``"up"`` axis is flipped so the track has y down.
    horizontal_axis:
        ``"x"`` (default) or ``"z"``: the TRC column taken as the image's x.

    Returns
    -------
    PoseTrack
        Keypoints in BlazePose order, x right and y down, in ``px`` or ``m`` (``cm`` and
        ``mm`` are converted to ``m``); no scores (``NaN``). ``meta.extra`` records the
        units found and how they were decided, the scale applied, the y flip and the
        marker mapping.

    Raises
    ------
    InputError
        Not a readable TRC, no marker that maps to a hip, knee or ankle, non-increasing
        time, or no usable point.
    OptionError
        An invalid ``fps``, ``units``, ``y_axis`` or ``horizontal_axis``.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> from runform.pose.formats.opensim import write_trc
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "run_px_person00.trc"
    >>> t = np.arange(3) / 30
    >>> write_trc(path, t, {"Hip": np.ones((3, 3)), "RKnee": [[10, 20, 0]] * 3}, "m", 30)
    >>> track = read_trc_pose(path)
    >>> track.keypoints, track.meta.units, track.point("right_knee")[0].tolist()
    (('right_knee',), 'px', [10.0, 20.0])
    """
    fps = check_fps(fps)
    units_option = _option(units, "units", tuple(_UNIT_SCALE))
    y_option = _option(y_axis, "y_axis", ("up", "down"))
    h_option = _option(horizontal_axis, "horizontal_axis", ("x", "z"))
    path = Path(path)
    trc = read_trc(path)

    mapping: dict[str, str] = {}
    dropped: list[str] = []
    for marker in trc.markers:
        name = trc_marker_to_blazepose(marker)
        if name is None or name in mapping.values():
            dropped.append(marker)
        else:
            mapping[marker] = name
    legs = {f"{s}_{p}" for s in ("left", "right") for p in ("hip", "knee", "ankle")}
    if not legs & set(mapping.values()):
        found = list(trc.markers)
        shown = ", ".join(found[:6]) + (f", … ({len(found)} in all)" if len(found) > 6 else "")
        raise InputError(
            f"{path} has markers {shown} but none named like a hip, knee or ankle keypoint; "
            f"runform reads TRC files of 2-D pose with Sports2D/Pose2Sim names such as "
            f"{_EXPECTED_NAMES} (or BlazePose names such as right_hip), so rename the "
            "markers or export the pose with one of those skeletons."
        )
    by_name = {v: k for k, v in mapping.items()}
    names = tuple(n for n in BLAZEPOSE_33 if n in by_name)
    column = 0 if h_option in (None, "x") else 2
    xyz = np.stack([trc.markers[by_name[n]] for n in names], axis=1)  # (T, K, 3)
    xy = xyz[:, :, [column, 1]].copy()

    header_units = trc.units.strip().lower()
    extent = _vertical_extent(xy[:, :, 1])
    if units_option is not None:
        unit_key, units_from = units_option, "units parameter"
    elif re.search(r"(^|[_\-.])px($|[_\-.])", path.stem.lower()):
        unit_key, units_from = "px", "file name with _px (Sports2D pixel file)"
    elif header_units in _UNIT_SCALE and not (
        _UNIT_SCALE[header_units][0] == "m"
        and extent * _UNIT_SCALE[header_units][1] > PIXEL_EXTENT_THRESHOLD
    ):
        unit_key, units_from = header_units, "header Units"
    elif extent > PIXEL_EXTENT_THRESHOLD:
        unit_key = "px"
        units_from = (
            f"vertical extent {extent:.4g} is too large for a body in {header_units or 'metres'}"
        )
    else:
        unit_key, units_from = "m", f"header Units {trc.units!r} unknown; extent fits metres"
    track_units, scale = _UNIT_SCALE[unit_key]
    if track_units == "px":
        xy[(xy == 0).all(axis=2)] = np.nan  # Sports2D writes (0, 0) for a point it lost
    xy *= scale
    y_direction = y_option or ("down" if track_units == "px" else "up")
    if y_direction == "up":
        xy[:, :, 1] *= -1.0
    xy[np.isnan(xy).any(axis=2)] = np.nan
    if not np.isfinite(xy).any():
        raise InputError(
            f"{path} has no coordinates for any of its body keypoints; export the pose again."
        )

    if fps is not None:
        time, time_base, track_fps = np.arange(trc.n_frames) / fps, fps_time_base("row", fps), fps
    else:
        time, time_base = trc.time, "trc Time column"
        bad = first_non_increasing(time)
        if bad is not None:
            raise InputError(
                f"{path} has a Time of {time[bad]:g} s in data row {bad + 1} that does not "
                "increase; fix the Time column or pass --fps to use the row number instead."
            )
        track_fps = trc.rate_hz if math.isfinite(trc.rate_hz) else median_rate(time)

    z = xyz[:, :, 2 - column]
    extra: dict = {
        "trc_units": trc.units,
        "units_from": units_from,
        "scale_to_track_units": scale,
        "y_axis_in_file": y_direction,
        "y_flipped": y_direction == "up",
        "horizontal_axis": "x" if column == 0 else "z",
        "markers": {by_name[n]: n for n in names},
        "dropped_markers": dropped,
        "ignored_axis_max_abs": float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else None,
        "trc_rate_hz": trc.rate_hz,
    }
    if trc.notes:
        extra["trc_notes"] = list(trc.notes)
    meta = TrackMeta(
        source=SOURCE,
        fps=track_fps,
        units=track_units,
        time_base=time_base,
        path=str(path),
        extra=extra,
    )
    score = np.full(xy.shape[:2], np.nan)
    return PoseTrack(time=time, xy=xy, score=score, keypoints=names, meta=meta)


def _option(value: str | None, what: str, allowed: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    key = str(value).strip().lower()
    if key not in allowed:
        raise OptionError(f"{what} must be one of {', '.join(allowed)}, got {value!r}.")
    return key


def _vertical_extent(y: np.ndarray) -> float:
    finite = y[np.isfinite(y) & (y != 0)]
    return float(finite.max() - finite.min()) if finite.size else 0.0
