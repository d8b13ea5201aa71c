"""A pose without heel or toe points is timed from what is left: the analysis says so in one
warning and trusts none of the metrics that moves (``runform.metrics.foot_points``)."""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pytest

from runform.findings import findings_from_analysis
from runform.metrics.foot_points import CONTACT_METRICS, TIMING_METRICS, missing_foot_points
from runform.pipeline import AnalysisOptions, analyze_track
from runform.synthetic import RunnerSpec, synthetic_runner
from runform.track import PoseTrack


def without(track: PoseTrack, *parts: str) -> PoseTrack:
    """The track with every keypoint ending in one of ``parts`` left out."""
    keep = [k for k in track.keypoints if not k.endswith(parts)]
    return PoseTrack.from_points(
        track.time,
        {k: track.point(k) for k in keep},
        {k: track.point_score(k) for k in keep},
        track.meta,
    )


@cache
def analysed(spec: RunnerSpec, *dropped: str) -> dict:
    run = synthetic_runner(spec, fps=60.0, duration_s=8.0, seed=1)
    track = without(run.track, *dropped) if dropped else run.track
    return analyze_track(track, AnalysisOptions(treadmill_speed_mps=spec.speed_mps)).to_dict()


def foot_warning(doc: dict) -> str | None:
    return next((w["message"] for w in doc["warnings"] if w["code"] == "foot_points_missing"), None)


def trusted(doc: dict, metric: str) -> bool:
    return doc["metrics"][metric]["quality"]["trusted"]


def test_a_full_pose_has_no_foot_warning() -> None:
    doc = analysed(RunnerSpec())
    assert foot_warning(doc) is None
    assert all(trusted(doc, m) for m in (*TIMING_METRICS, *CONTACT_METRICS))


def test_without_toes_the_timing_metrics_are_not_trusted() -> None:
    doc = analysed(RunnerSpec(), "foot_index")
    message = foot_warning(doc)
    assert message is not None
    assert re.search(r"toe \(foot_index\).*heel alone.*contact time, flight time and duty", message)
    for metric in TIMING_METRICS:
        assert not trusted(doc, metric), metric
        verdicts = doc["metrics"][metric]["verdict"].values()
        assert set(verdicts) == {"not measured reliably"}, metric
    # the heel still times the landing: the values read at contact stay trusted
    assert all(trusted(doc, m) for m in CONTACT_METRICS)


def test_from_the_ankle_alone_no_finding_rests_on_the_contact() -> None:
    spec = RunnerSpec(touchdown_distance_m=0.38)  # overstriding, found with the feet
    assert "overstriding" in [f["id"] for f in findings_from_analysis(analysed(spec))]
    doc = analysed(spec, "heel", "foot_index")
    message = foot_warning(doc)
    assert message is not None and "timed from the ankle" in message
    assert "angles and distance at contact" in message
    assert not any(trusted(doc, m) for m in (*TIMING_METRICS, *CONTACT_METRICS))
    assert "overstriding" not in [f["id"] for f in findings_from_analysis(doc)]


def test_feet_out_of_view_count_as_missing() -> None:
    track = synthetic_runner(RunnerSpec(), fps=60.0, duration_s=4.0, seed=1).track
    xy = track.xy.copy()
    feet = [track.index(f"{s}_{p}") for s in ("left", "right") for p in ("heel", "foot_index")]
    xy[: int(0.7 * track.n_frames), feet] = np.nan  # feet below the picture for 70 % of it
    assert missing_foot_points(track.replace(xy=xy)) == {
        "left": ("heel", "foot_index"),
        "right": ("heel", "foot_index"),
    }
    xy = track.xy.copy()
    xy[: int(0.3 * track.n_frames), feet] = np.nan
    assert missing_foot_points(track.replace(xy=xy)) == {}


@pytest.mark.parametrize("side", ["left", "right"])
def test_one_foot_missing_names_that_foot(side: str) -> None:
    from runform.metrics.foot_points import foot_points_sentence

    missing = {side: ("foot_index",)}
    assert f"on the {side} foot" in (foot_points_sentence(missing) or "")


def test_feet_outside_the_picture_count_as_missing():
    """A pose model places feet cut off by the framing where it guesses, with a confident
    score: such points are not the foot landing. Below the picture's edge they count as
    missing, so the timing is not trusted."""
    from dataclasses import replace

    track = synthetic_runner(fps=60, duration_s=4, seed=1).track
    assert missing_foot_points(track) == {}
    feet_y = max(
        float(np.nanmax(track.point(f"{s}_{p}")[:, 1]))
        for s in ("left", "right")
        for p in ("heel", "foot_index")
    )
    ankles_y = min(float(np.nanmin(track.point(f"{s}_ankle")[:, 1])) for s in ("left", "right"))
    assert ankles_y < feet_y
    # a frame whose bottom edge passes above every heel and toe
    cut = track.replace(meta=replace(track.meta, height=int(0.9 * ankles_y), units="px"))
    gone = missing_foot_points(cut)
    assert gone == {"left": ("heel", "foot_index"), "right": ("heel", "foot_index")}
    # in metres (projected markers) the picture's edge does not apply
    metres = track.replace(meta=replace(track.meta, height=10, units="m"))
    assert missing_foot_points(metres) == {}
