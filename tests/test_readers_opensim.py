"""OpenSim TRC / MOT readers, the TRC writer, and TRC pose files from Sports2D / Pose2Sim.

Real files come from Hamner & Delp (2013), subject 01, read from
``<repo>/../shared/data/hamner2013``; those tests skip when it is absent. Sports2D-style
files are written here in the layout Sports2D's ``make_trc_with_trc_data`` uses (tabs,
``Units`` ``m`` even in its pixel file, ``Frame#`` from 0, empty cells for missing values).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from runform.cli import main
from runform.errors import InputError, OptionError
from runform.pose.formats.opensim import read_mot, read_trc, write_trc
from runform.pose.formats.trc_pose import read_trc_pose, trc_marker_to_blazepose
from runform.pose.readers import read_pose
from runform.synthetic import RunnerSpec, synthetic_runner
from runform.track import PoseTrack

HAMNER = Path(__file__).resolve().parents[2] / "shared" / "data" / "hamner2013" / "subject01"
RUN_TRC = HAMNER / "expData" / "Run_3.trc"
STATIC_TRC = HAMNER / "model" / "static.trc"
IK_MOT = HAMNER / "ik" / "Run_3.mot"
GRF_MOT = HAMNER / "expData" / "Run_3_grf.mot"


def needs(path: Path):
    return pytest.mark.skipif(
        not path.is_file(), reason=f"Hamner 2013 reference file not found at {path}"
    )


# Sports2D / Pose2Sim HALPE_26 names for the BlazePose keypoints a synthetic runner has.
SPORTS2D_NAMES = {
    "nose": "Nose",
    "left_ear": "LEar",
    "right_ear": "REar",
    "left_shoulder": "LShoulder",
    "right_shoulder": "RShoulder",
    "left_elbow": "LElbow",
    "right_elbow": "RElbow",
    "left_wrist": "LWrist",
    "right_wrist": "RWrist",
    "left_hip": "LHip",
    "right_hip": "RHip",
    "left_knee": "LKnee",
    "right_knee": "RKnee",
    "left_ankle": "LAnkle",
    "right_ankle": "RAnkle",
    "left_heel": "LHeel",
    "right_heel": "RHeel",
    "left_foot_index": "LBigToe",
    "right_foot_index": "RBigToe",
}


def runner(duration_s: float = 8.0) -> PoseTrack:
    """A synthetic runner (60 fps, facing left), with a few points missing."""
    track = synthetic_runner(
        RunnerSpec(facing="left"), fps=60.0, duration_s=duration_s, seed=2
    ).track
    xy = track.xy.copy()
    xy[10, track.index("left_knee")] = np.nan
    xy[11:13, track.index("right_heel")] = np.nan
    return track.replace(xy=xy)


def sports2d_trc(track: PoseTrack, path: Path, *, to_meters: bool = False) -> dict:
    """Write ``track`` as Sports2D does: pixel file (image y down, header units ``m``) or
    metre file (origin at a floor point, y up, a fixed depth in Z). Returns the conversion."""
    cx, cy, scale, depth = 900.0, 1000.0, 0.002, 0.12
    first_frame = 0
    points = {SPORTS2D_NAMES[k]: track.point(k) for k in track.keypoints}
    hips = (track.point("left_hip") + track.point("right_hip")) / 2
    points["Hip"] = hips  # Sports2D adds these; runform has no counterpart
    points["Neck"] = (track.point("left_shoulder") + track.point("right_shoulder")) / 2
    points["RSmallToe"] = track.point("right_foot_index") + 3.0
    time = track.time
    columns = []
    for name, xy in points.items():
        x, y = xy[:, 0], xy[:, 1]
        if to_meters:
            columns.append((name, scale * (x - cx), -scale * (y - cy), np.full(x.shape, depth)))
        else:
            columns.append((name, x, y, np.zeros(x.shape)))
    if to_meters:
        first_frame = 7  # Sports2D trims leading frames of its metre file
    names = [c[0] for c in columns]
    lines = [
        "PathFileType\t4\t(X/Y/Z)\t" + str(path),
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame"
        "\tOrigNumFrames",
        "\t".join(map(str, [60.0, 60.0, len(time), len(names), "m", 60.0, 0, len(time)])),
        "Frame#\tTime\t" + "\t\t\t".join(names) + "\t\t\t",
        "\t\t" + "\t".join(f"X{i + 1}\tY{i + 1}\tZ{i + 1}" for i in range(len(names))),
    ]
    for k in range(len(time)):
        cells = [str(first_frame + k), repr(float(time[k]))]
        for _, *coords in columns:
            cells += ["" if math.isnan(c[k]) else repr(float(c[k])) for c in coords]
        lines.append("\t".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return {"cx": cx, "cy": cy, "scale": scale}


def mocap_trc(path: Path) -> Path:
    """A small motion-capture TRC (markers RASI, RTH1, ...), like Hamner's."""
    time = np.arange(5) / 100
    markers = {m: np.full((5, 3), 100.0 + i) for i, m in enumerate(["RASI", "LASI", "RTH1"])}
    write_trc(path, time, markers, "mm", 100.0)
    return path


