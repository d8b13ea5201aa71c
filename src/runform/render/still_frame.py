"""One key-frame still drawn: the runner cropped, the skeleton with one leg bright, the
angle of the moment (dashed reference, filled arc, value) and a title band.

:func:`render_key_frame` draws it; :mod:`runform.render.stills` chooses the frames, decodes
them and writes the JPEGs.
"""

from __future__ import annotations

import cv2
import numpy as np

from runform.render import draw, lettering, surface
from runform.render.key_moments import KeyFrame
from runform.render.overlay import near_side
from runform.render.surface import SIDE_COLORS, BGRCanvas, Style

TITLES = {
    "contact": "initial contact",
    "midstance": "mid-stance",
    "toe_off": "toe-off",
    "peak_extension": "peak thigh extension",
    "peak_knee_flexion": "peak swing knee flexion",
}
#: Width of a still; its picture (below the title band) is a 3:4 crop around the runner,
#: 960 px tall: as tall as or taller than the runner's crop in a 720p or 1080p clip, so a
#: still is not blown up past the pixels the video holds (and its file costs no more than
#: it shows).
STILL_WIDTH = 720
STILL_ASPECT = 3 / 4
#: Space kept around the runner in the crop, as a fraction of the runner's height.
CROP_PADDING = 0.12
_HEADER_LINES = 4
#: The text of a still of the leg further from the camera, in place of its angles.
FAR_LEG_LINE = "far leg, partly hidden: its angles are not measured"


# ------------------------------------------------------------------------------ drawing


def _vec(points: dict, a: str, b: str) -> np.ndarray | None:
    pa, pb = points.get(a), points.get(b)
    if pa is None or pb is None or not (np.all(np.isfinite(pa)) and np.all(np.isfinite(pb))):
        return None
    return np.asarray(pb, float) - np.asarray(pa, float)


def _draw_angles(
    canvas: BGRCanvas, points: dict, kf: KeyFrame, angles: dict, style: Style, far: bool = False
) -> list[str]:
    """Draw the angle(s) of one key frame; return the lines of text describing them.

    On the leg further from the camera (``far``) the arcs are drawn without their numbers
    and the text says why: that leg is seen partly hidden and its angles are not measured
    reliably (the report shows none of them)."""
    side, i = kf.side, kf.frame
    color = SIDE_COLORS[side]
    hip, knee, ankle = (points.get(f"{side}_{p}") for p in ("hip", "knee", "ankle"))
    thigh_v = _vec(points, f"{side}_hip", f"{side}_knee")
    shank_v = _vec(points, f"{side}_knee", f"{side}_ankle")
    thigh_val = float(angles["thigh"][side][i])
    knee_val = float(angles["knee"][side][i])
    shank_val = float(angles.get("shank", {}).get(side, np.full(i + 1, np.nan))[i])
    lines: list[str] = []

    def thigh() -> None:
        if thigh_v is None:
            return
        r = 0.45 * float(np.linalg.norm(thigh_v))
        text = "" if far else draw.signed_words(thigh_val, "fwd", "back")
        draw.draw_angle(canvas, hip, (0, 1), thigh_v, color, style, text, radius=r)
        where = "ahead of" if thigh_val > 0 else "behind"
        lines.append(
            f"thigh {draw.signed_words(thigh_val, 'ahead of', 'behind')} vertical "
            f"(knee {where} hip)"
        )

    def knee_flexion() -> None:
        if thigh_v is None or shank_v is None:
            return
        r = 0.35 * float(np.linalg.norm(shank_v))
        text = "" if far else draw.degrees_text(knee_val)
        draw.draw_angle(canvas, knee, thigh_v, shank_v, color, style, text, radius=r)
        lines.append(f"knee {draw.degrees_text(knee_val)} flexion")

    def shank() -> None:
        if shank_v is None:
            return
        r = 0.35 * float(np.linalg.norm(shank_v))
        text = "" if far else draw.signed_words(shank_val, "fwd", "back")
        draw.draw_angle(canvas, ankle, (0, -1), -shank_v, color, style, text, radius=r)
        where = "ahead of" if shank_val > 0 else "behind"
        words = draw.signed_words(shank_val, "ahead of", "behind")
        lines.append(f"shank {words} vertical (ankle {where} knee)")

    if kf.key == "contact":
        knee_flexion()
        shank()
    elif kf.key in ("midstance", "peak_knee_flexion"):
        knee_flexion()
    else:
        thigh()
    if far:
        return [FAR_LEG_LINE]
    return lines


