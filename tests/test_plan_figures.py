"""Exercise pictures: every exercise has a start and end pose, drawn as a well-formed SVG
whose figure lies inside its viewBox, in the project's side colours, resting on the floor."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runform.plan import load_library
from runform.plan.figures import (
    FOOT,
    FOREARM,
    HEEL,
    SHANK,
    SIDE_HEX,
    THIGH,
    TRUNK,
    UPPER_ARM,
    Pose,
    figure_svg,
    floor_gaps,
    kinematics,
    place,
    pose_from,
)
from runform.plan.library import library_schema, read_library_data
from runform.render.surface import LEFT_COLOR, RIGHT_COLOR

SVG = "{http://www.w3.org/2000/svg}"
LIBRARY = load_library()
IDS = list(LIBRARY)
#: How far a contact point may sit off the floor, and any point below it (body heights).
CONTACT_TOLERANCE = 0.025
BELOW_FLOOR_TOLERANCE = 0.015


def _pairs(text: str) -> list[tuple[float, float]]:
    numbers = [float(v) for v in re.split(r"[ ,]+", text.strip())]
    return list(zip(numbers[0::2], numbers[1::2], strict=True))


def drawn_extent(svg: str) -> tuple[tuple[float, float, float, float], list[tuple[float, float]]]:
    """The viewBox, and every drawn point (shapes' extents included) in viewBox units."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    box = tuple(float(v) for v in root.attrib["viewBox"].split())
    points: list[tuple[float, float]] = []

    def walk(node: ET.Element, dx: float) -> None:
        for child in node:
            tag = child.tag.removeprefix(SVG)
            shift = dx
            if tag == "g":
                match = re.fullmatch(r"translate\(([-\d.]+) 0\)", child.attrib["transform"])
                assert match, child.attrib["transform"]
                walk(child, dx + float(match.group(1)))
                continue
            half = float(child.attrib.get("stroke-width", 0)) / 2
            if tag in ("polyline", "polygon"):
                for x, y in _pairs(child.attrib["points"]):
                    points.extend(
                        (x + shift + sx * half, y + sy * half) for sx in (-1, 1) for sy in (-1, 1)
                    )
            elif tag == "circle":
                cx, cy, r = (float(child.attrib[k]) for k in ("cx", "cy", "r"))
                r += half
                points.extend([(cx + shift - r, cy - r), (cx + shift + r, cy + r)])
            elif tag == "line":
                for i in ("1", "2"):
                    x, y = float(child.attrib[f"x{i}"]), float(child.attrib[f"y{i}"])
                    points.extend([(x + shift, y - half), (x + shift, y + half)])
            elif tag != "title":
                raise AssertionError(f"unexpected element {tag}")

    walk(root, 0.0)
    return box, points


def test_side_colours_are_the_annotated_videos():
    """Near limbs are the right side (sky blue), far limbs the left (orange), from the BGR
    constants the render uses: no colour of its own."""
    blue, green, red = RIGHT_COLOR
    assert SIDE_HEX["near"] == f"#{red:02x}{green:02x}{blue:02x}"
    blue, green, red = LEFT_COLOR
    assert SIDE_HEX["far"] == f"#{red:02x}{green:02x}{blue:02x}"
    assert SIDE_HEX == {"near": "#56b4e9", "far": "#e69f00"}


@pytest.mark.parametrize("exercise_id", IDS)
def test_every_exercise_has_a_well_formed_figure_inside_its_viewbox(exercise_id):
    exercise = LIBRARY[exercise_id]
    assert set(exercise.figure) >= {"start", "end"}
    svg = figure_svg(exercise.figure, label=exercise.name)
    (x0, y0, width, height), points = drawn_extent(svg)
    assert width > 0 and height > 0 and len(points) > 20
    eps = 1e-3  # coordinates are written with three decimals
    for x, y in points:
        assert x0 - eps <= x <= x0 + width + eps, (exercise_id, x, (x0, width))
        assert y0 - eps <= y <= y0 + height + eps, (exercise_id, y, (y0, height))
    # a real picture: both sides drawn, a head, a floor; and accessible
    assert SIDE_HEX["near"] in svg and SIDE_HEX["far"] in svg
    assert "<circle" in svg and "<line" in svg
    assert f"<title>{exercise.name}</title>" in svg.replace("&amp;", "&")
    assert 'role="img"' in svg
    # nothing that would load from outside or break the page's self-containment
    assert "url(" not in svg and "href" not in svg and "<script" not in svg


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize("which", ["start", "end"])
def test_poses_rest_on_the_floor_or_their_props(exercise_id, which):
    pose = pose_from(LIBRARY[exercise_id].figure, which)
    gaps = floor_gaps(pose)
    for name in pose.contacts or (min(gaps, key=gaps.get),):
        assert gaps[name] == pytest.approx(pose.lift, abs=CONTACT_TOLERANCE), (name, gaps[name])
    lowest = min(gaps, key=gaps.get)
    assert gaps[lowest] >= -BELOW_FLOOR_TOLERANCE, (lowest, gaps[lowest])


@pytest.mark.parametrize("exercise_id", IDS)
def test_start_and_end_show_a_movement_and_props_keep_their_size(exercise_id):
    figure = LIBRARY[exercise_id].figure
    start, end = (place(pose_from(figure, w)) for w in ("start", "end"))

    def relative(points):  # relative to the hip: the movement, not where it was drawn
        hx, hy = points["hip"]
        return {k: (x - hx, y - hy) for k, (x, y) in points.items()}

    a, b = relative(start), relative(end)
    moved = max(math.dist(a[k], b[k]) for k in a)
    assert moved >= 0.05, exercise_id
    # a bench, step or ball under the same point is as high at the start as at the end
    for prop in figure.get("props", ()):
        kind = next(iter(k for k in prop if k in ("bench", "step", "ball")), None)
        if kind:
            point = prop[kind]
            assert start[point][1] == pytest.approx(end[point][1], abs=CONTACT_TOLERANCE), prop


def test_equipment_appears_in_the_pictures():
    """Exercises that need a bench, step, ball or band show it (both variants of a choice)."""
    drawn = {
        "bench": ("rear_foot_elevated_split_squat", "hip_flexor_stretch_table"),
        "step": ("step_up", "step_down_eccentric"),
        "ball": ("single_leg_glute_bridge_ball", "hamstring_curl_ball"),
        "band": ("resisted_drive_back", "donkey_kick_band", "pallof_press"),
        "weight": ("single_leg_rdl_weighted",),
    }
    for kind, ids in drawn.items():
        for exercise_id in ids:
            figure = LIBRARY[exercise_id].figure
            props = [*figure.get("props", ()), *figure["start"].get("props", ())]
            assert any(kind in prop for prop in props), (exercise_id, kind)


def test_figures_are_deterministic():
    figure = LIBRARY["a_march"].figure
    assert figure_svg(figure, "A") == figure_svg(figure, "A")


def test_standing_upright_pose_is_a_person():
    points = place(Pose())
    assert points["head"][1] > points["shoulder"][1] > points["hip"][1]
    assert points["hip"][1] > points["near_knee"][1] > points["near_ankle"][1]
    assert points["near_heel"][1] == pytest.approx(0.0, abs=1e-9)
    assert points["near_toe"][0] > points["near_heel"][0]  # facing right
    assert points["hip"][1] == pytest.approx(THIGH + SHANK + HEEL)
    # a forward lean moves the shoulder ahead of the hip; hip flexion moves the knee forward
    lean = kinematics(Pose(trunk=30, hip=(90, 0)))
    knee_ahead = THIGH * math.cos(math.radians(30))  # 90° from a trunk leaning 30° forward
    assert lean["shoulder"][0] > 0 and lean["near_knee"][0] == pytest.approx(knee_ahead)
    # lying on the back (trunk -90): head to the left, resting on the floor, not on the spine
    lying = floor_gaps(Pose(trunk=-90, contacts=("hip", "shoulder")))
    assert lying["hip"] == pytest.approx(0.0) and lying["head"] == pytest.approx(0.0, abs=1e-9)
    assert kinematics(Pose(trunk=-90))["shoulder"][0] < 0


angle = st.floats(-180, 180, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    trunk=angle,
    hips=st.tuples(angle, angle),
    knees=st.tuples(angle, angle),
    ankles=st.tuples(angle, angle),
    arms=st.tuples(angle, angle),
    elbows=st.tuples(angle, angle),
)
def test_segments_keep_their_length_in_any_pose(trunk, hips, knees, ankles, arms, elbows):
    pose = Pose(trunk=trunk, hip=hips, knee=knees, ankle=ankles, shoulder=arms, elbow=elbows)
    p = kinematics(pose)
    assert math.dist(p["hip"], p["shoulder"]) == pytest.approx(TRUNK)
    for side in ("near", "far"):
        assert math.dist(p["hip"], p[f"{side}_knee"]) == pytest.approx(THIGH)
        assert math.dist(p[f"{side}_knee"], p[f"{side}_ankle"]) == pytest.approx(SHANK)
        assert math.dist(p[f"{side}_heel"], p[f"{side}_toe"]) == pytest.approx(FOOT)
        assert math.dist(p["shoulder"], p[f"{side}_elbow"]) == pytest.approx(UPPER_ARM)
        assert math.dist(p[f"{side}_elbow"], p[f"{side}_hand"]) == pytest.approx(FOREARM)
    svg = figure_svg({"start": {}, "end": {
        "trunk": trunk, "hip": list(hips), "knee": list(knees), "ankle": list(ankles),
        "shoulder": list(arms), "elbow": list(elbows),
    }})  # fmt: skip
    (x0, y0, w, h), points = drawn_extent(svg)
    assert all(
        x0 - 1e-3 <= x <= x0 + w + 1e-3 and y0 - 1e-3 <= y <= y0 + h + 1e-3 for x, y in points
    )


def test_schema_rejects_broken_figures():
    data = read_library_data()
    validator = jsonschema.Draft202012Validator(library_schema())
    entry = data["exercises"][0]
    figure = entry["figure"]
    broken = [
        {k: v for k, v in entry.items() if k != "figure"},  # no picture
        {**entry, "figure": {"start": figure["start"]}},  # no end pose
        {**entry, "figure": {**figure, "start": {"knee": [10, 20, 30]}}},  # three sides
        {**entry, "figure": {**figure, "start": {"contacts": ["elbow"]}}},  # no such point
        {**entry, "figure": {**figure, "props": [{"bench": "hip", "step": "hip"}]}},  # 2 kinds
        {**entry, "figure": {**figure, "props": [{"band": "near_ankle"}]}},  # band, no anchor
        {**entry, "figure": {**figure, "start": {"hip": [400, 0]}}},  # not an angle
    ]
    for bad in broken:
        assert not validator.is_valid({"schema": "runform.exercises/1", "exercises": [bad] * 30})
    assert validator.is_valid({"schema": "runform.exercises/1", "exercises": [entry] * 30})


def test_unknown_contact_point_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown contact point 'elbow'"):
        place(Pose(contacts=("elbow",)))
