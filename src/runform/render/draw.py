"""Drawing helpers shared by the annotated video and the key-frame stills.

Everything draws in place on a BGR ``uint8`` image (OpenCV's layout). Sizes come from a
:class:`Style` made for the frame, so text and lines keep the same size *relative to the
frame* whatever its resolution: legible on a phone screen both for portrait and landscape
clips. Text is rendered with DejaVu Sans Bold (shipped with matplotlib) through Pillow,
so degree signs and other non-ASCII characters print correctly; each distinct string is
rendered once and cached, so labels that repeat from frame to frame cost only a small
alpha blend.

Examples
--------
>>> import numpy as np
>>> img = np.zeros((1280, 720, 3), np.uint8)
>>> style = Style.for_frame(720, 1280)
>>> box = put_text(img, "knee 45°", (20, 20), style.font_px, WHITE, style=style)
>>> bool(img[box[1] : box[3], box[0] : box[2]].any())
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

Color = tuple[int, int, int]  # B, G, R

# Okabe-Ito palette (readable for colour-blind viewers): orange for the left side, sky
# blue for the right side, whichever leg is nearer the camera.
LEFT_COLOR: Color = (0, 159, 230)
RIGHT_COLOR: Color = (233, 180, 86)
BODY_COLOR: Color = (235, 235, 235)
WHITE: Color = (255, 255, 255)
BLACK: Color = (0, 0, 0)
ALERT_COLOR: Color = (40, 40, 200)
SIDE_COLORS: Mapping[str, Color] = {"left": LEFT_COLOR, "right": RIGHT_COLOR}

#: How much darker the far leg is drawn than the near one.
FAR_SHADE = 0.6

_LEG_EDGES = (("hip", "knee"), ("knee", "ankle"), ("ankle", "heel"), ("heel", "foot_index"))
_LEG_EDGES_NO_HEEL = (("ankle", "foot_index"),)
_BODY_EDGES = (
    ("left_shoulder", "right_shoulder"),
    ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
)
_ARM_EDGES = (("shoulder", "elbow"), ("elbow", "wrist"))


def shade(color: Color, factor: float) -> Color:
    """A darker (``factor`` < 1) version of ``color``."""
    return tuple(int(round(c * factor)) for c in color)  # type: ignore[return-value]


@dataclass(frozen=True)
class Style:
    """Sizes in pixels for one frame size.

    ``unit`` is the frame's long side over 1280: a 720x1280 portrait clip and a 1280x720
    landscape clip get the same sizes, which look the same on a phone held the matching
    way.
    """

    unit: float
    font_px: int
    small_font_px: int
    title_font_px: int
    line: int
    far_line: int
    joint_radius: int
    margin: int

    @classmethod
    def for_frame(cls, width: int, height: int) -> Style:
        unit = max(width, height) / 1280.0
        return cls(
            unit=unit,
            font_px=max(10, round(30 * unit)),
            small_font_px=max(9, round(24 * unit)),
            title_font_px=max(12, round(40 * unit)),
            line=max(2, round(6 * unit)),
            far_line=max(1, round(4 * unit)),
            joint_radius=max(2, round(7 * unit)),
            margin=max(4, round(16 * unit)),
        )


# ---------------------------------------------------------------------------------- text


def _font_path() -> Path | None:
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return None
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"
    return path if path.exists() else None


@lru_cache(maxsize=32)
def _font(size_px: int):
    from PIL import ImageFont

    path = _font_path()
    if path is None:  # pragma: no cover - matplotlib ships the font
        return ImageFont.load_default(size=size_px)
    return ImageFont.truetype(str(path), size_px)


@dataclass(frozen=True)
class _Glyph:
    fill: np.ndarray  # (h, w) float32 coverage of the letter
    outline: np.ndarray  # (h, w) float32 coverage of letter + dark outline
    origin_x: int  # pen position inside the canvas


@lru_cache(maxsize=2048)
def _glyph(char: str, size_px: int) -> _Glyph:
    """One character's coverage masks, rendered once per size (colour-independent)."""
    from PIL import Image, ImageDraw

    font = _font(size_px)
    stroke = _stroke(size_px)
    ascent, descent = font.getmetrics()
    x0, _, x1, _ = font.getbbox(char, anchor="ls", stroke_width=stroke)
    origin_x = max(0, -int(x0)) + stroke
    width = origin_x + int(np.ceil(x1)) + stroke + 1
    height = ascent + descent + 2 * stroke
    masks = []
    for stroke_width in (0, stroke):
        image = Image.new("L", (max(width, 1), height), 0)
        ImageDraw.Draw(image).text(
            (origin_x, ascent + stroke),
            char,
            font=font,
            fill=255,
            anchor="ls",
            stroke_width=stroke_width,
            stroke_fill=255,
        )
        masks.append(np.asarray(image, dtype=np.float32) / 255.0)
    return _Glyph(fill=masks[0], outline=masks[1], origin_x=origin_x)


