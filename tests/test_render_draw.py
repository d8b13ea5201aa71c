"""Drawing helpers: colours on YUV frames, text, label placement, angle arcs."""

from __future__ import annotations

import math

import av
import cv2
import numpy as np
import pytest

from runform.render import draw, lettering, surface
from runform.render.draw import LabelPlacer
from runform.render.surface import BGRCanvas, Style, YUV420Canvas


def grey_i420(width: int = 320, height: int = 240, level: int = 128) -> np.ndarray:
    return np.full((height * 3 // 2, width), level, np.uint8)


# ---------------------------------------------------------------------------- colours
@pytest.mark.parametrize(
    ("matrix", "bgr", "yuv"),
    [
        # studio-range reference values of the two standards (ITU-R BT.601 / BT.709)
        ("bt601", (0, 0, 255), (81, 90, 240)),
        ("bt709", (0, 0, 255), (63, 102, 240)),
        ("bt601", (255, 255, 255), (235, 128, 128)),
        ("bt709", (0, 0, 0), (16, 128, 128)),
        ("bt709", (255, 0, 0), (32, 240, 118)),
    ],
)
def test_bgr_to_yuv_matches_the_standards(matrix, bgr, yuv) -> None:
    assert np.allclose(surface.bgr_to_yuv(bgr, matrix), yuv, atol=1.0)


def test_colours_drawn_on_yuv_frames_decode_back(tmp_path) -> None:
    # draw discs on an I420 frame, encode it, decode with FFmpeg's own conversion
    buf = grey_i420()
    canvas = YUV420Canvas.from_i420(buf, "bt601")
    centres = {surface.LEFT_COLOR: (80, 120), surface.RIGHT_COLOR: (240, 120)}
    for color, c in centres.items():
        canvas.circle(c, 30, color)
    frame = av.VideoFrame.from_ndarray(buf, format="yuv420p")
    bgr = frame.to_ndarray(format="bgr24")  # swscale default: BT.601 limited range
    for color, (x, y) in centres.items():
        assert np.abs(bgr[y - 5 : y + 5, x - 5 : x + 5].astype(int) - color).max() <= 6
    # outside the discs the frame is untouched
    assert np.all(buf[:240, 150:170] == 128)


def test_same_drawing_on_bgr_and_yuv_canvases() -> None:
    bgr = np.full((240, 320, 3), 128, np.uint8)
    buf = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420))
    style = Style.for_frame(320, 240)
    for canvas in (BGRCanvas(bgr), YUV420Canvas.from_i420(buf, "bt601")):
        draw.draw_segment(canvas, (20, 20), (300, 220), surface.RIGHT_COLOR, style.line)
        lettering.put_text(canvas, "knee 45°", (30, 150), 28, surface.LEFT_COLOR)
        canvas.darken((200, 10, 310, 60))
    converted = cv2.cvtColor(buf, cv2.COLOR_YUV2BGR_I420)
    diff = np.abs(converted.astype(int) - bgr.astype(int))
    assert diff.mean() < 3  # chroma subsampling only
    assert np.percentile(diff, 99) < 60


# ------------------------------------------------------------------------------- text
def test_text_width_follows_the_font_advances() -> None:
    from PIL import ImageFont

    font = ImageFont.truetype(str(lettering._font_path()), 30)
    for text in ("AVA thigh 15° fwd", "knee 90°", "T"):
        width, _ = lettering.text_size(text, 30, box=False)
        assert abs(width - font.getlength(text)) <= 2 * lettering._stroke(30) + 4


def test_degree_sign_is_a_real_glyph_above_the_baseline() -> None:
    img = np.zeros((80, 80, 3), np.uint8)
    _, y0, _, y1 = lettering.put_text(BGRCanvas(img), "°", (10, 10), 40, surface.WHITE, box=False)
    ink = img[..., 0] > 128
    ys = np.nonzero(ink)[0]
    assert ink.sum() > 20
    # a small ring high in the line, not a full-height "missing glyph" box
    assert ys.max() - ys.min() < 0.5 * (y1 - y0)
    assert ys.mean() < (y0 + y1) / 2


def test_text_clipped_at_the_frame_edges() -> None:
    for canvas in (
        BGRCanvas(np.zeros((60, 90, 3), np.uint8)),
        YUV420Canvas.from_i420(grey_i420(90, 60)),
    ):
        box = lettering.put_text(canvas, "trunk 12° fwd", (70, 45), 24, surface.WHITE)
        assert box[0] >= 0 and box[1] >= 0 and box[2] <= 90 and box[3] <= 60
        lettering.put_text(canvas, "x", (-50, -50), 24)  # fully outside: nothing, no error


