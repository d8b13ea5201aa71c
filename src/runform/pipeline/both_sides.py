"""Two clips of one run, one filmed from each side: analyse each, merge them, write one
two-sided analysis (``runform analyze LEFT_VIEW RIGHT_VIEW``; the web app calls the same).

Each clip is analysed into its own folder with every output of a one-clip analysis; the
folders are then named for the side each clip shows (``left-side/``: the runner's left leg
nearer the camera). The merged ``analysis.json`` (``runform.analysis/2``,
:func:`runform.compare.sides.merge_sides`), the report built from it, and the key-frame
stills of each leg taken from the clip where that leg is near go in the output folder.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from runform.compare.sides import SIDES, merge_sides
from runform.errors import InputError
from runform.keyframes import parse_still_filename
from runform.pipeline.track import AnalysisOptions
from runform.progress import ProgressLike, ensure_progress

#: Folder of the clip in which ``side`` is the near leg.
SIDE_FOLDER = "{side}-side"

#: Bytes read at a time when two clips of the same size are compared.
_CHUNK = 1 << 20


def same_content(a: Path, b: Path) -> bool:
    """Whether two files hold the same bytes: the sizes first (free), then the content,
    read side by side in 1 MB pieces up to the first difference (a copy of a 100 MB clip
    takes well under a second; two full pose passes of it took about 45 s).

    Parameters
    ----------
    a, b
        The two files.

    Returns
    -------
    bool
        ``True`` when they are byte-for-byte identical.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "a").write_bytes(b"clip"), (folder / "b").write_bytes(b"clip")
    (4, 4)
    >>> (folder / "c").write_bytes(b"clap")
    4
    >>> same_content(folder / "a", folder / "b"), same_content(folder / "a", folder / "c")
    (True, False)
    """
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            chunk = fa.read(_CHUNK)
            if chunk != fb.read(_CHUNK):
                return False
            if not chunk:
                return True


@dataclass
class BothSidesResult:
    """``document``: the two-sided ``analysis.json``; ``outputs``: files written by name;
    ``clips``: each side's one-clip result (``runform.pipeline.video.VideoAnalysis``);
    ``notes``: outputs skipped and why."""

    document: dict
    outputs: dict[str, Path] = field(default_factory=dict)
    clips: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def analyze_both_sides(
    videos: Sequence[str | os.PathLike],
    options: AnalysisOptions,
    out_dir: str | os.PathLike,
    *,
    progress: ProgressLike = None,
    write_report: bool = True,
    names: tuple[str, str] | None = None,
    **video_kwargs,
) -> BothSidesResult:
    """Analyse two clips of one run filmed from each side and merge them.

    Parameters
    ----------
    videos
        The two clips, in any order.
    options
        Engine options, the same for both clips.
    out_dir
        Output folder: ``analysis.json`` (two-sided), ``report.html``/``.pdf``, ``stills/``
        (each leg from its near side), and ``left-side/`` and ``right-side/`` with each clip's
        own outputs.
    progress
        Callback ``(stage, fraction, detail)``; each clip's stages are prefixed with its name.
    write_report
        Write each clip's report and the merged one.
    names
        How the clips are named in the merged document and in each clip's own outputs
        (``display_name`` of :func:`~runform.pipeline.video.analyze_video`; default: their
        file names).
    video_kwargs
        Passed to :func:`runform.pipeline.video.analyze_video` for each clip (``annotate``,
        ``capture_fps``, ``cache``, ``pose_workers``...).
    """
    from runform.pipeline.video import analyze_video

    if len(videos) != 2:
        raise InputError("Give two clips: one filmed from each side of the runner.")
    paths = [Path(v) for v in videos]
    if paths[0].resolve() == paths[1].resolve():
        raise InputError(
            f"{paths[0]} was given twice; the second clip must be filmed from the runner's "
            "other side."
        )
    for path in paths:  # before a minute of pose on the first clip
        if not path.is_file():
            what = "does not exist" if not path.exists() else "is not a file"
            raise InputError(
                f"{path} {what}; give two video clips of the same run, one filmed from each "
                "side of the runner."
            )
    try:
        copies = same_content(paths[0], paths[1])
    except OSError as exc:
        raise InputError(
            f"The clips cannot be read ({exc.strerror or exc}); check the paths and their "
            "permissions."
        ) from None
    if copies:  # the same clip under two names: both would show the same side
        raise InputError(
            f"{paths[1]} is a byte-for-byte copy of {paths[0]}; the second clip must be "
            "filmed from the runner's other side."
        )
    report = ensure_progress(progress)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for i, path in enumerate(paths, 1):
        folder = out / f"clip-{i}"

        def clip_progress(stage, fraction, detail="", _name=path.name):
            report(f"{_name}: {stage}", fraction, detail)

        results.append(
            analyze_video(
                path,
                options,
                out_dir=folder,
                progress=clip_progress,
                write_report=write_report,
                display_name=names[i - 1] if names else None,
                **video_kwargs,
            )
        )
    merged = merge_sides(
        results[0].document,
        results[1].document,
        names=names or (paths[0].name, paths[1].name),
        progress=report,
    )
    result = BothSidesResult(document=merged)
    for i, res in enumerate(results, 1):
        side = res.document["context"]["near_side"]
        target = out / SIDE_FOLDER.format(side=side)
        if target.exists():
            shutil.rmtree(target)
        (out / f"clip-{i}").rename(target)
        result.clips[side] = res
        merged["sides"][side]["folder"] = target.name
        result.notes += [f"{target.name}: {n}" for n in res.notes]
        result.outputs[f"{side}_side"] = target
    stills = out / "stills"
    if stills.exists():
        shutil.rmtree(stills)
    for side in SIDES:
        source = out / SIDE_FOLDER.format(side=side) / "stills"
        found = sorted(source.iterdir()) if source.is_dir() else []
        for still in (p for p in found if (parse_still_filename(p.name) or ("",))[0] == side):
            stills.mkdir(exist_ok=True)
            shutil.copy2(still, stills / still.name)
    if stills.is_dir():
        result.outputs["stills"] = stills
    target = out / "analysis.json"
    target.write_text(json.dumps(merged, indent=1, allow_nan=False), encoding="utf-8")
    result.outputs["analysis"] = target
    if write_report:
        from runform.report import write_report as write

        for name, path in write(merged, out, progress=report).items():
            result.outputs[f"report_{name}"] = path
    return result


__all__ = ["SIDE_FOLDER", "BothSidesResult", "analyze_both_sides"]