def one_sentence(stderr: str) -> str:
    text = " ".join(stderr.split())
    assert "Traceback" not in text
    assert text.startswith("error: "), text
    message = text[len("error: ") :]
    assert message.endswith("."), message
    assert not re.search(r"[.!?]\s+[A-Z]", message), f"more than one sentence: {message}"
    return message


# ----------------------------------------------------------------------------- read_trc
@needs(RUN_TRC)
def test_read_trc_hamner_run():
    trc = read_trc(RUN_TRC)
    assert len(trc.markers) == 42 and trc.marker_names[:3] == ("RASI", "LPSI", "RPSI")
    assert trc.rate_hz == 100.0 and trc.units == "mm"
    assert trc.n_frames == 475 == int(trc.header["NumFrames"])
    assert trc.header["OrigDataStartFrame"] == "5"
    assert trc.frame[0] == 5 and trc.time[0] == pytest.approx(0.05)
    assert trc.time[-1] == pytest.approx(4.79)
    np.testing.assert_array_equal(trc.markers["RASI"][0], [994.533721, 1061.563888, -225.083521])
    assert all(a.shape == (475, 3) for a in trc.markers.values())
    assert trc.notes == ()


@needs(STATIC_TRC)
def test_read_trc_hamner_static_with_padded_header_and_trailing_tabs():
    trc = read_trc(STATIC_TRC)
    assert len(trc.markers) == 64 and trc.marker_names[0] == "LASI"
    assert trc.units == "mm"  # the header cell is "     mm"
    assert trc.n_frames == 397 and trc.time[0] == 0.0
    np.testing.assert_array_equal(trc.markers["LASI"][0], [629.6712, 1082.20154, -356.61258])
    assert np.isfinite(np.stack(list(trc.markers.values()))).all()


def test_read_trc_counts_rows_and_reads_empty_cells_as_nan(tmp_path: Path):
    path = tmp_path / "odd.trc"
    path.write_text(
        "PathFileType\t4\t(X/Y/Z)\todd.trc\n"
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\n"
        "50\t50\t99\t2\tm\t\t\n"
        "Frame#\tTime\tA\t\t\tB\t\t\t\n"
        "\t\tX1\tY1\tZ1\tX2\tY2\tZ2\t\n"
        "\n"
        "1\t0.00\t1\t2\t3\t\t\t\t\n"
        "2\t0.02\t4\t5\t6\t7\t8\t9\t\t\n"
        "\n"
        "3\t0.04\t7\t8\t\t\t\t\n",
        encoding="utf-8",
    )
    trc = read_trc(path)
    assert trc.n_frames == 3 and trc.header["NumFrames"] == "99"
    assert any("NumFrames" in note for note in trc.notes)
    np.testing.assert_array_equal(trc.markers["B"][0], [np.nan] * 3)
    np.testing.assert_array_equal(trc.markers["B"][1], [7, 8, 9])
    np.testing.assert_array_equal(trc.markers["A"][2], [7, 8, np.nan])
    assert trc.rate_hz == 50.0 and trc.units == "m"
    # a row cut short is not padded with missing values: it is refused with its line
    path.write_text(path.read_text().replace("3\t0.04\t7\t8\t\t\t\t\n", "3\t0.04\t7\t8\n"))
    with pytest.raises(InputError, match=r"line 10 \(data row 3\) has 4 cells"):
        read_trc(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("time,x\n0,1\n", "PathFileType", id="not-trc"),
        pytest.param("", "empty", id="empty"),
        pytest.param(
            "PathFileType\t4\nDataRate\n100\nFrame#\tTime\tA\t\t\n\t\tX1\tY1\tZ1\n",
            "no data rows",
            id="no-rows",
        ),
        pytest.param(
            "PathFileType\t4\nDataRate\n100\nFrame#\tTime\tA\t\t\n\t\tX1\tY1\tZ1\n1\t0\tx\t1\t1\n",
            "line 6",
            id="bad-cell",
        ),
    ],
)
def test_read_trc_bad_input(tmp_path: Path, text: str, expected: str):
    path = tmp_path / "bad.trc"
    path.write_text(text)
    with pytest.raises(InputError, match=expected):
        read_trc(path)


