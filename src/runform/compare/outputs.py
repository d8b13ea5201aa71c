"""Write a comparison's files: ``compare.json``, ``compare.html``, ``compare.pdf``,
``compare.mp4`` and the key-frame stills side by side."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from runform.compare.content import build_content
from runform.compare.document import compare_analyses
from runform.compare.html import write_html
from runform.compare.load import Session, load_session
from runform.compare.pdf import write_pdf
from runform.compare.still_pairs import write_still_pairs
from runform.compare.video import (
    DEFAULT_REPEATS,
    DEFAULT_STRIDES,
    VIDEO_NAME,
    write_side_by_side,
)
from runform.errors import OptionError, RunformError
from runform.progress import ProgressLike, ensure_progress

JSON_NAME = "compare.json"
HTML_NAME = "compare.html"
PDF_NAME = "compare.pdf"


@dataclass
class CompareOutputs:
    """What :func:`write_compare` wrote: the document and the files, by name."""

    document: dict
    paths: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _session(value: Session | str | Path, which: str) -> Session:
    return value if isinstance(value, Session) else load_session(value, which)


def _video(
    before: Session, after: Session, out: Path, strides: int, cb
) -> tuple[dict | None, list[str]]:
    missing = [
        f"{which} ({s.folder})" for which, s in (("BEFORE", before), ("AFTER", after)) if s.annotated is None
    ]  # fmt: skip
    if missing:
        return None, [
            f"No side-by-side video: there is no annotated.mp4 beside the {' or the '.join(missing)} "
            "analysis; run `runform analyze` with the video (not --no-video) to make one."
        ]
    try:
        made = write_side_by_side(
            before.doc,
            after.doc,
            before.annotated,  # type: ignore[arg-type]
            after.annotated,  # type: ignore[arg-type]
            out / VIDEO_NAME,
            strides=strides,
            repeats=DEFAULT_REPEATS,
            progress=cb,
        )
    except RunformError as exc:
        return None, [f"No side-by-side video: {exc}"]
    return made.to_dict(), list(made.notes)


def _remove_stale(out: Path, video_written: bool, stills: list[Path]) -> None:
    """Remove a side-by-side video or still pair left in ``out`` by an earlier comparison that
    this one did not write again (so the page never shows another comparison's pictures)."""
    if not video_written:
        (out / VIDEO_NAME).unlink(missing_ok=True)
    keep = {p.name for p in stills}
    for old in out.glob("compare-*-*.png"):
        if old.name not in keep and old.stem.endswith(("-left", "-right")):
            old.unlink(missing_ok=True)


def write_compare(
    before: Session | str | Path,
    after: Session | str | Path,
    out_dir: str | Path,
    *,
    video: bool = True,
    strides: int = DEFAULT_STRIDES,
    progress: ProgressLike = None,
) -> CompareOutputs:
    """Compare two analyses (folders or ``analysis.json`` files) and write every output.

    Parameters
    ----------
    before, after
        Analysis folders, ``analysis.json`` files or loaded :class:`Session` objects.
    out_dir
        Folder to write into (created if needed).
    video
        Also write ``compare.mp4`` from the two ``annotated.mp4`` (when both exist).
    strides
        Strides per loop of the side-by-side video.

    Raises
    ------
    InputError
        A file is missing, unreadable or not a runform analysis.
    OptionError
        ``strides`` is not between 1 and 10.
    """
    if not (isinstance(strides, int) and 1 <= strides <= 10):
        raise OptionError(f"--strides must be a whole number from 1 to 10, not {strides!r}.")
    cb = ensure_progress(progress)
    b, a = _session(before, "BEFORE"), _session(after, "AFTER")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = compare_analyses(b.doc, a.doc, progress=cb)
    doc["sources"] = {
        "before": {"analysis": str(b.path), "folder": str(b.folder)},
        "after": {"analysis": str(a.path), "folder": str(a.folder)},
    }
    notes: list[str] = []
    alignment = None
    if video:
        alignment, video_notes = _video(b, a, out, strides, cb)
        notes += video_notes
    else:
        notes.append("No side-by-side video: it was not asked for (--no-video).")
    stills, still_notes = write_still_pairs(b.folder, a.folder, doc["metrics"], out)
    notes += still_notes
    _remove_stale(out, alignment is not None, stills)
    doc["outputs"] = {
        "json": JSON_NAME,
        "html": HTML_NAME,
        "pdf": PDF_NAME,
        "video": VIDEO_NAME if alignment else None,
        "video_alignment": alignment,
        "stills": [p.name for p in stills],
        "notes": notes,
    }
    paths: dict[str, Path] = {}
    cb("compare report", 0.1, JSON_NAME)
    paths["json"] = out / JSON_NAME
    paths["json"].write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    cb("compare report", 0.3, "charts")
    content = build_content(doc, b.doc, a.doc, out)
    cb("compare report", 0.6, HTML_NAME)
    paths["html"] = write_html(content, out / HTML_NAME)
    cb("compare report", 0.8, PDF_NAME)
    paths["pdf"] = write_pdf(content, out / PDF_NAME)
    if alignment:
        paths["video"] = out / VIDEO_NAME
    for p in stills:
        paths[p.stem] = p
    cb("compare report", 1.0, "done")
    return CompareOutputs(doc, paths, notes)
