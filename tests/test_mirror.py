"""Mirror invariance: the same run seen in a mirror gives the same values for the same leg.

A mirror is ``x → width − x``. On a pose track the labels stay with their points, so every
labelled leg is the same physical leg in both tracks and every per-leg value must come out
the same: the direction of travel flips, nothing else may. The near leg must be decided
from the picture (depth, occlusion, visibility, confidence), not from the direction of
travel, or the mirror would swap which leg is judged.

Truths used: the synthetic runner's known geometry (both facings) and the real clip's
RTMPose track (``shared/data/male_side``). The whole ``runform analyze`` on the example clip
and on its mirror image is in ``tests/test_mirror_video.py`` (slow).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from runform.findings import assess_areas, findings_from_analysis
from runform.pipeline import AnalysisOptions, analyze_track
from runform.pose.readers import read_pose
from runform.synthetic import RunnerSpec, synthetic_runner
from runform.track import PoseTrack

SIDES = ("left", "right")


def mirrored(track: PoseTrack) -> PoseTrack:
    """The track as a mirror would show it: x → width − x, labels and scores unchanged."""
    width = track.meta.width
    assert width, "a mirror needs the frame width"
    xy = track.xy.copy()
    xy[..., 0] = width - xy[..., 0]
    return track.replace(xy=xy)


def analyse(track: PoseTrack, speed: float | None = None) -> dict:
    doc = analyze_track(track, AnalysisOptions(treadmill_speed_mps=speed)).to_dict()
    doc["findings"] = findings_from_analysis(doc)
    return doc


def assert_same_per_leg(a: dict, b: dict, tol: float = 1e-6) -> None:
    """Every metric, every leg: same median, same error, same reliability, same verdict."""
    assert a["metrics"].keys() == b["metrics"].keys()
    for mid, ea in a["metrics"].items():
        eb = b["metrics"][mid]
        keys = SIDES if ea["per_side"] else ("all",)
        for key in keys:
            sa, sb = ea.get(key), eb.get(key)
            assert (sa is None) == (sb is None), (mid, key)
            if sa is None:
                continue
            assert sa["n"] == sb["n"], (mid, key)
            assert sa["median"] == pytest.approx(sb["median"], abs=tol), (mid, key)
            assert ea["measurement_error"][key] == pytest.approx(
                eb["measurement_error"][key], abs=1e-3
            ), (mid, key)
            assert ea["reliability"][key] == eb["reliability"][key], (mid, key)
            assert ea["verdict"][key] == eb["verdict"][key], (mid, key)
        assert ea["band"] == eb["band"], mid


@pytest.mark.parametrize("facing", ["right", "left"])
def test_synthetic_runner_and_its_mirror_give_the_same_values_per_leg(facing):
    run = synthetic_runner(RunnerSpec(facing=facing), fps=60, duration_s=8, noise_px=1.0, seed=3)
    a = analyse(run.track, speed=3.2)
    b = analyse(mirrored(run.track), speed=3.2)
    assert a["context"]["direction"] == -b["context"]["direction"]
    # the camera sees the side the runner faces: the generator makes that leg the clearer one
    near = "right" if facing == "right" else "left"
    assert a["context"]["near_side"] == b["context"]["near_side"] == near
    assert_same_per_leg(a, b)
    assert [(f["id"], f["severity"], f["side"]) for f in a["findings"]] == [
        (f["id"], f["severity"], f["side"]) for f in b["findings"]
    ]


@pytest.mark.parametrize("facing", ["right", "left"])
def test_mirrored_synthetic_values_match_the_known_answers(facing):
    """The mirror's values are not only equal to the original's: both are right. The near
    leg's values lie within twice their stated measurement error (an RMSE-like figure, so
    twice it is a 95 % bound) of the generator's truth. (Touchdown distance reads ~4 % leg
    high here: the synthetic foot lands so slowly that contact is found ~15 ms early,
    docs/validation.md; the stated error at 120 fps is ~3.5 % leg.)"""
    run = synthetic_runner(RunnerSpec(facing=facing), fps=120, duration_s=8, seed=5)
    doc = analyse(mirrored(run.track), speed=3.2)
    near = doc["context"]["near_side"]
    for mid in ("thigh_extension_deg", "knee_flexion_stance_peak_deg", "touchdown_distance_pct"):
        entry = doc["metrics"][mid]
        truth = run.truth[mid][near]
        assert entry["reliability"][near]["reliable"], mid
        assert abs(entry[near]["median"] - truth) <= 2.0 * entry["measurement_error"][near], (
            mid,
            entry[near]["median"],
            truth,
        )
    assert doc["summary"]["cadence_spm"] == pytest.approx(run.truth["cadence_spm"], rel=0.01)


def test_labels_swapped_and_mirrored_name_the_other_leg_near():
    """What a pose model does on a mirrored video: the near leg looks like the other side's
    and gets the other label. Swapping every label of the track (and mirroring it) must then
    name the other label near, with the same values for the near leg."""
    run = synthetic_runner(RunnerSpec(facing="right"), fps=60, duration_s=8, seed=4)
    track = run.track
    names = list(track.keypoints)
    other = [
        "right" + n[4:]
        if n.startswith("left_")
        else "left" + n[5:]
        if n.startswith("right_")
        else n
        for n in names
    ]
    order = [names.index(n) for n in other]
    swapped = mirrored(track.replace(xy=track.xy[:, order], score=track.score[:, order]))
    a, b = analyse(track, 3.2), analyse(swapped, 3.2)
    assert a["context"]["near_side"] == "right" and b["context"]["near_side"] == "left"
    for mid, ea in a["metrics"].items():
        if not ea["per_side"] or not ea.get("right") or not b["metrics"][mid].get("left"):
            continue
        assert ea["right"]["median"] == pytest.approx(b["metrics"][mid]["left"]["median"]), mid
        assert ea["verdict"]["right"] == b["metrics"][mid]["verdict"]["left"], mid


def test_real_clip_rtmpose_track_and_its_mirror(male_side_pose_path):
    """The real treadmill clip (runner facing left, far leg hidden by the console) as
    RTMPose saw it, and mirrored: same near leg (from the picture, not the direction), same
    values per leg, and the far leg is never judged in either."""
    track = read_pose(male_side_pose_path)
    a, b = analyse(track), analyse(mirrored(track))
    assert a["context"]["facing"] == "left" and b["context"]["facing"] == "right"
    # RTMPose's leg scores barely differ here; the far leg fades when it passes behind the
    # near one and the far arm is hidden: the left leg is near (the clip shows the left side)
    assert a["context"]["near_side"] == b["context"]["near_side"] == "left"
    votes = a["context"]["near_side_evidence"]["votes"]
    assert votes["occlusion"] > 0 and votes["arm_visibility"] > 0
    assert_same_per_leg(a, b)
    for doc in (a, b):
        for entry in doc["metrics"].values():
            if entry["per_side"]:
                assert entry["reliability"]["right"]["view"] == "far"
                assert entry["verdict"]["right"] == "not measured reliably"
        for f in doc["findings"]:
            assert f["id"] != "asymmetry" and f["side"] == "both"
            assert all(e["side"] != "right" for e in f["evidence"])
        areas = {x["area"]: x for x in assess_areas(doc, doc["findings"])}
        assert areas["symmetry"]["status"] == "not assessed"
        assert "Film the other side to compare legs" in areas["symmetry"]["note"]
    assert [f["id"] for f in a["findings"]] == [f["id"] for f in b["findings"]]


def test_no_negative_or_impossible_duration_reaches_the_document(male_side_pose_path):
    doc = analyse(read_pose(male_side_pose_path))
    durations = ("contact_time_ms", "flight_time_ms", "step_time_ms", "stride_time_ms")
    for row in doc["steps"]:
        for key in durations:
            value = row.get(key)
            assert value is None or (math.isfinite(value) and value >= 0), (key, row)
        assert row["toe_off_s"] > row["contact_s"]
    for key in durations:
        for side in SIDES:
            stats = doc["metrics"][key].get(side)
            if stats:
                assert stats["q25"] >= 0 and stats["median"] >= 0, (key, side)


def test_a_short_clip_is_warned_about_and_findings_on_few_steps_are_withheld():
    """3 s of running: about 4 strides per leg. The analysis warns, and every finding that
    would rest on fewer than 6 steps is withheld with the reason instead."""
    spec = RunnerSpec(touchdown_distance_m=0.38)  # a clear overstrider on 8 s of video
    long_doc = analyse(synthetic_runner(spec, fps=60, duration_s=8, seed=1).track, 3.2)
    assert "overstriding" in [f["id"] for f in long_doc["findings"]]
    doc = analyse(synthetic_runner(spec, fps=60, duration_s=3, seed=1).track, 3.2)
    codes = {w["code"]: w["message"] for w in doc["warnings"]}
    assert "short_clip" in codes and "10 s" in codes["short_clip"]
    assert "short_clip" not in {w["code"] for w in long_doc["warnings"]} or (
        long_doc["input"]["duration_s"] < 10.0
    )
    assert "overstriding" not in [f["id"] for f in doc["findings"]]
    landing = next(a for a in assess_areas(doc, doc["findings"]) if a["area"] == "landing")
    assert landing["status"] == "not assessed" and "withheld" in landing["note"]


def test_near_leg_is_not_decided_without_evidence():
    """A track without scores or depth (a CSV of bare coordinates): the near leg cannot be
    told; both legs are used, a warning says so and no finding names a side."""
    run = synthetic_runner(RunnerSpec(facing="left"), fps=60, duration_s=8, seed=2)
    bare = run.track.replace(score=np.full(run.track.score.shape, np.nan))
    doc = analyse(bare, 3.2)
    assert doc["context"]["near_side"] is None
    assert "near_leg_unknown" in {w["code"] for w in doc["warnings"]}
    for entry in doc["metrics"].values():
        if entry["per_side"]:
            assert {r["view"] for r in entry["reliability"].values()} == {"unknown"}
    assert all(f["side"] == "both" for f in doc["findings"])
