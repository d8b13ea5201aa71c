"""The plan reads as written for this runner: their own numbers in the drill settings and
targets, the reason for each group of exercises said once, and a re-test that only names
commands the runner can use."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from runform.plan import build_plan, profile_from_options, write_plan
from runform.plan.lessons import load_lessons
from runform.plan.targets import (
    Measurements,
    finding_numbers,
    metronome_target,
    raised_cadence,
)
from runform.plan.wording import FINDING_APPROACH, UPKEEP_GROUP

START = "2025-03-03"


def evidence(metric, name, unit, band, **sides):
    return [
        {"metric": metric, "name": name, "side": side, "value": value, "band": band, "unit": unit}
        for side, value in sides.items()
    ]


FINDINGS = [
    {
        "id": "overstriding",
        "title": "Overstriding: the foot lands far ahead of the hip",
        "severity": 0.7,
        "confidence": 0.9,
        "side": "both",
        "evidence": evidence(
            "touchdown_distance_pct", "Touchdown distance", "% leg", [12.0, 30.0],
            left=34.2, right=36.8,
        ),
    },
    {
        "id": "limited_extension",
        "title": "Limited thigh extension behind the body",
        "severity": 0.55,
        "confidence": 0.8,
        "side": "both",
        "evidence": evidence(
            "thigh_extension_deg", "Thigh extension", "deg", [18.0, 30.0], left=14.2, right=15.1
        ),
    },
    {"id": "low_cadence", "severity": 0.4, "confidence": 0.9, "side": "both", "evidence": []},
]  # fmt: skip
ANALYSIS = {
    "schema": "runform.analysis/1",
    "summary": {"cadence_spm": 169.0, "thigh_extension_deg": {"left": 14.2, "right": 15.1}},
    "metrics": {
        "cadence_spm": {
            "name": "Cadence",
            "unit": "steps/min",
            "band": {"low": 160.0, "high": 185.0},
            "quality": {"level": "good", "trusted": True},
        }
    },
    "findings": FINDINGS,
}


@pytest.fixture(scope="module")
def plan():
    return build_plan(FINDINGS, profile_from_options(start=START), analysis=ANALYSIS)


@pytest.fixture(scope="module")
def html(plan, tmp_path_factory) -> str:
    paths = write_plan(plan, tmp_path_factory.mktemp("personal"))
    return Path(paths["html"]).read_text(encoding="utf-8")


def items_of(plan, exercise_id):
    return [item for s in plan.sessions for item in s.exercises if item.exercise_id == exercise_id]


# ----------------------------------------------------------------------------- numbers


def test_metronome_drill_goes_from_the_runners_cadence_to_plus_five_percent(plan, html):
    metronome = items_of(plan, "metronome_run")
    assert metronome, "the cadence drill is in an overstriding plan"
    early = {item.target for s in plan.sessions if s.week <= 4 for item in s.exercises
             if item.exercise_id == "metronome_run"}  # fmt: skip
    late = {item.target for s in plan.sessions if s.week >= 5 for item in s.exercises
            if item.exercise_id == "metronome_run"}  # fmt: skip
    assert early == {"metronome 177 beats/min"}  # 169 × 1.05 = 177.45
    assert late == {"metronome 177–186 beats/min"}  # up to + 10 % from week 5
    sentence = "Set the metronome to 177 beats a minute: your cadence of 169 steps/min + 5 %."
    assert sentence in html
    assert "go up to 186 (+10 %)" in html


@pytest.mark.parametrize(
    ("cadence", "percent", "expected"),
    [(169.0, 5, 177), (169.0, 10, 186), (160.0, 5, 168), (181.4, 5, 190), (150.0, 10, 165)],
)
def test_raised_cadence_rounds_to_whole_steps(cadence, percent, expected):
    assert raised_cadence(cadence, percent) == expected
    assert abs(raised_cadence(cadence, percent) - cadence * (1 + percent / 100)) <= 0.5


@pytest.mark.parametrize(
    "analysis",
    [
        None,  # no analysis at hand (the library API with findings only)
        {"summary": {}},
        {"summary": {"cadence_spm": None}},
        {"summary": {"cadence_spm": "fast"}},
        {"summary": {"cadence_spm": math.nan}},
        {"summary": {"cadence_spm": 30.0}},  # not a running cadence
        {  # measured, but the analysis did not trust it
            "summary": {"cadence_spm": 169.0},
            "metrics": {"cadence_spm": {"quality": {"trusted": False}}},
        },
    ],
)
def test_without_a_usable_cadence_the_wording_is_generic_and_complete(analysis):
    measurements = Measurements.from_analysis(analysis)
    for week in range(1, 7):
        for short in (True, False):
            text = metronome_target(measurements, week, short)
            assert text and "None" not in text and "nan" not in text.lower()
            assert not re.search(r"\{|\}|–\s*beats|\s–\s|: \.|\(\)", text), text
            assert "5 %" in text
    assert "usual cadence" in metronome_target(measurements, 1)
    plan = build_plan(
        [{"id": "overstriding", "severity": 0.7, "confidence": 0.9, "side": "both"}],
        profile_from_options(start=START),
        analysis=analysis,
    )
    targets = {item.target for item in items_of(plan, "metronome_run")}
    assert targets == {"metronome +5 %", "metronome +5 %, up to +10 %"}
    overstriding = next(g for g in plan.groups if g.id == "overstriding")
    assert overstriding.measured == "" and overstriding.goal == ""


def test_each_finding_shows_the_runners_numbers_and_a_retest_goal(plan, html):
    groups = {g.id: g for g in plan.groups}
    over = groups["overstriding"]
    assert over.measured == (
        "Touchdown distance: 34.2 % of leg length (left), 36.8 % of leg length (right); "
        "reference 12–30 % of leg length."
    )
    assert over.goal == "touchdown distance 30 % of leg length or less"
    ext = groups["limited_extension"]
    assert ext.measured == "Thigh extension: 14.2° (left), 15.1° (right); reference 18–30°."
    assert ext.goal == "thigh extension 18° or more"
    cadence = groups["low_cadence"]  # no evidence in the finding: read from the summary
    assert cadence.measured == "Cadence: 169 steps/min; reference 160–185 steps/min."
    assert cadence.goal == "cadence about 177 steps/min at the same pace"
    for group in (over, ext, cadence):
        assert f'<span class="label">Your numbers:</span> {group.measured}' in html
        assert f'<span class="label">Target at the re-test:</span> {group.goal}.' in html
    # the re-test session lists the targets to check
    last = plan.sessions[-1].steps[-1]
    assert last.startswith("In the new analysis, check your targets:")
    assert all(g.goal in last for g in (over, ext, cadence))


def test_findings_numbers_fall_back_to_nothing_rather_than_blanks():
    empty = Measurements()
    for fid in ("limited_extension", "overstriding", "low_cadence", "stiff_landing"):
        numbers = finding_numbers(fid, empty)
        assert numbers.measured == "" and numbers.goal == ""
    worded = finding_numbers("asymmetry", empty)
    assert worded.measured == "" and worded.goal == "left and right closer together"
    asym = {
        "id": "asymmetry",
        "evidence": [
            {"metric": "touchdown_distance_pct", "name": "Touchdown distance", "side": s,
             "value": v, "band": [12, 30], "unit": "% leg", "note": "symmetry index 64 %"}
            for s, v in (("left", 8.6), ("right", 20.1))
        ],
    }  # fmt: skip
    assert finding_numbers("asymmetry", empty, asym).measured == (
        "Touchdown distance: 8.6 % of leg length (left), 20.1 % of leg length (right), "
        "symmetry index 64 %."
    )


# ----------------------------------------------------------------------------- groups


def test_every_exercise_is_listed_once_under_the_finding_it_serves_most(plan):
    listed = [item.exercise_id for g in plan.groups for item in g.items]
    assert len(listed) == len(set(listed))
    used = {item.exercise_id for s in plan.sessions for item in s.exercises}
    assert used == set(listed)
    by_id = {g.id: g for g in plan.groups}
    assert [g.id for g in plan.groups][:3] == ["overstriding", "limited_extension", "low_cadence"]
    for session in plan.sessions:
        for item in session.exercises:
            group = plan.group_of(item.exercise_id)
            assert group is not None and group.id == item.group
            assert item.group in item.findings or (item.group == UPKEEP_GROUP and not item.findings)
    # metronome running serves overstriding and low cadence equally (3 each): the higher
    # priority finding lists it, the other names it as help from elsewhere
    assert plan.group_of("metronome_run").id == "overstriding"
    assert "metronome_run" in by_id["low_cadence"].shared


def test_the_reason_is_said_once_per_group_not_under_every_exercise(plan, html):
    for group in plan.groups:
        assert html.count(group.reason) == 1, group.id
    for fid in ("overstriding", "limited_extension"):
        assert html.count(FINDING_APPROACH[fid]) == 1
    # the session cards carry doses, settings and the group's name, not the reasons
    cards = re.findall(r'<article class="card.*?</article>', html, flags=re.S)
    assert len(cards) == len(plan.sessions)
    for card in cards:
        assert "Because" not in card and "General upkeep:" not in card
        for group in plan.groups:
            assert group.reason not in card
    # each exercise's own "what it does" is in the reference once
    for item in (i for g in plan.groups for i in g.items):
        ex = next(e for e in plan.exercises if e.id == item.exercise_id)
        purpose = ex.purpose[:1].upper() + ex.purpose[1:]
        assert html.count(f"<p>{purpose}</p>") == 1, ex.id


def test_every_listed_exercise_has_its_picture_in_the_page(plan, html):
    for group in plan.groups:
        for item in group.items:
            article = re.search(rf'<article id="ex-{item.exercise_id}">.*?</article>', html, re.S)
            assert article, item.exercise_id
            assert article.group(0).count("<svg") == 1 and "Start → end" in article.group(0)


def test_plan_json_carries_groups_and_targets(plan, tmp_path):
    data = json.loads(Path(write_plan(plan, tmp_path)["json"]).read_text(encoding="utf-8"))
    assert [g["id"] for g in data["groups"]] == [g.id for g in plan.groups]
    first = data["groups"][0]
    assert {"reason", "measured", "goal", "exercises", "shared", "label"} <= set(first)
    exercises = [e for w in data["weeks"] for s in w["sessions"] for e in s["exercises"]]
    assert all({"group", "target", "lead_side"} <= set(e) for e in exercises)


def test_calendar_gives_the_reason_once_per_group_in_each_session(plan, tmp_path):
    import icalendar

    cal = icalendar.Calendar.from_ical(Path(write_plan(plan, tmp_path)["ics"]).read_bytes())
    first = str(next(iter(cal.walk("VEVENT")))["DESCRIPTION"])
    session = plan.sessions[0]
    for group in {item.group for item in session.exercises}:
        reason = next(g.reason for g in plan.groups if g.id == group)
        assert first.count(reason) == 1
    assert "metronome 177 beats/min)" in first
    assert "rest " in first and " s between sets" in first  # the rest, as in plan.json


# ----------------------------------------------------------------------------- re-test


KNOWN_COMMANDS = {"analyze", "analyze-pose", "report", "plan", "compare"}


def test_retest_only_names_commands_that_exist_or_the_agreed_compare(plan, html):
    """Commands appear as code in the page and lessons, and in plain words in the steps."""
    found = re.findall(r"<code>runform ([a-z][a-z-]*)", html)
    for lesson in load_lessons():
        found += re.findall(r"`runform ([a-z][a-z-]*)", lesson.markdown)
    for step in plan.retest_steps:
        found += re.findall(r"\brunform ([a-z][a-z-]*)", step)
    assert set(found) <= KNOWN_COMMANDS, set(found) - KNOWN_COMMANDS
    assert "compare" in found
    texts = [html, *plan.retest_steps, *(lesson.markdown for lesson in load_lessons())]
    for text in texts:
        for match in re.finditer(r"runform compare\b.{0,40}", text):
            assert match.group(0).startswith("runform compare BEFORE AFTER --out DIR"), match[0]
    steps = " ".join(plan.retest_steps)
    assert "runform analyze" in steps and "runform compare BEFORE AFTER --out DIR" in steps
    assert "<code>runform compare BEFORE AFTER --out DIR</code>" in html
    retest = next(lesson for lesson in load_lessons() if lesson.id == "retest").markdown
    assert "`runform compare BEFORE AFTER --out DIR`" in retest
    assert "side by side" not in retest


def test_an_exercise_starts_with_the_side_of_the_finding_it_is_listed_under():
    findings = [
        {"id": "overstriding", "severity": 0.7, "confidence": 0.9, "side": "both"},
        {"id": "asymmetry", "severity": 0.5, "confidence": 0.7, "side": "right"},
        {"id": "stiff_landing", "severity": 0.4, "confidence": 0.8, "side": "left"},
    ]
    plan = build_plan(
        findings, profile_from_options(start=START, equipment="step,bench", level="advanced")
    )
    groups = {g.id: g for g in plan.groups}
    step_down = next(
        i for i in groups["stiff_landing"].items if i.exercise_id == "step_down_eccentric"
    )
    assert "start each set with the left leg" in step_down.note  # not asymmetry's right side
    assert {i.lead_side for i in items_of(plan, "step_down_eccentric")} == {"left"}
    # a harder variant from week 5 keeps the side, said once for it too
    variants = [i for i in groups["asymmetry"].items if i.weeks.startswith("weeks 5")]
    assert variants and all("start each set with the right" in i.note for i in variants)


@pytest.mark.parametrize("with_analysis", [True, False])
def test_the_page_never_prints_a_blank_number(with_analysis, tmp_path):
    plan = build_plan(
        FINDINGS, profile_from_options(start=START), analysis=ANALYSIS if with_analysis else None
    )
    html = Path(write_plan(plan, tmp_path)["html"]).read_text("utf-8")
    body = re.sub(r"<style>.*?</style>|<svg.*?</svg>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", body)
    for bad in ("None", "nan ", " NaN", "{", "}", "()", ": .", " – beats"):
        assert bad not in text, bad
    for label in ("Your numbers:", "Target at the re-test:"):
        assert text.count(label) == len(re.findall(label + r"\s+[A-Za-z]", text)), label
    assert ("177 beats" in text) is with_analysis
    assert ("Your numbers:" in text) is True  # the findings' own evidence is always there