def test_faded_text_is_lighter() -> None:
    full = np.zeros((50, 200, 3), np.uint8)
    faint = np.zeros((50, 200, 3), np.uint8)
    lettering.put_text(BGRCanvas(full), "TOE-OFF", (5, 5), 30, surface.WHITE, box=False)
    lettering.put_text(
        BGRCanvas(faint), "TOE-OFF", (5, 5), 30, surface.WHITE, box=False, opacity=0.3
    )
    assert faint.sum() == pytest.approx(0.3 * full.sum(), rel=0.05)


# ---------------------------------------------------------------------------- labels
def test_labels_avoid_the_skeleton_and_each_other() -> None:
    placer = LabelPlacer(400, 300)
    # a vertical limb through the anchor and another limb just right of it
    segments = np.array([[[100, 0], [100, 300]], [[130, 0], [130, 300]]], float)
    placer.start(segments)
    x0, y0 = placer.place("a", (60, 20), (100, 150), gap=8, prefer=1)
    box_a = (x0, y0, x0 + 60, y0 + 20)
    assert box_a[2] <= 100 or box_a[0] >= 130 or box_a[3] < 100  # not across a limb
    x1, y1 = placer.place("b", (60, 20), (100, 150), gap=8, prefer=1)
    overlap_x = min(box_a[2], x1 + 60) - max(box_a[0], x1)
    overlap_y = min(box_a[3], y1 + 20) - max(box_a[1], y1)
    assert overlap_x <= 0 or overlap_y <= 0
    # with nothing around, the preferred side wins
    placer.start(np.empty((0, 2, 2)))
    assert placer.place("c", (60, 20), (200, 150), gap=8, prefer=-1)[0] < 200
    assert placer.place("d", (60, 20), (200, 250), gap=8, prefer=1)[0] > 200
    # a reserved box (the panel) is kept clear
    placer.start(np.empty((0, 2, 2)), reserved=[(200, 0, 400, 300)])
    assert placer.place("e", (60, 20), (200, 150), gap=8, prefer=1)[0] + 60 <= 200


# ---------------------------------------------------------------------------- angles
def test_angle_arc_sits_between_reference_and_segment() -> None:
    img = np.zeros((400, 400, 3), np.uint8)
    style = Style.for_frame(400, 400)
    vertex = np.array([200.0, 100.0])
    thigh = np.array([math.sin(math.radians(-25)), math.cos(math.radians(-25))])  # 25° behind
    draw.draw_angle(
        BGRCanvas(img), vertex, (0, 1), thigh, surface.LEFT_COLOR, style, "25° back", radius=80
    )
    # the middle of the arc (12.5° from vertical, on the segment's side) is coloured
    mid = vertex + 80 * np.array([math.sin(math.radians(-12.5)), math.cos(math.radians(-12.5))])
    x, y = int(round(mid[0])), int(round(mid[1]))
    patch = img[y - 3 : y + 4, x - 3 : x + 4].reshape(-1, 3).astype(int)
    assert (np.abs(patch - surface.LEFT_COLOR).max(axis=1) < 40).any()
    # the other side of the vertical (where the angle is not) stays dark
    mirror = vertex + 80 * np.array([math.sin(math.radians(12.5)), math.cos(math.radians(12.5))])
    x, y = int(round(mirror[0])), int(round(mirror[1]))
    assert img[y - 2 : y + 3, x - 2 : x + 3].max() < 40


def test_words_for_signed_angles() -> None:
    assert draw.signed_words(12.4, "fwd", "back") == "12° fwd"
    assert draw.signed_words(-7.6, "fwd", "back") == "8° back"
    assert draw.signed_words(0.2, "fwd", "back") == "0°"
    assert draw.signed_words(float("nan"), "fwd", "back") == "–"
    assert draw.degrees_text(89.5) == "90°"


def test_a_per_frame_clock_does_not_fill_the_label_cache_and_caches_can_be_cleared() -> None:
    """Text that changes every frame is drawn without being cached (it would push the
    reusable labels out and hold memory); ``clear_caches`` empties what is kept (a worker
    calls it between jobs)."""
    from runform.service.jobs import release_memory

    lettering.clear_caches()
    image = np.zeros((120, 320, 3), np.uint8)
    canvas = BGRCanvas(image)
    for k in range(50):
        lettering.put_text(canvas, f"t = {k / 30:.3f} s", (10, 100), 16, cache=False)
    assert lettering._text_patch.cache_info().currsize == 0
    assert lettering._coverage.cache_info().currsize == 0
    assert image[60:120].any()  # the uncached clock was drawn all the same
    lettering.put_text(canvas, "42°", (10, 40), 16)
    assert lettering._text_patch.cache_info().currsize == 1
    release_memory()
    assert lettering._text_patch.cache_info().currsize == 0
