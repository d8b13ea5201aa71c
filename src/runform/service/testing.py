"""Light stand-ins for the pipeline, to exercise the service without MediaPipe.

``Settings(analyze=...)`` takes any callable ``(video, out_dir, options, progress)``;
:func:`synthetic_analyze` makes a real ``analysis.json`` (and optionally the report) from a
synthetic runner (:mod:`runform.synthetic`) in a fraction of a second, ignoring the video's
pictures; :func:`tiny_video` writes a small valid MP4 to upload.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np


def tiny_video(path: str | Path, frames: int = 12, size: tuple[int, int] = (64, 48)) -> Path:
    """A small H.264 MP4 (grey frames, 30 fps) that the pipeline's probe accepts."""
    import av

    path = Path(path)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for k in range(frames):
            image = np.full((size[1], size[0], 3), 40 + 10 * k % 200, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def synthetic_analyze(
    *, report: bool = False, stills: bool = True, delay_s: float = 0.0
) -> Callable:
    """An analyse hook: a synthetic runner through the real engine (``analyze_track``),
    ``analysis.json``, the uploaded video copied as ``annotated.mp4``, one key-frame PNG and,
    with ``report``, the real report (HTML, PDF, steps.csv; about 3 s)."""

    def analyze(video: Path, out_dir: Path, options: dict, progress) -> None:
        import time

        from runform.pipeline import AnalysisOptions, analyze_track
        from runform.pipeline.document import analysis_document
        from runform.synthetic import RunnerSpec, synthetic_runner

        progress("pose", 0.0, "synthetic runner")
        if delay_s:
            time.sleep(delay_s)
        engine = AnalysisOptions(
            height_cm=options.get("height_cm"),
            treadmill_speed_mps=options.get("treadmill_speed_mps"),
        )
        if options.get("other_side_path"):
            # both sides: the runner filmed facing left (left leg near) and facing right,
            # merged by the real library call; each clip's video in its side's folder
            from runform.compare.sides import merge_sides

            docs = []
            for facing, clip in (("left", video), ("right", Path(options["other_side_path"]))):
                run = synthetic_runner(RunnerSpec(facing=facing), duration_s=6.0, fps=60.0, seed=1)
                docs.append(analysis_document(analyze_track(run.track, engine)))
                (out_dir / f"{facing}-side").mkdir()
                shutil.copyfile(clip, out_dir / f"{facing}-side" / "annotated.mp4")
            names = (
                options.get("video_name") or video.name,
                options.get("other_side_name") or Path(options["other_side_path"]).name,
            )
            document = merge_sides(*docs, names=names)
            progress("pose", 1.0, "done")
            (out_dir / "analysis.json").write_text(json.dumps(document, indent=1, allow_nan=False))
            return
        track = synthetic_runner(duration_s=6.0, fps=60.0, seed=1).track
        progress("pose", 1.0, "done")
        analysis = analyze_track(track, engine, progress=progress)
        document = analysis_document(analysis)
        (out_dir / "analysis.json").write_text(json.dumps(document, indent=1, allow_nan=False))
        shutil.copyfile(video, out_dir / "annotated.mp4")
        if stills:
            from PIL import Image

            from runform.keyframes import still_filename

            (out_dir / "stills").mkdir()
            Image.new("RGB", (32, 24), (200, 120, 40)).save(
                out_dir / "stills" / still_filename("left", "contact")
            )
        if report:
            from runform.report import write_report

            write_report(document, out_dir, progress=progress)

    return analyze


def failing_analyze(error: Exception) -> Callable:
    """An analyse hook that writes a partial file, then raises ``error``."""

    def analyze(video: Path, out_dir: Path, options: dict, progress) -> None:
        progress("pose", 0.5, "half way")
        (out_dir / "pose.csv").write_text("time\n0\n")
        raise error

    return analyze


def slow_synthetic_analyze() -> Callable:
    """The synthetic hook that first waits 4 s (``RUNFORM_ANALYZE_HOOK`` in the fault tests:
    long enough to kill a worker in the middle of a job)."""
    return synthetic_analyze(delay_s=4.0)


def pid_recording_analyze() -> Callable:
    """The synthetic hook, also writing the id of the process that ran the job
    (``worker_pid.txt``): the tests see which worker process ran what."""
    inner = synthetic_analyze()

    def analyze(video: Path, out_dir: Path, options: dict, progress) -> None:
        import os

        inner(video, out_dir, options, progress)
        (Path(out_dir) / "worker_pid.txt").write_text(str(os.getpid()))

    return analyze


def quick_synthetic_analyze() -> Callable:
    """The synthetic hook as a factory for ``RUNFORM_ANALYZE_HOOK``."""
    return synthetic_analyze()
