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

import errno
import os
import re
import shutil
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

from runform.errors import RunformError

_KEY_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


#: A file being received is written under its key plus this suffix and renamed into place
#: when complete, so a process killed mid-upload leaves no file under the real key.
PART_SUFFIX = ".part"

#: Errors of a full or read-only disk (on the server or a worker's temporary folder).
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})

STORAGE_FULL_SENTENCE = (
    "The server's storage is full, so the results could not be saved; nothing was kept. "
    "Try again later (the club's administrator needs to free some space)."
)
STORAGE_UNAVAILABLE_SENTENCE = (
    "The storage that keeps videos and results could not be reached, so the results could "
    "not be saved; nothing was kept. Try again in a few minutes."
)


class StorageUnavailable(RunformError):
    """The storage (disk or object store) cannot take or give files just now: the
    message is the sentence to show."""


def storage_failure_sentence(exc: BaseException) -> str | None:
    """The sentence for a storage failure (a full disk, an unreachable object store), or
    ``None`` when ``exc`` is something else."""
    if isinstance(exc, StorageUnavailable):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        return STORAGE_FULL_SENTENCE
    return None


def attachment(filename: str) -> str:
    """The ``Content-Disposition`` of a download named ``filename`` (the runner's own file
    name, in part), as Starlette's ``FileResponse`` writes it: a plain ASCII name quoted,
    any other (a quote, a semicolon, an accent, a script the header's Latin-1 cannot hold)
    percent-encoded as ``filename*=utf-8''...`` (RFC 6266), so it can neither end the
    parameter early nor fail to encode.

    >>> attachment("run-report.pdf")
    'attachment; filename="run-report.pdf"'
    >>> attachment('Lauf "München"; x.pdf')
    "attachment; filename*=utf-8''Lauf%20%22M%C3%BCnchen%22%3B%20x.pdf"
    """
    from urllib.parse import quote

    encoded = quote(filename, safe="")
    if encoded == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename*=utf-8''{encoded}"


class StorageKeyError(ValueError):
    """A key that would leave the storage (``..``, absolute, odd characters)."""


def check_key(key: str) -> str:
    parts = key.split("/")
    if not key or any(not _KEY_PART.match(part) or part in (".", "..") for part in parts):
        raise StorageKeyError(f"bad storage key {key!r}")
    return key


class Storage(Protocol):
    def check(self) -> None: ...

    def writer(self, key: str) -> ReceivedFile: ...

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


class ReceivedFile(ABC):
    """A file received chunk by chunk (``write``): it reaches its key only when complete
    (:meth:`close`); :meth:`abort`, or an error inside ``with``, drops it. Each storage says
    where the bytes wait (``_file``) and how they reach the key (:meth:`_commit`)."""

    _file: BinaryIO

    def write(self, data: bytes) -> int:
        return self._file.write(data)

    def close(self) -> None:
        if self._file.closed:
            return
        self._file.close()
        self._commit()

    def abort(self) -> None:
        self._file.close()
        self._drop()

    @abstractmethod
    def _commit(self) -> None:
        """Move the complete file to its key (``_file`` is closed)."""

    @abstractmethod
    def _drop(self) -> None:
        """Remove what was received (``_file`` is closed)."""

    def __enter__(self) -> ReceivedFile:
        return self

    def __exit__(self, kind, _value, _tb) -> None:
        if kind is None:
            self.close()
        else:  # a broken upload leaves nothing behind
            self.abort()


class _LocalUpload(ReceivedFile):
    """Written as ``name.part`` beside its key, renamed to the key when complete."""

    def __init__(self, path: Path):
        self.path = path
        self.part = path.with_name(path.name + PART_SUFFIX)
        self._file = open(self.part, "xb")

    def _commit(self) -> None:
        os.replace(self.part, self.path)

    def _drop(self) -> None:
        self.part.unlink(missing_ok=True)


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (or gone): stop
            return
        folder = folder.parent


class LocalStorage:
    """Files in a local folder (the default: ``DATA_DIR/files``)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError:  # a file in its place, a read-only parent: check() says it in words
            pass

    def path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root not in path.parents:
            raise StorageKeyError(f"bad storage key {key!r}")
        return path

    def writer(self, key: str) -> _LocalUpload:
        """A file to write ``key`` into: it appears under ``key`` only when closed (until
        then it is ``key.part``; :meth:`abort` removes it)."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        return _LocalUpload(path)

    def drop_stale_parts(self, older_than_s: float, under: str = "**") -> list[str]:
        """Remove ``.part`` files not written to for ``older_than_s`` seconds: uploads whose
        process was killed (an upload in progress writes to its file all the time), and
        folders matching ``under`` left empty as long (with their emptied parents).
        ``under`` is a glob of the folders to look in (default: all). Returns the parts'
        keys."""
        limit = time.time() - older_than_s
        dropped = []
        # listed first: emptied folders are removed on the way
        for part in list(self.root.glob(f"{under}/*{PART_SUFFIX}")):
            try:
                if part.is_file() and part.stat().st_mtime <= limit:
                    part.unlink()
                    dropped.append(part.relative_to(self.root).as_posix())
                    _remove_empty_parents(part.parent, self.root)
            except FileNotFoundError:  # another process got there first
                continue
        # and the empty folders such uploads (or refused ones, before session 22) left
        for folder in list(self.root.glob(under)):
            try:
                if (
                    folder.is_dir()
                    and folder.stat().st_mtime <= limit
                    and not any(folder.iterdir())
                ):
                    _remove_empty_parents(folder, self.root)
            except FileNotFoundError:
                continue
        return dropped

    def check(self) -> None:
        """Write and remove a small probe file, so a server whose files folder is read-only
        or on a full disk says so in one sentence (:class:`StorageUnavailable`) at start."""
        probe = self.root / f".runform-probe-{os.getpid()}"
        try:
            if not self.root.exists():  # (made at construction unless that failed)
                self.root.mkdir(parents=True, exist_ok=True)
            probe.write_bytes(b"runform start-up check")
            probe.unlink()
        except OSError as exc:
            raise StorageUnavailable(
                f"The files folder {self.root} cannot be written to "
                f"({exc.strerror or type(exc).__name__}); free some space or correct its "
                "permissions (or RUNFORM_DATA_DIR), and run the command again."
            ) from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def list(self, prefix: str) -> list[str]:
        base = self.path(prefix)
        if not base.is_dir():
            return []
        return sorted(
            f"{prefix}/{p.relative_to(base).as_posix()}"
            for p in base.rglob("*")
            if p.is_file() and not p.name.endswith(PART_SUFFIX)
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
