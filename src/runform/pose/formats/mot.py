"""OpenSim motion files (``.mot`` / ``.sto``): inverse-kinematics results and ground
reaction forces, OpenSim 4 or older SIMM headers (:func:`read_mot`). Re-exported by
:mod:`runform.pose.formats.opensim`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from runform.errors import InputError
from runform.pose.formats._opensim_text import (
    _SIMM_KEYS,
    _int_or_none,
    _number,
    _split_row,
    _text_lines,
    _yes_no,
)


@dataclass(frozen=True, eq=False)
class MotData:
    """The content of an OpenSim ``.mot`` / ``.sto`` motion or force file.

    Attributes
    ----------
    time:
        ``(T,)`` seconds, from the ``time`` column.
    columns:
        Every other column name → ``(T,)`` float array, in file order (``NaN`` for empty
        cells). A repeated name gets ``#2``, ``#3``... appended (noted in ``notes``).
    header:
        Header lines before ``endheader``: ``key=value`` lines and SIMM ``key value`` lines
        (``{"nRows": "475", "datacolumns": "164", "range": "0.05 4.79", ...}``); the trial
        name (a bare first line or a SIMM ``name`` line, whichever comes first) is under
        ``"name"``. ``#`` comments and other free-text lines are skipped.
    in_degrees:
        ``True``/``False`` from an ``inDegrees=yes/no`` header line, ``None`` when the file
        does not say (SIMM-style files usually do not, and hold degrees).
    notes:
        Plain-language remarks on what did not match the header (e.g. the row count).
    """

    time: np.ndarray
    columns: dict[str, np.ndarray]
    header: dict[str, str]
    in_degrees: bool | None
    notes: tuple[str, ...] = ()

    @property
    def n_rows(self) -> int:
        """Number of data rows read (not the header's ``nRows``/``datarows``)."""
        return int(self.time.shape[0])


def read_mot(path: str | os.PathLike) -> MotData:
    """Read an OpenSim ``.mot`` / ``.sto`` file (OpenSim 4 or SIMM-style header).

    Parameters
    ----------
    path:
        The motion, states or force file.

    Returns
    -------
    MotData
        Time, every other column by name, the header and ``inDegrees`` when declared.

    Raises
    ------
    InputError
        Missing or unreadable file, no ``endheader`` line, no ``time`` column, no data
        rows, or a cell that is not a number.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ik.mot"
    >>> _ = path.write_text(
    ...     "Coordinates\\nversion=1\\nnRows=2\\nnColumns=2\\ninDegrees=yes\\nendheader\\n"
    ...     "time\\thip_flexion_r\\n0.0\\t10.5\\n0.01\\t11.0\\n"
    ... )
    >>> mot = read_mot(path)
    >>> mot.in_degrees, mot.header["name"], mot.columns["hip_flexion_r"].tolist()
    (True, 'Coordinates', [10.5, 11.0])
    """
    path = Path(path)
    lines = _text_lines(path, "OpenSim motion file")
    end = next((i for i, line in enumerate(lines) if line.strip().lower() == "endheader"), None)
    if end is None:
        raise InputError(
            f"{path} has no 'endheader' line, so it is not an OpenSim .mot/.sto file; "
            "export it from OpenSim or add the header."
        )
    header: dict[str, str] = {}
    for i, raw in enumerate(lines[:end]):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" in line:
            key, value = line.split("=", 1)
            header[key.strip()] = value.strip()
        elif line.split()[0] in _SIMM_KEYS and len(line.split()) > 1:
            key, value = line.split(None, 1)
            header.setdefault(key, value.strip())
        elif i == 0 or len(line.split()) == 1:
            header.setdefault("name", line)
        # other lines are free text (e.g. "Units are S.I. units ..."), kept out of the header

    body = [(number, line) for number, line in enumerate(lines[end + 1 :], end + 2) if line.strip()]
    if not body:
        raise InputError(f"{path} has no column labels after 'endheader'; re-export the file.")
    label_number, label_line = body[0]
    labels = _split_row(label_line)
    if not labels or labels[0].lower() != "time":
        raise InputError(
            f"{path} line {label_number} should start with a 'time' column; re-export the "
            "file with time as its first column."
        )
    rows = body[1:]
    if not rows:
        raise InputError(f"{path} has column labels but no data rows; export at least one row.")
    table = np.full((len(rows), len(labels)), np.nan)
    for r, (number, line) in enumerate(rows):
        cells = _split_row(line)
        if len(cells) > len(labels):
            extra = cells[len(labels) :]
            if any(c.strip() for c in extra):
                raise InputError(
                    f"{path} line {number} has {len(cells)} values for {len(labels)} column "
                    "labels; check that the labels and values use the same separator."
                )
            cells = cells[: len(labels)]
        table[r, : len(cells)] = [_number(cell, path, number) for cell in cells]

    time = table[:, 0].copy()
    missing_time = np.flatnonzero(~np.isfinite(time))
    if missing_time.size:
        raise InputError(
            f"{path} line {rows[int(missing_time[0])][0]} has no time; fill the time column."
        )
    notes = []
    columns: dict[str, np.ndarray] = {}
    for j, label in enumerate(labels[1:], 1):
        name, copy = label, 1
        while name in columns:
            copy += 1
            name = f"{label}#{copy}"
        if copy > 1:
            notes.append(f"column {label!r} appears more than once; copy {copy} is {name!r}")
        columns[name] = table[:, j].copy()
    declared = _int_or_none(header.get("nRows", header.get("datarows")))
    if declared is not None and declared != len(rows):
        notes.append(f"header says {declared} rows but the file has {len(rows)}")
    return MotData(
        time=time,
        columns=columns,
        header=header,
        in_degrees=_yes_no(header.get("inDegrees")),
        notes=tuple(notes),
    )
