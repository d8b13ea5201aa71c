"""The PDFs' typeface (DejaVu Sans from matplotlib's fonts), measured without quadratic cost.

fpdf2 breaks a paragraph into lines by adding one character at a time and asking, after
each, for the width of the whole line so far: the font sums the width of every character
again each time, so a line of *n* characters costs *n*²/2 lookups. On a report that was
1.7 million lookups, about a third of the PDF's CPU time. :class:`PrefixWidthFont` is
fpdf2's own TrueType font with one change: it remembers the sum for the text it measured
last, and when asked next for that text extended by some characters (the line grown by
one), it adds only the new ones. Sums are added in the same order as before, so every
width, and hence every line break and byte of the PDF, is the same.

Examples
--------
>>> from fpdf import FPDF
>>> pdf = FPDF()
>>> add_fonts(pdf)
>>> pdf.set_font(FONT, "", 9)
>>> round(pdf.get_string_width("Hip extension"), 2)
21.83
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF
from fpdf.fonts import TTFFont

FONT = "DejaVu"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
#: The styles the PDFs use: regular and bold (each one parsed costs 0.08 s; no italics).
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

#: Texts shorter than this are summed as fpdf2 does (single characters, mostly).
_SHORTEST_REMEMBERED = 8


class PrefixWidthFont(TTFFont):
    """fpdf2's TrueType font whose text widths grow with the text, not with its square.

    Built from a loaded font by :meth:`upgrade` (fpdf2 makes its own in ``add_font``).
    Widths with text shaping or of symbol fonts are fpdf2's own.
    """

    __slots__ = ("_last_sum", "_last_text")

    @classmethod
    def upgrade(cls, font: TTFFont) -> PrefixWidthFont:
        """The same font (every attribute shared, not copied) as a :class:`PrefixWidthFont`."""
        new = cls.__new__(cls)
        for name in TTFFont.__slots__:
            if hasattr(font, name):
                setattr(new, name, getattr(font, name))
        if getattr(new.subset, "font", None) is font:
            new.subset.font = new
        new._last_text, new._last_sum = "", 0
        return new

    def get_text_width(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> tuple[int, float]:
        if text_shaping_params or self.is_symbol or len(text) < _SHORTEST_REMEMBERED:
            return super().get_text_width(text, font_size_pt, text_shaping_params)
        if font_size_pt > self.biggest_size_pt:
            self.biggest_size_pt = font_size_pt
        cw = self.cw
        last = self._last_text
        if last and text.startswith(last):
            total = self._last_sum
            for c in text[len(last) :]:
                total += cw[ord(c)]
        else:
            total = sum(cw[ord(c)] for c in text)
        self._last_text, self._last_sum = text, total
        return len(text), total * font_size_pt * 0.001


def add_fonts(pdf: FPDF) -> None:
    """Add DejaVu Sans (regular and bold) to ``pdf`` as :data:`FONT`, measured by
    :class:`PrefixWidthFont`."""
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, str(FONT_DIR / name))
        key = f"{FONT.lower()}{style}"
        pdf.fonts[key] = PrefixWidthFont.upgrade(pdf.fonts[key])
