"""The HTML report: one self-contained file (inline CSS, images as data URIs, no script).

The page loads nothing from the network: a Content-Security-Policy in the file itself
allows only inline styles, ``data:`` images and the annotated video beside the file. It
prints cleanly to PDF (print CSS: A4 pages, no video, sections kept whole).
"""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2

from runform import __version__
from runform.findings.wording import fmt_band, fmt_value
from runform.report.content import ReportContent, side_text

TEMPLATES = Path(__file__).with_name("templates")


def data_uri(data: bytes | tuple[bytes, str], mime: str = "") -> str:
    """``data:<mime>;base64,...`` for inline images (``data`` may be a ``(bytes, mime)`` pair).

    >>> data_uri(b"<svg/>", "image/svg+xml")
    'data:image/svg+xml;base64,PHN2Zy8+'
    """
    if isinstance(data, tuple):
        data, mime = data
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["datauri"] = data_uri
    env.globals.update(
        side_text=side_text,
        value=lambda v, unit: fmt_value(v, unit, short=True),
        band=lambda b, unit: fmt_band(b[0], b[1], unit, short=True),
    )
    return env


def render_html(content: ReportContent, schema: str = "runform.analysis/1") -> str:
    """The report page as one HTML string."""
    template = _environment().get_template("report.html.j2")
    return template.render(c=content, version=__version__, schema=schema)


def write_html(content: ReportContent, path: Path) -> Path:
    """Write ``report.html`` (UTF-8) and return its path."""
    path.write_text(render_html(content), encoding="utf-8")
    return path
