"""``compare.pdf``: the comparison page laid out with fpdf2, like ``report.pdf`` (DejaVu Sans
from matplotlib's fonts, the same colours, the charts drawn as vectors)."""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from runform import __version__
from runform.compare.content import FINDING_STATUS_WORDS, CompareContent
from runform.report.pdf import INK, LINE, MUTED, STATUS_COLOURS, image_aspect
from runform.report.pdffonts import FONT, add_fonts

REAL = (27, 107, 60)
WARN = (138, 75, 0)
WARN_FILL = (255, 244, 224)
REAL_FILL = (238, 247, 241)
SOFT = (244, 246, 248)
FINDING_COLOURS = {
    "resolved": STATUS_COLOURS["no finding"],
    "new": STATUS_COLOURS["finding"],
    "persisting": STATUS_COLOURS["not assessed"],
}


class _ComparePDF(FPDF):
    def __init__(self, subtitle: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.subtitle = subtitle
        add_fonts(self)
        self.set_margins(14, 14, 14)
        self.set_auto_page_break(True, margin=16)
        self.set_title("Running form: before and after")
        self.set_creator(f"runform {__version__}")

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, "", 7)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.subtitle, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(*INK)

    @property
    def width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def heading(self, text: str, size: float = 13) -> None:
        if self.get_y() > self.h - 45:
            self.add_page()
        self.start_section(text, level=0)
        self.ln(3)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*LINE)
        self.line(self.l_margin, self.get_y() + 0.8, self.w - self.r_margin, self.get_y() + 0.8)
        self.ln(2.5)
        self.set_font(FONT, "", 9)

    def para(self, text: str, size: float = 9, style: str = "", colour=INK, fill=None) -> None:
        self.set_font(FONT, style, size)
        self.set_text_color(*colour)
        if fill is not None:
            self.set_fill_color(*fill)
        self.multi_cell(
            0,
            size * 0.47,
            text,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            fill=fill is not None,
            padding=(1.2, 2) if fill is not None else 0,
        )
        self.set_text_color(*INK)

    def png(self, data: bytes, width_mm: float, aspect: float) -> None:
        height = width_mm * aspect
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()
        self.image(io.BytesIO(data), x=self.l_margin, y=self.get_y(), w=width_mm)
        self.set_y(self.get_y() + height + 1.5)


def _metrics_table(pdf: _ComparePDF, content: CompareContent) -> None:
    if pdf.get_y() > pdf.h - 70:  # keep the heading with the start of the table
        pdf.add_page()
    pdf.heading("Every metric, before and after")
    pdf.para(
        "Per leg or whole body. ± = the smallest detectable change for that line; bands of "
        "speed-dependent metrics are moved to each run's speed.",
        size=7.5,
        colour=MUTED,
    )
    head = FontFace(emphasis="BOLD", fill_color=SOFT)
    pdf.set_font(FONT, "", 7.3)
    with pdf.table(
        text_align="LEFT",
        col_widths=(40, 16, 30, 28, 56),
        headings_style=head,
        line_height=3.5,
        borders_layout="HORIZONTAL_LINES",
        padding=0.8,
    ) as table:
        row = table.row()
        for text in ("Metric", "Side", "Before → after", "Change (± SDC)", "Verdict"):
            row.cell(text)
        for r in content.rows:
            fill = REAL_FILL if r.real else None
            style = FontFace(fill_color=fill) if fill else None
            row = table.row(style=style)
            row.cell(r.name + (f"\nband {r.band}" if r.band else ""))
            row.cell(r.side)
            row.cell(f"{r.before} → {r.after}")
            row.cell(f"{r.change}\n{r.sdc}")
            verdict = ("REAL CHANGE: " if r.real else "") + r.verdict
            if r.caveat:
                verdict = verdict.replace("REAL CHANGE: ", "REAL CHANGE (confirm): ")
            row.cell(verdict, style=FontFace(color=REAL if r.real else INK, fill_color=fill))


