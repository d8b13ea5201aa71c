"""What a worker's processes have imported before they take a job (``runform worker``).

By default every analysis runs in a new worker process, so that memory never builds up
from job to job. Started from scratch, such a process spends 1.5–2 CPU seconds importing
before it does any work: MediaPipe (which brings matplotlib), fpdf2 and its font tools,
SQLAlchemy, OpenCV, PyAV and runform itself, about a tenth of an analysis of a 12 s clip.
So ``runform worker`` starts one *fork server* per machine (Python's
:mod:`multiprocessing` ``forkserver``), which imports all of this once, and each worker
process is forked from it: it starts with everything imported, the pages shared with the
server until written, and still exits after its job.

This module is what the fork server imports first. It is not imported by the library.

- Only imports: no model is loaded, no file, database or queue is opened, so the forked
  processes share no handle. Each opens its own database connection and queue.
- A module that cannot be imported here (an optional extra missing, a broken install) is
  skipped; the job then imports it itself and fails there with its own message.
- ``runform worker`` starts the server with ``OPENBLAS_NUM_THREADS=1`` (a job uses one
  core; its NumPy work is small), so the server holds no thread when it forks, and with
  ``MALLOC_ARENA_MAX=1`` (what the console script sets with ``mallopt`` in its own process)
  unless the operator set either.
"""

from __future__ import annotations

import importlib

#: Modules a worker's job imports, imported once by the fork server.
PRELOADED = (
    "numpy",
    "cv2",
    "av",
    "mediapipe.python.solutions.pose",
    "fpdf",
    "PIL.Image",
    "PIL.JpegImagePlugin",
    "runform.service.core",
    "runform.service.jobs",
    "runform.pipeline.video",
    "runform.pose.estimate",
    "runform.pose.readers",
    "runform.render.annotate",
    "runform.render.stills",
    "runform.report",
    "runform.report.html",
    "runform.report.pdf",
)


def preload(names: tuple[str, ...] = PRELOADED) -> list[str]:
    """Import ``names``; return those that could not be imported (they are skipped)."""
    skipped = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # the job imports it again and reports there
            skipped.append(name)
    return skipped


preload()
