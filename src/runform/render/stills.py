"""Key-frame stills: five moments of one representative stride per side, as JPEGs.

The frames are chosen by :mod:`runform.render.key_moments` (the stride closest to the
median, and in it the frame of each moment); each still shows one angle:

=====================  =======================
key                    angle drawn
=====================  =======================
``contact``            shank vs vertical, knee
``midstance``          knee flexion
``toe_off``            thigh vs vertical
``peak_extension``     thigh vs vertical
``peak_knee_flexion``  knee flexion
=====================  =======================

Files are named by :func:`runform.keyframes.still_filename`, the moment's number in the gait
cycle first, so they sort in the order the moments happen: ``01-contact-left.jpg``,
``01-contact-right.jpg``, ``02-midstance-left.jpg`` ... ``05-peak-knee-flexion-right.jpg``.
Each shows the skeleton
with the chosen leg bright and the other dimmed, the angle as a dashed reference line, a
filled arc and its value, and a title box with side, moment, time and stride.

When no side has a complete stride (contact, toe-off and the same foot's next contact),
:func:`write_key_frames` raises :class:`~runform.errors.AnalysisError`; when only one side
has, the other side is skipped and the reason is sent through the progress callback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

from runform.errors import AnalysisError, InputError
from runform.keypoints import SIDES
from runform.pose.video import probe_video, processing_size, upright
from runform.progress import ProgressLike, ensure_progress
from runform.render.annotate import render_video
from runform.render.encoding import decoded_frames
from runform.render.frame_store import FrameStore
from runform.render.key_moments import KeyFrame, key_frames
from runform.render.overlay import analysis_angles
from runform.render.still_frame import render_key_frame
from runform.track import PoseTrack

#: Frames are decoded at most this size (long side) before cropping.
MAX_DECODE_SIDE = 1920
#: JPEG quality of the stills (:data:`runform.keyframes.STILL_EXTENSION`).
JPEG_QUALITY = 92
_STAGE = "key frames"


class _StillJob:
    """The stills of one analysis: which frames, and writing them as frames go by.

    :meth:`take` is called with every decoded frame (in order); the wanted ones are turned
    into BGR at once and drawn and saved by a background thread, so the JPEG work overlaps
    with decoding (and with the video encoding when both share a pass).
    """

    def __init__(self, video_path, track: PoseTrack, analysis, out_dir, report) -> None:
        clean: PoseTrack = analysis.track
        if clean.n_frames != track.n_frames:
            raise InputError(
                "The cleaned track and the pose track have different frame counts; "
                "pass the analysis made from this track."
            )
        self.analysis, self.clean, self.report = analysis, clean, report
        self.wanted: dict[int, list[KeyFrame]] = {}
        self.reasons: list[str] = []
        for side in SIDES:
            found = key_frames(analysis, side)
            if isinstance(found, str):
                self.reasons.append(found)
                report(_STAGE, None, f"{side} side skipped: {found}")
                continue
            for kf in found:
                self.wanted.setdefault(kf.frame, []).append(kf)
        self.total = sum(len(v) for v in self.wanted.values())
        self.last = max(self.wanted, default=-1)
        self.out_dir = Path(out_dir)
        self.written: dict[tuple[str, str], Path] = {}
        self._pending: list[tuple[KeyFrame, Future]] = []
        self._pool: ThreadPoolExecutor | None = None
        #: called once with the stills' paths as soon as they are all written (or with
        #: those written, when the pass fails)
        self.on_stills: Callable[[list[Path]], None] | None = None
        self._notified = threading.Lock()
        if self.wanted:
            self.info = probe_video(video_path)
            width, height, reduction = processing_size(self.info, MAX_DECODE_SIDE)
            rotated = self.info.rotation in (90, 270)
            self.size = (width, height)
            self.stored = (height, width) if rotated else (width, height)
            self.scale = np.asarray(_track_scale(clean, width, height, reduction))
            self.angles = analysis_angles(analysis)
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="runform-stills")

    def take(self, index: int, frame) -> None:
        """Called with each decoded frame; converts and queues the wanted ones."""
        if index not in self.wanted or self._pool is None:
            return
        image = frame.to_ndarray(
            format="bgr24", width=self.stored[0], height=self.stored[1], interpolation="AREA"
        )
        self.take_image(index, upright(image, self.info.rotation))

    def take_image(self, index: int, image: np.ndarray) -> None:
        """Queue the stills of frame ``index`` from its upright BGR picture (of ``size``)."""
        if index not in self.wanted or self._pool is None:
            return
        for kf in self.wanted[index]:
            self._pending.append((kf, self._pool.submit(self._write, image, kf)))
        if len(self._pending) == self.total:  # runs after them: the pool has one worker
            self._pool.submit(self._notify_written)

    def _notify_written(self) -> None:
        done = [f.result() for _, f in self._pending if f.done() and f.exception() is None]
        self.notify(done)

    def notify(self, paths: list[Path]) -> None:
        """Hand ``paths`` (sorted by name) to :attr:`on_stills`, the first time only."""
        if self.on_stills is not None and self._notified.acquire(blocking=False):
            self.on_stills(sorted(paths, key=lambda p: p.name))

    def take_from(self, frames: FrameStore) -> bool:
        """Queue every still from frames kept by the pose pass; ``False`` (nothing queued)
        when some are missing or kept at another size than the stills are made from."""
        if frames.size != self.size or not frames.holds(self.wanted):
            return False
        for index in self.wanted:
            self.take_image(index, frames.video_frame(index).to_ndarray(format="bgr24"))
        return True

    def take_decoded(self, video_path) -> None:
        """Queue every still by decoding the video up to the last one."""
        frames = decoded_frames(video_path)
        try:
            for index, frame in enumerate(frames):
                if index > self.last:
                    break
                self.take(index, frame)  # frames that are not wanted are never converted
        finally:
            frames.close()

    def _write(self, image: np.ndarray, kf: KeyFrame) -> Path:
        points = dict(zip(self.clean.keypoints, self.clean.xy[kf.frame] * self.scale, strict=True))
        still = render_key_frame(
            image.copy(),
            points,
            kf,
            self.angles,
            self.analysis.direction,
            getattr(self.analysis, "near_side", None),
        )
        path = self.out_dir / kf.filename
        if not cv2.imwrite(str(path), still, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]):
            raise InputError(f"Could not write {path}; check the folder is writable.")
        return path

    def finish(self) -> list[Path]:
        """Wait for the queued stills; the paths in file-name order (gait order, left
        before right)."""
        try:
            for kf, future in self._pending:
                path = future.result()
                self.written[(kf.side, kf.key)] = path
                self.report(_STAGE, len(self.written) / max(self.total, 1), path.name)
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
        missing = [
            k for ks in self.wanted.values() for k in ks if (k.side, k.key) not in self.written
        ]
        if missing:
            raise InputError(
                f"The video has fewer frames than the pose track (frame {missing[0].frame} is "
                "missing); use the pose track made from this video."
            )
        return sorted(self.written.values(), key=lambda p: p.name)

    def abandon(self) -> None:
        """Stop without waiting for the queued stills (the pass failed)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self.notify(list(self.written.values()))

    def no_stride_error(self) -> AnalysisError:
        return AnalysisError(
            "No complete stride was detected (" + "; ".join(self.reasons) + "), so no "
            "key-frame stills were made; film at least 10 seconds of steady running from the "
            "side with both feet visible."
        )


