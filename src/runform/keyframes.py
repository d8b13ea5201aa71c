"""The key moments of a stride and the file names of their stills, defined once.

The render stage writes one JPEG per moment and side (:mod:`runform.render.stills`); the
report finds them by the same names (:mod:`runform.report.content`). Names start with the
moment's number in the gait cycle, so a folder listing shows the stills in the order the
moments happen::

    01-contact-left.jpg  01-contact-right.jpg  02-midstance-left.jpg  ...
    05-peak-knee-flexion-right.jpg

Analyses written before the stills became JPEGs hold PNGs of the same names (and, older
still, ``{side}_{moment}.png``): :func:`still_names` lists every name a still may have.

Moment keys are those of the findings' ``key_event`` (:mod:`runform.findings.specs`).
This module sits at the top of the package and imports nothing from it.

>>> still_filename("left", "toe_off")
'03-toe-off-left.jpg'
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

_NAME = re.compile(r"^(\d\d)-([a-z-]+)-(left|right)\.(?:jpg|png)$")
#: The stills' file type: a video frame is already lossy-compressed, and as JPEG (quality
#: 92) a still is a sixth of the PNG's size and costs a twentieth of its encoding time.
STILL_EXTENSION = ".jpg"


def _word(moment: str) -> str:
    return moment.replace("_", "-")


def still_filename(side: str, moment: str) -> str:
    """``"left", "contact" -> "01-contact-left.jpg"`` (``ValueError`` for an unknown moment)."""
    if side not in ("left", "right"):
        raise ValueError(f"unknown side {side!r}")
    number = KEY_MOMENTS.index(moment) + 1
    return f"{number:02d}-{_word(moment)}-{side}{STILL_EXTENSION}"


def still_names(side: str, moment: str) -> tuple[str, ...]:
    """Every name the still of ``side`` at ``moment`` may have, newest first: this
    version's, the PNG of earlier versions and the oldest ``{side}_{moment}.png``.

    >>> still_names("left", "contact")
    ('01-contact-left.jpg', '01-contact-left.png', 'left_contact.png')
    """
    name = still_filename(side, moment)
    return name, name.rsplit(".", 1)[0] + ".png", f"{side}_{moment}.png"


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


__all__ = [
    "KEY_MOMENTS",
    "STILL_EXTENSION",
    "parse_still_filename",
    "still_filename",
    "still_names",
]
