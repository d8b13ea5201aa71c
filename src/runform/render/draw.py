"""Figures drawn on a canvas: the skeleton, joint labels, angles, event markers.

The canvas (:mod:`runform.render.surface`) is a BGR image or the YUV planes of a decoded
video frame; text comes from :mod:`runform.render.lettering`. These are what the annotated
video, the key-frame stills and the comparison video draw with.

Examples
--------
>>> import numpy as np
>>> from runform.render.surface import BGRCanvas, LEFT_COLOR
>>> img = np.zeros((200, 200, 3), np.uint8)
>>> draw_segment(BGRCanvas(img), (10, 10), (190, 190), LEFT_COLOR, 4)
>>> bool(img[100, 100].any()), bool(img[10, 190].any())
(True, False)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import cv2
import numpy as np

from runform.render.lettering import put_text
from runform.render.surface import (
    BLACK,
    BODY_COLOR,
    FAR_SHADE,
    SIDE_COLORS,
    WHITE,
    Canvas,
    Color,
    Style,
    finite_point,
    fit_span,
    shade,
)

# --------------------------------------------------------------------------- skeleton

_LEG_EDGES = (("hip", "knee"), ("knee", "ankle"), ("ankle", "heel"), ("heel", "foot_index"))
_BODY_EDGES = (
    ("left_shoulder", "right_shoulder"),
    ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
)
_ARM_EDGES = (("shoulder", "elbow"), ("elbow", "wrist"))


def draw_segment(canvas: Canvas, a, b, color: Color, thickness: int) -> None:
    """An anti-aliased line with a dark outline (skipped if either end is missing)."""
    if not (finite_point(a) and finite_point(b)):
        return
    canvas.line(a, b, BLACK, thickness + max(2, thickness // 2), luma_only=True)
    canvas.line(a, b, color, thickness)


def _chains(points: Mapping[str, Sequence[float]], names: Sequence[str]) -> list[np.ndarray]:
    """The known stretches (two points or more) of the line through ``names``, in order."""
    chains, run = [], []
    for name in names:
        p = points.get(name)
        if finite_point(p):
            run.append((float(p[0]), float(p[1])))
            continue
        if len(run) > 1:
            chains.append(np.asarray(run))
        run = []
    if len(run) > 1:
        chains.append(np.asarray(run))
    return chains


def draw_chains(canvas: Canvas, chains: Sequence[np.ndarray], color: Color, thickness: int) -> None:
    """Polylines with a dark outline (:func:`draw_segment` for connected segments): the
    outlines of all of them first, then the colour, so no outline crosses a joint."""
    canvas.polylines(chains, BLACK, thickness + max(2, thickness // 2), luma_only=True)
    canvas.polylines(chains, color, thickness)


def draw_joint(canvas: Canvas, p, color: Color, radius: int) -> None:
    """A filled joint marker with a dark rim (skipped if missing)."""
    if not finite_point(p):
        return
    canvas.circle(p, radius + max(1, radius // 3), BLACK, luma_only=True)
    canvas.circle(p, radius, color)


def draw_skeleton(
    canvas: Canvas,
    points: Mapping[str, np.ndarray],
    style: Style,
    near_side: str,
    *,
    emphasis: str | None = None,
) -> None:
    """Draw the runner: far leg first (darker, thinner), then arms and trunk, then near leg.

    Parameters
    ----------
    points:
        Keypoint name -> ``(x, y)`` in pixels (NaN or absent = not drawn).
    near_side:
        ``"left"`` or ``"right"``, the leg nearer the camera.
    emphasis:
        For stills: the side drawn at full strength while the other leg is dimmed.
    """
    far_side = "right" if near_side == "left" else "left"
    get = points.get

    def strength(side: str) -> float:
        if emphasis is None:
            return 1.0 if side == near_side else FAR_SHADE
        return 1.0 if side == emphasis else 0.45

    def leg(side: str, thickness: int) -> None:
        color = shade(SIDE_COLORS[side], strength(side))
        foot = ("heel", "foot_index") if finite_point(get(f"{side}_heel")) else ("foot_index",)
        names = [f"{side}_{part}" for part in ("hip", "knee", "ankle", *foot)]
        draw_chains(canvas, _chains(points, names), color, thickness)
        for part in ("hip", "knee", "ankle"):
            draw_joint(canvas, get(f"{side}_{part}"), color, style.joint_radius)

    # the highlighted leg (the near one, or the emphasised one on a still) goes on top
    top = near_side if emphasis is None else emphasis
    bottom = "right" if top == "left" else "left"
    leg(bottom, style.far_line)
    for side in (far_side, near_side):
        arm = shade(BODY_COLOR, 0.8 if side == near_side else 0.55)
        names = [f"{side}_{part}" for part in ("shoulder", "elbow", "wrist")]
        draw_chains(canvas, _chains(points, names), arm, style.far_line)
    # the trunk: shoulders, hips and the sides between them, as one closed line
    trunk = ("left_shoulder", "right_shoulder", "right_hip", "left_hip", "left_shoulder")
    draw_chains(canvas, _chains(points, trunk), BODY_COLOR, style.line)
    draw_joint(canvas, get("nose"), BODY_COLOR, style.joint_radius)
    leg(top, style.line)


def skeleton_segments(points: Mapping[str, Sequence[float]]) -> np.ndarray:
    """End points ``(n, 2, 2)`` of every drawn skeleton segment whose two ends are known."""
    pairs = [*_BODY_EDGES]
    for side in ("left", "right"):
        pairs += [(f"{side}_{a}", f"{side}_{b}") for a, b in (*_LEG_EDGES, *_ARM_EDGES)]
        pairs.append((f"{side}_ankle", f"{side}_foot_index"))
    ends = [
        (points[a], points[b])
        for a, b in pairs
        if finite_point(points.get(a)) and finite_point(points.get(b))
    ]
    return np.asarray(ends, float).reshape(-1, 2, 2)


class LabelPlacer:
    """Put labels beside their joints where they hide the least of the runner.

    For each label, eight spots around its anchor point are tried (beside, above-beside,
    below-beside on either side, straight above and below). A spot costs the skeleton it
    would cover, a heavy penalty for overlapping labels or boxes already placed this frame
    or for leaving the frame, a small penalty for the less preferred spots, and a bonus for
    keeping the previous frame's spot (so labels do not jump around).

    Coverage is read from a coarse occupancy grid (8 px cells) through its integral image,
    so each label costs a handful of array look-ups.

    Call :meth:`start` once per frame with the skeleton, then :meth:`place` per label.
    """

    _SPOTS = ((1, 0), (1, -1), (1, 1), (-1, 0), (-1, -1), (-1, 1), (0, -1), (0, 1))
    _CELL = 8
    _TAKEN = 50.0  # cost of one grid cell already used by a label or a panel

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self._shape = (height // self._CELL + 2, width // self._CELL + 2)
        self._grid = np.zeros(self._shape, np.float32)
        self._integral = cv2.integral(self._grid)
        self._previous: dict[str, int] = {}

    def _mark(self, box: Sequence[float], value: float) -> None:
        c = self._CELL
        x0, y0 = max(int(box[0] // c), 0), max(int(box[1] // c), 0)
        x1, y1 = int(math.ceil(box[2] / c)), int(math.ceil(box[3] / c))
        self._grid[y0:y1, x0:x1] += value

    def start(self, segments: np.ndarray, reserved: Sequence[Sequence[float]] = ()) -> None:
        """A new frame: the skeleton segments ``(n, 2, 2)`` and boxes already taken."""
        self._grid[:] = 0
        if len(segments):
            cells = np.round(np.asarray(segments, float) / self._CELL).astype(np.int32)
            cv2.polylines(self._grid, list(cells), False, 1.0, 1, cv2.LINE_8)
        for box in reserved:
            self._mark(box, self._TAKEN)
        self._integral = cv2.integral(self._grid)

    def _covered(self, box: tuple[float, float, float, float]) -> float:
        c = self._CELL
        rows, cols = self._shape
        x0 = min(max(int(box[0] // c), 0), cols)
        y0 = min(max(int(box[1] // c), 0), rows)
        x1 = min(max(math.ceil(box[2] / c), 0), cols)
        y1 = min(max(math.ceil(box[3] / c), 0), rows)
        s = self._integral
        return float(s[y1, x1] - s[y0, x1] - s[y1, x0] + s[y0, x0])

    def _spot(
        self, rank: int, x: float, y: float, w: float, h: float, gap: float, prefer: int
    ) -> tuple[float, tuple[float, float, float, float]]:
        """Cost and box of spot ``rank`` (previous-spot bonus not included)."""
        sx, sy = self._SPOTS[rank]
        sx *= prefer
        if sx > 0:
            x0 = x + gap
        elif sx < 0:
            x0 = x - gap - w
        else:
            x0 = x - w / 2
        y0 = y - h / 2 + sy * ((gap + h / 2) if sx == 0 else 0.8 * h)
        # a spot past a frame edge is pushed back inside (a label is never cut off); the
        # push costs as much as the label hiding skeleton, so that a spot on the other
        # side of the joint (the label flipped) wins when there is room for it
        fx0, fy0 = fit_span(x0, w, self.width), fit_span(y0, h, self.height)
        shifted = min(abs(fx0 - x0) / w + abs(fy0 - y0) / h, 1.0)
        box = (fx0, fy0, fx0 + w, fy0 + h)
        return 0.4 * rank + self._covered(box) + 40.0 * shifted, box

    def place(
        self, key: str, size: tuple[int, int], anchor, gap: float, prefer: int = 1
    ) -> tuple[float, float]:
        """Top-left corner for a label of ``size`` (w, h) near ``anchor``; ``prefer`` = ±1 side.

        The label lies inside the frame whenever it fits in it."""
        w, h = max(size[0], 1), max(size[1], 1)
        x, y = float(anchor[0]), float(anchor[1])
        previous = self._previous.get(key)
        chosen = None
        if previous is not None and previous <= 4:
            # the previous spot, still free and inside, costs 0.4 x rank - 2 <= 0: no other
            # spot can cost less (each costs at least 0.4 x its rank), so the search is done
            cost, box = self._spot(previous, x, y, w, h, gap, prefer)
            if cost == 0.4 * previous:
                chosen = previous, box
        if chosen is None:
            best, best_cost, best_box = 0, math.inf, (x, y, x + w, y + h)
            for rank in range(len(self._SPOTS)):  # 8 candidates: plain Python is fastest
                cost, box = self._spot(rank, x, y, w, h, gap, prefer)
                if rank == previous:
                    cost -= 2.0
                if cost < best_cost:
                    best, best_cost, best_box = rank, cost, box
            chosen = best, best_box
        self._previous[key] = chosen[0]
        self._mark(chosen[1], self._TAKEN)
        self._integral = cv2.integral(self._grid)
        return chosen[1][0], chosen[1][1]


# ----------------------------------------------------------------------------- angles


def dashed_line(canvas: Canvas, a, b, color: Color, thickness: int, dash: float) -> None:
    """A dashed line with a dark outline from ``a`` to ``b``."""
    if not (finite_point(a) and finite_point(b)):
        return
    a, b = np.asarray(a, float), np.asarray(b, float)
    length = float(np.linalg.norm(b - a))
    if length < 1 or dash <= 0:
        return
    start = 0.0
    while start < length:
        end = min(start + dash, length)
        draw_segment(
            canvas, a + (b - a) * start / length, a + (b - a) * end / length, color, thickness
        )
        start += 2 * dash


def _direction_deg(v: np.ndarray) -> float:
    """Direction of an image vector in OpenCV's convention (degrees clockwise from +x)."""
    return math.degrees(math.atan2(float(v[1]), float(v[0])))


