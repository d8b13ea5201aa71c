"""The key moments of a stride and the file names of their stills, defined once.

The render stage writes one PNG per moment and side (:mod:`runform.render.stills`); the
report finds them by the same names (:mod:`runform.report.content`). Names start with the
moment's number in the gait cycle, so a folder listing shows the stills in the order the
moments happen::

    01-contact-left.png  01-contact-right.png  02-midstance-left.png  ...
    05-peak-knee-flexion-right.png

Moment keys are those of the findings' ``key_event`` (:mod:`runform.findings.specs`).
This module sits at the top of the package and imports nothing from it.

>>> still_filename("left", "toe_off")
'03-toe-off-left.png'
>>> parse_still_filename("04-peak-extension-right.png")
('right', 'peak_extension')
"""

from __future__ import annotations

import re

#: The moments in the order they happen in a gait cycle (from the foot's contact).
KEY_MOMENTS: tuple[str, ...] = (
    "contact",
    "midstance",
    "toe_off",
    "peak_extension",
    "peak_knee_flexion",
)

_NAME = re.compile(r"^(\d\d)-([a-z-]+)-(left|right)\.png$")


def _word(moment: str) -> str:
    return moment.replace("_", "-")


def still_filename(side: str, moment: str) -> str:
    """``"left", "contact" -> "01-contact-left.png"`` (``ValueError`` for an unknown moment)."""
    if side not in ("left", "right"):
        raise ValueError(f"unknown side {side!r}")
    number = KEY_MOMENTS.index(moment) + 1
    return f"{number:02d}-{_word(moment)}-{side}.png"


def parse_still_filename(name: str) -> tuple[str, str] | None:
    """``(side, moment)`` of a still's file name, or ``None`` if it is not one."""
    match = _NAME.match(name)
    if match is None:
        return None
    number, word, side = match.groups()
    moment = word.replace("-", "_")
    if moment not in KEY_MOMENTS or int(number) != KEY_MOMENTS.index(moment) + 1:
        return None
    return side, moment


__all__ = ["KEY_MOMENTS", "parse_still_filename", "still_filename"]
