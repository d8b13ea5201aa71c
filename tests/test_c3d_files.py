"""Reading Fukuchi et al.'s original C3D trials for the benchmark (``bench/c3d_files.py``).

A C3D file is written here with known markers and plate channels and read back; where a
runner of the data set exists both as C3D and as its text export (RBDS001 at 2.5 m/s, in
``../external_data``), the two must agree.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

c3d = pytest.importorskip("c3d")

import c3d_files  # noqa: E402


def _write(path: Path, markers: np.ndarray, labels: list[str], fz: np.ndarray) -> None:
    """A C3D of ``markers`` (T, M, 3) mm at 150 Hz and six plate channels at 300 Hz, ``F1Z``
    carrying ``fz``; marker 0 is missing in frame 1."""
    writer = c3d.Writer(point_rate=150.0, analog_rate=300.0)
    writer.set_point_labels(labels)
    writer.set_analog_labels(["F1X", "F1Y", "F1Z", "M1X", "M1Y", "M1Z"])
    frames = []
    for i in range(markers.shape[0]):
        pts = np.zeros((markers.shape[1], 5), np.float32)
        pts[:, :3] = markers[i]
        if i == 1:
            pts[0, 3] = -1.0  # missing
        analog = np.zeros((6, 2), np.float32)
        analog[2] = fz[2 * i : 2 * i + 2]
        frames.append((pts, analog))
    writer.add_frames(frames)
    with open(path, "wb") as fh:
        writer.write(fh)


def test_markers_and_vertical_force_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    markers = rng.uniform(-500, 1500, (20, 3, 3)).astype(np.float32)
    fz = -np.linspace(0.0, 1.5, 40).astype(np.float32)  # -1.5 -> 1500 N
    path = tmp_path / "RBDS99runT35.c3d"
    _write(path, markers, ["R.Heel.Bottom", "R.MT5", "L.MT5"], fz)

    time, read = c3d_files.load_markers(path)
    assert set(read) == {"R.Heel.Bottom", "R.MT5", "L.MT5"}
    np.testing.assert_allclose(time, np.arange(20) / 150.0)
    np.testing.assert_allclose(read["R.MT5"], markers[:, 1] / 1000.0, atol=1e-6)
    assert np.isnan(read["R.Heel.Bottom"][1]).all()  # the missing sample
    np.testing.assert_allclose(read["R.Heel.Bottom"][2], markers[2, 0] / 1000.0, atol=1e-6)

    ftime, force = c3d_files.load_vertical_force(path)
    np.testing.assert_allclose(ftime, np.arange(40) / 300.0)
    np.testing.assert_allclose(force, -1000.0 * fz, atol=1e-3)


def test_the_fukuchi_loaders_read_a_c3d_runner(tmp_path):
    """A folder with only C3D files is found and read like a text export."""
    import fukuchi_data
    import fukuchi_files

    folder = tmp_path / "fukuchi_rbds99"
    folder.mkdir()
    markers = np.ones((10, 1, 3), np.float32)
    _write(folder / "RBDS99runT35.c3d", markers, ["R.MT5"], np.zeros(20, np.float32))
    _write(folder / "RBDS99static.c3d", markers, ["R.MT5"], np.zeros(20, np.float32))
    specs = list(fukuchi_data.trials(tmp_path))
    assert [(s.runner, s.speed_label, s.markers, s.forces, s.static) for s in specs] == [
        ("RBDS99", 3.5, "RBDS99runT35.c3d", "RBDS99runT35.c3d", "RBDS99static.c3d")
    ]
    _, cols = fukuchi_files.load_forces(folder / "RBDS99runT35.c3d")
    assert set(cols) == {"Fy"} and cols["Fy"].shape == (20,)


EXTERNAL = REPO.parent / "external_data" / "fukuchi_rbds001"


@pytest.mark.skipif(
    not (EXTERNAL / "RBDS001runT25.c3d").is_file()
    or not (EXTERNAL / "RBDS001runT25forces.txt").is_file(),
    reason=f"RBDS001 in both forms not found in {EXTERNAL}",
)
def test_c3d_and_text_export_of_the_same_trial_agree():
    import fukuchi_files

    t_c3d, m_c3d = c3d_files.load_markers(EXTERNAL / "RBDS001runT25.c3d")
    t_txt, m_txt = fukuchi_files.load_markers(EXTERNAL / "RBDS001runT25markers.txt")
    np.testing.assert_allclose(t_c3d, t_txt)
    for name, xyz in m_txt.items():
        both = np.isfinite(xyz).all(axis=1) & np.isfinite(m_c3d[name]).all(axis=1)
        assert both.mean() > 0.99, name  # a sample missing in one form only is rare
        np.testing.assert_allclose(m_c3d[name][both], xyz[both], atol=1e-5, err_msg=name)
    f_time, force = c3d_files.load_vertical_force(EXTERNAL / "RBDS001runT25.c3d")
    t_force, cols = fukuchi_files.load_forces(EXTERNAL / "RBDS001runT25forces.txt")
    np.testing.assert_allclose(f_time, t_force)
    # the text export rounds and zeroes the force near 0 N; while a foot is on the belt the
    # two agree to within half a percent
    loaded = cols["Fy"] > 200.0
    assert np.corrcoef(force, cols["Fy"])[0, 1] > 0.9999
    assert np.median(np.abs(force[loaded] / cols["Fy"][loaded] - 1.0)) < 0.005
