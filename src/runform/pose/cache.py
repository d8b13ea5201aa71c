"""Pose cache: running the model once per video and settings.

Pose estimation is by far the slowest stage, and it does not depend on the analysis
options (height, treadmill speed, even the capture rate: time is scaled after the cache).
Results are stored under a key made of

- the SHA-256 of the video file's bytes (renaming or moving the file keeps the cache;
  any change to its content does not), and
- the pose settings: the backend's :meth:`~runform.pose.backends.PoseBackend.settings`,
  the processing size and :data:`POSE_STAGE_VERSION` (bumped whenever the way runform finds
  and follows the runner changes).

One entry is one ``.npz`` file (arrays plus a JSON header), written atomically, read with
``allow_pickle=False``. A damaged entry is ignored and rewritten.

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> key = cache_key("ab" * 32, {"model": "x"})
>>> _ = save_entry(folder, key, {"time": np.arange(3.0)}, {"note": "hi"})
>>> arrays, header = load_entry(folder, key)
>>> arrays["time"].tolist(), header["note"]
([0.0, 1.0, 2.0], 'hi')
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

#: Bump when a change to video reading, runner finding/following or mapping changes results.
POSE_STAGE_VERSION = "3"

_HEADER = "__header__"


def file_digest(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """SHA-256 of a file's content, read in chunks (memory stays flat)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def cache_key(video_digest: str, settings: Mapping) -> str:
    """Key of one cache entry: video content + pose settings + stage version."""
    blob = json.dumps(
        {"video": video_digest, "settings": settings, "stage": POSE_STAGE_VERSION},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def default_cache_dir() -> Path:
    """The user-wide cache folder (``$XDG_CACHE_HOME/runform/pose`` or ``~/.cache/...``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "runform" / "pose"


def entry_path(folder: str | os.PathLike, key: str) -> Path:
    return Path(folder) / f"pose-{key}.npz"


def save_entry(
    folder: str | os.PathLike, key: str, arrays: Mapping[str, np.ndarray], header: Mapping
) -> Path:
    """Write one entry atomically (a partial write never leaves a readable file)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = entry_path(folder, key)
    payload = {name: np.asarray(value) for name, value in arrays.items()}
    payload[_HEADER] = np.frombuffer(json.dumps(dict(header)).encode(), dtype=np.uint8)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".pose-", suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **payload)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def load_entry(folder: str | os.PathLike, key: str) -> tuple[dict[str, np.ndarray], dict] | None:
    """Read one entry, or ``None`` when it is absent or unreadable."""
    path = entry_path(folder, key)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files if name != _HEADER}
            header = json.loads(bytes(data[_HEADER]).decode())
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError):
        return None
    return arrays, header
