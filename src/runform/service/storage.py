"""Where files live, behind a small interface.

Keys are ``/``-separated relative names (``analyses/<uuid>/input/video.mp4``). The service
only uses the :class:`Storage` methods, so a later object store (S3) replaces
:class:`LocalStorage` without touching the routes or the worker:

- ``writer(key)`` receives an upload chunk by chunk (never the whole file in memory);
- ``local_file(key)`` / ``work_dir(prefix)`` give the pipeline real paths (an object store
  would download to, and upload from, a temporary folder there);
- ``response(key)`` is what the web layer returns for a download (a local file supports
  HTTP range requests; an object store would redirect to a signed URL);
- ``delete_prefix(prefix)`` removes everything of one analysis.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

_KEY_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class StorageKeyError(ValueError):
    """A key that would leave the storage (``..``, absolute, odd characters)."""


def check_key(key: str) -> str:
    parts = key.split("/")
    if not key or any(not _KEY_PART.match(part) or part in (".", "..") for part in parts):
        raise StorageKeyError(f"bad storage key {key!r}")
    return key


class Storage(Protocol):
    def writer(self, key: str) -> BinaryIO: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def list(self, prefix: str) -> list[str]: ...

    def local_file(self, key: str): ...

    def work_dir(self, prefix: str): ...

    def response(
        self,
        key: str,
        media_type: str | None = None,
        filename: str | None = None,
        range_header: str | None = None,
    ): ...

    def delete(self, key: str) -> None: ...

    def delete_prefix(self, prefix: str) -> None: ...


class LocalStorage:
    """Files in a local folder (the default: ``DATA_DIR/files``)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root not in path.parents:
            raise StorageKeyError(f"bad storage key {key!r}")
        return path

    def writer(self, key: str) -> BinaryIO:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "xb")

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def list(self, prefix: str) -> list[str]:
        base = self.path(prefix)
        if not base.is_dir():
            return []
        return sorted(
            f"{prefix}/{p.relative_to(base).as_posix()}" for p in base.rglob("*") if p.is_file()
        )

    @contextmanager
    def local_file(self, key: str) -> Iterator[Path]:
        yield self.path(key)

    @contextmanager
    def work_dir(self, prefix: str) -> Iterator[Path]:
        """A folder whose files end up under ``prefix`` (emptied first: a re-run starts clean)."""
        path = self.path(prefix)
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        yield path

    def response(
        self,
        key: str,
        media_type: str | None = None,
        filename: str | None = None,
        range_header: str | None = None,
    ):
        """A ``FileResponse``: Starlette answers the request's own ``Range`` header."""
        from starlette.responses import FileResponse

        return FileResponse(
            self.path(key),
            media_type=media_type,
            filename=filename,
            content_disposition_type="attachment" if filename else "inline",
        )

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        path = self.path(prefix)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()


def make_storage(settings) -> Storage:
    """The storage the settings name: S3 for ``s3://bucket/prefix``, else the data folder."""
    if settings.storage_url:
        from runform.service.s3storage import S3Storage

        return S3Storage(settings.storage_url)
    return LocalStorage(settings.files_dir)