def test_a_trc_with_short_rows_is_refused_not_padded(tmp_path: Path):
    time = np.arange(4) / 60.0
    markers = {name: np.full((4, 3), float(k + 1)) for k, name in enumerate(("RHip", "RKnee"))}
    path = tmp_path / "cut.trc"
    write_trc(path, time, markers, "px", 60.0)
    assert read_trc(path).markers["RKnee"][2].tolist() == [2.0, 2.0, 2.0]
    lines = path.read_text().split("\n")
    data = next(i for i, line in enumerate(lines) if line.startswith("2\t"))  # frame 2
    lines[data] = "\t".join(lines[data].split("\t")[:5])  # RKnee's cells cut off
    path.write_text("\n".join(lines))
    with pytest.raises(InputError, match=rf"line {data + 1} \(data row 2\) has 5 cells.*need 8"):
        read_trc(path)
    # with spaces the empty cells of a missing point vanish and the columns would shift
    markers["RHip"][1] = np.nan
    write_trc(path, time, markers, "px", 60.0)
    path.write_text(re.sub(r"[ \t]+", " ", path.read_text()))
    with pytest.raises(InputError, match=r"data row 2\).*separated by spaces.*tab-separated"):
        read_trc(path)


def test_read_trc_missing_file(tmp_path: Path):
    with pytest.raises(InputError, match="does not exist"):
        read_trc(tmp_path / "nope.trc")


# ----------------------------------------------------------------------------- write_trc
def test_write_read_round_trip_is_exact(tmp_path: Path):
    rng = np.random.default_rng(1)
    time = np.cumsum(rng.uniform(0.001, 0.02, 30)) + 0.1 + 0.2
    markers = {"RHip": rng.normal(size=(30, 3)) / 3, "L Knee": rng.normal(size=(30, 3)) * 1e6}
    markers["RHip"][4] = np.nan
    markers["L Knee"][7, 2] = np.nan
    path = tmp_path / "rt.trc"
    write_trc(path, time, markers, "mm", 240.0, first_frame=12)
    trc = read_trc(path)
    np.testing.assert_array_equal(trc.time, time)
    assert list(trc.markers) == list(markers)
    for name, values in markers.items():
        np.testing.assert_array_equal(trc.markers[name], values)
    assert trc.rate_hz == 240.0 and trc.units == "mm" and trc.frame[0] == 12
    assert trc.header["NumMarkers"] == "2" and trc.notes == ()


@needs(RUN_TRC)
def test_write_read_round_trip_of_a_real_file(tmp_path: Path):
    original = read_trc(RUN_TRC)
    path = tmp_path / "copy.trc"
    write_trc(path, original.time, original.markers, original.units, original.rate_hz)
    again = read_trc(path)
    np.testing.assert_array_equal(again.time, original.time)
    for name in original.markers:
        np.testing.assert_array_equal(again.markers[name], original.markers[name])


def test_write_trc_2d_markers_get_zero_z_and_bad_shapes_are_refused(tmp_path: Path):
    path = tmp_path / "flat.trc"
    write_trc(path, np.arange(4) / 10, {"RHip": np.ones((4, 2))}, "px", 10)
    np.testing.assert_array_equal(read_trc(path).markers["RHip"][:, 2], 0.0)
    with pytest.raises(InputError, match="shape"):
        write_trc(path, np.arange(4) / 10, {"RHip": np.ones((3, 3))}, "px", 10)


# ----------------------------------------------------------------------------- read_mot
@needs(IK_MOT)
def test_read_mot_simm_inverse_kinematics():
    mot = read_mot(IK_MOT)
    assert mot.n_rows == 475 == int(mot.header["nRows"])
    assert mot.header["name"] == "Run_30002" and mot.header["datacolumns"] == "164"
    assert len(mot.columns) == 163 and "hip_flexion_r" in mot.columns
    assert mot.time[0] == pytest.approx(0.05) and mot.time[-1] == pytest.approx(4.79)
    assert mot.in_degrees is None  # the file does not say...
    hip = mot.columns["hip_flexion_r"]
    assert np.nanmax(np.abs(hip)) > 2 * math.pi  # ...but its angles are degrees
    assert mot.columns["pelvis_tilt"][0] == pytest.approx(-14.56040418)
    assert mot.notes == ()


