"""The HTML report: one self-contained file (inline CSS, images as data URIs, no script).

The page loads nothing from the network: a Content-Security-Policy in the file itself
allows only inline styles, ``data:`` images and the annotated video beside the file. It
prints cleanly to PDF (print CSS: A4 pages, no video, sections kept whole) and reflows on a
phone (tables become stacked rows or scroll inside their own box).

With ``video=`` the page carries the annotated video too, as a ``data:`` URI: one file a
coach can send (see :func:`runform.report.write_report`'s ``single_file``).
"""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2
from markupsafe import Markup

from runform import __version__
from runform.findings.wording import fmt_band, fmt_value
from runform.report.content import ReportContent, Still, side_text
from runform.report.images import still_jpeg

TEMPLATES = Path(__file__).with_name("templates")
#: Width (px) of the key frame shown beside a finding: twice its largest CSS width, so it
#: stays sharp on a phone's high-density screen.
THUMB_WIDTH = 440


def data_uri(data: bytes | tuple[bytes, str], mime: str = "") -> str:
    """``data:<mime>;base64,...`` for inline images (``data`` may be a ``(bytes, mime)`` pair).

    >>> data_uri(b"<svg/>", "image/svg+xml")
    'data:image/svg+xml;base64,PHN2Zy8+'
    """
    if isinstance(data, tuple):
        data, mime = data
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def still_uri(still: Still, width: int | None = None) -> str:
    """A key frame as a JPEG ``data:`` URI, scaled down to ``width`` px (``None``: as is).

    (:mod:`runform.report.images`: ten times smaller than the PNG, the page stays light
    enough for a phone).
    """
    return data_uri(still_jpeg(still.path, width), "image/jpeg")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["datauri"] = data_uri
    env.filters["thumb"] = lambda still: still_uri(still, THUMB_WIDTH)
    env.filters["still"] = still_uri
    env.globals.update(
        side_text=side_text,
        value=lambda v, unit: fmt_value(v, unit, short=True),
        band=lambda b, unit: fmt_band(b[0], b[1], unit, short=True),
    )
    return env


def render_html(
    content: ReportContent,
    schema: str = "runform.analysis/1",
    *,
    finding_stills: dict[str, Still] | None = None,
    video: Path | None = None,
) -> str:
    """The report page as one HTML string.

    ``finding_stills`` maps a finding id to the key frame shown beside it (default: the
    summary's); ``video`` embeds that MP4 file in the page instead of linking the video
    beside it.
    """
    if finding_stills is None:
        finding_stills = {i.finding["id"]: i.still for i in content.summary if i.still}
    video_uri = Markup(data_uri(Path(video).read_bytes(), "video/mp4")) if video else None
    template = _environment().get_template("report.html.j2")
    return template.render(
        c=content,
        version=__version__,
        schema=schema,
        finding_stills=finding_stills,
        video_uri=video_uri,
    )


def write_html(
    content: ReportContent,
    path: Path,
    *,
    finding_stills: dict[str, Still] | None = None,
    video: Path | None = None,
) -> Path:
    """Write the page (UTF-8) and return its path (see :func:`render_html`)."""
    path.write_text(
        render_html(content, finding_stills=finding_stills, video=video), encoding="utf-8"
    )
    return path