def draw_angle(
    canvas: Canvas,
    vertex,
    reference,
    segment,
    color: Color,
    style: Style,
    label: str,
    *,
    radius: float,
    reference_length: float | None = None,
    label_side: int | None = None,
) -> None:
    """Draw an angle: a dashed reference line, a translucent sector, its arc and its number.

    Parameters
    ----------
    vertex:
        The joint where the angle sits, ``(x, y)`` pixels.
    reference, segment:
        Direction vectors (image convention) of the reference line (the vertical, or the
        thigh extended past the knee) and of the body segment.
    label:
        Text placed beside the arc's midpoint (none when empty).
    radius:
        Arc radius in pixels.
    label_side:
        +1 to put the label right of the arc, -1 left; default: the side the arc opens to.
    """
    if not (finite_point(vertex) and finite_point(reference) and finite_point(segment)):
        return
    vertex = np.asarray(vertex, float)
    ref = np.asarray(reference, float)
    seg = np.asarray(segment, float)
    ref = ref / (np.linalg.norm(ref) or 1.0)
    seg = seg / (np.linalg.norm(seg) or 1.0)
    ref_len = reference_length if reference_length is not None else radius * 1.6
    dashed_line(canvas, vertex, vertex + ref * ref_len, WHITE, style.far_line, style.line * 1.5)
    a1 = _direction_deg(ref)
    delta = (_direction_deg(seg) - a1 + 180.0) % 360.0 - 180.0
    box = (
        vertex[0] - radius - 2,
        vertex[1] - radius - 2,
        vertex[0] + radius + 3,
        vertex[1] + radius + 3,
    )
    with canvas.layer(box, 0.4) as layer:
        if layer is not None:
            layer.arc(vertex, radius, a1, a1 + delta, color, -1)
    canvas.arc(vertex, radius, a1, a1 + delta, BLACK, style.line + 2)
    canvas.arc(vertex, radius, a1, a1 + delta, color, style.line)
    mid = math.radians(a1 + delta / 2.0)
    bisector = np.array([math.cos(mid), math.sin(mid)])
    if label_side is None:
        # beside the arc, on the side it opens toward, so the text never sits on a limb
        lean = bisector[0] if abs(bisector[0]) > 0.2 else seg[0] - ref[0]
        label_side = 1 if lean >= 0 else -1
    if not label:
        return
    spot = vertex + bisector * radius
    x = spot[0] + label_side * style.margin
    anchor = ("l" if label_side > 0 else "r") + "m"
    put_text(canvas, label, (x, spot[1]), style.font_px, color, anchor=anchor, inside=True)


