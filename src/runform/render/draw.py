"""Drawing helpers shared by the annotated video and the key-frame stills.

Everything draws on a :class:`Canvas`: either a BGR image (:class:`BGRCanvas`, OpenCV's
layout, used for the stills) or the three planes of a YUV 4:2:0 frame as decoded from the
video (:class:`YUV420Canvas`). Drawing straight on the decoded planes spares the video two
colour conversions per frame (YUV→BGR after decoding and BGR→YUV before encoding); the
same drawing code serves both.

Sizes come from a :class:`Style` made for the frame, so text and lines keep the same size
relative to the frame whatever its resolution, and stay legible on a phone screen for
portrait and landscape clips. Text is DejaVu Sans Bold (shipped with matplotlib) rendered
through Pillow, so degree signs print correctly; each character is rendered once per size
and strings are composed from those glyphs and cached, so a label costs a small alpha
blend.

Colours are given as BGR tuples; the YUV canvas converts them with BT.601 limited-range
coefficients (what the encoder is told, see :mod:`runform.render.annotate`).

Examples
--------
>>> import numpy as np
>>> img = np.zeros((1280, 720, 3), np.uint8)
>>> canvas = BGRCanvas(img)
>>> style = Style.for_frame(canvas.width, canvas.height)
>>> box = put_text(canvas, "knee 45°", (20, 20), style.font_px, WHITE)
>>> bool(img[box[1] : box[3], box[0] : box[2]].any())
True
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from runform.colours import LEFT_BGR, RIGHT_BGR

Color = tuple[int, int, int]  # B, G, R

# The side colours of every output (runform.colours, Okabe-Ito: readable for colour-blind
# viewers): orange for the left side, sky blue for the right side, whichever leg is nearer
# the camera. Here in BGR, OpenCV's order.
LEFT_COLOR: Color = LEFT_BGR
RIGHT_COLOR: Color = RIGHT_BGR
BODY_COLOR: Color = (235, 235, 235)
WHITE: Color = (255, 255, 255)
GREY: Color = (200, 200, 200)
BLACK: Color = (0, 0, 0)
ALERT_COLOR: Color = (40, 40, 200)
SIDE_COLORS: Mapping[str, Color] = {"left": LEFT_COLOR, "right": RIGHT_COLOR}

#: How much darker the far leg is drawn than the near one.
FAR_SHADE = 0.6
#: Fractional bits for sub-pixel drawing with OpenCV.
_SHIFT = 4
_ONE = 1 << _SHIFT


def shade(color: Color, factor: float) -> Color:
    """A darker (``factor`` < 1) version of ``color``."""
    return tuple(int(round(c * factor)) for c in color)  # type: ignore[return-value]


#: Luma coefficients (Kr, Kb) of the YUV matrices a video may use.
YUV_MATRICES: Mapping[str, tuple[float, float]] = {
    "bt601": (0.299, 0.114),
    "bt709": (0.2126, 0.0722),
    "bt2020": (0.2627, 0.0593),
}


@lru_cache(maxsize=8)
def _yuv_coefficients(matrix: str) -> tuple[np.ndarray, np.ndarray]:
    """``(M, offset)`` with ``yuv = M @ bgr + offset``, limited range, for a named matrix."""
    kr, kb = YUV_MATRICES[matrix]
    kg = 1.0 - kr - kb
    luma = np.array([kb, kg, kr])  # B, G, R order
    cb = (np.array([1.0, 0.0, 0.0]) - luma) / (2.0 * (1.0 - kb))
    cr = (np.array([0.0, 0.0, 1.0]) - luma) / (2.0 * (1.0 - kr))
    m = np.stack([luma * 219.0 / 255.0, cb * 224.0 / 255.0, cr * 224.0 / 255.0]).astype(np.float32)
    return m, np.array([16.0, 128.0, 128.0], np.float32)


def bgr_to_yuv(color: Sequence[float], matrix: str = "bt601") -> tuple[float, float, float]:
    """Limited-range Y, U, V of a BGR colour (``bt601`` is what ``cv2.COLOR_BGR2YUV_I420`` uses)."""
    m, offset = _yuv_coefficients(matrix)
    y, u, v = m @ np.asarray(color, np.float32) + offset
    return float(y), float(u), float(v)


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


# ------------------------------------------------------------------------------- text


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


class _Patch:
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
def _text_patch(text: str, size_px: int, color: Color, box_alpha: float, kind: str) -> _Patch:
    """A label in ``color`` for a canvas kind (``"bgr"`` or ``"yuv:<matrix>"``), cached.

    Its pixels are the colour scaled by ``ink`` (black outline and box elsewhere); as the
    colour transform is affine, each YUV plane is ``offset + ink x (M @ color)``.
    """
    return _build_patch(*_coverage(text, size_px, box_alpha), color, kind)


def _fresh_text_patch(text: str, size_px: int, color: Color, box_alpha: float, kind: str) -> _Patch:
    """:func:`_text_patch` without caching, for a label that will not be drawn again (a
    clock that changes every frame): it would only push reusable labels out of the caches,
    and hold memory (a cached label is tens of kB)."""
    return _build_patch(*_coverage.__wrapped__(text, size_px, box_alpha), color, kind)


def _build_patch(ink: np.ndarray, alpha: np.ndarray, color: Color, kind: str) -> _Patch:
    if kind == "bgr":
        bgr = (ink[..., None] * np.asarray(color, np.float32) + 0.5).astype(np.uint8)
        return _Patch([(bgr, alpha)])
    m, offset = _yuv_coefficients(kind.split(":", 1)[1])
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
    return _Patch(planes)


# ----------------------------------------------------------------------------- canvas


def _finite(p) -> bool:
    return p is not None and math.isfinite(p[0]) and math.isfinite(p[1])


@lru_cache(maxsize=1024)
def _plane_value(color: Color, kind: str):
    """A BGR colour as a plane's value: the BGR tuple, or one Y/U/V number."""
    if kind == "bgr":
        return tuple(int(c) for c in color)
    plane, matrix = kind.split(":", 1)
    y, u, v = bgr_to_yuv(color, matrix)
    return int(round({"y": y, "u": u, "v": v}[plane]))


