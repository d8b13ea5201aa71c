"""One call per stage, and the chains that run them in order.

- :func:`runform.pipeline.track.analyze_track`: pose track → :class:`runform.analysis.Analysis`.
- :func:`runform.pipeline.video.analyze_video`: video → pose → analysis → outputs.
"""

from runform.pipeline.track import AnalysisOptions, analyze_track
from runform.pipeline.track_checks import validate_track

__all__ = ["AnalysisOptions", "analyze_track", "validate_track"]

try:  # the video chain needs PyAV/MediaPipe; the engine does not.
    from runform.pipeline.video import analyze_video  # noqa: F401

    __all__.append("analyze_video")
except ImportError:  # pragma: no cover - only when the video module is absent
    pass
