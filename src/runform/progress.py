"""Progress reporting: library code calls a callback, never prints.

A callback receives the stage name and a fraction in ``[0, 1]`` (or ``None`` when the
total is unknown) and an optional detail string. The CLI turns it into a Rich progress
bar; a web worker can write it to a job table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class ProgressCallback(Protocol):
    def __call__(self, stage: str, fraction: float | None, detail: str = "") -> None: ...


def no_progress(stage: str, fraction: float | None, detail: str = "") -> None:
    """The default callback: does nothing."""


ProgressLike = ProgressCallback | Callable[..., None] | None


def ensure_progress(cb: ProgressLike) -> ProgressCallback:
    return cb if cb is not None else no_progress
