"""The runner's pace without --treadmill-speed: measured in the image, not guessed from cadence.

Speed-dependent bands move with the pace, so the pace must be the runner's. The image gives
the stance foot's speed under the hips in leg lengths per second; a leg length in metres
(measured, from the runner's height, or a typical adult's) makes it m/s. On the seven
force-plate runners it is within 4 % of the belt with each runner's own legs; the cadence
estimate it replaces is 26 % off (RMS) and up to 57 % (``tests/test_mocap.py``,
``python bench/pace_estimate.py``).
"""

from __future__ import annotations

import pytest

from runform.findings.pace import (
    CADENCE_TOLERANCE,
    IMAGE_SPEED_FACTOR,
    TYPICAL_HEIGHT_CM,
    TYPICAL_LEG_OVERREAD,
    Pace,
    cadence_band,
    image_speed,
    pace_from_analysis,
    slowest_pace,
)
from runform.metrics.summary import LEG_FRACTION_OF_HEIGHT
from runform.pipeline import AnalysisOptions, analyze_track
from runform.synthetic import RunnerSpec, synthetic_runner


def _doc(legs_per_s: float | None = 3.0, **options) -> dict:
    return {
        "options": options,
        "context": {
            "running_speed_leg_lengths_per_s": legs_per_s,
            "leg_length": 300.0,
            "leg_length_units": "px",
        },
        "metrics": {"cadence_spm": {"all": {"median": 171.0}}},
    }


def test_the_treadmill_speed_given_comes_first_then_the_image_then_cadence():
    assert pace_from_analysis(_doc(treadmill_speed_mps=4.0)).basis == "treadmill"
    pace = pace_from_analysis(_doc())
    assert pace.basis == "image" and pace.leg == "typical"
    typical_leg = LEG_FRACTION_OF_HEIGHT * TYPICAL_HEIGHT_CM / 100.0
    assert pace.speed_mps == pytest.approx(3.0 * typical_leg / IMAGE_SPEED_FACTOR, abs=0.005)
    assert "typical leg length" in pace.describe() and "height" in pace.describe()
    # no measured speed (an older analysis): cadence, as before
    old = pace_from_analysis(_doc(None))
    assert old.basis == "cadence" and old.speed_mps == pytest.approx(3.5)


def test_the_runners_height_or_a_track_in_metres_sets_the_leg():
    tall = pace_from_analysis(_doc(height_cm=190.0))
    assert tall.leg == "height"
    assert tall.speed_mps == pytest.approx(3.0 * 0.491 * 1.9 / IMAGE_SPEED_FACTOR, abs=0.005)
    doc = _doc()
    doc["context"].update(leg_length=0.95, leg_length_units="m")
    measured = image_speed(doc)
    assert measured is not None and measured[1] == "measured"
    assert measured[0] == pytest.approx(3.0 * 0.95 / IMAGE_SPEED_FACTOR)


def test_an_impossible_image_speed_falls_back_on_cadence():
    """A lost foot can give a slope of nonsense: 0.4 leg lengths per second is no run."""
    assert pace_from_analysis(_doc(0.4)).basis == "cadence"
    assert pace_from_analysis(_doc(14.0)).basis == "cadence"


@pytest.mark.parametrize(
    ("speed_mps", "cadence_spm", "duty_factor"), [(2.5, 185.0, 0.38), (4.5, 165.0, 0.30)]
)
def test_an_analysis_judges_its_bands_at_the_runners_pace_not_its_cadences(
    speed_mps: float, cadence_spm: float, duty_factor: float
):
    """A slow runner with a quick cadence, and a fast one with a slow cadence: the cadence
    would put them at about 4.6 and 1.9 m/s; the image at their own pace."""
    spec = RunnerSpec(speed_mps=speed_mps, cadence_spm=cadence_spm, duty_factor=duty_factor)
    track = synthetic_runner(spec, duration_s=10.0, fps=120.0, seed=5).track
    doc = analyze_track(track, AnalysisOptions(height_cm=100 * spec.leg_length_m / 0.491)).to_dict()
    pace = pace_from_analysis(doc)
    assert pace.basis == "image" and pace.leg == "height"
    assert pace.speed_mps == pytest.approx(speed_mps, rel=0.1)
    drive = doc["metrics"]["drive_peak_deg_s"]["band"]
    assert (drive["low"] > drive["catalogue_low"]) == (speed_mps > 3.0)


