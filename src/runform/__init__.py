"""runform: from a side-view video of a runner to a coach's analysis and a plan.

The pipeline runs one way, one stage per sub-package::

    video --(pose)--> PoseTrack --(gait)--> events --(metrics)--> metrics
          --(findings)--> findings --(plan, report)--> plan, report

Each stage is a plain function with plain data in and out; see :mod:`runform.pipeline`.
"""

from runform.errors import AnalysisError, InputError, OptionError, RunformError
from runform.track import PoseTrack, TrackMeta

__version__ = "0.1.0"

__all__ = [
    "AnalysisError",
    "InputError",
    "OptionError",
    "PoseTrack",
    "RunformError",
    "TrackMeta",
    "__version__",
]
