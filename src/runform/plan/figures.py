"""Stick-figure pictures of the exercises: joint angles in, SVG out.

Each exercise of the library carries a ``figure``: a start and an end *pose*, given as
joint angles of a side-view stick figure facing right, plus the props it uses (floor,
bench, step, ball, wall, band, weight, strap). This module turns a pose into points by
forward kinematics and draws start → end as one small, self-contained SVG. It is pure:
no files, no randomness, the same angles always give the same bytes.

Angles (degrees), for a figure facing right (+x), y up:

- ``trunk``: hip→shoulder against vertical, + leaning forward (90 = face down, −90 = on
  the back, head to the left);
- ``hip``: thigh against the trunk line extended downward, + flexion (knee forward);
- ``knee``: 0 straight, + flexion (heel toward the buttocks);
- ``ankle``: foot against the perpendicular of the shank, + dorsiflexion (toes up);
- ``shoulder``: upper arm against the trunk line, + forward (180 = overhead);
- ``elbow``: 0 straight, + flexion (hand toward the shoulder);
- ``head``: + chin toward the chest.

Limb angles are ``[near, far]`` pairs. The near limbs are the runner's right side and the
far limbs the left (a runner facing right shows the right side to the camera); they are
drawn in the project's side colours (:data:`runform.colours.RIGHT_HEX` and
:data:`~runform.colours.LEFT_HEX`, the colours of the annotated video), the far side
first so the near side is in front.

``contacts`` names the points that rest on the floor (default: the lowest point); the
figure is moved so they touch it, or ``lift`` above it (a hop). Points have a radius (the
body's thickness), so a figure lying on its back rests on its back, not on its spine.

Example
-------
>>> pose = Pose.from_dict({"trunk": 0, "hip": [90, 0], "knee": [90, 0]})
>>> points = place(pose)
>>> round(points["near_knee"][0] - points["hip"][0], 3)  # the knee is a thigh ahead
0.245
>>> svg = figure_svg({"start": {}, "end": {"hip": [90, 0]}}, label="March")
>>> svg.startswith("<svg") and "viewBox" in svg
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from runform.colours import LEFT_HEX, RIGHT_HEX

Point = tuple[float, float]

# Segment lengths for a body 1.0 tall (rounded from Winter's anthropometric tables).
TRUNK = 0.30
THIGH = 0.245
SHANK = 0.245
HEEL = 0.04  # ankle to the sole, along the shank
FOOT = 0.13  # heel to toe
UPPER_ARM = 0.17
FOREARM = 0.17  # forearm and hand
NECK = 0.05
HEAD_R = 0.06
#: Half the body's thickness at each point: what rests on the floor is the skin, not the joint.
RADIUS: dict[str, float] = {
    "head": HEAD_R,
    "shoulder": 0.06,
    "hip": 0.06,
    "near_knee": 0.035,
    "far_knee": 0.035,
    "near_elbow": 0.025,
    "far_elbow": 0.025,
    "near_hand": 0.02,
    "far_hand": 0.02,
}
SIDES: tuple[str, str] = ("near", "far")
LIMB_ANGLES: tuple[str, ...] = ("hip", "knee", "ankle", "shoulder", "elbow")
PROP_KINDS: tuple[str, ...] = ("bench", "step", "ball", "wall", "band", "weight", "strap")
POINT_NAMES: tuple[str, ...] = (
    "hip",
    "shoulder",
    "head",
    *(
        f"{side}_{joint}"
        for side in SIDES
        for joint in ("knee", "ankle", "heel", "toe", "elbow", "hand")
    ),
)

#: Side colours as CSS hex (runform.colours, the colours of the annotated video).
SIDE_HEX: dict[str, str] = {
    "near": RIGHT_HEX.lower(),
    "far": LEFT_HEX.lower(),
}
INK = "#1d2327"  # the plan page's text colour: trunk and head
PROP = "#7b868e"  # props: bench, step, wall, band
PROP_FILL = "#e9eef0"
FLOOR = "#b9c2c8"
SCALE_PX = 130.0  # pixels per body height in the SVG's width/height attributes
PAD = 0.06
GAP = 0.22  # between the two panels, where the arrow goes
STROKE = {"limb": 0.032, "trunk": 0.04, "prop": 0.018, "floor": 0.012}


@dataclass(frozen=True)
class Pose:
    """One position of the stick figure (angles in degrees; pairs are ``(near, far)``)."""

    trunk: float = 0.0
    head: float = 0.0
    hip: tuple[float, float] = (0.0, 0.0)
    knee: tuple[float, float] = (0.0, 0.0)
    ankle: tuple[float, float] = (0.0, 0.0)
    shoulder: tuple[float, float] = (0.0, 0.0)
    elbow: tuple[float, float] = (0.0, 0.0)
    contacts: tuple[str, ...] = ()
    lift: float = 0.0
    props: tuple[Mapping[str, Any], ...] = field(default=())

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Pose:
        """A pose from its library form (missing angles are 0; a single number sets both sides)."""
        kwargs: dict[str, Any] = {
            "trunk": float(raw.get("trunk", 0.0)),
            "head": float(raw.get("head", 0.0)),
            "contacts": tuple(raw.get("contacts", ())),
            "lift": float(raw.get("lift", 0.0)),
            "props": tuple(raw.get("props", ())),
        }
        for name in LIMB_ANGLES:
            value = raw.get(name, 0.0)
            if isinstance(value, int | float):
                value = (value, value)
            kwargs[name] = (float(value[0]), float(value[1]))
        return cls(**kwargs)


def _direction(angle_deg: float) -> Point:
    rad = math.radians(angle_deg)
    return math.cos(rad), math.sin(rad)


def _step(origin: Point, angle_deg: float, length: float) -> Point:
    dx, dy = _direction(angle_deg)
    return origin[0] + length * dx, origin[1] + length * dy


def kinematics(pose: Pose) -> dict[str, Point]:
    """Every point of the figure with the hip at the origin (y up, facing +x).

    Segment directions are angles from +x, counter-clockwise: the trunk points up at 90°
    and tips forward (clockwise) as it leans; a limb hanging along the trunk points the
    other way, and flexion turns it toward the front.
    """
    trunk = 90.0 - pose.trunk
    hip = (0.0, 0.0)
    shoulder = _step(hip, trunk, TRUNK)
    points = {
        "hip": hip,
        "shoulder": shoulder,
        "head": _step(shoulder, trunk - pose.head, NECK + HEAD_R),
    }
    for i, side in enumerate(SIDES):
        thigh = trunk + 180.0 + pose.hip[i]
        shank = thigh - pose.knee[i]
        foot = shank + 90.0 + pose.ankle[i]
        knee = _step(hip, thigh, THIGH)
        ankle = _step(knee, shank, SHANK)
        heel = _step(ankle, shank, HEEL)
        upper = trunk + 180.0 + pose.shoulder[i]
        elbow = _step(shoulder, upper, UPPER_ARM)
        points.update(
            {
                f"{side}_knee": knee,
                f"{side}_ankle": ankle,
                f"{side}_heel": heel,
                f"{side}_toe": _step(heel, foot, FOOT),
                f"{side}_elbow": elbow,
                f"{side}_hand": _step(elbow, upper + pose.elbow[i], FOREARM),
            }
        )
    return points


def _bottom(points: Mapping[str, Point], name: str) -> float:
    return points[name][1] - RADIUS.get(name, 0.0)


def place(pose: Pose) -> dict[str, Point]:
    """The pose's points moved so its contact points rest on the floor (y = 0).

    The hip stays at x = 0. With no ``contacts`` the lowest point rests on the floor;
    ``lift`` raises the whole figure above it (airborne drills).
    """
    points = kinematics(pose)
    names = pose.contacts or tuple(points)
    for name in names:
        if name not in points:
            raise ValueError(f"unknown contact point {name!r}; use one of {', '.join(points)}")
    floor = min(_bottom(points, name) for name in names)
    dy = pose.lift - floor
    return {name: (x, y + dy) for name, (x, y) in points.items()}


def floor_gaps(pose: Pose) -> dict[str, float]:
    """Height of each point's underside above the floor once placed (negative = below it)."""
    points = place(pose)
    return {name: _bottom(points, name) for name in points}


