"""Shared helpers for the benchmark scripts in ``bench/``.

These scripts are not part of the installed package: they read the reference data in
``../shared/data`` (beside the repository) and print tables. Import them with ``bench/``
on ``sys.path`` (running ``python bench/<script>.py`` does that automatically).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

#: Root of the repository (the folder holding ``bench/`` and ``src/``).
REPO_ROOT = Path(__file__).resolve().parents[1]

#: Reference data shipped beside the repository (``<repo>/../shared/data``).
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

#: More force-plate runners of the same data sets, gathered from public copies
#: (``<repo>/../external_data``, or ``$RUNFORM_EXTERNAL_DATA``; docs/validation.md lists
#: where each came from). The calibration uses them with the shared data when present.
EXTERNAL_DATA = Path(
    os.environ.get("RUNFORM_EXTERNAL_DATA", str(REPO_ROOT.parent / "external_data"))
)

#: Synthetic runners (cadence in steps/min, foot strike) the frame-rate benches run, each
#: with the defaults of ``runform.synthetic.RunnerSpec`` otherwise.
SYNTHETIC_RUNNERS: tuple[tuple[float, str], ...] = (
    (160.0, "rearfoot"),
    (170.0, "midfoot"),
    (180.0, "forefoot"),
    (175.0, "rearfoot"),
)

#: The clip the video benchmarks time: the real treadmill clip, or the committed copy.
DEFAULT_CLIP = SHARED_DATA / "male_side" / "male_side.mp4"
FALLBACK_CLIP = REPO_ROOT / "examples" / "male_side.mp4"


def clip_arguments(
    description: str, argv: Sequence[str] | None = None
) -> tuple[argparse.Namespace, Path | None]:
    """``--repeat`` and ``--video`` of the video benchmarks; the clip to time, or ``None``
    (with a message on stderr) when there is none."""
    import sys

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each variant (median)")
    parser.add_argument("--video", type=Path, default=None, help="clip to time")
    args = parser.parse_args(argv)
    clip = args.video or (DEFAULT_CLIP if DEFAULT_CLIP.is_file() else FALLBACK_CLIP)
    if not clip.is_file():
        print(f"no clip at {clip}", file=sys.stderr)
        return args, None
    return args, clip


def trials_from_command_line(doc: str, argv: Sequence[str] | None = None) -> list:
    """The force-plate trials a bench runs: all found (``../shared/data`` and
    ``../external_data``), or with ``--shared-only`` the runners of ``../shared/data``
    only. ``doc`` is the bench's docstring (its first line describes the command)."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument(
        "--shared-only", action="store_true", help="only the runners of ../shared/data"
    )
    args = parser.parse_args(argv)
    from mocap import bench_trials

    return bench_trials(args.shared_only)


def log(message: str) -> None:
    """Print a progress line on stderr (the scripts' output stays on stdout)."""
    import sys

    print(message, file=sys.stderr, flush=True)


def format_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Render rows as a fixed-width text table (Markdown-compatible pipes).

    Examples
    --------
    >>> print(format_table(["a", "b"], [[1, "x"]]))
    | a | b |
    | --- | --- |
    | 1 | x |
    """
    cells = [[str(h) for h in header]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    sep = "| " + " | ".join("-" * max(3, w) for w in widths) + " |"
    return "\n".join([line(cells[0]), sep, *[line(r) for r in cells[1:]]])


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "–"
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)
