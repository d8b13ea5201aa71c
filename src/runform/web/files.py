"""Serving an analysis's output files (pages and API alike).

Only the names the pipeline writes are served (no pose cache, no input video, no ``..``);
local files go out through Starlette's ``FileResponse``, which answers HTTP range requests
(``Range: bytes=...`` → 206), so the video seeks. HTML output gets the sandboxing CSP.
"""

from __future__ import annotations

import json
import re

from runform.service.jobs import output_prefix
from runform.service.models import AnalysisRecord
from runform.web.security import REPORT_CSP

OUTPUT_NAME = re.compile(
    r"^(analysis\.json|annotated\.mp4|report\.html|report\.pdf|steps\.csv|pose\.csv"
    r"|plan\.html|plan\.ics|plan\.json|stills/[A-Za-z0-9][A-Za-z0-9._-]*\.(?:jpg|png)"
    r"|compare/compare\.(?:json|html|pdf|mp4)|compare/[A-Za-z0-9][A-Za-z0-9._-]*\.png"
    r"|(?:left|right)-side/(?:annotated\.mp4|analysis\.json|report\.html|report\.pdf))$"
)
MEDIA_TYPES = {
    ".json": "application/json",
    ".mp4": "video/mp4",
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".ics": "text/calendar; charset=utf-8",
}
#: Offered as downloads (``Content-Disposition: attachment``) rather than shown inline.
DOWNLOADS = {".pdf", ".csv", ".ics"}


def output_key(record: AnalysisRecord, name: str) -> str | None:
    if not OUTPUT_NAME.match(name or ""):
        return None
    return f"{output_prefix(record.id)}/{name}"


def file_response(storage, record: AnalysisRecord, name: str, range_header: str | None = None):
    """The response for one output file, or ``None`` when there is no such file."""
    key = output_key(record, name)
    if key is None or not storage.exists(key):
        return None
    ext = "." + name.rsplit(".", 1)[-1]
    download = f"{record.video_name.rsplit('.', 1)[0]}-{name.replace('/', '-')}"
    response = storage.response(
        key,
        media_type=MEDIA_TYPES.get(ext),
        filename=download if ext in DOWNLOADS else None,
        range_header=range_header,
    )
    if ext == ".html":
        response.headers["Content-Security-Policy"] = REPORT_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def read_analysis(storage, record: AnalysisRecord) -> dict | None:
    key = output_key(record, "analysis.json")
    if key is None or not storage.exists(key):
        return None
    with storage.local_file(key) as path:
        return json.loads(path.read_text(encoding="utf-8"))


def list_outputs(storage, record: AnalysisRecord) -> list[str]:
    prefix = output_prefix(record.id)
    names = [key[len(prefix) + 1 :] for key in storage.list(prefix)]
    return [n for n in names if OUTPUT_NAME.match(n)]