def test_with_the_runners_height_the_cadence_is_judged_at_the_measured_pace():
    """A runner at 4 m/s on 160 steps/min: the distance-pace band (160-185) cannot tell
    that this is slow for the speed; with the height given the pace is measured within a
    few per cent and the cadence is expected at it (Fukuchi 2017), as with a treadmill
    speed. With a typical adult's leg (−15 to +18 %) no cadence is expected; the band is
    taken at the slowest pace that reading allows, which cannot tell either."""
    from runform.findings import findings_from_analysis
    from runform.metrics.catalog import expected_cadence

    spec = RunnerSpec(speed_mps=4.0, cadence_spm=160.0, duty_factor=0.32)
    track = synthetic_runner(spec, duration_s=10.0, fps=120.0, seed=3).track
    typical = analyze_track(track).to_dict()
    assert "expected" not in typical["metrics"]["cadence_spm"]
    slowest = slowest_pace(pace_from_analysis(typical))
    band = typical["metrics"]["cadence_spm"]["band"]
    assert band["low"] == pytest.approx(0.95 * expected_cadence(slowest), abs=0.1)
    assert band["low"] > 159.98 - 1.0  # 160 steps/min: not "low" at a pace this uncertain
    assert not [f for f in findings_from_analysis(typical) if f["id"] == "low_cadence"]
    tall = analyze_track(track, AnalysisOptions(height_cm=100 * 0.9 / 0.491)).to_dict()
    pace = pace_from_analysis(tall)
    cadence = tall["metrics"]["cadence_spm"]
    assert cadence["expected"] == pytest.approx(expected_cadence(pace.speed_mps), abs=0.1)
    assert cadence["band"]["low"] == pytest.approx(0.95 * cadence["expected"], abs=0.1)
    low = [f for f in findings_from_analysis(tall) if f["id"] == "low_cadence"]
    assert low and low[0]["confidence"] <= 0.8 * 1.0 + 1e-9  # an estimated pace costs 20 %


@pytest.mark.parametrize("true_speed", [2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0])
@pytest.mark.parametrize("reading", [0.85, 0.93, 1.0, 1.08, 1.18])
def test_an_image_pace_with_a_typical_leg_never_judges_cadence_stricter_than_the_true_pace(
    true_speed: float, reading: float
):
    """Read −15 to +18 % off the belt (36 force-plate runners, a typical adult's leg), the
    image pace must not raise the cadence band above the one the true speed gives: a band
    at distance pace (160) called a 2 m/s jogger's normal 150 steps/min "low"."""
    from runform.metrics.catalog import expected_cadence

    truth = cadence_band(160.0, 185.0, expected_cadence(true_speed), Pace(true_speed, "treadmill"))
    image = cadence_band(160.0, 185.0, None, Pace(true_speed * reading, "image", "typical"))
    assert image[0] <= truth[0] + 0.05, (image, truth)
    assert image[1] is None and "typical adult's leg" in image[2]
    if reading == 1.0:  # no slacker than the tolerance and the stated over-reading together
        slack = expected_cadence(true_speed) - expected_cadence(true_speed / 1.2)
        assert truth[0] - image[0] <= (1 - CADENCE_TOLERANCE) * slack + 0.1
    assert TYPICAL_LEG_OVERREAD >= 0.18


def test_a_slow_jogger_filmed_without_the_speed_is_not_told_their_cadence_is_low():
    """2 m/s on 150 steps/min is within 5 % of the 157.5 Fukuchi 2017's means give at that
    speed: no finding with the belt speed given. Without it the pace is measured in the
    image with a typical adult's leg; judging the cadence against the distance-pace band
    (160-185) instead gave a moderate "low cadence" (0.53) the true speed does not
    support."""
    from runform.findings import findings_from_analysis

    spec = RunnerSpec(speed_mps=2.0, cadence_spm=150.0, duty_factor=0.4)
    track = synthetic_runner(spec, duration_s=12.0, fps=60.0, seed=3).track
    given = analyze_track(track, AnalysisOptions(treadmill_speed_mps=2.0)).to_dict()
    phone = analyze_track(track).to_dict()
    assert pace_from_analysis(phone).leg == "typical"
    for doc in (given, phone):
        assert not [f for f in findings_from_analysis(doc) if f["id"] == "low_cadence"]
    assert phone["metrics"]["cadence_spm"]["band"]["low"] < 150.0
    # judged at that lenient edge, the area says how to judge it at the runner's own pace
    from runform.findings import assess_areas

    slow = analyze_track(
        synthetic_runner(
            RunnerSpec(speed_mps=2.0, cadence_spm=145.0, duty_factor=0.4),
            duration_s=12.0,
            fps=60.0,
            seed=3,
        ).track
    ).to_dict()
    for doc in (slow, phone):
        area = next(a for a in assess_areas(doc) if a["area"] == "cadence")
        assert area["status"] == "no finding"
        assert "treadmill speed or your height" in area["note"]
    given_area = next(a for a in assess_areas(given) if a["area"] == "cadence")
    assert "your height" not in given_area["note"]
    # a cadence within range even at the fastest pace the reading allows needs no more
    brisk = analyze_track(  # 170 steps/min at 3.2 m/s
        synthetic_runner(RunnerSpec(), duration_s=12.0, fps=60.0, seed=3).track
    ).to_dict()
    brisk_area = next(a for a in assess_areas(brisk) if a["area"] == "cadence")
    assert brisk_area["status"] == "no finding" and "your height" not in brisk_area["note"]