# ----------------------------------------------------------------------------- drawing


@dataclass
class _Canvas:
    """SVG elements in figure units (y up) and the box they cover."""

    elements: list[str] = field(default_factory=list)
    xmin: float = math.inf
    xmax: float = -math.inf
    ymin: float = math.inf
    ymax: float = -math.inf

    def _cover(self, x: float, y: float, margin: float) -> None:
        self.xmin = min(self.xmin, x - margin)
        self.xmax = max(self.xmax, x + margin)
        self.ymin = min(self.ymin, y - margin)
        self.ymax = max(self.ymax, y + margin)

    def polyline(self, pts: Sequence[Point], color: str, width: float, **extra: str) -> None:
        for x, y in pts:
            self._cover(x, y, width / 2)
        coords = " ".join(f"{_n(x)},{_n(-y)}" for x, y in pts)
        attrs = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in extra.items())
        self.elements.append(
            f'<polyline points="{coords}" fill="none" stroke="{color}" '
            f'stroke-width="{_n(width)}" stroke-linecap="round" stroke-linejoin="round"{attrs}/>'
        )

    def circle(
        self, c: Point, r: float, stroke: str, fill: str, width: float = STROKE["prop"]
    ) -> None:
        self._cover(c[0], c[1], r + width / 2)
        self.elements.append(
            f'<circle cx="{_n(c[0])}" cy="{_n(-c[1])}" r="{_n(r)}" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{_n(width)}"/>'
        )

    def polygon(self, pts: Sequence[Point], fill: str, stroke: str = "none") -> None:
        for x, y in pts:
            self._cover(x, y, STROKE["prop"] / 2)
        coords = " ".join(f"{_n(x)},{_n(-y)}" for x, y in pts)
        self.elements.append(
            f'<polygon points="{coords}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{_n(STROKE["prop"])}" stroke-linejoin="round"/>'
        )

    def shifted(self, dx: float) -> list[str]:
        return [f'<g transform="translate({_n(dx)} 0)">', *self.elements, "</g>"]


