"""Fukuchi et al. 2017's original C3D files, read as the harness reads their text exports.

The data set's figshare record (doi:10.6084/m9.figshare.4543435) holds every runner's trials
as C3D (``RBDS03runT25.c3d``, ``RBDS03static.c3d``...); only some runners were also exported
to the tab-separated text the harness was written for (:mod:`fukuchi_files`). This module
reads the C3D files into the same structures, so any runner of the data set can be
benchmarked:

- markers: ``time`` (s, frame / point rate) and ``{name: (T, 3)}`` in metres, NaN where the
  marker is missing (a negative residual), in the lab frame of the text files (X forward
  along the belt, Y up, Z to the runner's right: the coordinates are the same numbers);
- vertical force: ``time`` (s, sample / analog rate) and the force in newtons. The C3D
  stores one plate's analog channels ``F1X F1Y F1Z M1X M1Y M1Z``; the vertical force is
  ``-1000 × F1Z`` (the plate's calibration, Z down). Checked on RBDS001 at 2.5 m/s, which
  exists in both forms: r = -0.99993 and a slope of -1002 against the text export's ``Fy``
  (``tests/test_c3d_files.py`` checks this whenever both files are present).

Reading uses the pure-Python ``c3d`` package (a development dependency: the benchmark needs
it, the product does not).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

#: Newtons per unit of the vertical analog channel ``F1Z`` in Fukuchi's C3D files.
VERTICAL_N_PER_UNIT = -1000.0


@lru_cache(maxsize=8)
def _read(path: str) -> tuple[float, float, list[str], list[str], np.ndarray, np.ndarray]:
    import c3d

    with open(path, "rb") as fh:
        reader = c3d.Reader(fh)
        labels = [s.strip() for s in reader.point_labels]
        has_labels = reader.get("ANALOG:LABELS") is not None
        analog_labels = [s.strip() for s in reader.analog_labels] if has_labels else []
        points, analog = [], []
        for _, frame_points, frame_analog in reader.read_frames():
            xyz = np.array(frame_points[:, :3], dtype=float)
            xyz[frame_points[:, 3] < 0] = np.nan
            points.append(xyz)
            analog.append(np.array(frame_analog, dtype=float))
        point_rate, analog_rate = float(reader.point_rate), float(reader.analog_rate)
    pts = np.stack(points) if points else np.zeros((0, len(labels), 3))
    an = np.concatenate(analog, axis=1) if analog and analog[0].size else np.zeros((0, 0))
    return point_rate, analog_rate, labels, analog_labels, pts, an


def load_markers(path: str | Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Markers of one C3D trial: ``time`` (s) and ``{name: (T, 3)}`` in metres (NaN: missing).

    A label that appears twice keeps its first column; an empty label is skipped.
    """
    rate, _, labels, _, pts, _ = _read(str(Path(path)))
    markers: dict[str, np.ndarray] = {}
    for i, name in enumerate(labels):
        if name and name not in markers:
            markers[name] = pts[:, i, :] / 1000.0
    return np.arange(pts.shape[0]) / rate, markers


def load_vertical_force(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The plate's vertical force (N) of one C3D trial, with its time (s)."""
    _, rate, _, analog_labels, _, an = _read(str(Path(path)))
    if "F1Z" not in analog_labels:
        raise ValueError(f"{path}: no F1Z analog channel (labels {analog_labels}).")
    force = VERTICAL_N_PER_UNIT * an[analog_labels.index("F1Z")]
    return np.arange(force.size) / rate, force
