"""S3-compatible object storage for a club (``RUNFORM_STORAGE_URL=s3://bucket/prefix``).

The same :class:`~runform.service.storage.Storage` interface as the local folder, on boto3:
the endpoint and credentials come from boto3's usual settings (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION`` or a profile), so
any S3 API works (AWS, MinIO, Ceph, moto). Uploads stream through a temporary file and
go up in parts; the pipeline gets real paths by downloading to, and uploading from, a
temporary folder; downloads stream through the app with HTTP range support, so the
browser's video player seeks and the pages' ``media-src 'self'`` policy holds.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from runform.errors import OptionError
from runform.service.storage import (
    STORAGE_UNAVAILABLE_SENTENCE,
    ReceivedFile,
    StorageUnavailable,
    attachment,
    check_key,
)

CHUNK = 1 << 20


@contextmanager
def _reachable() -> Iterator[None]:
    """Turn the object store's connection and service errors into
    :class:`~runform.service.storage.StorageUnavailable` (one sentence for the user; the
    details go to the log with the exception chain)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise StorageUnavailable(STORAGE_UNAVAILABLE_SENTENCE) from exc


def _without_secrets(text: str, client) -> str:
    """``text`` with the client's secret key (and the environment's) blanked out, should a
    message ever quote it."""
    secrets = {os.environ.get("AWS_SECRET_ACCESS_KEY"), os.environ.get("AWS_SESSION_TOKEN")}
    try:  # botocore's own copy of the credentials the client signs with
        credentials = client._request_signer._credentials
        secrets |= {credentials.secret_key, credentials.token}
    except AttributeError:
        pass
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


class _Upload(ReceivedFile):
    """Waits in a temporary file; goes to S3 when complete."""

    def __init__(self, storage: S3Storage, key: str):
        self.storage, self.key = storage, key
        self._file = tempfile.NamedTemporaryFile(prefix="runform-up-", delete=False)

    def _commit(self) -> None:
        try:
            with _reachable():
                self.storage.client.upload_file(
                    self._file.name, self.storage.bucket, self.storage.full(self.key)
                )
        finally:
            self._drop()

    def _drop(self) -> None:
        Path(self._file.name).unlink(missing_ok=True)


class S3Storage:
    """Objects under ``s3://bucket/prefix``."""

    def __init__(self, url: str, client=None):
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise OptionError(
                f"RUNFORM_STORAGE_URL={url!r} is not an S3 address; write s3://bucket/prefix."
            )
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        #: the check at start gets a client of its own that gives up sooner (made here)
        self._own_client = client is None
        if client is None:
            import boto3

            client = boto3.client("s3")
        self.client = client

    def check(self) -> None:
        """Reach the bucket and write to it once (``head_bucket``, then a small probe object
        put and deleted), so a server or worker that cannot says so in one sentence
        (:class:`~runform.service.storage.StorageUnavailable`) before it claims to serve:
        a wrong bucket name, a missing or read-only credential and an endpoint that is not
        there all fail here, not at the first upload. The sentence names the bucket and
        the endpoint and the store's error code, never a credential."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client
        if self._own_client:  # an endpoint that drops packets: seconds, not minutes
            import boto3
            from botocore.config import Config

            quick = Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 2})
            client = boto3.client("s3", config=quick)
        where = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        endpoint = getattr(getattr(client, "meta", None), "endpoint_url", None)
        at = f" at {endpoint}" if endpoint else ""
        probe = self.full(f"runform-probe-{uuid.uuid4().hex}")
        step = "reached"
        try:
            client.head_bucket(Bucket=self.bucket)
            step = "written to"
            client.put_object(Bucket=self.bucket, Key=probe, Body=b"runform start-up check")
            client.delete_object(Bucket=self.bucket, Key=probe)
        except (BotoCoreError, ClientError) as exc:
            if isinstance(exc, ClientError):
                error = exc.response.get("Error", {})
                reason = str(error.get("Code") or type(exc).__name__)
            else:  # no credentials, an endpoint that does not answer: botocore's sentence
                reason = str(exc).strip().splitlines()[0].rstrip(".") if str(exc) else ""
                reason = reason or type(exc).__name__
            raise StorageUnavailable(
                f"The object store {where}{at} cannot be {step} "
                f"({_without_secrets(reason, client)}); check the bucket in "
                "RUNFORM_STORAGE_URL, the AWS_* endpoint and credentials and the bucket's "
                "permissions, and run the command again."
            ) from None

    def full(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def writer(self, key: str) -> _Upload:
        return _Upload(self, key)

    def _head(self, key: str) -> dict | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.full(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        return int(head["ContentLength"])

    def list(self, prefix: str) -> list[str]:
        base = self.full(prefix).rstrip("/") + "/"
        strip = len(self.prefix) + 1 if self.prefix else 0
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=base
        ):
            keys += [item["Key"][strip:] for item in page.get("Contents", [])]
        return sorted(keys)

    @contextmanager
    def local_file(self, key: str) -> Iterator[Path]:
        folder = Path(tempfile.mkdtemp(prefix="runform-dl-"))
        try:
            path = folder / Path(key).name
            with _reachable():
                self.client.download_file(self.bucket, self.full(key), str(path))
            yield path
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    @contextmanager
    def work_dir(self, prefix: str) -> Iterator[Path]:
        """A temporary folder whose files replace everything under ``prefix`` when the block
        ends without an error (a failed run uploads nothing)."""
        folder = Path(tempfile.mkdtemp(prefix="runform-work-"))
        try:
            yield folder
            with _reachable():
                self.delete_prefix(prefix)
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        rel = path.relative_to(folder).as_posix()
                        self.client.upload_file(
                            str(path), self.bucket, self.full(f"{prefix}/{rel}")
                        )
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def response(
        self,
        key: str,
        media_type: str | None = None,
        filename: str | None = None,
        range_header: str | None = None,
    ):
        """Stream the object through the app, honouring one ``Range: bytes=a-b``."""
        from starlette.responses import StreamingResponse

        size = self.size(key)
        start, end, status = 0, size - 1, 200
        if range_header and range_header.startswith("bytes=") and "," not in range_header:
            first, _, last = range_header[6:].partition("-")
            try:
                if first:
                    start = int(first)
                    end = min(int(last), size - 1) if last else size - 1
                else:  # the last N bytes
                    start = max(0, size - int(last))
                status = 206
            except ValueError:
                start, end, status = 0, size - 1, 200
            if start > end or start >= size:
                from starlette.responses import Response

                return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        body = self.client.get_object(
            Bucket=self.bucket, Key=self.full(key), Range=f"bytes={start}-{end}"
        )["Body"]
        headers = {"Accept-Ranges": "bytes", "Content-Length": str(end - start + 1)}
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        if filename:
            headers["Content-Disposition"] = attachment(filename)
        return StreamingResponse(
            body.iter_chunks(CHUNK), status_code=status, media_type=media_type, headers=headers
        )

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.full(key))

    def delete_prefix(self, prefix: str) -> None:
        keys = self.list(prefix)
        for i in range(0, len(keys), 1000):
            self.client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": self.full(k)} for k in keys[i : i + 1000]]},
            )


__all__ = ["S3Storage"]
