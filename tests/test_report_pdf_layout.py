"""report.pdf page breaks: no heading alone at the foot of a page, every figure on the page of
its heading, every finding on one page with its key frame. Read back with pypdf (dev extra)
from PDFs whose content is trimmed or padded so the sections fall at many different heights."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from runform.findings import findings_from_analysis
from runform.report import finding_stills
from runform.report.content import build_content
from runform.report.pdf import write_pdf
from test_report import synthetic_case, write_stills

pypdf = pytest.importorskip("pypdf", reason="pypdf (the dev extra) reads report.pdf back")

FOOTER = re.compile(r"page \d+/\d+\s*$")
#: A figure is drawn from a PNG at 150 dpi across the page: over 1000 px wide (the scorecard's
#: gauges and the stills are narrower).


def outline(reader) -> list[tuple[int, str, int]]:
    """``(level, title, page index)`` of every bookmark, in order."""
    found = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((level, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


def lines_of(page) -> list[str]:
    lines = [" ".join(line.split()) for line in page.extract_text().splitlines()]
    return [line for line in lines if line and not FOOTER.search(line)]


def chart_labels(svg: bytes) -> list[str]:
    """The axis labels and titles a chart draws as text (tick numbers left out)."""
    import xml.etree.ElementTree as ET

    texts = [t.text or "" for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    return [t for t in texts if len(t) > 8]


def layout_problems(path: Path, content) -> list[str]:
    reader = pypdf.PdfReader(path)
    problems = []
    figure_titles = {fig.title for fig in content.figures}
    marks = outline(reader)
    for level, title, page in marks:
        lines = lines_of(reader.pages[page])
        where = [k for k, line in enumerate(lines) if title in line]
        if not where:
            problems.append(f"'{title}' not found on page {page + 1}")
            continue
        if title not in figure_titles and len(lines) - where[-1] - 1 < 2:
            problems.append(f"'{title}' (level {level}) is alone at the foot of page {page + 1}")
        if title in figure_titles:  # a vector drawing: its own text must be on the page
            fig = next(f for f in content.figures if f.title == title)
            page_text = " ".join(lines)
            if not all(label in page_text for label in chart_labels(fig.image.pdf_svg)):
                problems.append(f"the figure of '{title}' is not on its page ({page + 1})")
    # every finding under "All findings" is on one page with its key frame
    for f in content.findings:
        heading = f"{f['title']} ({f['id']})"
        pages = [k for k, p in enumerate(reader.pages) if heading in " ".join(lines_of(p))]
        if not pages:
            problems.append(f"finding '{heading}' not found")
            continue
        text = " ".join(lines_of(reader.pages[pages[-1]]))
        after = text[text.index(heading) :]
        if f["advice"][:40] not in " ".join(after.split()):
            problems.append(f"finding '{f['id']}' is split over two pages")
    return problems


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    run, doc = synthetic_case("overstriding")
    out = tmp_path_factory.mktemp("pdf_layout")
    (out / "stills").mkdir()
    write_stills(run, doc, out / "stills")
    findings = findings_from_analysis(doc)
    built = build_content(doc, findings, out)
    return built, finding_stills(built, doc)


def variants(content):
    """The same report with sections made shorter or longer, so that headings, figures and
    findings land at many heights on their pages."""
    base = content
    for k in range(6):
        rejected = list(base.rejected) + [
            f"left foot at {k}.{j:02d} s: padding" for j in range(7 * k)
        ]
        yield dataclasses.replace(
            base,
            scorecard=base.scorecard[: len(base.scorecard) - 2 * k],
            rejected=rejected,
            areas=base.areas[: len(base.areas) - k],
            methods=base.methods[: len(base.methods) - (k % 3)],
        )


def test_headings_stay_with_what_follows_and_figures_with_their_heading(content, tmp_path):
    built, stills = content
    seen_pages = set()
    for k, variant in enumerate(variants(built)):
        path = write_pdf(variant, tmp_path / f"report_{k}.pdf", finding_stills=stills)
        problems = layout_problems(path, variant)
        assert problems == [], f"variant {k}: {problems}"
        seen_pages.add(len(pypdf.PdfReader(path).pages))
    assert len(seen_pages) >= 1


def test_each_finding_has_its_key_frame_beside_it_in_the_pdf(content, tmp_path):
    built, stills = content
    path = write_pdf(built, tmp_path / "report.pdf", finding_stills=stills)
    reader = pypdf.PdfReader(path)
    for f in built.findings:
        still = stills[f["id"]]
        heading = f"{f['title']} ({f['id']})"
        page = next(p for p in reader.pages if heading in " ".join(lines_of(p)))
        assert still.label in " ".join(lines_of(page)), f["id"]


def test_stills_are_laid_out_at_their_own_shape_jpeg_or_png(tmp_path) -> None:
    """The PDF reserves each still's height from its file's header: a JPEG read as an
    unknown image got a 3:4 slot and the key frames overprinted what followed them."""
    import numpy as np
    from PIL import Image

    from runform.report.pdf import image_aspect

    pixels = (np.random.default_rng(0).random((1132, 720, 3)) * 255).astype(np.uint8)
    for suffix in (".jpg", ".png"):
        path = tmp_path / f"still{suffix}"
        Image.fromarray(pixels).save(path)
        assert image_aspect(path) == pytest.approx(1132 / 720)
    (tmp_path / "broken.jpg").write_bytes(b"not an image")
    assert image_aspect(tmp_path / "broken.jpg") == 0.75