def _stroke(size_px: int) -> int:
    return max(1, size_px // 12)


@dataclass(frozen=True)
class _Patch:
    color: np.ndarray  # (h, w, 3) uint8 colour where the text is, black elsewhere
    alpha: np.ndarray  # (h, w) float32 opacity
    width: int
    height: int


@lru_cache(maxsize=4096)
def _advance(pair: str, size_px: int) -> float:
    """Pen advance after ``pair[0]``: to ``pair[1]`` (kerning included), or its width."""
    font = _font(size_px)
    if len(pair) == 1:
        return float(font.getlength(pair))
    return float(font.getlength(pair) - font.getlength(pair[1]))


def _pen_positions(text: str, size_px: int) -> list[float]:
    """Pen x of each character, then the total advance (``len(text) + 1`` values)."""
    pens = [0.0]
    for k in range(1, len(text)):
        pens.append(pens[-1] + _advance(text[k - 1 : k + 1], size_px))
    if text:
        pens.append(pens[-1] + _advance(text[-1], size_px))
    return pens


@lru_cache(maxsize=16384)
def _text_patch(text: str, size_px: int, color: Color, box_alpha: float) -> _Patch:
    """Compose ``text`` from cached glyphs: coloured letters, dark outline, optional box.

    Letters are placed at the font's own advances (kerning included), so the result
    matches rendering the string in one go, at a fraction of the cost.
    """
    font = _font(size_px)
    stroke = _stroke(size_px)
    pad = max(2, size_px // 4) if box_alpha > 0 else 0
    ascent, descent = font.getmetrics()
    height = ascent + descent + 2 * stroke + 2 * pad
    pens = _pen_positions(text, size_px)
    width = int(np.ceil(pens[-1])) + 2 * stroke + 2 * pad + 2
    fill = np.zeros((height, width), np.float32)
    outline = np.zeros((height, width), np.float32)
    for k, char in enumerate(text):
        if char.isspace():
            continue
        glyph = _glyph(char, size_px)
        x = pad + stroke + int(round(pens[k])) - glyph.origin_x
        gh, gw = glyph.fill.shape
        x0, gx0 = max(x, 0), max(-x, 0)
        x1 = min(x + gw, width)
        if x1 <= x0:
            continue
        sl = (slice(pad, pad + gh), slice(x0, x1))
        np.maximum(fill[sl], glyph.fill[:, gx0 : gx0 + x1 - x0], out=fill[sl])
        np.maximum(outline[sl], glyph.outline[:, gx0 : gx0 + x1 - x0], out=outline[sl])
    ratio = np.divide(fill, outline, out=np.zeros_like(fill), where=outline > 0)
    bgr = (ratio[..., None] * np.asarray(color, np.float32)).round().astype(np.uint8)
    alpha = outline
    if box_alpha > 0:
        box = np.zeros((height, width), np.uint8)
        cv2.rectangle(box, (0, 0), (width - 1, height - 1), 255, -1)
        alpha = outline + (1.0 - outline) * box_alpha * (box / 255.0)
    return _Patch(
        color=np.ascontiguousarray(bgr), alpha=alpha.astype(np.float32), width=width, height=height
    )


def text_size(text: str, size_px: int, box: bool = True) -> tuple[int, int]:
    """Width and height in pixels that :func:`put_text` will cover."""
    patch = _text_patch(text, size_px, WHITE, 0.6 if box else 0.0)
    return patch.width, patch.height


def put_text(
    img: np.ndarray,
    text: str,
    xy: tuple[float, float],
    size_px: int,
    color: Color = WHITE,
    *,
    anchor: str = "lt",
    box: bool = True,
    opacity: float = 1.0,
    style: Style | None = None,
) -> tuple[int, int, int, int]:
    """Draw ``text`` with a dark outline (and a dark box unless ``box=False``).

    Parameters
    ----------
    xy:
        Anchor point in pixels.
    anchor:
        Two letters: horizontal ``l``/``c``/``r`` then vertical ``t``/``m``/``b``, the part
        of the text box placed at ``xy``.
    opacity:
        1 for full strength, less to fade the label out.

    Returns
    -------
    The covered box ``(x0, y0, x1, y1)``, clipped to the image.
    """
    del style  # accepted for a uniform call signature
    patch = _text_patch(text, size_px, tuple(int(c) for c in color), 0.6 if box else 0.0)
    x, y = xy
    if anchor[0] == "c":
        x -= patch.width / 2
    elif anchor[0] == "r":
        x -= patch.width
    if anchor[1] == "m":
        y -= patch.height / 2
    elif anchor[1] == "b":
        y -= patch.height
    x0, y0 = int(round(x)), int(round(y))
    return _blend_patch(img, patch, x0, y0, opacity)


def _blend_patch(
    img: np.ndarray, patch: _Patch, x0: int, y0: int, opacity: float
) -> tuple[int, int, int, int]:
    h, w = img.shape[:2]
    cx0, cy0 = max(x0, 0), max(y0, 0)
    cx1, cy1 = min(x0 + patch.width, w), min(y0 + patch.height, h)
    if cx1 <= cx0 or cy1 <= cy0 or opacity <= 0:
        return (cx0, cy0, max(cx0, cx1), max(cy0, cy1))
    px0, py0 = cx0 - x0, cy0 - y0
    px1, py1 = px0 + (cx1 - cx0), py0 + (cy1 - cy0)
    roi = img[cy0:cy1, cx0:cx1]
    alpha = patch.alpha[py0:py1, px0:px1]
    if opacity < 1.0:
        alpha = alpha * np.float32(opacity)
    color = np.ascontiguousarray(patch.color[py0:py1, px0:px1])
    alpha = np.ascontiguousarray(alpha)
    roi[:] = cv2.blendLinear(color, np.ascontiguousarray(roi), alpha, 1.0 - alpha)
    return (cx0, cy0, cx1, cy1)


def darken_rect(img: np.ndarray, box: Sequence[int], strength: float = 0.55) -> None:
    """Darken a rectangle ``(x0, y0, x1, y1)`` so text on it reads well."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = (int(v) for v in box)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 > x0 and y1 > y0:
        roi = img[y0:y1, x0:x1]
        cv2.convertScaleAbs(roi, dst=roi, alpha=1.0 - strength)


def draw_table(
    img: np.ndarray,
    rows: Sequence[Sequence[tuple[str, Color]]],
    origin: tuple[int, int],
    size_px: int,
    *,
    column_widths: Sequence[int] | None = None,
    pad: int = 8,
) -> tuple[int, int, int, int]:
    """Draw rows of ``(text, colour)`` cells on a darkened panel at ``origin`` (top left).

    ``column_widths`` fixes the column widths (in pixels) so the panel does not jump from
    frame to frame as numbers change; by default each column is as wide as its widest cell.

    Returns the panel box ``(x0, y0, x1, y1)``.
    """
    n_cols = max((len(r) for r in rows), default=0)
    line_h = text_size("Ag°", size_px, box=False)[1]
    if column_widths is None:
        column_widths = [0] * n_cols
        for row in rows:
            for j, (text, _) in enumerate(row):
                column_widths[j] = max(column_widths[j], text_size(text, size_px, box=False)[0])
    gap = size_px // 2
    width = sum(column_widths) + gap * (n_cols - 1) + 2 * pad
    height = line_h * len(rows) + 2 * pad
    x0, y0 = origin
    darken_rect(img, (x0, y0, x0 + width, y0 + height))
    y = y0 + pad
    for row in rows:
        x = x0 + pad
        for j, (text, color) in enumerate(row):
            if text:
                put_text(img, text, (x, y), size_px, color, box=False)
            x += column_widths[j] + gap
        y += line_h
    return (x0, y0, x0 + width, y0 + height)


# ------------------------------------------------------------------------------ skeleton


def _finite(p: np.ndarray | None) -> bool:
    return p is not None and bool(np.all(np.isfinite(p)))


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def draw_segment(img: np.ndarray, a, b, color: Color, thickness: int, outline: bool = True) -> None:
    """An anti-aliased line from ``a`` to ``b`` with a thin dark outline (skipped if NaN)."""
    if not (_finite(a) and _finite(b)):
        return
    pa, pb = _pt(a), _pt(b)
    if outline:
        cv2.line(img, pa, pb, BLACK, thickness + max(2, thickness // 2), cv2.LINE_AA)
    cv2.line(img, pa, pb, color, thickness, cv2.LINE_AA)


def draw_joint(img: np.ndarray, p, color: Color, radius: int) -> None:
    """A filled joint marker with a dark rim (skipped if NaN)."""
    if not _finite(p):
        return
    c = _pt(p)
    cv2.circle(img, c, radius + max(1, radius // 3), BLACK, -1, cv2.LINE_AA)
    cv2.circle(img, c, radius, color, -1, cv2.LINE_AA)


def draw_skeleton(
    img: np.ndarray,
    points: Mapping[str, np.ndarray],
    style: Style,
    near_side: str,
    *,
    emphasis: str | None = None,
) -> None:
    """Draw the runner's skeleton: far leg first (darker, thinner), body, then near leg.

    Parameters
    ----------
    points:
        Keypoint name -> ``(x, y)`` in pixels (NaN or absent = not drawn).
    near_side:
        ``"left"`` or ``"right"``, the leg nearer the camera.
    emphasis:
        A side to draw at full strength while the other leg is dimmed (stills).
    """
    far_side = "right" if near_side == "left" else "left"

    def get(name: str) -> np.ndarray | None:
        return points.get(name)

    def leg(side: str, color: Color, thickness: int) -> None:
        edges = _LEG_EDGES if _finite(get(f"{side}_heel")) else _LEG_EDGES_NO_HEEL + _LEG_EDGES[:2]
        for a, b in edges:
            draw_segment(img, get(f"{side}_{a}"), get(f"{side}_{b}"), color, thickness)
        for part in ("hip", "knee", "ankle"):
            draw_joint(img, get(f"{side}_{part}"), color, style.joint_radius)

    def strength(side: str) -> float:
        if emphasis is None:
            return 1.0 if side == near_side else FAR_SHADE
        return 1.0 if side == emphasis else 0.45

    leg(far_side, shade(SIDE_COLORS[far_side], strength(far_side)), style.far_line)
    for side in ("left", "right"):
        for a, b in _ARM_EDGES:
            draw_segment(
                img,
                get(f"{side}_{a}"),
                get(f"{side}_{b}"),
                shade(BODY_COLOR, 0.8 if side == near_side else 0.55),
                style.far_line,
            )
    for a, b in _BODY_EDGES:
        draw_segment(img, get(a), get(b), BODY_COLOR, style.line)
    nose = get("nose")
    if _finite(nose):
        draw_joint(img, nose, BODY_COLOR, style.joint_radius)
    leg(near_side, shade(SIDE_COLORS[near_side], strength(near_side)), style.line)


# -------------------------------------------------------------------------------- angles


def dashed_line(
    img: np.ndarray, a, b, color: Color, thickness: int, dash: int, outline: bool = True
) -> None:
    """A dashed line from ``a`` to ``b``."""
    if not (_finite(a) and _finite(b)):
        return
    a, b = np.asarray(a, float), np.asarray(b, float)
    length = float(np.linalg.norm(b - a))
    if length < 1:
        return
    n = max(1, int(length // (2 * dash)))
    for i in range(n + 1):
        s = min(1.0, (2 * i * dash) / length)
        e = min(1.0, (2 * i * dash + dash) / length)
        if e > s:
            draw_segment(img, a + (b - a) * s, a + (b - a) * e, color, thickness, outline)


def _direction_deg(v: np.ndarray) -> float:
    """Direction of an image vector in OpenCV's ellipse convention (degrees, clockwise from +x)."""
    return math.degrees(math.atan2(float(v[1]), float(v[0])))


def draw_angle(
    img: np.ndarray,
    vertex,
    reference,
    segment,
    color: Color,
    style: Style,
    label: str,
    *,
    radius: float,
    reference_length: float | None = None,
) -> None:
    """Draw an angle: a dashed reference line, a filled arc and its number.

    Parameters
    ----------
    vertex:
        The joint where the angle sits, ``(x, y)`` pixels.
    reference, segment:
        Unit-free direction vectors (image convention) of the reference line (e.g. the
        vertical, or the thigh extended past the knee) and of the body segment.
    label:
        Text placed outside the arc, on its bisector.
    radius:
        Arc radius in pixels.
    """
    if not (_finite(vertex) and _finite(reference) and _finite(segment)):
        return
    vertex = np.asarray(vertex, float)
    ref = np.asarray(reference, float)
    seg = np.asarray(segment, float)
    ref = ref / (np.linalg.norm(ref) or 1.0)
    seg = seg / (np.linalg.norm(seg) or 1.0)
    ref_len = reference_length if reference_length is not None else radius * 1.6
    dashed_line(img, vertex, vertex + ref * ref_len, WHITE, max(1, style.far_line - 1), style.line)
    a1 = _direction_deg(ref)
    delta = (_direction_deg(seg) - a1 + 180.0) % 360.0 - 180.0
    center, r = _pt(vertex), int(round(radius))
    x0, y0 = max(center[0] - r - 2, 0), max(center[1] - r - 2, 0)
    x1, y1 = min(center[0] + r + 3, img.shape[1]), min(center[1] + r + 3, img.shape[0])
    if x1 > x0 and y1 > y0:
        roi = img[y0:y1, x0:x1]
        wedge = roi.copy()
        cv2.ellipse(
            wedge, (center[0] - x0, center[1] - y0), (r, r), 0, a1, a1 + delta, color, -1,
            cv2.LINE_AA,
        )
        cv2.addWeighted(wedge, 0.35, roi, 0.65, 0, dst=roi)
    cv2.ellipse(img, center, (r, r), 0, a1, a1 + delta, BLACK, style.line + 2, cv2.LINE_AA)
    cv2.ellipse(img, center, (r, r), 0, a1, a1 + delta, color, style.line, cv2.LINE_AA)
    mid = math.radians(a1 + delta / 2.0)
    spot = vertex + np.array([math.cos(mid), math.sin(mid)]) * (radius + style.font_px * 0.9)
    put_text(img, label, (spot[0], spot[1]), style.font_px, color, anchor="cm")


def flash_border(img: np.ndarray, color: Color, thickness: int, opacity: float) -> None:
    """A coloured frame around the image (event flash), faded by ``opacity``."""
    if opacity <= 0:
        return
    h, w = img.shape[:2]
    t = max(1, thickness)
    for sl in (
        (slice(0, t), slice(0, w)),
        (slice(h - t, h), slice(0, w)),
        (slice(t, h - t), slice(0, t)),
        (slice(t, h - t), slice(w - t, w)),
    ):
        _tint(img[sl], color, opacity)


def _tint(roi: np.ndarray, color: Color, opacity: float) -> None:
    """Blend a solid colour into ``roi`` in place."""
    if roi.size:
        solid = np.empty_like(roi)
        solid[:] = color
        cv2.addWeighted(solid, opacity, roi, 1.0 - opacity, 0, dst=roi)


def banner(img: np.ndarray, text: str, style: Style, *, y: int | None = None) -> None:
    """A full-width alert banner (e.g. "no steps detected") across the frame."""
    h, w = img.shape[:2]
    tw, th = text_size(text, style.title_font_px, box=False)
    y0 = int(h * 0.12) if y is None else y
    pad = style.margin
    x0, x1 = 0, w
    _tint(img[max(y0, 0) : min(y0 + th + 2 * pad, h), x0:x1], ALERT_COLOR, 0.65)
    size = style.title_font_px
    while tw > w - 2 * pad and size > 8:  # shrink to fit narrow frames
        size -= 2
        tw, th = text_size(text, size, box=False)
    put_text(img, text, (w / 2, y0 + pad), size, WHITE, anchor="ct", box=False)


def event_marker(
    img: np.ndarray, p, kind: str, color: Color, style: Style, opacity: float = 1.0
) -> None:
    """Contact: a filled disc with a ring; toe-off: a filled upward triangle with a ring."""
    if not _finite(p) or opacity <= 0:
        return
    c = np.array(_pt(p), float)
    r = style.joint_radius * 2.2
    ring = int(round(r * (1.0 + 1.2 * (1.0 - opacity))))  # ring expands as it fades
    x0, y0 = int(c[0] - ring - 6), int(c[1] - ring - 6)
    x1, y1 = int(c[0] + ring + 7), int(c[1] + ring + 7)
    h, w = img.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    layer = roi.copy()
    lc = (int(c[0]) - x0, int(c[1]) - y0)
    cv2.circle(layer, lc, ring, WHITE, max(2, style.far_line), cv2.LINE_AA)
    if kind == "contact":
        cv2.circle(layer, lc, int(r), BLACK, -1, cv2.LINE_AA)
        cv2.circle(layer, lc, int(r * 0.8), color, -1, cv2.LINE_AA)
    else:
        tri = np.array(
            [[lc[0], lc[1] - r], [lc[0] - r * 0.9, lc[1] + r * 0.6], [lc[0] + r * 0.9, lc[1] + r * 0.6]]
        )
        cv2.fillPoly(layer, [np.round(tri).astype(np.int32)], BLACK, cv2.LINE_AA)
        inner = lc + (tri - lc) * 0.7
        cv2.fillPoly(layer, [np.round(inner).astype(np.int32)], color, cv2.LINE_AA)
    cv2.addWeighted(layer, opacity, roi, 1.0 - opacity, 0, dst=roi)


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
