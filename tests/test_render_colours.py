"""One colour per side everywhere: the annotated video, the stills and the report's charts
take the left/right colours from :mod:`runform.colours`."""

from __future__ import annotations

import re

from runform import colours
from runform.render import surface
from runform.report import plots


def test_the_video_draws_in_the_shared_colours() -> None:
    assert surface.SIDE_COLORS["left"] == surface.LEFT_COLOR == colours.LEFT_BGR
    assert surface.SIDE_COLORS["right"] == surface.RIGHT_COLOR == colours.RIGHT_BGR
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
    rendered = plots.render(plots.timeline_figure(events, []))
    svg = rendered.svg.decode().lower()
    assert colours.LEFT_HEX.lower() in svg and colours.RIGHT_HEX.lower() in svg
    assert "#0072b2" not in svg and "#d55e00" not in svg  # the charts' former colours
    # the PDF draws the same bars (its SVG differs only in the font name): four stances a side
    pdf_svg = rendered.pdf_svg.decode().lower()
    for side in ("left", "right"):
        bars = re.findall(rf'<rect [^>]*fill="{colours.SIDE_HEX[side].lower()}"', pdf_svg)
        assert len(bars) == 4, side
    assert pdf_svg.replace('font-family="dejavu"', "") == svg.replace(
        'font-family="dejavu sans, verdana, arial, sans-serif"', ""
    )


def _contrast_on_white(hex_colour: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(hex_colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_report_text_uses_the_same_hues_readably() -> None:
    """The side names in report.css (and compare.html, which includes it) are the side
    colours darkened, with AA contrast on white; the plan's pictures use the side colours."""
    import re
    from importlib import resources

    from runform.plan import figures

    css = resources.files("runform.report").joinpath("templates/report.css").read_text()
    found = dict(re.findall(r"--(left|right):\s*(#[0-9A-Fa-f]{6})", css))
    assert found == {"left": colours.LEFT_TEXT_HEX, "right": colours.RIGHT_TEXT_HEX}
    for side, text in (("left", colours.LEFT_TEXT_HEX), ("right", colours.RIGHT_TEXT_HEX)):
        assert _contrast_on_white(text) >= 4.5
        base = colours.SIDE_RGB[side]
        darker = tuple(int(text[i : i + 2], 16) for i in (1, 3, 5))
        ratios = [d / b for d, b in zip(darker, base, strict=True) if b > 50]
        assert max(ratios) - min(ratios) < 0.02, (side, ratios)  # same hue, only darker
    assert figures.SIDE_HEX["near"].upper() == colours.RIGHT_HEX
    assert figures.SIDE_HEX["far"].upper() == colours.LEFT_HEX
