"""Pose models behind one small interface, and MediaPipe BlazePose on the CPU.

A :class:`PoseBackend` turns an RGB picture into one person's keypoints, in coordinates
normalised to that picture (``x / width``, ``y / height``). It has two modes:

- :meth:`~PoseBackend.track`: frames of one video in order; the backend may use the
  previous frame (BlazePose then skips its person detector and follows the last pose);
- :meth:`~PoseBackend.detect`: an unrelated single picture (no memory).

Cropping, choosing the runner and mapping back to video pixels live in
:mod:`runform.pose.runner`, so any model that fits this interface gets them for free.

:class:`BlazePoseBackend` uses ``mediapipe==0.10.21``'s legacy ``solutions.pose`` with
``model_complexity=1``: the "full" landmark model and the detector both ship inside the
mediapipe wheel, so nothing is downloaded (other complexities would download a model at
run time and are refused).

Examples
--------
>>> backend = BlazePoseBackend()                       # doctest: +SKIP
>>> pose = backend.detect(rgb_image)                   # doctest: +SKIP
>>> pose.xy.shape, pose.score.shape                    # doctest: +SKIP
((33, 2), (33,))
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from runform.errors import OptionError
from runform.keypoints import BLAZEPOSE_33

#: Landmark model file of each complexity inside the mediapipe package.
_MODEL_FILES = {
    0: "pose_landmark_lite.tflite",
    1: "pose_landmark_full.tflite",
    2: "pose_landmark_heavy.tflite",
}


@dataclass(frozen=True)
class PoseDetection:
    """One person's keypoints in one picture.

    ``xy``: ``(K, 2)`` normalised coordinates (may fall outside ``[0, 1]`` for points the
    model places beyond the picture); ``score``: ``(K,)`` confidence in ``[0, 1]``;
    ``depth``: ``(K,)`` relative depth when the model gives one (BlazePose's landmark ``z``:
    smaller is nearer the camera), else ``None``. runform uses it only to tell which leg is
    nearer the camera.
    """

    xy: np.ndarray
    score: np.ndarray
    depth: np.ndarray | None = None


@runtime_checkable
class PoseBackend(Protocol):
    """What runform needs from a pose model."""

    #: Short name recorded in the output (e.g. ``"mediapipe-blazepose"``).
    name: str
    #: Keypoint names of ``PoseDetection.xy`` rows, in the BlazePose vocabulary.
    keypoints: tuple[str, ...]

    def settings(self) -> dict:
        """Everything that changes the output (model, versions, thresholds): JSON-serialisable."""
        ...

    def track(self, image: np.ndarray) -> PoseDetection | None:
        """Pose in the next frame of a sequence (``None`` when nobody is found)."""
        ...

    def detect(self, image: np.ndarray) -> PoseDetection | None:
        """Pose in a single unrelated picture (``None`` when nobody is found)."""
        ...

    def reset(self) -> None:
        """Forget the sequence: the next :meth:`track` call starts afresh."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...


def clone_backend(backend: PoseBackend) -> PoseBackend | None:
    """A new, independent instance of ``backend`` with the same settings, or ``None``.

    A backend that can be cloned (it has a ``clone()`` method, an optional addition to
    :class:`PoseBackend`) lets runform run the model on several parts of a video at once,
    one instance per thread; others run the parts one after the other.
    """
    clone = getattr(backend, "clone", None)
    return clone() if callable(clone) else None


_STDERR_FD = 2
_quiet_lock = threading.RLock()
_quiet_depth = 0


@contextmanager
def _quiet_native_stderr():
    """Send whatever native code writes to file descriptor 2 to ``/dev/null``.

    MediaPipe's C++ (TFLite, glog) prints a few lines when its graphs start; library code
    must not print. Re-entrant. Python's ``sys.stderr`` is re-pointed at the real stderr
    meanwhile (when it is file descriptor 2), so progress bars keep drawing.
    """
    global _quiet_depth
    with _quiet_lock:
        _quiet_depth += 1
        if _quiet_depth > 1:
            outer = True
        else:
            outer = False
            try:
                sys.stderr.flush()
            except (AttributeError, OSError, ValueError):
                pass
            saved = os.dup(_STDERR_FD)
            python_stream = None
            try:
                uses_fd2 = sys.stderr is not None and sys.stderr.fileno() == _STDERR_FD
            except (AttributeError, OSError, ValueError):
                uses_fd2 = False
            if uses_fd2:
                python_stream = os.fdopen(
                    os.dup(saved),
                    "w",
                    buffering=1,
                    encoding=getattr(sys.stderr, "encoding", None) or "utf-8",
                    errors="backslashreplace",
                )
                previous = sys.stderr
                sys.stderr = python_stream
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, _STDERR_FD)
            os.close(devnull)
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if not outer:
                os.dup2(saved, _STDERR_FD)
                os.close(saved)
                if python_stream is not None:
                    python_stream.flush()
                    sys.stderr = previous
                    python_stream.close()


def quiet_native_logs():
    """Context manager: silence MediaPipe's native log lines for a whole pose run."""
    return _quiet_native_stderr()


