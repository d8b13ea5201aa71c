"""OpenSim marker (``.trc``) and motion (``.mot`` / ``.sto``) files.

Low-level readers and a writer that return plain data, for motion-capture benchmarks and
for pose exported by 2-D tools that write TRC:

- :func:`read_trc` — an OpenSim TRC marker file (``PathFileType 4 (X/Y/Z)``, tab-separated)
  as a :class:`TrcData`: time, rate, units and one ``(T, 3)`` array per marker;
- :func:`write_trc` — the inverse, full float precision, so a write→read round trip is exact;
- :func:`read_mot` — an OpenSim 4 ``.mot``/``.sto`` (``key=value`` header lines, then
  ``endheader``) or an older SIMM motion file (``nRows=``, ``# SIMM Motion File Header:``,
  ``name``/``datacolumns``/``range`` lines, ``endheader``) as a :class:`MotData`; this covers
  inverse-kinematics results and ground reaction force files alike;
- a TRC of 2-D body keypoints, as Sports2D and Pose2Sim write them, is read as a pose track
  by :mod:`runform.pose.formats.trc_pose`.

A TRC file looks like this (tabs shown as ``→``)::

    PathFileType→4→(X/Y/Z)→Run_3.trc
    DataRate→CameraRate→NumFrames→NumMarkers→Units→OrigDataRate→OrigDataStartFrame→OrigNumFrames
    100→100→475→42→mm→100→5→128
    Frame#→Time→RASI→→→LPSI→→→...
    →→X1→Y1→Z1→X2→Y2→Z2→...
    (an optional blank line)
    5→0.05→994.53→1061.56→-225.08→819.07→...

The header's ``NumFrames`` is not always right, so the data rows are counted instead (a
disagreement is kept in :attr:`TrcData.notes`). An empty cell is a missing value (``NaN``);
cells after the last marker (trailing tabs) are ignored.

Examples
--------
>>> import tempfile, pathlib, numpy as np
>>> path = pathlib.Path(tempfile.mkdtemp()) / "two.trc"
>>> time = np.arange(3) / 100
>>> write_trc(path, time, {"RHip": np.ones((3, 3)), "RKnee": np.zeros((3, 3))}, "m", 100.0)
>>> trc = read_trc(path)
>>> trc.rate_hz, trc.units, list(trc.markers), trc.markers["RHip"].shape
(100.0, 'm', ['RHip', 'RKnee'], (3, 3))
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from runform.errors import InputError
from runform.pose.formats._opensim_text import (
    _cells,
    _float_or_none,
    _format,
    _int_or_none,
    _is_axis_row,
    _number,
    _text_lines,
)
from runform.pose.formats.mot import MotData, read_mot  # re-exported: one import for both

__all__ = ["MotData", "TrcData", "read_mot", "read_trc", "write_trc"]

#: The TRC header keys, in the order OpenSim writes them.
TRC_HEADER_KEYS: tuple[str, ...] = (
    "DataRate",
    "CameraRate",
    "NumFrames",
    "NumMarkers",
    "Units",
    "OrigDataRate",
    "OrigDataStartFrame",
    "OrigNumFrames",
)


@dataclass(frozen=True, eq=False)
class TrcData:
    """The content of a TRC marker file.

    Attributes
    ----------
    time:
        ``(T,)`` seconds, from the ``Time`` column.
    rate_hz:
        ``DataRate`` from the header (the median time step when the header has none).
    units:
        ``Units`` from the header, stripped (``"mm"``, ``"m"``, ``"px"``...; ``""`` if absent).
    markers:
        Marker name → ``(T, 3)`` float array of X, Y, Z, ``NaN`` where the cell is empty;
        in file order.
    header:
        The header key/value row (``{"DataRate": "100", "NumFrames": "475", ...}``), values
        stripped, as written (so ``NumFrames`` may disagree with ``len(time)``).
    frame:
        ``(T,)`` the ``Frame#`` column (``NaN`` where empty).
    path_file_type:
        The first line's cells after ``PathFileType`` (e.g. ``("4", "(X/Y/Z)", "Run_3.trc")``).
    notes:
        Plain-language remarks on what did not match the header (e.g. the row count).
    """

    time: np.ndarray
    rate_hz: float
    units: str
    markers: dict[str, np.ndarray]
    header: dict[str, str]
    frame: np.ndarray = field(default_factory=lambda: np.zeros(0))
    path_file_type: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def n_frames(self) -> int:
        """Number of data rows read (not the header's ``NumFrames``)."""
        return int(self.time.shape[0])

    @property
    def marker_names(self) -> tuple[str, ...]:
        """Marker names in file order."""
        return tuple(self.markers)


# ---------------------------------------------------------------------- TRC
def read_trc(path: str | os.PathLike) -> TrcData:
    """Read an OpenSim TRC marker file.

    Parameters
    ----------
    path:
        A ``.trc`` file (tab-separated, ``PathFileType 4 (X/Y/Z)``).

    Returns
    -------
    TrcData
        Time, rate, units, one ``(T, 3)`` array per marker and the header; the number of
        frames is the number of data rows, whatever the header's ``NumFrames`` says.

    Raises
    ------
    InputError
        Missing or unreadable file, not a TRC layout, no markers, no data rows, a data row
        with fewer cells than the markers need (a cut file: nothing is padded), a cell that
        is not a number, or a missing time.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "one.trc"
    >>> _ = path.write_text(
    ...     "PathFileType\\t4\\t(X/Y/Z)\\tone.trc\\n"
    ...     "DataRate\\tCameraRate\\tNumFrames\\tNumMarkers\\tUnits\\n"
    ...     "50\\t50\\t99\\t2\\tmm\\n"
    ...     "Frame#\\tTime\\tA\\t\\t\\tB\\t\\t\\n"
    ...     "\\t\\tX1\\tY1\\tZ1\\tX2\\tY2\\tZ2\\n"
    ...     "\\n"
    ...     "1\\t0.00\\t1\\t2\\t3\\t\\t\\t\\t\\n"
    ...     "2\\t0.02\\t4\\t5\\t6\\t7\\t8\\t9\\n"
    ... )
    >>> trc = read_trc(path)
    >>> trc.n_frames, trc.header["NumFrames"], trc.markers["B"][0].tolist()
    (2, '99', [nan, nan, nan])
    """
    path = Path(path)
    lines = _text_lines(path, "TRC marker file")
    if len(lines) < 5 or not lines[0].strip().lower().startswith("pathfiletype"):
        raise InputError(
            f"{path} is not an OpenSim TRC marker file (its first line should start with "
            "PathFileType); export the markers as TRC from your motion-capture or pose tool."
        )
    first = _cells(lines[0])
    path_file_type = tuple(c for c in first[1:] if c)
    keys, values = _cells(lines[1]), _cells(lines[2])
    header = {k: (values[i] if i < len(values) else "") for i, k in enumerate(keys) if k}

    names_row = _cells(lines[3])
    if len(names_row) < 2 or names_row[1].lower() != "time":
        raise InputError(
            f"{path} line 4 should start with Frame# and Time, then the marker names; "
            "check that the file is a TRC marker file with its four header lines."
        )
    names = [c for c in names_row[2:] if c]
    if not names:
        raise InputError(
            f"{path} has no marker names on line 4; export the file with its marker labels."
        )
    if len(set(names)) != len(names):
        repeated = sorted({n for n in names if names.count(n) > 1})
        raise InputError(
            f"{path} names the marker(s) {', '.join(repeated)} more than once; give each "
            "marker a unique name."
        )

    start = 4
    if start < len(lines) and _is_axis_row(_cells(lines[start])):
        start += 1
    rows = [(number, line) for number, line in enumerate(lines[start:], start + 1) if line.strip()]
    if not rows:
        raise InputError(f"{path} has a TRC header but no data rows; export at least one frame.")

    width = 2 + 3 * len(names)
    table = np.full((len(rows), width), np.nan)
    for r, (number, line) in enumerate(rows):
        cells = _cells(line)[:width]
        if len(cells) < width:
            remedy = (
                "export the file again, whole"
                if "\t" in line
                else "it is separated by spaces, which lose the empty cells of missing points, "
                "so write it tab-separated"
            )
            raise InputError(
                f"{path} line {number} (data row {r + 1}) has {len(cells)} cells where the "
                f"{len(names)} markers of line 4 need {width} (Frame#, Time and X, Y, Z of each, "
                f"empty cells for a missing point); {remedy}."
            )
        table[r] = [_number(cell, path, number) for cell in cells]

    frame, time = table[:, 0], table[:, 1]
    missing_time = np.flatnonzero(~np.isfinite(time))
    if missing_time.size:
        raise InputError(
            f"{path} line {rows[int(missing_time[0])][0]} has no time; fill the Time column."
        )
    markers = {name: table[:, 2 + 3 * i : 5 + 3 * i].copy() for i, name in enumerate(names)}

    notes = []
    declared_frames = _int_or_none(header.get("NumFrames"))
    if declared_frames is not None and declared_frames != len(rows):
        notes.append(f"header NumFrames is {declared_frames} but the file has {len(rows)} rows")
    declared_markers = _int_or_none(header.get("NumMarkers"))
    if declared_markers is not None and declared_markers != len(names):
        notes.append(
            f"header NumMarkers is {declared_markers} but line 4 names {len(names)} markers"
        )
    rate = _float_or_none(header.get("DataRate"))
    if rate is None or rate <= 0:
        rate = float(1.0 / np.median(np.diff(time))) if time.size > 1 else math.nan
        notes.append("no usable DataRate in the header; rate taken from the time column")
    return TrcData(
        time=time.copy(),
        rate_hz=float(rate),
        units=header.get("Units", "").strip(),
        markers=markers,
        header=header,
        frame=frame.copy(),
        path_file_type=path_file_type,
        notes=tuple(notes),
    )


def write_trc(
    path: str | os.PathLike,
    time: np.ndarray,
    markers: Mapping[str, np.ndarray],
    units: str,
    rate_hz: float,
    *,
    first_frame: int = 1,
) -> None:
    """Write markers as an OpenSim TRC file (tab-separated, ``PathFileType 4 (X/Y/Z)``).

    Numbers are written with full precision (Python ``repr``) and ``NaN`` as an empty cell,
    so :func:`read_trc` gives back exactly the arrays written.

    Parameters
    ----------
    path:
        The ``.trc`` file to write (overwritten).
    time:
        ``(T,)`` seconds.
    markers:
        Marker name → ``(T, 3)`` X, Y, Z (a ``(T, 2)`` array is written with Z = 0).
    units:
        Coordinate units for the header (``"mm"``, ``"m"``, ``"px"``...).
    rate_hz:
        ``DataRate`` and ``CameraRate`` for the header.
    first_frame:
        Number of the first frame in the ``Frame#`` column.

    Raises
    ------
    InputError
        A marker array of the wrong shape, an empty or tab-holding marker name, or no markers.
    """
    path = Path(path)
    time = np.asarray(time, dtype=float)
    if time.ndim != 1:
        raise InputError("write_trc needs a one-dimensional time array.")
    if not markers:
        raise InputError("write_trc needs at least one marker.")
    arrays = []
    for name, values in markers.items():
        values = np.asarray(values, dtype=float)
        if not name or any(c in name for c in "\t\r\n"):
            raise InputError(f"Marker name {name!r} cannot be written to TRC; use a plain name.")
        if values.ndim == 2 and values.shape == (time.size, 2):
            values = np.concatenate([values, np.zeros((time.size, 1))], axis=1)
        if values.shape != (time.size, 3):
            raise InputError(
                f"Marker {name} has shape {values.shape}, expected ({time.size}, 3) to match time."
            )
        arrays.append(values)
    n, m = time.size, len(arrays)
    rate = f"{float(rate_hz):g}"
    header_values = (rate, rate, str(n), str(m), units, rate, str(first_frame), str(n))
    lines = [
        "\t".join(("PathFileType", "4", "(X/Y/Z)", path.name)),
        "\t".join(TRC_HEADER_KEYS),
        "\t".join(header_values),
        "\t".join(["Frame#", "Time", *(c for name in markers for c in (name, "", ""))]),
        "\t".join(["", "", *(f"{a}{i}" for i in range(1, m + 1) for a in "XYZ")]),
        "",
    ]
    table = np.concatenate(arrays, axis=1) if arrays else np.zeros((n, 0))
    for k in range(n):
        cells = [str(first_frame + k), _format(time[k]), *(_format(v) for v in table[k])]
        lines.append("\t".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