@needs(GRF_MOT)
def test_read_mot_ground_reaction_forces():
    mot = read_mot(GRF_MOT)
    assert mot.n_rows == 4741 == int(mot.header["datarows"])
    assert mot.header["name"] == "Run_300 02_newCOP3_v24.mot"
    assert mot.header["OpenSimVersion"].startswith("4.3")
    assert 1 / np.median(np.diff(mot.time)) == pytest.approx(1000.0, rel=1e-6)
    force = mot.columns["R_ground_force_vy"]
    assert force[0] == pytest.approx(75.625343) and np.nanmax(force) > 1000  # newtons
    assert len(mot.columns) == 18


def test_read_mot_opensim4_as_sports2d_writes_it(tmp_path: Path):
    path = tmp_path / "angles.mot"
    path.write_text(
        "Coordinates\nversion=1\nnRows=3\nnColumns=3\ninDegrees=yes\n\n"
        "Units are S.I. units (second, meters, Newtons, ...)\n"
        "If the header above contains a line with 'inDegrees', this indicates whether "
        "rotational values are in degrees (yes) or radians (no).\n\nendheader\n"
        "time\tright knee\tright knee\n0.0\t1.5\t2\n0.5\t\t3\n1.0\tnan\t4\n"
    )
    mot = read_mot(path)
    assert mot.in_degrees is True
    assert mot.header == {
        "name": "Coordinates",
        "version": "1",
        "nRows": "3",
        "nColumns": "3",
        "inDegrees": "yes",
    }
    assert list(mot.columns) == ["right knee", "right knee#2"]
    np.testing.assert_array_equal(mot.columns["right knee"], [1.5, np.nan, np.nan])
    assert any("more than once" in note for note in mot.notes)


def test_read_mot_without_endheader(tmp_path: Path):
    path = tmp_path / "x.sto"
    path.write_text("time\ta\n0\t1\n")
    with pytest.raises(InputError, match="endheader"):
        read_mot(path)


# ----------------------------------------------------------------------------- TRC -> PoseTrack
def test_marker_names_map_to_blazepose():
    assert trc_marker_to_blazepose("RBigToe") == "right_foot_index"
    assert trc_marker_to_blazepose("Lknee") == "left_knee"  # Pose2Sim's BlazePose spelling
    assert trc_marker_to_blazepose("LSHOULDER") == "left_shoulder"
    assert trc_marker_to_blazepose("r_hip") == "right_hip"
    assert trc_marker_to_blazepose("left_heel") == "left_heel"
    for dropped in ("Hip", "CHip", "Neck", "Head", "RSmallToe", "RASI", "RTH1"):
        assert trc_marker_to_blazepose(dropped) is None


def test_sports2d_pixel_trc_reads_back_keypoint_by_keypoint(tmp_path: Path):
    track = runner()
    path = tmp_path / "run_Sports2D_px_person00.trc"
    sports2d_trc(track, path)
    got = read_pose(path)
    assert set(got.keypoints) == set(track.keypoints)
    assert got.meta.units == "px" and got.meta.source == "opensim-trc"
    assert got.meta.extra["y_flipped"] is False and "_px" in got.meta.extra["units_from"]
    assert got.meta.extra["trc_units"] == "m"  # Sports2D's header says m in its pixel file
    assert sorted(got.meta.extra["dropped_markers"]) == ["Hip", "Neck", "RSmallToe"]
    assert got.meta.fps == 60.0 and got.meta.time_base == "trc Time column"
    np.testing.assert_array_equal(got.time, track.time)
    for name in track.keypoints:
        np.testing.assert_array_equal(got.point(name), track.point(name), err_msg=name)
    assert np.isnan(got.score).all()


def test_sports2d_metre_trc_is_flipped_to_image_convention(tmp_path: Path):
    track = runner()
    path = tmp_path / "run_Sports2D_m_person00.trc"
    conversion = sports2d_trc(track, path, to_meters=True)
    got = read_pose(path)
    assert got.meta.units == "m" and got.meta.extra["y_flipped"] is True
    assert got.meta.extra["ignored_axis_max_abs"] == pytest.approx(0.12)
    s, cx, cy = conversion["scale"], conversion["cx"], conversion["cy"]
    for name in track.keypoints:
        expected = s * (track.point(name) - [cx, cy])  # x right, y down, in metres
        np.testing.assert_allclose(got.point(name), expected, atol=1e-12, err_msg=name)
    # y down: the hips are above (smaller y than) the ankles, as in the image
    assert np.nanmean(got.point("left_hip")[:, 1]) < np.nanmean(got.point("left_ankle")[:, 1])


