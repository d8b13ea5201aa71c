"""The PDFs' font measured without quadratic cost: every width, and so every line break and
byte of a PDF, is what fpdf2's own font gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from runform.report.pdffonts import FONT, FONT_DIR, FONT_FILES, PrefixWidthFont, add_fonts

TEXT = (
    "Hip extension −3.2° below the band (10–20°) · contact 252 ms ± 14, cadence 169 steps/min; "
    "Landing under the body: shin angle at contact 9.8° (≈ vertical). Ünïcödé, ΔΣ, Привет. "
)


def _plain_pdf() -> FPDF:
    pdf = FPDF()
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, str(FONT_DIR / name))
    return pdf


def _fast_pdf() -> FPDF:
    pdf = FPDF()
    add_fonts(pdf)
    return pdf


def test_widths_equal_fpdf2s_as_a_line_grows_and_when_texts_interleave() -> None:
    plain, fast = _plain_pdf(), _fast_pdf()
    font = fast.fonts[f"{FONT.lower()}"]
    assert isinstance(font, PrefixWidthFont)
    reference = plain.fonts[f"{FONT.lower()}"]
    rng = random.Random(7)
    other = TEXT[::-1]
    texts = []
    for n in range(1, len(TEXT) + 1):  # a line grown one character at a time...
        texts.append(TEXT[:n])
        if rng.random() < 0.3:  # ...with other measurements in between
            texts.append(other[: rng.randrange(1, len(other))])
        if rng.random() < 0.1:
            texts.append(TEXT[n - 1])
    for text in [*texts, TEXT[:5], TEXT, "", TEXT[3:40]]:
        for size in (6.8, 9.0):
            assert font.get_text_width(text, size, None) == reference.get_text_width(
                text, size, None
            ), text


def _paragraphs(pdf: FPDF) -> bytes:
    # one creation date for both: it is written into the file, and hashed into its /ID
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    pdf.add_page()
    for style, size in (("", 9), ("B", 10), ("", 6.8)):
        pdf.set_font(FONT, style, size)
        pdf.multi_cell(60, 4, TEXT * 3, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def test_a_pdf_laid_out_with_it_is_byte_for_byte_fpdf2s() -> None:
    assert _paragraphs(_fast_pdf()) == _paragraphs(_plain_pdf())