def write_key_frames(
    video_path: str | Path,
    track: PoseTrack,
    analysis,
    out_dir: str | Path,
    *,
    progress: ProgressLike = None,
) -> list[Path]:
    """Write the key-frame stills of both sides as JPEGs in ``out_dir``.

    Parameters
    ----------
    video_path:
        The source video (the one the pose track was made from).
    track:
        The pose track as read (one row per decoded frame); must match the video.
    analysis:
        The engine result (``.track``, ``.direction``, ``.gait.steps``, ``.angles``).
    out_dir:
        Folder for the JPEGs (created if needed), named ``01-contact-left.jpg`` ... so that
        they sort in gait order (:func:`runform.keyframes.still_filename`).
    progress:
        Callback ``(stage, fraction, detail)``; a side without a complete stride is
        reported there (``detail`` says why) and skipped.

    Returns
    -------
    The JPEG paths written, in file-name order: moments in gait order, left before right.

    Raises
    ------
    AnalysisError
        Neither side has a complete stride, so there is nothing to show.
    InputError
        The video cannot be read or does not match the track.

    Examples
    --------
    >>> write_key_frames("run.mp4", track, analysis, "out/stills")  # doctest: +SKIP
    [PosixPath('out/stills/01-contact-left.jpg'), ..., PosixPath('out/stills/05-peak-knee-flexion-right.jpg')]
    """
    job = _StillJob(video_path, track, analysis, out_dir, ensure_progress(progress))
    if not job.wanted:
        raise job.no_stride_error()
    try:
        job.take_decoded(video_path)
    except BaseException:
        job.abandon()
        raise
    return job.finish()