def _n(value: float) -> str:
    """A coordinate with three decimals and no ``-0``."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _prop_box(canvas: _Canvas, top: float, x0: float, x1: float, legs: bool) -> None:
    """A bench (legs) or a step (solid) whose top is at ``top``, from ``x0`` to ``x1``."""
    slab = min(0.05, top)
    canvas.polygon([(x0, top), (x1, top), (x1, top - slab), (x0, top - slab)], PROP_FILL, PROP)
    if legs:
        inset = 0.03
        for x in (x0 + inset, x1 - inset):
            canvas.polyline([(x, top - slab), (x, 0.0)], PROP, STROKE["prop"] * 1.6)
    elif top > slab:
        canvas.polygon([(x0, top - slab), (x1, top - slab), (x1, 0.0), (x0, 0.0)], PROP_FILL, PROP)


def _draw_props(
    canvas: _Canvas, props: Iterable[Mapping[str, Any]], pts: Mapping[str, Point], front: bool
) -> None:
    """Props behind the body (``front`` false) or in front of it (bands, weights, straps)."""
    for prop in props:
        kind = next(k for k in PROP_KINDS if k in prop)
        in_front = kind in ("band", "weight", "strap")
        if in_front != front:
            continue
        at = pts[prop[kind]] if kind != "strap" else pts[prop[kind][0]]
        if kind in ("bench", "step"):
            lo, hi = prop.get("span", (-0.15, 0.15) if kind == "bench" else (-0.06, 0.18))
            top = at[1] - RADIUS.get(prop[kind], 0.0)
            _prop_box(canvas, top, at[0] + lo, at[0] + hi, legs=kind == "bench")
        elif kind == "ball":
            r = max((at[1] - RADIUS.get(prop[kind], 0.0)) / 2, 0.05)
            canvas.circle((at[0] + prop.get("dx", 0.0), r), r, PROP, PROP_FILL)
        elif kind == "wall":
            x = at[0] + prop.get("dx", 0.0)
            canvas.polyline([(x, 0.0), (x, prop.get("height", 1.05))], PROP, STROKE["prop"] * 2)
        elif kind == "band":
            if "to" in prop:  # a loop between two body points
                canvas.polyline([at, pts[prop["to"]]], PROP, STROKE["prop"] * 1.4)
                continue
            ax, ay = prop["anchor"]
            canvas.polyline([at, (ax, ay)], PROP, STROKE["prop"] * 1.4)
            canvas.polygon(
                [
                    (ax - 0.02, 0.0),
                    (ax + 0.02, 0.0),
                    (ax + 0.02, ay + 0.03),
                    (ax - 0.02, ay + 0.03),
                ],
                PROP_FILL,
                PROP,
            )
        elif kind == "weight":
            x, y = at
            canvas.polyline([(x - 0.04, y), (x + 0.04, y)], INK, STROKE["prop"] * 1.4)
            for dx in (-0.045, 0.045):
                canvas.polygon(
                    [(x + dx - 0.012, y - 0.03), (x + dx + 0.012, y - 0.03),
                     (x + dx + 0.012, y + 0.03), (x + dx - 0.012, y + 0.03)],
                    INK,
                )  # fmt: skip
        elif kind == "strap":
            a, b = (pts[name] for name in prop[kind])
            canvas.polyline([a, b], PROP, STROKE["prop"] * 1.4)


def _draw_side(canvas: _Canvas, pts: Mapping[str, Point], side: str) -> None:
    color = SIDE_HEX[side]
    width = STROKE["limb"]
    canvas.polyline(
        [pts["hip"], pts[f"{side}_knee"], pts[f"{side}_ankle"], pts[f"{side}_heel"],
         pts[f"{side}_toe"]],
        color,
        width,
    )  # fmt: skip
    canvas.polyline(
        [pts["shoulder"], pts[f"{side}_elbow"], pts[f"{side}_hand"]], color, width * 0.85
    )


def _draw_pose(pose: Pose) -> _Canvas:
    pts = place(pose)
    canvas = _Canvas()
    _draw_props(canvas, pose.props, pts, front=False)
    _draw_side(canvas, pts, "far")
    canvas.polyline([pts["hip"], pts["shoulder"]], INK, STROKE["trunk"])
    canvas.circle(pts["head"], HEAD_R, INK, "#ffffff", STROKE["limb"] * 0.8)
    _draw_side(canvas, pts, "near")
    _draw_props(canvas, pose.props, pts, front=True)
    return canvas


def pose_from(figure: Mapping[str, Any], which: str) -> Pose:
    """The ``start`` or ``end`` pose of a library figure, with the figure's shared props."""
    raw = dict(figure[which])
    shared = tuple(figure.get("props", ()))
    raw["props"] = (*shared, *raw.get("props", ()))
    return Pose.from_dict(raw)


