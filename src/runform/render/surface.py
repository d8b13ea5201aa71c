"""Surfaces to draw on, and the colours and sizes drawn with.

Everything draws on a :class:`Canvas`: either a BGR image (:class:`BGRCanvas`, OpenCV's
layout, used for the stills) or the three planes of a YUV 4:2:0 frame as decoded from the
video (:class:`YUV420Canvas`). Drawing straight on the decoded planes spares the video two
colour conversions per frame (YUV→BGR after decoding and BGR→YUV before encoding); the
same drawing code serves both. Text is drawn by :mod:`runform.render.lettering`, figures
(skeleton, angles, labels) by :mod:`runform.render.draw`.

Sizes come from a :class:`Style` made for the frame, so text and lines keep the same size
relative to the frame whatever its resolution, and stay legible on a phone screen for
portrait and landscape clips.

Colours are given as BGR tuples; the YUV canvas converts them with the video's own matrix
(BT.601 limited range by default: what the encoder is told, see
:mod:`runform.render.encoding`).

Examples
--------
>>> import numpy as np
>>> img = np.zeros((4, 6, 3), np.uint8)
>>> canvas = BGRCanvas(img)
>>> canvas.tint((0, 0, 2, 2), WHITE, 1.0)
>>> int(img[0, 0, 0]), int(img[3, 5, 0])
(255, 0)
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import cv2
import numpy as np

from runform.colours import LEFT_BGR, RIGHT_BGR

if TYPE_CHECKING:
    from runform.render.lettering import Patch

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
def yuv_coefficients(matrix: str) -> tuple[np.ndarray, np.ndarray]:
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
    m, offset = yuv_coefficients(matrix)
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


# ----------------------------------------------------------------------------- canvas


def finite_point(p) -> bool:
    return p is not None and math.isfinite(p[0]) and math.isfinite(p[1])


@lru_cache(maxsize=1024)
def plane_value(color: Color, kind: str):
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
        return plane_value(tuple(color), kind)

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
        if not (finite_point(a) and finite_point(b)):
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
        if not finite_point(c):
            return
        for arr, s, kind in self._drawn_planes(luma_only):
            cv2.circle(
                arr, self._fix(c, s), int(round(radius * s * _ONE)), self._value(color, kind),
                thickness if thickness < 0 else max(1, round(thickness * s)), cv2.LINE_AA, _SHIFT,
            )  # fmt: skip

    def arc(self, c, radius: float, start: float, end: float, color: Color, thickness: int) -> None:
        """An arc (``thickness`` > 0) or a filled sector (``thickness`` = -1); degrees clockwise."""
        if not finite_point(c):
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

    def blend(self, patch: Patch, x0: float, y0: float, opacity: float = 1.0):
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


def fit_span(start: float, length: float, limit: int) -> float:
    """``start`` moved so that ``[start, start + length]`` lies within ``[0, limit]`` (at 0
    when it is longer than the frame); whole even pixels, as labels are drawn."""
    if start + length > limit:
        start = math.floor((limit - length) / 2) * 2
    return float(max(start, 0.0))
