"""The re-test in the web app: a new clip uploaded as the re-test of an earlier analysis is
compared with it (``runform compare``'s library call) when its analysis finishes, and the
comparison is kept beside the new analysis's outputs (``compare/``)."""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from runform.errors import RunformError
from runform.service.jobs import output_prefix

log = logging.getLogger("runform.service")

#: Folder (under the re-test's outputs) that holds the comparison.
COMPARE_FOLDER = "compare"
#: Files of the earlier analysis the comparison reads.
BEFORE_FILES = ("analysis.json", "annotated.mp4")


def _copy_before(storage, before_id, folder: Path) -> None:
    prefix = output_prefix(before_id)
    for name in BEFORE_FILES:
        key = f"{prefix}/{name}"
        if storage.exists(key):
            with storage.local_file(key) as path:
                shutil.copyfile(path, folder / name)
    for key in storage.list(f"{prefix}/stills"):
        (folder / "stills").mkdir(exist_ok=True)
        with storage.local_file(key) as path:
            shutil.copyfile(path, folder / "stills" / Path(key).name)


def write_comparison(storage, before_id, after_out: Path, progress: Callable | None = None) -> str:
    """Compare the finished re-test in ``after_out`` with the analysis ``before_id``; the
    outputs go to ``after_out/compare``. Returns ``""`` or the sentence saying why there is
    no comparison (the re-test itself stands)."""
    from runform.compare import write_compare

    if not storage.exists(f"{output_prefix(before_id)}/analysis.json"):
        return "The earlier analysis is gone, so the re-test is not compared with it."
    with tempfile.TemporaryDirectory(prefix="runform-before-") as tmp:
        before = Path(tmp)
        _copy_before(storage, before_id, before)
        try:
            write_compare(before, after_out, after_out / COMPARE_FOLDER, progress=progress)
        except RunformError as exc:
            return str(exc)
        except Exception:  # the analysis stands; say so rather than fail the job
            log.exception("comparison with %s failed", before_id)
            return "The comparison with the earlier analysis could not be made."
    return ""


def comparison(storage, record) -> dict | None:
    """The stored ``compare.json`` of a re-test, or ``None``."""
    key = f"{output_prefix(record.id)}/{COMPARE_FOLDER}/compare.json"
    if not storage.exists(key):
        return None
    with storage.local_file(key) as path:
        return json.loads(path.read_text(encoding="utf-8"))


__all__ = ["COMPARE_FOLDER", "comparison", "write_comparison"]
