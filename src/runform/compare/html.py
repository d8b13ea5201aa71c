"""``compare.html``: one self-contained page (inline CSS, charts and stills as data URIs, the
side-by-side video linked beside it), in the report's look: ``report.css`` is included
as is, then ``compare.css``."""

from __future__ import annotations

from pathlib import Path

import jinja2

from runform import __version__
from runform.colours import LEFT_HEX, RIGHT_HEX
from runform.compare.content import FINDING_STATUS_WORDS, CompareContent
from runform.report.html import TEMPLATES as REPORT_TEMPLATES
from runform.report.html import data_uri

TEMPLATES = Path(__file__).with_name("templates")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([TEMPLATES, REPORT_TEMPLATES]),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["datauri"] = data_uri
    return env


def render_html(content: CompareContent, schema: str = "runform.compare/1") -> str:
    """The comparison page as one HTML string."""
    template = _environment().get_template("compare.html.j2")
    return template.render(
        c=content,
        version=__version__,
        schema=schema,
        words=FINDING_STATUS_WORDS,
        left=LEFT_HEX,
        right=RIGHT_HEX,
    )


def write_html(content: CompareContent, path: Path) -> Path:
    """Write ``compare.html`` (UTF-8) and return its path."""
    path.write_text(render_html(content), encoding="utf-8")
    return path