# ----------------------------------------------------------------------------- events


def flash_border(canvas: Canvas, color: Color, thickness: int, opacity: float) -> None:
    """A coloured frame around the picture (the flash at a foot event)."""
    if opacity <= 0:
        return
    t = max(2, thickness)
    ox, oy = canvas.origin
    w, h = canvas.width, canvas.height
    for box in (
        (ox, oy, ox + w, oy + t),
        (ox, oy + h - t, ox + w, oy + h),
        (ox, oy + t, ox + t, oy + h - t),
        (ox + w - t, oy + t, ox + w, oy + h - t),
    ):
        canvas.tint(box, color, opacity)


def event_marker(
    canvas: Canvas, p, kind: str, color: Color, style: Style, opacity: float = 1.0
) -> None:
    """Contact: a disc; toe-off: an upward triangle; each with a white ring that widens as it fades."""
    if not finite_point(p) or opacity <= 0:
        return
    c = np.asarray(p, float)
    r = style.joint_radius * 2.2
    ring = r * (1.0 + 1.2 * (1.0 - opacity))
    reach = ring + style.far_line + 4
    with canvas.layer((c[0] - reach, c[1] - reach, c[0] + reach, c[1] + reach), opacity) as layer:
        if layer is None:
            return
        layer.circle(c, ring, WHITE, max(2, style.far_line))
        if kind == "contact":
            layer.circle(c, r, BLACK)
            layer.circle(c, r * 0.8, color)
        else:
            tri = np.array([[0.0, -r], [-0.9 * r, 0.6 * r], [0.9 * r, 0.6 * r]])
            layer.polygon(c + tri, BLACK)
            layer.polygon(c + tri * 0.7, color)


# ----------------------------------------------------------------------------- words


def signed_words(value: float, positive: str, negative: str) -> str:
    """``12.3, "fwd", "back" -> "12° fwd"``; ``-4 -> "4° back"``; NaN -> ``"–"``."""
    if not np.isfinite(value):
        return "–"
    v = int(round(float(value)))
    if v == 0:
        return "0°"
    return f"{abs(v)}° {positive if v > 0 else negative}"


def degrees_text(value: float) -> str:
    """``45.4 -> "45°"``; NaN -> ``"–"``."""
    return "–" if not np.isfinite(value) else f"{int(round(float(value)))}°"