def figure_svg(figure: Mapping[str, Any], label: str = "") -> str:
    """One SVG with the start pose, an arrow, and the end pose, on a shared floor.

    Parameters
    ----------
    figure
        The library's ``figure`` mapping: ``start`` and ``end`` poses, optional shared
        ``props`` and ``travel`` (true for drills that move forward: an arrow on the floor).
    label
        What the picture shows, for screen readers (``<title>``).
    """
    panels = [_draw_pose(pose_from(figure, which)) for which in ("start", "end")]
    top = max(max(p.ymax for p in panels), 0.2) + PAD
    bottom = min(min(p.ymin for p in panels), -0.02) - PAD
    parts: list[str] = []
    x = PAD
    lefts = []
    for i, panel in enumerate(panels):
        if i:
            _arrow(parts, x + GAP / 2, (top + max(bottom, 0.0)) / 2)
            x += GAP
        lefts.append(x)
        parts.extend(panel.shifted(x - panel.xmin))
        x += panel.xmax - panel.xmin
    width = x + PAD
    floor = [
        f'<line x1="{_n(left - PAD / 2)}" y1="0" x2="{_n(left + p.xmax - p.xmin + PAD / 2)}" '
        f'y2="0" stroke="{FLOOR}" stroke-width="{_n(STROKE["floor"])}"/>'
        for left, p in zip(lefts, panels, strict=True)
    ]
    if figure.get("travel"):
        for left, p in zip(lefts, panels, strict=True):
            floor.append(_travel_arrow(left + (p.xmax - p.xmin) / 2, bottom + PAD / 2))
    height = top - bottom
    title = f"<title>{escape(label)}</title>" if label else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 {_n(-top)} {_n(width)} '
        f'{_n(height)}" width="{round(width * SCALE_PX)}" height="{round(height * SCALE_PX)}" '
        f'role="img" aria-label={quoteattr(label or "exercise start and end position")}>'
        + title
        + "".join(floor)
        + "".join(parts)
        + "</svg>"
    )


def _arrow(parts: list[str], cx: float, cy: float) -> None:
    """The start → end arrow between the panels (SVG y is down, hence ``-cy``)."""
    half = GAP / 2 - 0.04
    y = -cy
    parts.append(
        f'<polyline points="{_n(cx - half)},{_n(y)} {_n(cx + half - 0.03)},{_n(y)}" '
        f'stroke="{PROP}" stroke-width="{_n(STROKE["prop"] * 1.4)}" fill="none"/>'
        f'<polygon points="{_n(cx + half)},{_n(y)} {_n(cx + half - 0.05)},{_n(y - 0.035)} '
        f'{_n(cx + half - 0.05)},{_n(y + 0.035)}" fill="{PROP}"/>'
    )


def _travel_arrow(cx: float, y_up: float) -> str:
    """A small arrow under the floor: this drill moves forward."""
    y = -y_up
    return (
        f'<polyline points="{_n(cx - 0.1)},{_n(y)} {_n(cx + 0.07)},{_n(y)}" stroke="{FLOOR}" '
        f'stroke-width="{_n(STROKE["prop"])}" fill="none"/>'
        f'<polygon points="{_n(cx + 0.1)},{_n(y)} {_n(cx + 0.06)},{_n(y - 0.025)} '
        f'{_n(cx + 0.06)},{_n(y + 0.025)}" fill="{FLOOR}"/>'
    )
