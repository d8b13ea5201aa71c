"""Small helpers for the sentences runform prints and writes.

Examples
--------
>>> counted(1, "session"), counted(3, "session"), counted(0, "frame")
('1 session', '3 sessions', '0 frames')
>>> counted(1, "day left", "days left"), counted(2, "day left", "days left")
('1 day left', '2 days left')
>>> listed(["Cadence", "trunk lean", "bounce"]), lower_first("Trunk lean"), capital("moved")
('Cadence, trunk lean and bounce', 'trunk lean', 'Moved')
"""

from __future__ import annotations


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` followed by the noun in the number it takes: "1 frame", "2 frames".

    Parameters
    ----------
    n
        The count.
    singular
        The noun (or phrase) for one.
    plural
        The form for any other count; default ``singular + "s"``.

    Returns
    -------
    str
        ``"{n} {noun}"``.
    """
    noun = singular if n == 1 else (plural if plural is not None else singular + "s")
    return f"{n} {noun}"


def listed(items: list[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def lower_first(text: str) -> str:
    """The text with its first letter in lower case (a title inside a sentence)."""
    return text[:1].lower() + text[1:]


def capital(text: str | None) -> str:
    """The text with its first letter in upper case (``""`` for none)."""
    return (text[:1].upper() + text[1:]) if text else ""