def _title(canvas: BGRCanvas, kf: KeyFrame, lines: list[str], style: Style) -> None:
    m = style.margin
    color = SIDE_COLORS[kf.side]
    text = f"{kf.side.upper()} · {TITLES[kf.key]}"
    box = lettering.put_text(canvas, text, (m, m), style.title_font_px, color, box=False)
    rows = [[(f"t = {kf.time_s:.3f} s · frame {kf.frame}", surface.WHITE)]]
    rows.append(
        [(f"stride {kf.stride} of {kf.n_strides} (the one closest to median)", surface.GREY)]
    )
    rows += [[(line, color)] for line in lines]
    lettering.draw_table(canvas, rows, (0, box[3]), style.small_font_px, pad=m, background=False)


def _header_height(style: Style) -> int:
    """Height of the title band: a title and four lines of text, whatever the key frame."""
    title = lettering.text_size("Ag", style.title_font_px, box=False)[1]
    line = lettering.text_size("Ag°", style.small_font_px, box=False)[1]
    height = style.margin + title + 2 * style.margin + _HEADER_LINES * line
    return height + height % 2


def still_size() -> tuple[int, int]:
    """``(width, height)`` of every still: the title band plus the 3:4 picture."""
    pic_h = int(round(STILL_WIDTH / STILL_ASPECT))
    return STILL_WIDTH, _header_height(Style.for_frame(STILL_WIDTH, pic_h)) + pic_h


def crop_box(points: dict, width: int, height: int) -> tuple[float, float, float]:
    """``(x0, y0, size)``: a ``STILL_ASPECT`` box around the runner, ``size`` = its height.

    The runner's keypoints plus ``CROP_PADDING`` of their height on every side; the whole
    frame's height when no keypoint is known.
    """
    xy = np.array([p for p in points.values() if np.all(np.isfinite(p))], float)
    if xy.size == 0:
        size = float(height)
        return (width - size * STILL_ASPECT) / 2.0, 0.0, size
    (x_min, y_min), (x_max, y_max) = xy.min(axis=0), xy.max(axis=0)
    runner_h = max(y_max - y_min, 1.0)
    pad = CROP_PADDING * runner_h
    size = max(runner_h + 2 * pad, (x_max - x_min + 2 * pad) / STILL_ASPECT)
    size = min(size, float(max(width / STILL_ASPECT, height)))
    cx, cy = (x_min + x_max) / 2.0, (y_min + y_max) / 2.0
    return cx - size * STILL_ASPECT / 2.0, cy - size / 2.0, size


def render_key_frame(
    img: np.ndarray,
    points: dict,
    kf: KeyFrame,
    angles: dict,
    direction: int,
    near: str | None = None,
) -> np.ndarray:
    """The still of one key frame: a title band over a crop around the runner.

    Parameters
    ----------
    img:
        The decoded frame, BGR.
    points:
        Keypoint name -> ``(x, y)`` in ``img`` pixels.

    Returns
    -------
    A BGR image of :func:`still_size`.
    """
    out_w, pic_h = STILL_WIDTH, int(round(STILL_WIDTH / STILL_ASPECT))
    style = Style.for_frame(out_w, pic_h)
    header_h = _header_height(style)
    x0, y0, size = crop_box(points, img.shape[1], img.shape[0])
    scale = pic_h / size
    to_still = np.array([[scale, 0.0, -x0 * scale], [0.0, scale, -y0 * scale]])
    still = np.zeros((header_h + pic_h, out_w, 3), np.uint8)
    cv2.warpAffine(
        img,
        to_still,
        (out_w, pic_h),
        dst=still[header_h:],
        flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )
    moved = {k: (np.asarray(p, float) - (x0, y0)) * scale for k, p in points.items()}
    picture = BGRCanvas(still[header_h:])
    draw.draw_skeleton(picture, moved, style, near or near_side(direction), emphasis=kf.side)
    far = near in ("left", "right") and kf.side != near
    lines = _draw_angles(picture, moved, kf, angles, style, far=far)
    header = still[:header_h]
    header[:] = (32, 32, 32)
    _title(BGRCanvas(header), kf, lines, style)
    return still