def _findings(pdf: _ComparePDF, content: CompareContent) -> None:
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.heading("Findings: resolved, new, still there")
    if not content.findings:
        pdf.para("No finding before, none after.")
    for f in content.findings:
        if pdf.get_y() > pdf.h - 35:
            pdf.add_page()
        colour = FINDING_COLOURS.get(f["status"], INK)
        pdf.set_font(FONT, "B", 9.5)
        pdf.set_text_color(*colour)
        pdf.cell(22, 5, FINDING_STATUS_WORDS[f["status"]].upper())
        pdf.set_text_color(*INK)
        pdf.multi_cell(0, 5, f["title"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)

        def sev(s):
            return f"{s['severity_label']} ({s['severity']:.2f})" if s else "none"

        pdf.para(
            f"severity before: {sev(f['before'])} · after: {sev(f['after'])}", size=8, colour=MUTED
        )
        pdf.para(f["note"], size=8.5)
        pdf.ln(1.5)
    pdf.para("Areas of form", size=9.5, style="B")
    head = FontFace(emphasis="BOLD", fill_color=SOFT)
    pdf.set_font(FONT, "", 8)
    with pdf.table(
        text_align="LEFT",
        col_widths=(60, 30, 30),
        headings_style=head,
        line_height=3.8,
        borders_layout="HORIZONTAL_LINES",
        padding=0.8,
    ) as table:
        row = table.row()
        for text in ("Area", "Before", "After"):
            row.cell(text)
        for a in content.areas:
            row = table.row()
            row.cell(a["title"])
            for status in (a["before"], a["after"] or "not assessed"):
                row.cell(
                    status, style=FontFace(emphasis="BOLD", color=STATUS_COLOURS.get(status, INK))
                )


def _conditions(pdf: _ComparePDF, content: CompareContent) -> None:
    pdf.heading("Conditions: were the two runs alike?")
    pdf.set_font(FONT, "", 8)
    head = FontFace(emphasis="BOLD", fill_color=SOFT)
    with pdf.table(
        text_align="LEFT",
        col_widths=(26, 47, 47),
        headings_style=head,
        line_height=3.8,
        borders_layout="HORIZONTAL_LINES",
        padding=0.8,
    ) as table:
        row = table.row()
        for text in ("", "Before", "After"):
            row.cell(text)
        for what, b, a in content.sessions:
            row = table.row()
            row.cell(what, style=FontFace(color=MUTED))
            row.cell(b)
            row.cell(a)
    pdf.ln(2)
    for w in content.warnings:
        pdf.para(f"• {w['message']}", size=8, colour=WARN)
    for w in content.infos:
        pdf.para(f"• {w['message']}", size=8, colour=MUTED)
    if not content.warnings and not content.infos:
        pdf.para(
            "Same speed, frame rate, camera side, setting and pose model: a like-for-like re-test.",
            size=8.5,
        )
    if content.notes:
        pdf.ln(1)
        pdf.para("Notes on the outputs", size=9, style="B")
        for n in content.notes:
            pdf.para(f"• {n}", size=8, colour=MUTED)


def write_pdf(content: CompareContent, path: Path) -> Path:
    """Write ``compare.pdf`` and return its path."""
    pdf = _ComparePDF(content.subtitle)
    pdf.add_page()
    pdf.set_font(FONT, "B", 20)
    pdf.cell(0, 10, content.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.para(content.subtitle, size=8.5, colour=MUTED)

    pdf.heading("What changed")
    pdf.para(
        content.headline,
        size=10.5,
        style="B",
        colour=REAL if content.fair_real else INK,
        fill=REAL_FILL if content.fair_real else SOFT,
    )
    for line in content.lines:
        pdf.para(f"• {line}", size=8.5)
    if content.warnings:
        pdf.ln(1.5)
        pdf.para(
            "Not a like-for-like re-test. These differences make some changes unfair to read "
            "as changes in form:",
            size=9,
            style="B",
            colour=WARN,
            fill=WARN_FILL,
        )
        for w in content.warnings:
            pdf.para(f"• {w['message']}", size=8.5, colour=WARN, fill=WARN_FILL)
    pdf.ln(1.5)
    pdf.para(
        "A change counts as real only when it is larger than the smallest change these two "
        "videos can detect for that metric (step-to-step spread of both runs and the typical "
        "error of 2-D video, or one frame or 2°, whichever is larger). Everything else is "
        "reported plainly as no real change. A real change marked 'confirm' is read at a foot "
        "contact, and the pose model's placing of the contact can move it that much between two "
        "videos: re-test at a higher frame rate to be sure.",
        size=7.8,
        colour=MUTED,
    )
    if content.stills:
        pdf.heading("Key frames, before | after")
        per_row, gap = 2, 4.0
        w = (pdf.width - gap * (per_row - 1)) / per_row
        for start in range(0, len(content.stills), per_row):
            chunk = content.stills[start : start + per_row]
            height = max(w * image_aspect(s.path) for s in chunk)
            if pdf.get_y() + height + 8 > pdf.h - pdf.b_margin:
                pdf.add_page()
            y = pdf.get_y()
            for j, still in enumerate(chunk):
                pdf.image(str(still.path), x=pdf.l_margin + j * (w + gap), y=y, w=w)
            pdf.set_font(FONT, "", 6.8)
            pdf.set_text_color(*MUTED)
            for j, still in enumerate(chunk):
                pdf.set_xy(pdf.l_margin + j * (w + gap), y + height + 0.5)
                pdf.multi_cell(w, 3, still.title, new_x=XPos.RIGHT, new_y=YPos.TOP)
            pdf.set_text_color(*INK)
            pdf.set_xy(pdf.l_margin, y + height + 7)
    if content.video_href:
        pdf.para(
            f"Side-by-side video beside this file: {content.video_href} (both annotated videos at "
            "the same slow motion, aligned on a contact of the same foot).",
            size=8,
        )
    elif content.video_note:
        pdf.para(content.video_note, size=8, colour=MUTED)
    for fig in content.figures:
        aspect = fig.image.height_in / fig.image.width_in
        # a tall chart is narrowed to fit a page; it starts a page with its heading when the
        # rest of this one cannot hold both
        width = min(pdf.width, 0.62 * (pdf.h - pdf.t_margin - pdf.b_margin) / aspect)
        if pdf.get_y() + 14 + width * aspect > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.heading(fig.title)
        pdf.png(fig.image.for_pdf(), width, aspect)
        pdf.para(fig.caption, size=7.5, colour=MUTED)
    _metrics_table(pdf, content)
    _findings(pdf, content)
    _conditions(pdf, content)
    pdf.heading("Method")
    for p in content.method:
        pdf.para(p, size=8.3)
        pdf.ln(1)
    pdf.ln(2)
    pdf.para(
        "This compares two 2-D video analyses of running form; it is not a medical assessment.",
        size=7.5,
        colour=MUTED,
    )
    pdf.output(str(path))
    return path
