"""The plan generator: selection by findings, progression, constraints, determinism."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from itertools import pairwise

import pytest

from runform.errors import InputError, OptionError
from runform.plan import build_plan, load_library, profile_from_options
from runform.plan.profile import WEEKDAYS, Profile, next_monday
from runform.plan.wording import FINDING_PLAIN

HIP_EXTENSION = (
    "resisted_drive_back",
    "single_leg_glute_bridge",
    "donkey_kick_band",
    "straight_leg_bounds",
    "hip_flexor_stretch_table",
)
MONDAY = "2025-03-03"


def finding(fid: str, severity: float = 0.6, confidence: float = 0.8, side: str = "both"):
    return {"id": fid, "severity": severity, "confidence": confidence, "side": side}


def profile(**kw) -> Profile:
    kw.setdefault("start", MONDAY)
    return profile_from_options(**kw)


def doses_by_week(plan) -> dict[str, dict[int, tuple[int, int]]]:
    """exercise id -> week -> (sets, amount), checking all sessions of a week agree."""
    table: dict[str, dict[int, tuple[int, int]]] = defaultdict(dict)
    for session in plan.sessions:
        for item in session.exercises:
            value = (item.dose.sets, item.dose.amount)
            assert table[item.exercise_id].setdefault(session.week, value) == value
    return table


@pytest.fixture(scope="module")
def extension_plan():
    return build_plan(
        [finding("limited_extension")],
        profile(equipment="band,stability_ball,table", minutes=45, level="intermediate"),
    )


def test_limited_extension_plan_contains_the_hip_extension_exercises(extension_plan):
    used = {item.exercise_id for s in extension_plan.sessions for item in s.exercises}
    assert set(HIP_EXTENSION) <= used
    # the bridge moves on to its harder stability-ball variant once weeks 1-4 are done
    assert "single_leg_glute_bridge_ball" in used
    table = doses_by_week(extension_plan)
    assert set(table["single_leg_glute_bridge"]) == {1, 2, 3, 4}
    assert set(table["single_leg_glute_bridge_ball"]) == {5, 6}
    assert extension_plan.focus[0].id == "limited_extension"
    assert extension_plan.mode == "targeted"


def test_doses_progress_except_in_the_consolidation_week(extension_plan):
    table = doses_by_week(extension_plan)
    for ex_id, weeks in table.items():
        build = [weeks[w] for w in sorted(weeks) if w != 4]
        for (s0, a0), (s1, a1) in pairwise(build):
            # sets never fall and the volume grows; a set added comes with fewer repetitions
            assert s1 >= s0 and s1 * a1 >= s0 * a0, (ex_id, weeks)
        if 3 in weeks and 4 in weeks:
            (s3, a3), (s4, a4) = weeks[3], weeks[4]
            assert s4 <= s3 and a4 <= a3 and s4 * a4 < s3 * a3, (ex_id, weeks)
    bounds = table["straight_leg_bounds"]
    assert bounds[1][1] == 50 and bounds[6][1] == 100
    assert table["resisted_drive_back"][1][1] == 20 and table["resisted_drive_back"][6][1] == 25
    assert table["donkey_kick_band"][1][1] == 15 and table["donkey_kick_band"][6][1] == 20
    assert table["single_leg_glute_bridge"][1][1] == 15
    assert table["hip_flexor_stretch_table"][1][1] == 8
    assert table["hip_flexor_stretch_table"][6][1] == 10
    week_minutes = {w.number: sum(s.minutes for s in w.sessions) for w in extension_plan.weeks}
    assert week_minutes[1] < week_minutes[2] < week_minutes[3]
    assert week_minutes[4] < week_minutes[3]


def test_no_exercise_jumps_in_volume_from_one_building_week_to_the_next():
    """A coach read calf raises going 2 × 14 → 3 × 16 (+71 %) and leg swings 1 × 11 →
    2 × 13 (+136 %) in one week: the volume now grows by about the same factor each
    building week (the library's range spread over four steps), at most 1.6× with rounding."""
    from runform.plan.library import load_library
    from runform.plan.progression import week_dose

    for ex_id, exercise in load_library().items():
        volume = [week_dose(exercise.dose, w).sets * week_dose(exercise.dose, w).amount
                  for w in range(1, 7)]  # fmt: skip
        low, high = exercise.dose.amount
        sets_low, sets_high = exercise.dose.sets
        assert volume[0] == sets_low * low and volume[5] == sets_high * high, ex_id
        build = [volume[0], volume[1], volume[2], volume[4], volume[5]]
        for before, after in pairwise(build):
            assert before <= after <= 1.6 * before, (ex_id, volume)
        assert volume[3] < volume[2], (ex_id, volume)  # the consolidation week is lighter


def test_every_exercise_says_which_finding_it_serves(extension_plan):
    plain = FINDING_PLAIN["limited_extension"]
    for session in extension_plan.sessions:
        for item in session.exercises:
            assert item.why
            if item.exercise_id in HIP_EXTENSION:
                assert item.findings == ("limited_extension",)
                assert plain in item.why


def test_week_six_ends_with_a_retest(extension_plan):
    last = extension_plan.sessions[-1]
    assert last.kind == "retest" and last.week == 6
    steps = " ".join(last.steps)
    for words in ("side view", "hip height", "3–5 m", "same orientation and frame", "whole body"):
        assert words in steps
    assert "runform analyze" in steps
    assert [s for s in extension_plan.sessions if s.kind == "retest"] == [last]
    assert [lesson.week for lesson in extension_plan.lessons] == [1, 2, 3, 4, 5, 6]


def test_overstriding_yields_cadence_and_landing_drills():
    plan = build_plan([finding("overstriding", 0.7, 0.9)], profile(minutes=30))
    used = {item.exercise_id for s in plan.sessions for item in s.exercises}
    assert "metronome_run" in used
    assert used & {"quick_feet", "falling_start"}
    every_session = [
        {item.exercise_id for item in s.exercises} for s in plan.sessions if s.kind == "training"
    ]
    assert all("metronome_run" in ids for ids in every_session)
    assert not used & {"resisted_drive_back", "straight_leg_bounds"}


def test_priority_is_severity_times_confidence():
    plan = build_plan(
        [
            finding("overstriding", severity=0.9, confidence=0.2),  # 0.18
            finding("limited_extension", severity=0.5, confidence=0.8),  # 0.40
            finding("stiff_landing", severity=0.5, confidence=0.05),  # 0.025: dropped
        ],
        profile(),
    )
    assert [f.id for f in plan.focus] == ["limited_extension", "overstriding"]
    assert plan.focus[0].priority == pytest.approx(0.4)
    served = {fid for s in plan.sessions for item in s.exercises for fid in item.findings}
    assert served == {"limited_extension", "overstriding"}


@pytest.mark.parametrize("sessions", [2, 3, 4, 5])
@pytest.mark.parametrize("minutes", [15, 25, 60])
def test_sessions_per_week_and_minutes_are_respected(sessions, minutes):
    plan = build_plan(
        [finding("limited_extension"), finding("asymmetry", 0.5, 0.7, "left")],
        profile(sessions_per_week=sessions, minutes=minutes),
    )
    assert len(plan.weeks) == 6
    start = date.fromisoformat(MONDAY)
    for week in plan.weeks:
        assert len(week.sessions) == sessions
        window = start + timedelta(days=7 * (week.number - 1))
        assert all(window <= s.date < window + timedelta(days=7) for s in week.sessions)
    for session in plan.sessions:
        assert session.minutes <= minutes + 1e-6
        assert session.minutes == pytest.approx(
            sum(item.dose.minutes for item in session.exercises) + session.extra_minutes
        )
    heaviest = max(s.minutes for s in plan.weeks[5].sessions if s.kind == "training")
    assert heaviest >= 0.5 * minutes  # the time is used, not left empty


def test_equipment_is_respected_with_home_alternatives():
    lib = load_library()
    plan = build_plan([finding("limited_extension")], profile(equipment="none"))
    used = {item.exercise_id for s in plan.sessions for item in s.exercises}
    assert all(not lib[i].equipment for i in used)
    assert {"standing_hip_extension", "half_kneeling_hip_flexor_stretch", "donkey_kick"} <= used
    notes = " ".join(item.note for s in plan.sessions for item in s.exercises)
    assert "In place of Resisted single-leg drive-back" in notes
    with_band = build_plan([finding("limited_extension")], profile(equipment="band"))
    used_band = {item.exercise_id for s in with_band.sessions for item in s.exercises}
    assert all(not lib[i].equipment or "band" in lib[i].equipment for i in used_band)
    assert "resisted_drive_back" in used_band and "standing_hip_extension" not in used_band


def test_days_to_avoid_are_respected():
    avoid = ("mon", "wed", "sat")
    plan = build_plan([finding("overstriding")], profile(sessions_per_week=4, avoid_days=avoid))
    days = {WEEKDAYS[s.date.weekday()] for s in plan.sessions}
    assert not days & set(avoid)
    assert len(days) == 4
    assert len({s.date for s in plan.sessions}) == 24


def test_default_spread_and_dates():
    plan = build_plan([finding("overstriding")], profile(sessions_per_week=3))
    start = date.fromisoformat(MONDAY)
    expected = [start + timedelta(days=7 * w + d) for w in range(6) for d in (0, 2, 4)]
    assert [s.date for s in plan.sessions] == expected


@pytest.mark.parametrize("spare", ["knee", "hamstring,hip", "ankle,calf,achilles,foot"])
def test_spared_body_parts_are_not_loaded(spare):
    lib = load_library()
    spared = set(spare.split(","))
    plan = build_plan(
        [finding("limited_extension"), finding("overstriding"), finding("stiff_landing")],
        profile(spare=spare, equipment="band,bench,step"),
    )
    used = {item.exercise_id for s in plan.sessions for item in s.exercises}
    assert used
    for ex_id in used:
        assert not set(lib[ex_id].loads) & spared, (ex_id, lib[ex_id].loads)


def test_unservable_finding_is_reported():
    plan = build_plan(
        [finding("heel_recovery_high")],
        profile(spare="knee,hip", level="beginner"),
    )
    assert any("high heel recovery" in note for note in plan.notes)
    assert plan.sessions  # still a full plan of sessions


def test_beginner_gets_easier_variants():
    lib = load_library()
    plan = build_plan([finding("limited_extension")], profile(level="beginner", equipment="band"))
    table = doses_by_week(plan)
    for ex_id, weeks in table.items():
        if min(weeks) < 5:  # chosen at the start: within the runner's level
            assert lib[ex_id].level == "beginner", ex_id
    assert "straight_leg_run" in table and "straight_leg_bounds" in table  # bounds from week 5
    assert set(table["straight_leg_bounds"]) == {5, 6}


def test_same_inputs_same_plan():
    findings = [finding("overstriding", 0.7, 0.9), finding("limited_extension", 0.4, 0.6)]
    options = {"equipment": "band,ball", "avoid_days": "sun", "sessions_per_week": 4}
    first = build_plan(findings, profile(**options))
    second = build_plan(list(reversed(findings)), profile(**options))
    assert first.to_dict() == second.to_dict()
    other = build_plan(findings, profile(**{**options, "sessions_per_week": 3}))
    assert other.plan_id != first.plan_id


def test_no_findings_gives_a_maintenance_plan():
    plan = build_plan([], profile())
    assert plan.mode == "maintenance"
    assert len(plan.sessions) == 18
    phases = {item.phase for s in plan.sessions for item in s.exercises}
    assert phases == {"activation", "strength", "drills", "stretch"}
    for session in plan.sessions:
        if session.kind == "training":
            assert len(session.exercises) >= 3
            assert all(item.why.startswith("General upkeep") for item in session.exercises)
    assert "maintenance plan" in plan.notes[0]
    low_only = build_plan([finding("overstriding", 0.1, 0.2)], profile())
    assert low_only.mode == "maintenance"


def test_session_order_is_activation_strength_drills_stretch(extension_plan):
    rank = {"activation": 0, "strength": 1, "drills": 2, "stretch": 3}
    for session in extension_plan.sessions:
        order = [rank[item.phase] for item in session.exercises]
        assert order == sorted(order)


def test_one_sided_finding_names_the_side():
    plan = build_plan([finding("asymmetry", 0.7, 0.8, side="left")], profile())
    items = [item for s in plan.sessions for item in s.exercises]
    one_sided = [item for item in items if item.dose.per and item.findings]
    assert one_sided and all(item.lead_side == "left" for item in one_sided)
    assert all(item.lead_side == "" for item in items if not item.findings)  # upkeep
    both_legs = [item for s in plan.sessions for item in s.exercises if not item.dose.per]
    assert all(item.lead_side == "" for item in both_legs)
    # the sentence is said once per exercise, in the list under the finding
    notes = [item.note for group in plan.groups for item in group.items if item.note]
    assert any("start each set with the left" in note for note in notes)


def test_bad_findings_and_profiles_raise_clear_errors():
    with pytest.raises(InputError, match="severity"):
        build_plan([{"id": "overstriding", "severity": 3, "confidence": 0.5}], profile())
    with pytest.raises(InputError, match="list"):
        build_plan("overstriding", profile())  # type: ignore[arg-type]
    unknown = build_plan([finding("faster_legs")], profile())
    assert unknown.mode == "maintenance"
    assert any("faster_legs" in note for note in unknown.notes)
    with pytest.raises(OptionError, match="7 sessions"):
        Profile(sessions_per_week=7)
    with pytest.raises(OptionError, match="Unknown level"):
        profile(level="elite")


def test_profile_parsing():
    p = profile_from_options(
        equipment=["Band, table", "swiss ball"],
        avoid_days=["Saturday", "sun"],
        spare="knees,back",
        start="2025-03-05",
    )
    assert p.equipment == ("band", "stability_ball", "bench")
    assert p.avoid_days == ("sat", "sun")
    assert p.spare == ("knee", "lower_back")
    assert profile_from_options(today=date(2025, 3, 5)).start == date(2025, 3, 10)
    assert next_monday(date(2025, 3, 9)) == date(2025, 3, 10)  # Sunday -> next day
    assert next_monday(date(2025, 3, 10)) == date(2025, 3, 17)  # Monday -> a week later
    for bad in ("2025/03/05", "5 March", "2025-13-01"):
        with pytest.raises(OptionError, match="start date"):
            profile_from_options(start=bad)
    with pytest.raises(OptionError, match="Unknown day"):
        profile_from_options(avoid_days="someday")