def test_pixel_units_are_recognised_by_extent_when_the_name_does_not_say(tmp_path: Path):
    track = runner(duration_s=2.0)
    path = tmp_path / "renamed.trc"
    sports2d_trc(track, path)
    got = read_pose(path)
    assert got.meta.units == "px" and "extent" in got.meta.extra["units_from"]
    np.testing.assert_array_equal(got.point("right_knee"), track.point("right_knee"))


def test_units_and_axes_can_be_declared(tmp_path: Path):
    path = tmp_path / "pose.trc"
    time = np.arange(4) / 50
    knee = np.array([[100.0, 500.0, 7.0]] * 4)
    write_trc(path, time, {"RKnee": knee, "RHip": knee + np.array([0, 400, 0])}, "mm", 50)
    default = read_trc_pose(path)  # header mm -> metres, y up flipped
    assert default.meta.units == "m" and default.meta.extra["scale_to_track_units"] == 0.001
    np.testing.assert_allclose(default.point("right_knee")[0], [0.1, -0.5])
    declared = read_trc_pose(path, units="px", y_axis="down", horizontal_axis="z")
    assert declared.meta.units == "px"
    np.testing.assert_array_equal(declared.point("right_hip")[0], [7.0, 900.0])
    with pytest.raises(OptionError, match="y_axis"):
        read_trc_pose(path, y_axis="sideways")


def test_fps_overrides_the_time_column(tmp_path: Path):
    track = runner(duration_s=1.0)
    path = tmp_path / "p_px.trc"
    sports2d_trc(track, path)
    got = read_pose(path, fps=120)
    np.testing.assert_allclose(got.time, np.arange(track.n_frames) / 120)
    assert "--fps 120" in got.meta.time_base


def test_non_increasing_time_is_refused(tmp_path: Path):
    path = tmp_path / "t_px.trc"
    markers = {"RKnee": np.ones((3, 3)), "LKnee": np.ones((3, 3))}
    write_trc(path, np.array([0.0, 0.1, 0.1]), markers, "px", 10)
    with pytest.raises(InputError, match="--fps"):
        read_pose(path)


def test_mocap_trc_names_what_it_found_and_what_it_expects(tmp_path: Path):
    with pytest.raises(InputError) as caught:
        read_pose(mocap_trc(tmp_path / "mocap.trc"))
    message = str(caught.value)
    assert "RASI, LASI, RTH1" in message and "RHip" in message and "right_hip" in message


@needs(RUN_TRC)
def test_real_mocap_trc_is_refused_with_one_sentence():
    with pytest.raises(InputError, match=r"RASI, LPSI, RPSI, .*\(42 in all\).*RKnee"):
        read_pose(RUN_TRC)


def test_motion_file_given_as_pose_is_refused(tmp_path: Path):
    path = tmp_path / "ik.mot"
    path.write_text("Coordinates\nendheader\ntime\ta\n0\t1\n")
    with pytest.raises(InputError, match=r"\.trc marker file"):
        read_pose(path)


# ----------------------------------------------------------------------------- command line
def test_cli_analyze_pose_on_a_sports2d_trc(tmp_path: Path, capsys):
    path = tmp_path / "run_Sports2D_px_person00.trc"
    sports2d_trc(runner(), path)
    out = tmp_path / "out"
    code = main(["analyze-pose", str(path), "--out", str(out), "--no-report", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = json.loads((out / "analysis.json").read_text())
    assert doc["summary"]["cadence_spm"] == pytest.approx(170.0, rel=0.01)
    assert doc["context"]["facing"] == "left"


def test_cli_analyze_pose_on_a_sports2d_metre_trc(tmp_path: Path, capsys):
    path = tmp_path / "run_Sports2D_m_person00.trc"
    sports2d_trc(runner(), path, to_meters=True)
    out = tmp_path / "out"
    code = main(["analyze-pose", str(path), "--out", str(out), "--no-report", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = json.loads((out / "analysis.json").read_text())
    assert doc["summary"]["cadence_spm"] == pytest.approx(170.0, rel=0.01)
    assert doc["context"]["facing"] == "left"  # the y flip keeps the direction of travel


def test_cli_refuses_a_mocap_trc_with_one_sentence(tmp_path: Path, capsys):
    path = mocap_trc(tmp_path / "mocap.trc")
    code = main(["analyze-pose", str(path), "--out", str(tmp_path / "o"), "--quiet"])
    message = one_sentence(capsys.readouterr().err)
    assert code == 2
    assert "RASI" in message and "RHip" in message
    assert not (tmp_path / "o" / "analysis.json").exists()