def write_video_and_key_frames(
    video_path: str | Path,
    track: PoseTrack,
    analysis,
    out_path: str | Path,
    out_dir: str | Path,
    *,
    slow_factor: float | None = None,
    progress: ProgressLike = None,
    window_s: float | None = None,
    frames: FrameStore | None = None,
    on_stills: Callable[[list[Path]], None] | None = None,
    smooth: bool = False,
) -> tuple[Path, list[Path]]:
    """:func:`~runform.render.annotate.write_annotated_video` and :func:`write_key_frames`
    in one decoding pass (the stills then cost little more than their JPEG files), or in
    none when ``frames`` holds the frames the pose pass decoded (see
    :mod:`runform.render.frame_store`).

    ``on_stills(paths)``, if given, is called once, from a worker thread, as soon as every
    still is written, usually long before the video is (from kept frames, the stills are
    queued before the video's first frame): something that shows the stills, such as the
    report, can wait for it rather than for the video. It gets ``[]`` when no still can be made, and the stills
    written so far if the pass fails.

    Unlike :func:`write_key_frames` this does not raise when no stride is complete: the
    video is written (with its "No steps detected" banner if there are no steps at all),
    the list of stills is empty, and the reason is sent through ``progress`` (see also
    :func:`stills_unavailable_reason`).

    ``window_s`` and ``smooth`` shape the video as in ``write_annotated_video``; the stills
    always come from the whole clip.

    Returns
    -------
    ``(video_path, still_paths)``.
    """
    report = ensure_progress(progress)
    job = _StillJob(video_path, track, analysis, out_dir, report)
    job.on_stills = on_stills
    if not job.wanted:
        job.notify([])
    try:
        if frames is None or not job.wanted or job.take_from(frames):
            hook = job.take if job.wanted and frames is None else None
            video = render_video(
                video_path, track, analysis, out_path, slow_factor, report, window_s, hook,
                job.last, frames=frames, smooth=smooth,
            )  # fmt: skip
        else:  # the video from the kept frames, the stills (another size) decoded meanwhile
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="runform-stills") as pool:
                decoding = pool.submit(job.take_decoded, video_path)
                video = render_video(
                    video_path, track, analysis, out_path, slow_factor, report, window_s,
                    frames=frames, smooth=smooth,
                )  # fmt: skip
                decoding.result()
    except BaseException:
        job.abandon()
        raise
    try:
        return video, job.finish()
    finally:
        job.notify(list(job.written.values()))


def stills_unavailable_reason(analysis) -> str | None:
    """Why no key-frame still can be made (one sentence), or ``None`` if some can."""
    reasons = [r for r in (key_frames(analysis, s) for s in SIDES) if isinstance(r, str)]
    if len(reasons) < len(SIDES):
        return None
    return "No complete stride was detected (" + "; ".join(reasons) + ")."


def _track_scale(
    track: PoseTrack, width: int, height: int, reduction: float
) -> tuple[float, float]:
    """Scale from the track's pixels to the decoded stills' pixels.

    ``reduction`` is how much the reader scaled the video down; a track that does not state
    its frame size is taken to be in the video's own display pixels.
    """
    if track.meta.units != "px":
        raise InputError(
            f"The pose track is in {track.meta.units!r}, not image pixels; "
            "key-frame stills need a track made from this video."
        )
    tw, th = track.meta.width, track.meta.height
    if not tw or not th:
        return 1.0 / reduction, 1.0 / reduction
    if abs(tw / th - width / height) > 0.02:
        raise InputError(
            f"The pose track was made for {tw}x{th} frames but the video shows "
            f"{width}x{height}; use the pose track made from this video."
        )
    return width / tw, height / th
