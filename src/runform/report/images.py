"""Key-frame stills as the report embeds them: JPEG, optionally scaled down.

The render writes JPEG stills (720 px wide, about 140 kB each), which are embedded as
they are unless a smaller width is asked for; stills of earlier versions, PNGs of about
600 kB, are converted. JPEG keeps ``report.html`` light enough to open on a phone and
``report.pdf`` small enough to send, although every still is embedded.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

#: JPEG quality of the embedded stills.
JPEG_QUALITY = 85


@lru_cache(maxsize=64)
def _jpeg(path: Path, mtime_ns: int, width: int | None) -> bytes:
    from PIL import Image

    with Image.open(path) as image:
        if image.format == "JPEG" and (width is None or image.width <= width):
            return path.read_bytes()  # already what is embedded: no second encoding
        image = image.convert("RGB")
        if width is not None and image.width > width:
            height = round(image.height * width / image.width)
            image = image.resize((width, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def still_jpeg(path: str | Path, width: int | None = None) -> bytes:
    """The image at ``path`` as JPEG bytes, scaled down to ``width`` px (``None``: as is).

    Cached per file (and its modification time) and width, so a still shown three times is
    encoded once.
    """
    path = Path(path)
    return _jpeg(path, path.stat().st_mtime_ns, width)
