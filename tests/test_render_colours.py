"""One colour per side everywhere: the annotated video, the stills and the report's charts
take the left/right colours from :mod:`runform.colours`."""

from __future__ import annotations

import io

import cv2
import numpy as np

from runform import colours
from runform.render import draw
from runform.report import plots


def test_the_video_draws_in_the_shared_colours() -> None:
    assert draw.SIDE_COLORS["left"] == draw.LEFT_COLOR == colours.LEFT_BGR
    assert draw.SIDE_COLORS["right"] == draw.RIGHT_COLOR == colours.RIGHT_BGR
    for side in ("left", "right"):
        assert colours.hex_of(colours.SIDE_BGR[side][::-1]) == colours.SIDE_HEX[side]
        assert colours.SIDE_RGB[side] == colours.SIDE_BGR[side][::-1]
    # left orange (red channel high, blue low), right sky blue (blue high)
    assert colours.LEFT_RGB[0] > 200 and colours.LEFT_RGB[2] < 50
    assert colours.RIGHT_RGB[2] > 200 and colours.RIGHT_RGB[0] < 100


def test_the_charts_use_the_colours_of_the_video() -> None:
    assert plots.SIDE_COLOURS["left"] == colours.LEFT_HEX
    assert plots.SIDE_COLOURS["right"] == colours.RIGHT_HEX
    events = [
        {"side": side, "kind": kind, "time_s": t0 + k * 0.7 + dt}
        for side, t0 in (("left", 0.0), ("right", 0.35))
        for k in range(4)
        for kind, dt in (("contact", 0.0), ("toe_off", 0.25))
    ]
    rendered = plots.render(plots.timeline_figure(events, []), dpi=60)
    svg = rendered.svg.decode().lower()
    assert colours.LEFT_HEX.lower() in svg and colours.RIGHT_HEX.lower() in svg
    assert "#0072b2" not in svg and "#d55e00" not in svg  # the charts' former colours
    # the PNG (what the PDF shows) has bars of each side's colour over white
    png = cv2.imdecode(np.frombuffer(io.BytesIO(rendered.png).getvalue(), np.uint8), 1)
    for side in ("left", "right"):
        bar = 0.85 * np.asarray(colours.SIDE_BGR[side], float) + 0.15 * 255.0  # alpha 0.85
        close = np.linalg.norm(png.astype(float) - bar, axis=-1) < 12
        assert close.sum() > 200, side
