"""``report.pdf``: the same content as the HTML report, laid out with fpdf2.

Text uses DejaVu Sans, which ships inside matplotlib (so no system font and no download is
needed, and symbols such as °, ±, ≈, − print). Figures are the same SVG charts as in the
HTML (:mod:`runform.report.svgchart`), drawn as vectors with their text in that font.

Page breaks: a heading never ends a page (it moves to the next page with room for what
follows it), and a figure with its heading and caption, a finding with its key frame, or a
row of stills is drawn on one page (:meth:`_ReportPDF.keep_together` tries the block first
and starts a new page when it would not fit).
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from runform import __version__
from runform.findings.wording import fmt_band, fmt_value
from runform.report.content import ReportContent, Still, side_text
from runform.report.images import still_jpeg
from runform.report.pdffonts import FONT, add_fonts

INK = (29, 33, 37)
MUTED = (95, 107, 118)
LINE = (217, 222, 227)
STATUS_COLOURS = {
    "finding": (224, 123, 0),
    "no finding": (44, 162, 95),
    "not assessed": (140, 149, 159),
}
SEVERITY_COLOURS = {"mild": (230, 167, 0), "moderate": (224, 123, 0), "marked": (192, 57, 43)}


class _ReportPDF(FPDF):
    """A4 portrait with a running footer."""

    def __init__(self, subtitle: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.subtitle = subtitle
        add_fonts(self)
        self.set_margins(14, 14, 14)
        self.set_auto_page_break(True, margin=16)
        self.set_title("Running form report")
        self.set_creator(f"runform {__version__}")

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, "", 7)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.subtitle, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(*INK)

    # ------------------------------------------------------------------ helpers
    @property
    def width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def room(self, height: float) -> None:
        """Start a new page unless ``height`` mm fit below the current line."""
        if self.get_y() + height > self.page_break_trigger and self.get_y() > self.t_margin + 1:
            self.add_page()

    def keep_together(self, draw: Callable[[], object]) -> None:
        """Draw a block on one page: drawn where it stands and, when it did not fit there,
        undone and drawn again on a new page. A block taller than a page breaks as usual.

        This is fpdf2's ``offset_rendering`` idea (a deep copy of the document's state, put
        back when the block must move) with two savings: the block is drawn twice only when
        it moves, and the copy shares the fonts and the image cache instead of copying them
        (they are most of the state, and what the block adds to them, its glyphs and
        images, it uses on the new page too). The trial copies and renders were a third of
        the report's CPU time."""
        state = vars(self)
        shared: dict[int, object] = {id(self.image_cache): self.image_cache}
        shared.update({id(font): font for font in self.fonts.values()})
        saved = copy.deepcopy(state, shared)
        page = self.page
        draw()
        if self.page == page and self.y <= self.page_break_trigger:
            return
        state.clear()
        state.update(saved)
        if self.get_y() > self.t_margin + 1:
            self.add_page()
        draw()

    def heading(self, text: str, size: float = 13, keep: float = 30.0) -> None:
        """A section heading, on a new page unless ``keep`` mm of what follows fit under it."""
        self.room(size * 0.5 + 8 + keep)
        self.start_section(text, level=0)
        self.ln(3)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*LINE)
        self.line(self.l_margin, self.get_y() + 0.8, self.w - self.r_margin, self.get_y() + 0.8)
        self.ln(2.5)
        self.set_font(FONT, "", 9)

    def para(self, text: str, size: float = 9, style: str = "", colour=INK, w: float = 0) -> None:
        self.set_font(FONT, style, size)
        self.set_text_color(*colour)
        self.multi_cell(w, size * 0.47, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def png(self, data: bytes, width_mm: float, aspect: float) -> None:
        """Place a PNG at the current line, on a new page if it does not fit."""
        height = width_mm * aspect
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()
        self.image(io.BytesIO(data), x=self.l_margin, y=self.get_y(), w=width_mm)
        self.set_y(self.get_y() + height + 1.5)


def image_aspect(path: Path) -> float:
    """Height / width of a still (JPEG or PNG), read from its header (0.75 if unreadable)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
    except (OSError, ValueError):
        return 0.75
    return height / width if width else 0.75


def _finding_block(pdf: _ReportPDF, finding: dict, still, evidence_line: str, number: int) -> None:
    image_w = 42.0 if still else 0.0
    text_x = pdf.l_margin + (image_w + 4 if still else 0)
    text_w = pdf.w - pdf.r_margin - text_x
    top = pdf.get_y()
    bottom = top
    if still:
        pdf.image(io.BytesIO(still_jpeg(still.path)), x=pdf.l_margin, y=top, w=image_w)
        bottom = top + image_w * image_aspect(still.path)
        pdf.set_xy(pdf.l_margin, bottom + 0.5)
        pdf.set_font(FONT, "", 6.5)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(image_w, 3, still.label, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
        bottom = pdf.get_y()
    pdf.start_section(finding["title"], level=1)
    pdf.set_xy(text_x, top)
    pdf.set_font(FONT, "B", 10.5)
    pdf.multi_cell(text_w, 5, f"{number}. {finding['title']}", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8)
    colour = SEVERITY_COLOURS.get(finding["severity_label"], INK)
    pdf.set_text_color(*colour)
    pdf.multi_cell(
        text_w,
        4,
        f"severity {finding['severity_label']} ({finding['severity']:.2f}) · "
        f"{finding['confidence_label']} confidence ({finding['confidence']:.2f}) · "
        f"{side_text(finding)}",
        new_x=XPos.LEFT,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(text_w, 3.8, evidence_line, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "", 8.5)
    pdf.multi_cell(text_w, 4, finding["explanation"], new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 8.5)
    pdf.set_text_color(27, 107, 60)
    pdf.multi_cell(text_w, 4, "What to work on: ", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8.5)
    pdf.multi_cell(text_w, 4, finding["advice"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_y(max(pdf.get_y(), bottom) + 3)


def _areas(pdf: _ReportPDF, content: ReportContent) -> None:
    pdf.heading("Areas of form", keep=40)
    pdf.set_font(FONT, "", 8)
    head = FontFace(emphasis="BOLD", fill_color=(244, 246, 248))
    with pdf.table(
        text_align="LEFT",
        col_widths=(30, 16, 74),
        headings_style=head,
        line_height=3.8,
        borders_layout="HORIZONTAL_LINES",
        padding=1,
    ) as table:
        row = table.row()
        for text in ("Area", "Status", "What we saw"):
            row.cell(text)
        for area in content.areas:
            row = table.row()
            row.cell(area["title"])
            row.cell(
                area["status"],
                style=FontFace(emphasis="BOLD", color=STATUS_COLOURS.get(area["status"], INK)),
            )
            row.cell(area["note"])


#: Width (mm) of the key frame beside a finding under "All findings".
DETAIL_STILL_W = 27.0


def _finding_detail(pdf: _ReportPDF, f: dict, still: Still | None) -> None:
    """One finding of "All findings": title, labels, evidence table, explanation and advice,
    with its key frame on the right."""
    head = FontFace(emphasis="BOLD", fill_color=(244, 246, 248))
    text_w = pdf.width - (DETAIL_STILL_W + 4 if still else 0)
    top = bottom = pdf.get_y()
    if still:
        x = pdf.w - pdf.r_margin - DETAIL_STILL_W
        pdf.image(io.BytesIO(still_jpeg(still.path)), x=x, y=top + 1, w=DETAIL_STILL_W)
        pdf.set_xy(x, top + 1.5 + DETAIL_STILL_W * image_aspect(still.path))
        pdf.set_font(FONT, "", 6.5)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(
            DETAIL_STILL_W, 3, still.label, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.set_text_color(*INK)
        bottom = pdf.get_y()
        pdf.set_xy(pdf.l_margin, top)
    pdf.para(f"{f['title']} ({f['id']})", size=10, style="B", w=text_w)
    pdf.para(
        f"severity {f['severity_label']} ({f['severity']:.2f}) · {f['confidence_label']} "
        f"confidence ({f['confidence']:.2f}) · {side_text(f)}",
        size=8,
        colour=SEVERITY_COLOURS.get(f["severity_label"], INK),
        w=text_w,
    )
    pdf.set_font(FONT, "", 7.5)
    with pdf.table(
        text_align="LEFT",
        col_widths=(34, 10, 16, 18, 8, 34),
        headings_style=head,
        line_height=3.4,
        borders_layout="HORIZONTAL_LINES",
        padding=0.8,
        width=text_w,
        align="LEFT",
    ) as table:
        row = table.row()
        for text in ("Metric", "Side", "Value", "Band used", "Steps", "Note"):
            row.cell(text)
        for e in f["evidence"]:
            row = table.row()
            row.cell(e["name"])
            row.cell(e["side"])
            row.cell(fmt_value(e["value"], e["unit"], short=True))
            row.cell(fmt_band(e["band"][0], e["band"][1], e["unit"], short=True))
            row.cell(str(e["n"]))
            row.cell("; ".join([e.get("note", ""), *e.get("flags", [])]).strip("; "))
    pdf.ln(1)
    pdf.para(f["explanation"], size=8.5, w=text_w)
    pdf.para("What to work on: " + f["advice"], size=8.5, colour=(27, 107, 60), w=text_w)
    pdf.set_y(max(pdf.get_y(), bottom) + 3)


def _findings_detail(pdf: _ReportPDF, content: ReportContent, stills: dict[str, Still]) -> None:
    if not content.findings:
        pdf.heading("All findings", keep=10)
        pdf.para("No finding.")
        return
    for k, f in enumerate(content.findings):
        still = stills.get(f["id"])

        def block(f=f, still=still, first=k == 0) -> None:
            if first:
                pdf.heading("All findings", keep=0)
            _finding_detail(pdf, f, still)

        pdf.keep_together(block)


def _scorecard(pdf: _ReportPDF, content: ReportContent) -> None:
    pdf.add_page()
    pdf.heading("Scorecard: every metric")
    pdf.para(
        "Median per side (left ●, right ■, whole body ◆). Green band = reference range used to "
        "grade form; grey = typical range for information only. ▼/▲ = below/above the band; "
        "each value carries its verdict; values of the leg further from the camera are marked "
        "'seen from the other side' and not judged. "
        "Sources are numbered below the table.",
        size=7.5,
        colour=MUTED,
    )
    head = FontFace(emphasis="BOLD", fill_color=(244, 246, 248))
    sources: list[str] = []
    pdf.set_font(FONT, "", 7.5)
    with pdf.table(
        text_align="LEFT",
        col_widths=(38, 26, 24, 34, 22),
        headings_style=head,
        line_height=3.6,
        borders_layout="HORIZONTAL_LINES",
        padding=0.8,
        v_align="MIDDLE",
    ) as table:
        row = table.row()
        for text in ("Metric", "Value", "Band", "Where you sit", "Data quality"):
            row.cell(text)
        for r in content.scorecard:
            note = ""
            source = r.band_source
            if r.band_adjusted:  # the band printed is the moved one: say how, beside its source
                source = f"{source} Moved to your pace: {r.band_adjusted}".strip()
            if source:
                if source not in sources:
                    sources.append(source)
                note = f" [{sources.index(source) + 1}]"
            row = table.row()
            row.cell(r.name + ("" if r.graded else " (not graded)"))
            marks = {"below": " ▼", "above": " ▲"}
            row.cell(
                "\n".join(
                    f"{'' if side == 'both' else side[0].upper() + ' '}{v}{marks.get(pos, '')}"
                    for side, v, pos in r.values
                )
                + (f"\nerror {r.error}" if r.error else "")
            )
            row.cell(r.band + note)
            if r.gauge is not None:
                row.cell(img=io.BytesIO(r.gauge.for_pdf()), img_fill_width=True)
            else:
                row.cell("")
            row.cell(r.quality + ("".join(f"\n{fl}" for fl in r.flags[:1])))
    pdf.ln(2)
    for i, source in enumerate(sources, start=1):
        pdf.para(f"[{i}] {source}", size=6.8, colour=MUTED)


def _quality(pdf: _ReportPDF, content: ReportContent) -> None:
    pdf.heading("Data quality", keep=40)
    pdf.set_font(FONT, "", 8)
    with pdf.table(
        text_align="LEFT",
        col_widths=(32, 88),
        first_row_as_headings=False,
        line_height=3.8,
        borders_layout="NONE",
        padding=0.6,
    ) as table:
        for key, value in content.quality:
            row = table.row()
            row.cell(key, style=FontFace(color=MUTED))
            row.cell(value)
    if content.warnings:
        pdf.room(16)
        pdf.para("Warnings", size=9, style="B")
        for w in content.warnings:
            pdf.para(f"• {w['message']}", size=8)
    if content.rejected:
        pdf.room(16)
        pdf.para("Rejected steps", size=9, style="B")
        for line in content.rejected:
            pdf.para(f"• {line}", size=8)


def _figure(pdf: _ReportPDF, fig) -> None:
    pdf.heading(fig.title, keep=0)
    pdf.png(fig.image.for_pdf(), pdf.width, fig.image.height_in / fig.image.width_in)
    pdf.para(fig.caption, size=7.5, colour=MUTED)


def _stills_row(pdf: _ReportPDF, chunk: list[Still], w: float, gap: float) -> None:
    height = max(w * image_aspect(s.path) for s in chunk)
    pdf.room(height + 8)
    y = pdf.get_y()
    for j, still in enumerate(chunk):
        pdf.image(io.BytesIO(still_jpeg(still.path)), x=pdf.l_margin + j * (w + gap), y=y, w=w)
    pdf.set_font(FONT, "", 6.5)
    pdf.set_text_color(*MUTED)
    for j, still in enumerate(chunk):
        pdf.set_xy(pdf.l_margin + j * (w + gap), y + height + 0.5)
        pdf.multi_cell(w, 3, still.label, align="L", new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.set_text_color(*INK)
    pdf.set_xy(pdf.l_margin, y + height + 8)


def write_pdf(
    content: ReportContent, path: Path, finding_stills: dict[str, Still] | None = None
) -> Path:
    """Write ``report.pdf`` from the report content and return its path.

    ``finding_stills`` maps a finding id to the key frame drawn beside it under "All
    findings" (default: the summary's)."""
    if finding_stills is None:
        finding_stills = {i.finding["id"]: i.still for i in content.summary if i.still}
    pdf = _ReportPDF(content.subtitle)
    pdf.add_page()
    pdf.set_font(FONT, "B", 20)
    pdf.cell(0, 10, content.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.para(content.subtitle, size=8.5, colour=MUTED)

    pdf.heading("Summary: what matters most", keep=70)
    if content.summary:
        pdf.para(
            f"{len(content.findings)} finding(s), ordered by severity × confidence. Severity "
            "grows with the distance beyond the reference band: a sliding scale, not a "
            "pass/fail mark.",
            size=8,
            colour=MUTED,
        )
        pdf.ln(1)
        for i, item in enumerate(content.summary, start=1):
            pdf.keep_together(
                lambda item=item, i=i: _finding_block(
                    pdf, item.finding, item.still, item.evidence_line, i
                )
            )
    else:
        pdf.para(f"No finding. {content.no_finding}", style="B")
    _areas(pdf, content)
    _findings_detail(pdf, content, finding_stills)
    _scorecard(pdf, content)
    for fig in content.figures:
        pdf.keep_together(lambda fig=fig: _figure(pdf, fig))
    if content.stills:
        per_row, gap = 4, 3.0
        w = (pdf.width - gap * (per_row - 1)) / per_row
        first = content.stills[:per_row]
        pdf.heading("Key frames", keep=max(w * image_aspect(s.path) for s in first) + 8)
        for start in range(0, len(content.stills), per_row):
            _stills_row(pdf, content.stills[start : start + per_row], w, gap)
    if content.video_href:
        pdf.para(f"Annotated slow-motion video beside this file: {content.video_href}", size=8)
    _quality(pdf, content)
    pdf.heading("Methods")
    for p in content.methods:  # a paragraph is not split over two pages
        pdf.keep_together(lambda p=p: (pdf.para(p, size=8.5), pdf.ln(1)))
    pdf.heading("References")
    *refs, last = content.references or [("", "", "")]
    for key, cite, use in refs:
        pdf.para(f"{key}: {cite}. {use}.", size=7.8)

    def closing() -> None:  # the last reference and the closing line share a page
        if last[0]:
            pdf.para(f"{last[0]}: {last[1]}. {last[2]}.", size=7.8)
        pdf.ln(2)
        pdf.para(
            "This report describes running form from one 2-D video; it is not a medical "
            "assessment.",
            size=7.5,
            colour=MUTED,
        )

    pdf.keep_together(closing)
    pdf.output(str(path))
    return path
