"""The two side colours, defined once for every output.

Left is always orange and right always sky blue (the Okabe-Ito palette, told apart by
colour-blind viewers), whichever leg is nearer the camera: in the annotated video and the
key-frame stills (:mod:`runform.render`), the report's charts (:mod:`runform.report.plots`)
and the plan's pictures. The far leg of the video and the dimmed leg of a still are darker
shades of the same colour.

This module sits at the top of the package and imports nothing from it, so every output
stage can use it without importing another stage.

Each colour is given in the three forms the outputs need: CSS hex (matplotlib, HTML, SVG),
RGB and BGR (OpenCV's order, what :mod:`runform.render.surface` draws with).

>>> LEFT_HEX, RIGHT_HEX
('#E69F00', '#56B4E9')
>>> SIDE_BGR["left"] == LEFT_RGB[::-1]
True
"""

from __future__ import annotations

from collections.abc import Mapping

#: Okabe-Ito orange: the left side.
LEFT_HEX = "#E69F00"
#: Okabe-Ito sky blue: the right side.
RIGHT_HEX = "#56B4E9"

LEFT_RGB: tuple[int, int, int] = (230, 159, 0)
RIGHT_RGB: tuple[int, int, int] = (86, 180, 233)

LEFT_BGR: tuple[int, int, int] = (0, 159, 230)
RIGHT_BGR: tuple[int, int, int] = (233, 180, 86)

#: The same hues darkened to 60 % for text on white (contrast ≥ 4.5:1, WCAG AA): the side
#: names in the report, the comparison and the web pages. ``report.css`` and
#: ``compare.css`` state these values; a test checks they agree.
LEFT_TEXT_HEX = "#8A5F00"
RIGHT_TEXT_HEX = "#336C8B"

#: ``{"left": ..., "right": ...}`` in each form.
SIDE_HEX: Mapping[str, str] = {"left": LEFT_HEX, "right": RIGHT_HEX}
SIDE_RGB: Mapping[str, tuple[int, int, int]] = {"left": LEFT_RGB, "right": RIGHT_RGB}
SIDE_BGR: Mapping[str, tuple[int, int, int]] = {"left": LEFT_BGR, "right": RIGHT_BGR}


def hex_of(rgb: tuple[int, int, int]) -> str:
    """``(230, 159, 0) -> "#E69F00"``."""
    return "#{:02X}{:02X}{:02X}".format(*rgb)


__all__ = [
    "LEFT_BGR",
    "LEFT_HEX",
    "LEFT_RGB",
    "LEFT_TEXT_HEX",
    "RIGHT_BGR",
    "RIGHT_HEX",
    "RIGHT_RGB",
    "RIGHT_TEXT_HEX",
    "SIDE_BGR",
    "SIDE_HEX",
    "SIDE_RGB",
    "hex_of",
]
