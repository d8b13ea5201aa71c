"""Text helpers shared by the OpenSim readers (:mod:`runform.pose.formats.opensim` for TRC,
:mod:`runform.pose.formats.mot` for MOT/STO): lines, cells, numbers and header values."""

from __future__ import annotations

import math
from pathlib import Path

from runform.errors import InputError

#: Cells read as a missing value (besides the empty cell), compared in lower case.
_MISSING = {"", "nan", "-nan", "na", "null", "none"}

#: Header words of SIMM-style motion files (``name Run_3``, ``datacolumns 164``...).
_SIMM_KEYS = {"name", "datacolumns", "datarows", "otherdata", "range", "wrt"}


def _text_lines(path: Path, what: str) -> list[str]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist; check the path of the {what}.") from None
    except OSError as exc:
        raise InputError(
            f"Cannot read {path} ({exc.strerror}); check the path and its permissions."
        ) from None
    if b"\0" in data:
        raise InputError(f"{path} is binary data, not a text {what}; export it as text.")
    text = data.decode("utf-8-sig", errors="replace")
    if not text.strip():
        raise InputError(f"{path} is empty; export the {what} again.")
    return text.splitlines()


def _cells(line: str) -> list[str]:
    """Tab-separated cells, stripped; whitespace-separated when the line has no tab."""
    if "\t" in line:
        return [c.strip() for c in line.split("\t")]
    return line.split()


def _split_row(line: str) -> list[str]:
    """A ``.mot``/``.sto`` row: tab-separated, else whitespace-separated; stripped."""
    if "\t" in line:
        cells = [c.strip() for c in line.split("\t")]
        while cells and not cells[-1]:
            cells.pop()
        return cells
    return line.split()


def _is_axis_row(cells: list[str]) -> bool:
    """Whether a TRC row is the ``X1 Y1 Z1 ...`` coordinate-label row."""
    labels = [c for c in cells if c]
    return bool(labels) and all(c[:1].upper() in "XYZ" and c[1:].isdigit() for c in labels)


def _number(cell: str, path: Path, line_number: int) -> float:
    if cell.lower() in _MISSING:
        return math.nan
    try:
        return float(cell)
    except ValueError:
        raise InputError(
            f"{path} line {line_number} has {cell[:30]!r} where a number is expected; "
            "fix or remove that row."
        ) from None


def _format(value: float) -> str:
    return "" if not math.isfinite(value) else repr(float(value))


def _int_or_none(text: str | None) -> int | None:
    value = _float_or_none(text)
    return int(value) if value is not None and value.is_integer() else None


def _float_or_none(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else math.nan
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _yes_no(text: str | None) -> bool | None:
    if text is None:
        return None
    word = text.strip().lower()
    if word in {"yes", "true", "1"}:
        return True
    if word in {"no", "false", "0"}:
        return False
    return None
