"""Text on a canvas: labels with a dark outline, tables and banners.

Text is DejaVu Sans Bold (shipped with matplotlib) rendered through Pillow, so degree signs
print correctly; each character is rendered once per size and strings are composed from
those glyphs and cached as patches made for the canvas's planes (BGR, or Y, U and V), so a
label costs a small alpha blend (:meth:`runform.render.surface.Canvas.blend`).

Examples
--------
>>> import numpy as np
>>> from runform.render.surface import BGRCanvas, Style, WHITE
>>> img = np.zeros((1280, 720, 3), np.uint8)
>>> canvas = BGRCanvas(img)
>>> style = Style.for_frame(canvas.width, canvas.height)
>>> box = put_text(canvas, "knee 45°", (20, 20), style.font_px, WHITE)
>>> bool(img[box[1] : box[3], box[0] : box[2]].any())
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from runform.render.surface import (
    ALERT_COLOR,
    WHITE,
    Canvas,
    Color,
    Style,
    fit_span,
    plane_value,
    yuv_coefficients,
)


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


def _stroke(size_px: int) -> int:
    return max(1, size_px // 12)


@dataclass(frozen=True)
class _Glyph:
    fill: np.ndarray  # (h, w) float32 coverage of the letter
    outline: np.ndarray  # (h, w) float32 coverage of letter + dark outline
    origin_x: int  # pen position inside the glyph's canvas


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


#: Rendered labels kept for reuse. Bounded, so memory stays flat on long videos (a label
#: takes ~7 bytes per pixel, ~40 kB at 720p: at most a few tens of MB).
TEXT_CACHE_SIZE = 1024


class Patch:
    """A rendered label, ready to blend on one kind of canvas.

    ``planes`` matches the canvas's planes: ``[(bgr, alpha)]`` for a BGR canvas,
    ``[(y, alpha), (u, alpha_half), (v, alpha_half)]`` for a YUV 4:2:0 canvas (chroma at
    half size, downsampled in premultiplied form so edges do not fringe).
    """

    __slots__ = ("height", "inverse", "planes", "width")

    def __init__(self, planes: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.planes = planes
        self.height, self.width = planes[0][1].shape
        #: ``1 - alpha`` of each plane, kept so that blending at full opacity allocates nothing
        self.inverse = [1.0 - alpha for _, alpha in planes]


@lru_cache(maxsize=4096)
def _patch_size(text: str, size_px: int, box: bool) -> tuple[int, int, int]:
    """``(width, height, pad)`` of a label (even sizes, so chroma lines up with luma)."""
    font = _font(size_px)
    stroke = _stroke(size_px)
    pad = max(2, size_px // 4) if box else 0
    ascent, descent = font.getmetrics()
    height = ascent + descent + 2 * stroke + 2 * pad
    width = int(np.ceil(_pen_positions(text, size_px)[-1])) + 2 * stroke + 2 * pad + 2
    return width + width % 2, height + height % 2, pad


@lru_cache(maxsize=TEXT_CACHE_SIZE // 2)
def _coverage(text: str, size_px: int, box_alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """``(ink, alpha)`` of ``text``, colour-free: ``ink`` is the share of each pixel's
    opacity that is letter (the rest is the dark outline or box), ``alpha`` the opacity.

    Letters are cached glyphs placed at the font's own advances (kerning included), so the
    result matches rendering the string in one go, at a fraction of the cost.
    """
    stroke = _stroke(size_px)
    width, height, pad = _patch_size(text, size_px, box_alpha > 0)
    pens = _pen_positions(text, size_px)
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
        rows = slice(pad, pad + gh)
        np.maximum(fill[rows, x0:x1], glyph.fill[:, gx0 : gx0 + x1 - x0], out=fill[rows, x0:x1])
        np.maximum(
            outline[rows, x0:x1], glyph.outline[:, gx0 : gx0 + x1 - x0], out=outline[rows, x0:x1]
        )
    alpha = outline if box_alpha <= 0 else outline + (1.0 - outline) * np.float32(box_alpha)
    ink = np.divide(fill, alpha, out=np.zeros_like(fill), where=alpha > 0)
    return ink, np.ascontiguousarray(alpha, dtype=np.float32)


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _text_patch(text: str, size_px: int, color: Color, box_alpha: float, kind: str) -> Patch:
    """A label in ``color`` for a canvas kind (``"bgr"`` or ``"yuv:<matrix>"``), cached.

    Its pixels are the colour scaled by ``ink`` (black outline and box elsewhere); as the
    colour transform is affine, each YUV plane is ``offset + ink x (M @ color)``.
    """
    return _build_patch(*_coverage(text, size_px, box_alpha), color, kind)


def _fresh_text_patch(text: str, size_px: int, color: Color, box_alpha: float, kind: str) -> Patch:
    """:func:`_text_patch` without caching, for a label that will not be drawn again (a
    clock that changes every frame): it would only push reusable labels out of the caches,
    and hold memory (a cached label is tens of kB)."""
    return _build_patch(*_coverage.__wrapped__(text, size_px, box_alpha), color, kind)


def _build_patch(ink: np.ndarray, alpha: np.ndarray, color: Color, kind: str) -> Patch:
    if kind == "bgr":
        bgr = (ink[..., None] * np.asarray(color, np.float32) + 0.5).astype(np.uint8)
        return Patch([(bgr, alpha)])
    m, offset = yuv_coefficients(kind.split(":", 1)[1])
    gain = m @ np.asarray(color, np.float32)
    h, w = alpha.shape
    half = (w // 2, h // 2)
    luma = (offset[0] + ink * gain[0] + 0.5).astype(np.uint8)
    alpha_half = cv2.resize(alpha, half, interpolation=cv2.INTER_AREA)
    ink_half = cv2.resize(ink * alpha, half, interpolation=cv2.INTER_AREA)  # premultiplied
    ink_half = np.divide(ink_half, alpha_half, out=np.zeros_like(ink_half), where=alpha_half > 1e-6)
    planes = [(luma, alpha)]
    for j in (1, 2):
        chroma = np.clip(offset[j] + ink_half * gain[j] + 0.5, 0, 255).astype(np.uint8)
        planes.append((chroma, alpha_half))
    return Patch(planes)


def clear_caches() -> None:
    """Forget the rendered labels and glyphs kept for the next frames (tens of MB after a
    video): a process that renders many videos, such as a worker, calls this between jobs.
    """
    for cached in (_text_patch, _coverage, _patch_size, _glyph, _advance, plane_value):
        cached.cache_clear()


def text_size(text: str, size_px: int, box: bool = True) -> tuple[int, int]:
    """Width and height in pixels that :func:`put_text` will cover."""
    width, height, _ = _patch_size(text, size_px, box)
    return width, height


def put_text(
    canvas: Canvas,
    text: str,
    xy: tuple[float, float],
    size_px: int,
    color: Color = WHITE,
    *,
    anchor: str = "lt",
    box: bool = True,
    opacity: float = 1.0,
    inside: bool = False,
    cache: bool = True,
) -> tuple[int, int, int, int]:
    """Draw ``text`` with a dark outline (and a translucent dark box unless ``box=False``).

    Parameters
    ----------
    xy:
        Anchor point in pixels.
    anchor:
        Two letters: horizontal ``l``/``c``/``r`` then vertical ``t``/``m``/``b``, the part
        of the text box placed at ``xy``.
    opacity:
        1 for full strength, less to fade the label out.
    inside:
        Move the text into the canvas when it would cross an edge (instead of cutting it).
    cache:
        Keep the rendered label for the next frames (``False`` for text that changes every
        frame, such as a clock).

    Returns
    -------
    The covered box ``(x0, y0, x1, y1)``, clipped to the canvas.
    """
    rgb = tuple(int(c) for c in color)
    make = _text_patch if cache else _fresh_text_patch
    patch = make(text, size_px, rgb, 0.6 if box else 0.0, canvas.kind)
    x, y = xy
    if anchor[0] == "c":
        x -= patch.width / 2
    elif anchor[0] == "r":
        x -= patch.width
    if anchor[1] == "m":
        y -= patch.height / 2
    elif anchor[1] == "b":
        y -= patch.height
    if inside:
        ox, oy = canvas.origin
        x = fit_span(x - ox, patch.width, canvas.width) + ox
        y = fit_span(y - oy, patch.height, canvas.height) + oy
    return canvas.blend(patch, round(x), round(y), opacity)


def draw_table(
    canvas: Canvas,
    rows: Sequence[Sequence[tuple[str, Color]]],
    origin: tuple[int, int],
    size_px: int,
    *,
    column_widths: Sequence[int] | None = None,
    pad: int = 8,
    background: bool = True,
) -> tuple[int, int, int, int]:
    """Draw rows of ``(text, colour)`` cells on a darkened panel at ``origin`` (top left).

    ``column_widths`` fixes the column widths (in pixels) so the panel does not jump from
    frame to frame as numbers change; by default each column is as wide as its widest cell.
    ``background=False`` skips the darkened panel (for text on a plain band).

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
    if background:
        canvas.darken((x0, y0, x0 + width, y0 + height))
    y = y0 + pad
    for row in rows:
        x = x0 + pad
        for j, (text, color) in enumerate(row):
            if text:
                put_text(canvas, text, (x, y), size_px, color, box=False)
            x += column_widths[j] + gap
        y += line_h
    return (x0, y0, x0 + width, y0 + height)


def banner(canvas: Canvas, text: str, style: Style, *, y: int) -> tuple[int, int, int, int]:
    """A full-width red banner (e.g. "No steps detected") with its top at ``y``; its box."""
    size = style.title_font_px
    tw, th = text_size(text, size, box=False)
    while tw > canvas.width - 2 * style.margin and size > 8:  # shrink to fit narrow frames
        size -= 2
        tw, th = text_size(text, size, box=False)
    ox = canvas.origin[0]
    box = (ox, y, ox + canvas.width, y + th + 2 * style.margin)
    canvas.tint(box, ALERT_COLOR, 0.75)
    put_text(
        canvas, text, (ox + canvas.width / 2, y + style.margin), size, WHITE, anchor="ct", box=False
    )
    return box
