"""A far leg hidden in most of the clip: the near leg is measured alone.

A pose model scores a leg it cannot see low (behind the near leg, behind a treadmill's
console); such points are masked. When the far leg is located in under 30 % of the frames,
the clip was refused outright though the near leg, the one the product measures, was
seen throughout. Now the near leg is measured alone (its steps, stride, cadence, contact,
swing and angles; bounce and trunk over the first half of each stride) and the analysis
says which values need both feet.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from runform.errors import AnalysisError
from runform.gait.clean import SWAP_PARTS
from runform.pipeline import AnalysisOptions, analyze_track
from runform.synthetic import RunnerSpec, synthetic_runner
from runform.track import PoseTrack


def hide(track: PoseTrack, side: str, after_s: float, score: float = 0.05) -> PoseTrack:
    """``side``'s knee, ankle, heel and toe scored ``score`` (under the mask) after
    ``after_s`` seconds."""
    scores = track.score.copy()
    for part in SWAP_PARTS:
        scores[track.time - track.time[0] > after_s, track.index(f"{side}_{part}")] = score
    return track.replace(score=scores)


@pytest.fixture(scope="module", params=["left", "right"])
def runner(request: pytest.FixtureRequest):
    facing = request.param
    run = synthetic_runner(RunnerSpec(facing=facing), fps=60.0, duration_s=12.0, seed=2)
    full = analyze_track(run.track)
    near = full.near_side
    assert near is not None
    far = "right" if near == "left" else "left"
    alone = analyze_track(hide(run.track, far, 1.0))
    return SimpleNamespace(run=run, full=full, alone=alone, near=near, far=far)


def test_the_near_leg_is_measured_alone_and_the_analysis_says_so(runner) -> None:
    alone, near, far = runner.alone, runner.near, runner.far
    assert alone.near_side == near
    codes = [w.code for w in alone.warnings]
    assert "far_leg_hidden" in codes
    assert "far_leg" not in codes  # the fuller sentence replaces the short note
    sentence = next(w.message for w in alone.warnings if w.code == "far_leg_hidden")
    assert f"The {far} leg, the far leg, was hidden" in sentence
    assert f"the {near} leg is measured alone" in sentence
    assert {s.side for s in alone.gait.steps} == {near}
    assert {e.side for e in alone.gait.events} == {near}


def test_the_near_legs_steps_are_those_both_legs_give(runner) -> None:
    run, full, alone, near = runner.run, runner.full, runner.alone, runner.near
    both = np.array([s.contact_s for s in full.gait.steps if s.side == near])
    one = np.array([s.contact_s for s in alone.gait.steps if s.side == near])
    assert one.size >= both.size - 1
    for t in one:
        assert np.min(np.abs(both - t)) < 0.002
    # and the truth: every contact within two frames of the synthetic runner's own
    truth = np.array([e.time_s for e in run.events if e.side == near and e.kind == "contact"])
    for t in one:
        assert np.min(np.abs(truth - t)) < 2 / 60


def test_what_one_leg_measures_agrees_with_both_legs(runner) -> None:
    full, alone, near, far = runner.full, runner.alone, runner.near, runner.far
    assert alone.summary["cadence_spm"] == pytest.approx(full.summary["cadence_spm"], rel=0.005)
    for metric in ("contact_time_ms", "thigh_extension_deg", "knee_flexion_contact_deg"):
        assert alone.summary[metric][near] == pytest.approx(full.summary[metric][near], abs=1.0)
        assert alone.summary[metric][far] is None
    # bounce and trunk, read over the first half of each stride, as over each step
    assert alone.summary["trunk_lean_deg"] == pytest.approx(full.summary["trunk_lean_deg"], abs=1.0)
    assert alone.summary["vertical_oscillation_pct"] == pytest.approx(
        full.summary["vertical_oscillation_pct"], abs=1.0
    )
    # the values that need the other foot are not given, not guessed
    for row in alone.steps:
        assert row["step_time_ms"] is None and row["flight_time_ms"] is None
        assert row["next_contact_s"] is None
    assert alone.summary.get("step_time_ms") is None


def test_no_left_right_comparison_from_one_leg(runner) -> None:
    alone = runner.alone
    doc = alone.to_dict()
    for entry in doc["metrics"].values():
        assert entry.get("difference") is None
        assert entry.get("symmetry_pct") is None


def test_a_hidden_far_leg_with_no_near_leg_known_is_refused_as_before() -> None:
    """With no scores, the picture does not say which leg is near: a leg missing in most
    frames cannot be told from a hidden near leg, so the clip is refused."""
    run = synthetic_runner(fps=60.0, duration_s=12.0, seed=2)
    track = run.track
    xy = track.xy.copy()
    for part in SWAP_PARTS:
        xy[track.time > 1.0, track.index(f"right_{part}")] = np.nan
    bare = track.replace(xy=xy, score=np.full_like(track.score, np.nan))
    with pytest.raises(AnalysisError, match="located in only"):
        analyze_track(bare)
    # said by the user, it is measured
    said = analyze_track(bare, AnalysisOptions(filmed_side="left"))
    assert {s.side for s in said.gait.steps} == {"left"}


def test_both_legs_hidden_is_refused() -> None:
    run = synthetic_runner(fps=60.0, duration_s=12.0, seed=2)
    near = analyze_track(run.track).near_side
    far = "right" if near == "left" else "left"
    with pytest.raises(AnalysisError, match="located in only"):
        analyze_track(hide(hide(run.track, far, 1.0), near, 4.0))


def test_the_real_clip_with_its_far_leg_hidden(male_side_pose_path: Path) -> None:
    """The real clip (RTMPose, 30 fps), its far (right) leg scored under the mask after
    the first second: its near leg's 16 steps, cadence and angles as the whole clip gives
    them. It was refused ("located in only 9 % of frames")."""
    from runform.pose.readers import read_pose

    track = read_pose(male_side_pose_path)
    full = analyze_track(track)
    alone = analyze_track(hide(track, "right", 1.0))
    assert alone.near_side == full.near_side == "left"
    both = [s.contact_s for s in full.gait.steps if s.side == "left"]
    one = [s.contact_s for s in alone.gait.steps]
    assert len(one) == len(both) == 16
    assert np.abs(np.array(one) - np.array(both)).max() < 0.010  # a third of a frame
    assert alone.summary["cadence_spm"] == pytest.approx(full.summary["cadence_spm"], abs=0.3)
    for metric in ("thigh_extension_deg", "contact_time_ms", "knee_flexion_stance_peak_deg"):
        assert alone.summary[metric]["left"] == pytest.approx(
            full.summary[metric]["left"], rel=0.02
        )


def test_too_few_near_steps_measured_alone_says_so() -> None:
    """The far leg hidden after 1 s of a 2 s clip: too few near steps, and the sentence says
    the near leg was measured alone, not "per foot"."""
    run = synthetic_runner(RunnerSpec(facing="left"), fps=60.0, duration_s=2.0, seed=2)
    with pytest.raises(AnalysisError, match=r"left steps? (was|were) found, the right leg being"):
        analyze_track(hide(run.track, "right", 0.5), AnalysisOptions(min_steps_per_side=4))


def test_measured_alone_is_recorded_and_whole_body_values_count_the_near_legs_steps(
    runner,
) -> None:
    """``context.measured_alone`` names the leg; a whole-body value's quality and the
    findings count its steps whole (both legs' are halved between the two)."""
    full, alone, near = runner.full, runner.alone, runner.near
    assert alone.to_dict()["context"]["measured_alone"] == near
    assert full.to_dict()["context"]["measured_alone"] is None
    cadence = alone.to_dict()["metrics"]["cadence_spm"]
    assert cadence["quality"]["level"] != "poor"
    from runform.findings import assess_areas, findings_from_analysis

    # a 6 s clip: 8 of the near leg's steps, enough for its own values and, measured
    # alone, for the whole body's (12 are asked of two legs together)
    run = synthetic_runner(
        RunnerSpec(facing=runner.run.spec.facing), fps=60.0, duration_s=6.0, seed=2
    )
    short = analyze_track(hide(run.track, runner.far, 1.0))
    doc = short.to_dict()
    n = sum(1 for s in short.gait.steps)
    assert 6 <= n < 12
    areas = {a["area"]: a for a in assess_areas(doc, findings_from_analysis(doc))}
    assert areas["cadence"]["status"] != "not assessed", areas["cadence"]
    assert areas["hip_extension"]["status"] != "not assessed", areas["hip_extension"]


def test_two_clips_one_measured_alone() -> None:
    """Both sides filmed, the right-side clip's far leg hidden: the merged analysis has
    both legs, says only that clip's leg lacks step and flight times, and is not itself
    "measured alone"."""
    from runform.compare.sides import merge_sides
    from runform.pipeline.document import analysis_document

    docs = []
    for facing in ("left", "right"):
        run = synthetic_runner(RunnerSpec(facing=facing), fps=60.0, duration_s=8.0, seed=1)
        track = run.track if facing == "left" else hide(run.track, "left", 1.0)
        docs.append(analysis_document(analyze_track(track)))
    assert docs[1]["context"]["measured_alone"] == "right"
    merged = merge_sides(*docs, names=("left.mp4", "right.mp4"))
    assert merged["context"]["measured_alone"] is None
    said = [w["message"] for w in merged["warnings"] if w["code"] == "far_leg_hidden"]
    assert said == [
        "right.mp4: the left leg was hidden in most of this clip, so the right leg was "
        "measured alone here: its step and flight times, which need the other foot's "
        "contact, were not measured."
    ]
    assert merged["summary"]["thigh_extension_deg"]["left"] is not None
    assert merged["summary"]["thigh_extension_deg"]["right"] is not None
    assert merged["summary"]["step_time_ms"]["right"] is None


def test_a_far_foot_unseen_on_the_ground_falls_back_to_the_near_leg_alone() -> None:
    """The far leg seen only in swing (its points masked around every stance of its foot,
    as a near leg standing in front of it hides it): legs are located in most frames, but
    the far foot gives no step. The clip was refused ("Only 14 left steps and 0 right
    steps were found"); the near leg is now measured alone, and the warning says why."""
    run = synthetic_runner(RunnerSpec(facing="left"), fps=60.0, duration_s=10.0, seed=3)
    track = run.track
    contacts = [e.time_s for e in run.events if e.side == "right" and e.kind == "contact"]
    toe_offs = [e.time_s for e in run.events if e.side == "right" and e.kind == "toe_off"]
    score = track.score.copy()
    for c in contacts:
        t = next((x for x in toe_offs if x > c), c + 0.3)
        for part in SWAP_PARTS:
            score[
                (track.time > c - 0.06) & (track.time < t + 0.06), track.index(f"right_{part}")
            ] = 0.05
    masked = track.replace(score=score)
    alone = analyze_track(masked)
    assert alone.near_side == "left" and alone.measured_alone == "left"
    sentence = next(w.message for w in alone.warnings if w.code == "far_leg_hidden")
    assert sentence.startswith("The right leg, the far leg, was found on only")
    full = analyze_track(track)
    assert alone.summary["cadence_spm"] == pytest.approx(full.summary["cadence_spm"], rel=0.005)
    assert len(alone.gait.steps) >= sum(1 for s in full.gait.steps if s.side == "left") - 1


def test_the_result_page_shows_the_leg_measured_alone(tmp_path: Path) -> None:
    """The web result page gives the measured leg's values only ("L 17.5 deg"), not a
    dash for the hidden leg with the far leg's footnote."""
    import json
    import re
    import shutil
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fastapi.testclient import TestClient

    from runform.pipeline.document import analysis_document
    from runform.service.testing import tiny_video
    from test_web import make_app, sign_up, upload

    run = synthetic_runner(RunnerSpec(facing="left"), fps=60.0, duration_s=8.0, seed=2)
    doc = analysis_document(analyze_track(hide(run.track, "right", 1.0)))
    assert doc["context"]["measured_alone"] == "left"

    def analyze(video, out_dir, options, progress):
        (out_dir / "analysis.json").write_text(json.dumps(doc))
        shutil.copyfile(video, out_dir / "annotated.mp4")

    clip = tiny_video(tmp_path / "clip.mp4").read_bytes()
    with TestClient(make_app(tmp_path, analyze=analyze)) as client:
        sign_up(client, "a@b.org")
        page = client.get(upload(client, clip).headers["location"])
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
    thigh = doc["summary"]["thigh_extension_deg"]["left"]
    assert f"L {thigh:.1f} deg" in text
    assert "R –" not in text and "†" not in text
    assert "the left leg is measured alone" in text


@pytest.mark.parametrize("fps", [30.0, 240.0])
def test_measured_alone_at_the_rates_phones_film(fps: float) -> None:
    """At 30 and 240 fps, with 4 px of noise: the near leg's steps as both legs give them
    (within 1 ms), cadence within 0.1 steps/min, thigh extension, bounce and trunk within
    0.3."""
    run = synthetic_runner(
        RunnerSpec(facing="right"), fps=fps, duration_s=10.0, seed=4, noise_px=4.0
    )
    full = analyze_track(run.track)
    assert full.near_side == "right"
    alone = analyze_track(hide(run.track, "left", 1.0))
    assert alone.measured_alone == "right"
    both = np.array([s.contact_s for s in full.gait.steps if s.side == "right"])
    one = np.array([s.contact_s for s in alone.gait.steps])
    assert one.size == both.size
    assert np.abs(one - both).max() < 0.001
    assert alone.summary["cadence_spm"] == pytest.approx(full.summary["cadence_spm"], abs=0.1)
    for metric in ("vertical_oscillation_pct", "trunk_lean_deg"):
        assert alone.summary[metric] == pytest.approx(full.summary[metric], abs=0.3)
    assert alone.summary["thigh_extension_deg"]["right"] == pytest.approx(
        full.summary["thigh_extension_deg"]["right"], abs=0.3
    )
