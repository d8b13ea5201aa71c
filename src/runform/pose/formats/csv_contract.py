"""The pose CSV contract: the interchange format for pose from any other tool.

One row per frame, one header row::

    time,left_hip_x,left_hip_y,left_hip_score,left_knee_x,left_knee_y
    0.0,412.5,630.25,0.97,420.0,760.5
    0.033333333333333333,,,,421.5,761.0

- ``time`` is seconds; it may be left out (or ignored) when the frame rate is given
  (``--fps``), and then frame ``k`` is at ``k / fps``.
- ``<name>_x`` and ``<name>_y`` (pixels, x right, y down) for any BlazePose keypoint
  name (:data:`runform.keypoints.BLAZEPOSE_33`); ``<name>_score`` (0-1) is optional.
- An empty cell (or ``nan``) is a missing value; a point is missing when x or y is.
- Other columns (``frame``, ``person_id``...) are ignored.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from runform.errors import InputError
from runform.keypoints import BLAZEPOSE_33, KEYPOINTS
from runform.pose.formats._common import (
    blazepose_alias,
    check_fps,
    clip_scores,
    first_non_increasing,
    fps_time_base,
    median_rate,
    read_bytes,
    unsupported,
)
from runform.track import PoseTrack, TrackMeta

TIME_COLUMN = "time"
_AXES = ("x", "y", "score")
_KEYPOINT_COLUMN = re.compile(r"(?P<name>.+)_(?P<axis>x|y|score)")
_MISSING = {"", "nan", "na", "null", "none"}


@dataclass
class _Columns:
    """Where each needed value sits in a CSV row."""

    time: int | None = None
    points: dict[str, dict[str, int]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- reading
def read_pose_csv(path: Path, fps: float | None = None) -> PoseTrack:
    """Read a pose CSV (see the module docstring for the contract).

    Parameters
    ----------
    path:
        The ``.csv`` file.
    fps:
        If given, frame ``k`` is at ``k / fps`` seconds and any ``time`` column is ignored.

    Raises
    ------
    InputError
        Unreadable file, unknown keypoint names, bad cells, missing or non-increasing time.
    """
    fps = check_fps(fps)
    rows, most = _csv_rows(path)
    line, header = next(rows, (0, []))
    if not header:
        raise unsupported(path, "has no header row")
    columns = _parse_header(path, header)

    # rows are parsed one at a time into arrays sized for the most rows the text can hold
    # (its line count), so a long track never exists as lists of strings
    names = tuple(columns.points)
    xy = np.full((most, len(names), 2), np.nan)
    score = np.full((most, len(names)), np.nan)
    raw_time = np.full(most, np.nan)
    lines: list[int] = []
    where = [columns.points[name] for name in names]
    for i, (line, row) in enumerate(rows):
        if len(row) != len(header):
            raise InputError(
                f"Row {line} of {path} has {len(row)} cells but the header has {len(header)}; "
                "give every row one cell per column (empty for a missing value)."
            )
        lines.append(line)
        cell = _cell_reader(path, header, row, line)
        if columns.time is not None and fps is None:
            raw_time[i] = cell(columns.time)
        for k, at in enumerate(where):
            xy[i, k] = cell(at["x"]), cell(at["y"])
            if "score" in at:
                score[i, k] = cell(at["score"])
    n = len(lines)
    if not n:
        raise InputError(f"{path} has a header but no data rows; export at least one frame.")
    xy, score, raw_time = xy[:n].copy(), score[:n].copy(), raw_time[:n].copy()
    xy[np.isnan(xy).any(axis=2)] = np.nan  # a point is missing when x or y is
    score, max_raw = clip_scores(
        score, str(path), "rescale the _score columns to 0-1 or leave them out"
    )

    if fps is not None:
        time, time_base, track_fps = np.arange(n) / fps, fps_time_base("row index", fps), fps
    else:
        time = _time_column(path, columns, raw_time, lines)
        time_base, track_fps = "csv time column", median_rate(time)

    extra: dict = {}
    if columns.ignored:
        extra["ignored_columns"] = columns.ignored
    if max_raw is not None:
        extra["max_raw_score"] = max_raw
    meta = TrackMeta(source="csv", fps=track_fps, time_base=time_base, path=str(path), extra=extra)
    return PoseTrack(time=time, xy=xy, score=score, keypoints=names, meta=meta)


def _csv_rows(path: Path) -> tuple[Iterator[tuple[int, list[str]]], int]:
    """Non-blank rows with their line numbers (header first), read one at a time, and the
    most rows there can be (the text's line count)."""
    try:
        text = read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise unsupported(path, "is not a UTF-8 text CSV file") from None
    if "\x00" in text:
        raise unsupported(path, "is not a text CSV file (it holds binary data)")

    def rows() -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    yield reader.line_num, row
        except csv.Error as exc:
            raise unsupported(path, f"is not a well-formed CSV file ({exc})") from None

    return rows(), text.count("\n") + text.count("\r") + 1


def _parse_header(path: Path, header: list[str]) -> _Columns:
    columns = _Columns()
    seen: set[str] = set()
    unknown: list[str] = []
    for index, raw in enumerate(header):
        name = raw.strip().lower()
        if name in seen:
            raise InputError(f"{path} has the column {raw!r} twice; keep one of them.")
        seen.add(name)
        match = _KEYPOINT_COLUMN.fullmatch(name)
        if name == TIME_COLUMN:
            columns.time = index
        elif match and match["name"] in KEYPOINTS:
            columns.points.setdefault(match["name"], {})[match["axis"]] = index
        elif match and match["axis"] in ("x", "y"):
            if match["name"] not in unknown:
                unknown.append(match["name"])
        else:
            columns.ignored.append(raw.strip())
    if unknown:
        raise InputError(
            f"{path} has columns for unknown keypoint names ({_describe_unknown(unknown)}); "
            f"rename them to BlazePose names, one of: {', '.join(BLAZEPOSE_33)}."
        )
    for name, where in columns.points.items():
        if "x" not in where or "y" not in where:
            have = ", ".join(f"{name}_{a}" for a in _AXES if a in where)
            raise InputError(
                f"{path} has {have} but not both {name}_x and {name}_y; "
                "give each keypoint an _x and a _y column."
            )
    if not columns.points:
        raise InputError(
            f"{path} has no keypoint columns; name them <name>_x, <name>_y (and optionally "
            "<name>_score) with BlazePose names such as left_hip_x, left_hip_y."
        )
    return columns


def _describe_unknown(unknown: list[str]) -> str:
    """``'l_hip' (did you mean 'left_hip'?), 'foo'`` for the error message."""
    parts = []
    for name in unknown:
        alias = blazepose_alias(name)
        guess = (
            [alias] if alias in KEYPOINTS else difflib.get_close_matches(name, BLAZEPOSE_33, n=1)
        )
        parts.append(f"{name!r} (did you mean {guess[0]!r}?)" if guess else repr(name))
    return ", ".join(parts)


def _cell_reader(path: Path, header: list[str], row: list[str], line: int):
    """A function ``index -> float`` for one row (``NaN`` for an empty cell)."""

    def cell(index: int) -> float:
        text = row[index].strip()
        if text.lower() in _MISSING:
            return math.nan
        try:
            value = float(text)
        except ValueError:
            value = math.inf
        if not math.isfinite(value):
            raise InputError(
                f"Row {line} of {path} has {text!r} in column {header[index].strip()!r}, "
                "which is not a finite number; use a number, or leave the cell empty if missing."
            )
        return value

    return cell


def _time_column(
    path: Path, columns: _Columns, raw_time: np.ndarray, lines: list[int]
) -> np.ndarray:
    if columns.time is None:
        raise InputError(
            f"{path} has no 'time' column; add one (in seconds) or pass --fps with the "
            "frame rate so that row k is at k / fps."
        )
    missing = np.flatnonzero(np.isnan(raw_time))
    if missing.size:
        raise InputError(
            f"Row {lines[missing[0]]} of {path} has no time; fill in the time column or "
            "pass --fps to use row index / fps instead."
        )
    bad = first_non_increasing(raw_time)
    if bad is not None:
        raise InputError(
            f"Time does not increase at row {lines[bad]} of {path} ({raw_time[bad - 1]!r} then "
            f"{raw_time[bad]!r}); fix the time column or pass --fps to use row index / fps "
            "instead."
        )
    return raw_time


# ---------------------------------------------------------------------- writing
def write_pose_csv(track: PoseTrack, path: Path) -> None:
    """Write ``track`` as a pose CSV: time, then x, y, score for every keypoint.

    Values are written with full precision (``repr``), a missing value as an empty cell,
    so that :func:`read_pose_csv` gives back the same arrays. Only ``time``, ``xy``,
    ``score`` and the keypoint names are stored; use the runform JSON to keep the meta.

    Raises
    ------
    InputError
        If the track has keypoint names outside the BlazePose vocabulary, or the file
        cannot be written.
    """
    unknown = track.unknown_keypoints()
    if unknown:
        raise InputError(
            f"Cannot write keypoints {', '.join(unknown)} to the pose CSV, which only holds "
            "BlazePose names; rename them or write runform JSON instead."
        )
    header = [TIME_COLUMN] + [f"{name}_{axis}" for name in track.keypoints for axis in _AXES]
    values = np.concatenate([track.xy, track.score[:, :, None]], axis=2)
    values = values.reshape(track.n_frames, -1)
    try:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            for t, row in zip(track.time.tolist(), values.tolist(), strict=True):
                writer.writerow([_format(t), *map(_format, row)])
    except OSError as exc:
        raise InputError(
            f"Cannot write {path} ({exc.strerror}); check the folder exists and is writable."
        ) from None


def _format(value: float) -> str:
    return "" if math.isnan(value) else repr(value)