def mediapipe_model_path(model_complexity: int) -> Path:
    """Where the landmark model of a complexity sits inside the installed mediapipe."""
    import mediapipe

    return (
        Path(mediapipe.__file__).parent
        / "modules"
        / "pose_landmark"
        / _MODEL_FILES[model_complexity]
    )


class BlazePoseBackend:
    """MediaPipe BlazePose (legacy ``solutions.pose``), fully offline, on the CPU.

    Parameters
    ----------
    model_complexity:
        1 (the "full" model shipped in the wheel). 0 and 2 are accepted only when their model
        file is already installed, because mediapipe would otherwise download it.
    smooth_landmarks:
        MediaPipe's temporal filter in :meth:`track` mode. Off by default: it lags fast
        ankle motion, the engine low-passes the track anyway, and with it off a moving crop
        window cannot leak into the pose (see ``docs/video.md``).
    min_detection_confidence, min_tracking_confidence:
        MediaPipe's thresholds for finding a person and keeping them.
    """

    name = "mediapipe-blazepose"
    keypoints: tuple[str, ...] = BLAZEPOSE_33

    def __init__(
        self,
        model_complexity: int = 1,
        *,
        smooth_landmarks: bool = False,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        if model_complexity not in _MODEL_FILES:
            raise OptionError(f"model_complexity must be 0, 1 or 2, got {model_complexity!r}.")
        if not mediapipe_model_path(model_complexity).is_file():
            raise OptionError(
                f"The BlazePose model for model_complexity={model_complexity} is not installed "
                "and runform never downloads models; use model_complexity=1, which ships with "
                "mediapipe."
            )
        for label, value in (
            ("min_detection_confidence", min_detection_confidence),
            ("min_tracking_confidence", min_tracking_confidence),
        ):
            if not 0.0 <= value <= 1.0:
                raise OptionError(f"{label} must be between 0 and 1, got {value!r}.")
        self.model_complexity = model_complexity
        self.smooth_landmarks = smooth_landmarks
        self.min_detection_confidence = min_detection_confidence
        self.min_tracking_confidence = min_tracking_confidence
        self._video = None
        self._image = None
        self._video_fresh = True
        self._image_fresh = True

    # ------------------------------------------------------------------ interface
    def settings(self) -> dict:
        import mediapipe

        return {
            "backend": self.name,
            "api": "mediapipe.solutions.pose (legacy)",
            "mediapipe": mediapipe.__version__,
            "model": _MODEL_FILES[self.model_complexity],
            "model_complexity": self.model_complexity,
            "smooth_landmarks": self.smooth_landmarks,
            "min_detection_confidence": self.min_detection_confidence,
            "min_tracking_confidence": self.min_tracking_confidence,
            "score": "landmark visibility",
        }

    def track(self, image: np.ndarray) -> PoseDetection | None:
        if self._video is None:
            self._video = self._make(static=False)
            self._video_fresh = True
        result = self._process(self._video, image, first=self._video_fresh)
        self._video_fresh = False
        return result

    def detect(self, image: np.ndarray) -> PoseDetection | None:
        if self._image is None:
            self._image = self._make(static=True)
            self._image_fresh = True
        result = self._process(self._image, image, first=self._image_fresh)
        self._image_fresh = False
        return result

    def clone(self) -> BlazePoseBackend:
        """A new instance with the same settings (its own MediaPipe graphs)."""
        return BlazePoseBackend(
            self.model_complexity,
            smooth_landmarks=self.smooth_landmarks,
            min_detection_confidence=self.min_detection_confidence,
            min_tracking_confidence=self.min_tracking_confidence,
        )

    def reset(self) -> None:
        if self._video is not None:
            with _quiet_native_stderr():
                self._video.reset()
            self._video_fresh = True

    def close(self) -> None:
        for graph in (self._video, self._image):
            if graph is not None:
                graph.close()
        self._video = self._image = None

    def __enter__(self) -> BlazePoseBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ internals
    def _make(self, static: bool):
        with _quiet_native_stderr():
            from mediapipe.python.solutions import pose as mp_pose

            return mp_pose.Pose(
                static_image_mode=static,
                model_complexity=self.model_complexity,
                smooth_landmarks=self.smooth_landmarks,
                enable_segmentation=False,
                min_detection_confidence=self.min_detection_confidence,
                min_tracking_confidence=self.min_tracking_confidence,
            )

    @staticmethod
    def _process(graph, image: np.ndarray, *, first: bool) -> PoseDetection | None:
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError("BlazePose needs an (H, W, 3) uint8 RGB picture")
        if not image.flags.c_contiguous:
            image = np.ascontiguousarray(image)
        if first:
            with _quiet_native_stderr():
                result = graph.process(image)
        else:
            result = graph.process(image)
        landmarks = result.pose_landmarks
        if landmarks is None:
            return None
        values = np.array(
            [(lm.x, lm.y, lm.visibility, lm.z) for lm in landmarks.landmark], dtype=np.float64
        )
        return PoseDetection(
            xy=values[:, :2], score=np.clip(values[:, 2], 0.0, 1.0), depth=values[:, 3]
        )