class Canvas(ABC):
    """A surface to draw on in full-frame pixel coordinates (see the module docstring).

    Subclasses list their planes as ``(array, scale, kind)``: ``scale`` maps frame pixels
    to the plane's pixels (1, or 0.5 for 4:2:0 chroma), ``kind`` says how a BGR colour maps
    to the plane's values. ``origin`` is the frame position of the arrays' top-left corner
    (non-zero for a :meth:`layer`).
    """

    width: int
    height: int
    kind: str  # "bgr" or "yuv:<matrix>": which form of a rendered label it takes
    origin: tuple[int, int] = (0, 0)
    _align = 1  # box alignment in frame pixels (2 for 4:2:0)

    @abstractmethod
    def planes(self) -> list[tuple[np.ndarray, float, str]]:
        """The canvas's pixel planes as ``(array, scale, kind)``."""

    @abstractmethod
    def _sub(self, box: tuple[int, int, int, int], copy: bool) -> Canvas:
        """A canvas on part of this one (a view, or a copy)."""

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _value(color: Color, kind: str):
        return _plane_value(tuple(color), kind)

    def _fix(self, p, scale: float) -> tuple[int, int]:
        ox, oy = self.origin
        k = scale * _ONE
        return (int(round((p[0] - ox) * k)), int(round((p[1] - oy) * k)))

    def clip_box(self, box: Sequence[float]) -> tuple[int, int, int, int] | None:
        """``box`` in frame pixels, aligned to the chroma grid and clipped to the canvas."""
        a = self._align
        ox, oy = self.origin
        x0 = max(int(math.floor(box[0] / a)) * a, ox)
        y0 = max(int(math.floor(box[1] / a)) * a, oy)
        x1 = min(int(math.ceil(box[2] / a)) * a, ox + self.width)
        y1 = min(int(math.ceil(box[3] / a)) * a, oy + self.height)
        return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None

    def _roi(self, arr: np.ndarray, scale: float, box: tuple[int, int, int, int]) -> np.ndarray:
        ox, oy = self.origin
        if scale == 1.0:  # the common case, without float rounding
            return arr[int(box[1] - oy) : int(box[3] - oy), int(box[0] - ox) : int(box[2] - ox)]
        x0, y0 = int(round((box[0] - ox) * scale)), int(round((box[1] - oy) * scale))
        x1, y1 = int(round((box[2] - ox) * scale)), int(round((box[3] - oy) * scale))
        return arr[y0:y1, x0:x1]

    # ------------------------------------------------------------------ primitives
    def line(self, a, b, color: Color, thickness: int, luma_only: bool = False) -> None:
        """An anti-aliased line; ``luma_only`` draws it on the brightness plane only (dark
        outlines on a YUV canvas: chroma under them is left as is, which nobody can see)."""
        if not (_finite(a) and _finite(b)):
            return
        for arr, s, kind in self._drawn_planes(luma_only):
            cv2.line(
                arr, self._fix(a, s), self._fix(b, s), self._value(color, kind),
                max(1, round(thickness * s)), cv2.LINE_AA, _SHIFT,
            )  # fmt: skip

    def _drawn_planes(self, luma_only: bool) -> list[tuple[np.ndarray, float, str]]:
        planes = self.planes()
        return planes[:1] if luma_only else planes

    def circle(
        self, c, radius: float, color: Color, thickness: int = -1, luma_only: bool = False
    ) -> None:
        if not _finite(c):
            return
        for arr, s, kind in self._drawn_planes(luma_only):
            cv2.circle(
                arr, self._fix(c, s), int(round(radius * s * _ONE)), self._value(color, kind),
                thickness if thickness < 0 else max(1, round(thickness * s)), cv2.LINE_AA, _SHIFT,
            )  # fmt: skip

    def arc(self, c, radius: float, start: float, end: float, color: Color, thickness: int) -> None:
        """An arc (``thickness`` > 0) or a filled sector (``thickness`` = -1); degrees clockwise."""
        if not _finite(c):
            return
        for arr, s, kind in self.planes():
            r = int(round(radius * s * _ONE))
            cv2.ellipse(
                arr, self._fix(c, s), (r, r), 0, start, end, self._value(color, kind),
                thickness if thickness < 0 else max(1, round(thickness * s)), cv2.LINE_AA, _SHIFT,
            )  # fmt: skip

    def polylines(
        self, chains: Sequence[np.ndarray], color: Color, thickness: int, luma_only: bool = False
    ) -> None:
        """Anti-aliased open polylines, each ``(n, 2)`` (finite points), in one call per plane:
        the same pixels as their segments drawn one by one, for far fewer calls."""
        if not chains:
            return
        ox, oy = self.origin
        for arr, s, kind in self._drawn_planes(luma_only):
            k = s * _ONE
            pts = [np.round((c - (ox, oy)) * k).astype(np.int32) for c in chains]
            cv2.polylines(
                arr, pts, False, self._value(color, kind), max(1, round(thickness * s)),
                cv2.LINE_AA, _SHIFT,
            )  # fmt: skip

    def polygon(self, points: np.ndarray, color: Color) -> None:
        """A filled polygon, ``points`` shape ``(n, 2)``."""
        for arr, s, kind in self.planes():
            pts = np.array([self._fix(p, s) for p in points], np.int32)
            cv2.fillPoly(arr, [pts], self._value(color, kind), cv2.LINE_AA, _SHIFT)

    def blend(self, patch: _Patch, x0: float, y0: float, opacity: float = 1.0):
        """Alpha-blend a rendered label (made for this canvas's ``kind``) at ``(x0, y0)``."""
        a = self._align
        x0, y0 = int(x0) // a * a, int(y0) // a * a
        box = self.clip_box((x0, y0, x0 + patch.width, y0 + patch.height))
        if box is None or opacity <= 0:
            return (x0, y0, x0, y0)
        inside = box == (x0, y0, x0 + patch.width, y0 + patch.height)
        if inside and opacity >= 1.0:  # the common case: whole label, full strength
            ox, oy = self.origin
            for (arr, s, _), (values, alpha), inverse in zip(
                self.planes(), patch.planes, patch.inverse, strict=True
            ):
                ph, pw = alpha.shape
                px, py = (x0 - ox, y0 - oy) if s == 1.0 else ((x0 - ox) // 2, (y0 - oy) // 2)
                roi = arr[py : py + ph, px : px + pw]
                cv2.blendLinear(values, roi, alpha, inverse, dst=roi)
            return box
        planes = zip(self.planes(), patch.planes, patch.inverse, strict=True)
        for (arr, s, _), (values, alpha), inverse in planes:
            roi = self._roi(arr, s, box)
            if not inside:  # clipped at a frame edge
                h, w = roi.shape[:2]
                py, px = int(round((box[1] - y0) * s)), int(round((box[0] - x0) * s))
                values = np.ascontiguousarray(values[py : py + h, px : px + w])
                alpha = np.ascontiguousarray(alpha[py : py + h, px : px + w])
                h, w = min(h, alpha.shape[0]), min(w, alpha.shape[1])
                roi, values, alpha = roi[:h, :w], values[:h, :w], alpha[:h, :w]
            elif roi.shape[:2] != alpha.shape:  # pragma: no cover - defensive
                continue
            if opacity < 1.0:
                alpha = alpha * np.float32(opacity)
                inverse = 1.0 - alpha
            elif not inside:
                inverse = 1.0 - alpha
            cv2.blendLinear(values, roi, alpha, inverse, dst=roi)
        return box

    def darken(self, box: Sequence[float], strength: float = 0.55) -> None:
        """Darken a rectangle ``(x0, y0, x1, y1)`` so text on it reads well."""
        clipped = self.clip_box(box)
        if clipped is None:
            return
        keep = 1.0 - strength
        for arr, s, kind in self.planes():
            roi = self._roi(arr, s, clipped)
            black = 0.0 if kind == "bgr" else (16.0 if kind.startswith("y") else 128.0)
            cv2.convertScaleAbs(roi, dst=roi, alpha=keep, beta=black * strength)

    def tint(self, box: Sequence[float], color: Color, opacity: float) -> None:
        """Blend a solid colour into a rectangle."""
        clipped = self.clip_box(box)
        if clipped is None or opacity <= 0:
            return
        for arr, s, kind in self.planes():
            roi = self._roi(arr, s, clipped)
            solid = np.empty_like(roi)
            solid[:] = self._value(color, kind)
            cv2.addWeighted(solid, opacity, roi, 1.0 - opacity, 0, dst=roi)

    @contextmanager
    def layer(self, box: Sequence[float], opacity: float) -> Iterator[Canvas | None]:
        """Draw into a copy of ``box``, then blend it back with ``opacity`` (translucency)."""
        clipped = self.clip_box(box)
        if clipped is None:
            yield None
            return
        sub = self._sub(clipped, copy=True)
        yield sub
        for (arr, s, _), (layer_arr, _, _) in zip(self.planes(), sub.planes(), strict=True):
            roi = self._roi(arr, s, clipped)
            cv2.addWeighted(layer_arr, opacity, roi, 1.0 - opacity, 0, dst=roi)


class BGRCanvas(Canvas):
    """A canvas over a BGR ``uint8`` image (drawn in place)."""

    kind = "bgr"

    def __init__(self, img: np.ndarray, origin: tuple[int, int] = (0, 0)) -> None:
        self.img = img
        self.height, self.width = img.shape[:2]
        self.origin = origin

    def planes(self) -> list[tuple[np.ndarray, float, str]]:
        return [(self.img, 1.0, "bgr")]

    def _sub(self, box: tuple[int, int, int, int], copy: bool) -> Canvas:
        roi = self._roi(self.img, 1.0, box)
        return BGRCanvas(roi.copy() if copy else roi, origin=(box[0], box[1]))


def i420_planes(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Y ``(h, w)``, U and V ``(h/2, w/2)`` views of an I420 buffer of shape ``(3h/2, w)``."""
    rows, w = buf.shape
    h = rows * 2 // 3
    if h % 2 or w % 2 or rows != h * 3 // 2:
        raise ValueError("I420 frames need even width and height")
    quarter = h // 4
    u = buf[h : h + quarter].reshape(h // 2, w // 2)
    v = buf[h + quarter : h + 2 * quarter].reshape(h // 2, w // 2)
    return buf[:h], u, v


class YUV420Canvas(Canvas):
    """A canvas over a planar YUV 4:2:0 frame: ``Y`` (h, w), ``U`` and ``V`` (h/2, w/2).

    Build it with :meth:`from_i420` from the ``(3h/2, w)`` array that PyAV's
    ``VideoFrame.to_ndarray()`` returns for ``yuv420p`` (and that
    ``VideoFrame.from_ndarray(..., format="yuv420p")`` takes). ``matrix`` is the video's
    YUV matrix (``bt601``, ``bt709``, ``bt2020``), so drawn colours come out as intended.
    """

    _align = 2

    def __init__(
        self,
        y: np.ndarray,
        u: np.ndarray,
        v: np.ndarray,
        origin: tuple[int, int] = (0, 0),
        matrix: str = "bt601",
    ) -> None:
        if matrix not in YUV_MATRICES:
            raise ValueError(f"unknown YUV matrix {matrix!r}")
        self.y, self.u, self.v = y, u, v
        self.height, self.width = y.shape
        self.origin = origin
        self.matrix = matrix
        self.kind = f"yuv:{matrix}"
        m = matrix
        self._planes = [(y, 1.0, f"y:{m}"), (u, 0.5, f"u:{m}"), (v, 0.5, f"v:{m}")]

    @classmethod
    def from_i420(cls, buf: np.ndarray, matrix: str = "bt601") -> YUV420Canvas:
        """View the planes of an I420 buffer of shape ``(3h/2, w)`` (drawn in place)."""
        return cls(*i420_planes(buf), matrix=matrix)

    def planes(self) -> list[tuple[np.ndarray, float, str]]:
        return self._planes

    def _sub(self, box: tuple[int, int, int, int], copy: bool) -> Canvas:
        rois = [self._roi(arr, s, box) for arr, s, _ in self.planes()]
        if copy:
            rois = [r.copy() for r in rois]
        return YUV420Canvas(*rois, origin=(box[0], box[1]), matrix=self.matrix)


# ------------------------------------------------------------------------------- text


def clear_caches() -> None:
    """Forget the rendered labels and glyphs kept for the next frames (tens of MB after a
    video): a process that renders many videos, such as a worker, calls this between jobs.
    """
    for cached in (_text_patch, _coverage, _patch_size, _glyph, _advance, _plane_value):
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
        x = LabelPlacer._inside(x - ox, patch.width, canvas.width) + ox
        y = LabelPlacer._inside(y - oy, patch.height, canvas.height) + oy
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
    if not (_finite(a) and _finite(b)):
        return
    canvas.line(a, b, BLACK, thickness + max(2, thickness // 2), luma_only=True)
    canvas.line(a, b, color, thickness)


def _chains(points: Mapping[str, Sequence[float]], names: Sequence[str]) -> list[np.ndarray]:
    """The known stretches (two points or more) of the line through ``names``, in order."""
    chains, run = [], []
    for name in names:
        p = points.get(name)
        if _finite(p):
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
    if not _finite(p):
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
        foot = ("heel", "foot_index") if _finite(get(f"{side}_heel")) else ("foot_index",)
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
        if _finite(points.get(a)) and _finite(points.get(b))
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

    @staticmethod
    def _inside(start: float, length: float, limit: int) -> float:
        """``start`` moved so that ``[start, start + length]`` lies within ``[0, limit]``
        (at 0 when it is longer than the frame); whole even pixels, as labels are drawn."""
        if start + length > limit:
            start = math.floor((limit - length) / 2) * 2
        return float(max(start, 0.0))

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
        fx0, fy0 = self._inside(x0, w, self.width), self._inside(y0, h, self.height)
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
    if not (_finite(a) and _finite(b)):
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
        Text placed beside the arc's midpoint.
    radius:
        Arc radius in pixels.
    label_side:
        +1 to put the label right of the arc, -1 left; default: the side the arc opens to.
    """
    if not (_finite(vertex) and _finite(reference) and _finite(segment)):
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
    if not _finite(p) or opacity <= 0:
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
