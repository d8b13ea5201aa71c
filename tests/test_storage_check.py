"""`runform serve` reaches its storage before it claims to serve (session 23): an S3 bucket
that is not there, not reachable or not writable, and a files folder that cannot be
written to, each end the start in one sentence with a non-zero exit, never a traceback,
and never with the secret key in it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from conftest_startcheck import UNREACHABLE_S3, refused_at_start
from runform.service.s3storage import S3Storage
from runform.service.storage import LocalStorage, StorageUnavailable

SECRET = UNREACHABLE_S3["AWS_SECRET_ACCESS_KEY"]


class FakeS3:
    """The few calls the check makes, recorded; ``fail`` maps a call to the error it raises."""

    def __init__(self, **fail):
        self.fail, self.calls = fail, []
        self.meta = SimpleNamespace(endpoint_url="https://s3.club.example")
        self.objects: dict[str, bytes] = {}

    def _call(self, name, **kwargs):
        self.calls.append((name, kwargs))
        if name in self.fail:
            raise self.fail[name]

    def head_bucket(self, Bucket):
        self._call("head_bucket", Bucket=Bucket)

    def put_object(self, Bucket, Key, Body):
        self._call("put_object", Bucket=Bucket, Key=Key)
        self.objects[Key] = Body

    def delete_object(self, Bucket, Key):
        self._call("delete_object", Bucket=Bucket, Key=Key)
        self.objects.pop(Key, None)


def client_error(code: str, operation: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def test_a_reachable_writable_bucket_passes_and_leaves_nothing_behind():
    fake = FakeS3()
    S3Storage("s3://club-videos/runform", client=fake).check()
    names = [name for name, _ in fake.calls]
    assert names == ["head_bucket", "put_object", "delete_object"]
    put_key = fake.calls[1][1]["Key"]
    assert put_key.startswith("runform/runform-probe-") and fake.calls[2][1]["Key"] == put_key
    assert fake.objects == {}


@pytest.mark.parametrize(
    ("fail", "words"),
    [
        ({"head_bucket": client_error("404", "HeadBucket")}, "cannot be reached (404)"),
        ({"head_bucket": client_error("403", "HeadBucket")}, "cannot be reached (403)"),
        ({"put_object": client_error("AccessDenied", "PutObject")},
         "cannot be written to (AccessDenied)"),
        ({"head_bucket": EndpointConnectionError(endpoint_url="https://s3.club.example")},
         'cannot be reached (Could not connect to the endpoint URL: "https://s3.club.example")'),
        ({"head_bucket": NoCredentialsError()}, "cannot be reached (Unable to locate credentials)"),
    ],
)  # fmt: skip
def test_a_bucket_that_cannot_be_used_is_one_sentence(fail, words):
    with pytest.raises(StorageUnavailable) as caught:
        S3Storage("s3://club-videos/runform", client=FakeS3(**fail)).check()
    said = str(caught.value)
    assert said.startswith("The object store s3://club-videos/runform at https://s3.club.example ")
    assert words in said, said
    assert said.endswith("permissions, and run the command again.")
    assert "\n" not in said


def test_the_sentence_never_quotes_the_secret_key(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    fake = FakeS3(put_object=client_error(f"SignatureDoesNotMatch {SECRET}", "PutObject"))
    with pytest.raises(StorageUnavailable) as caught:
        S3Storage("s3://club-videos", client=fake).check()
    assert SECRET not in str(caught.value) and "***" in str(caught.value)


def test_a_files_folder_that_cannot_be_written_is_one_sentence(tmp_path):
    storage = LocalStorage(tmp_path / "files")
    storage.check()
    assert list((tmp_path / "files").iterdir()) == []
    (tmp_path / "files").rmdir()  # (a read-only folder would not stop root, who runs CI)
    (tmp_path / "files").write_text("a file where the folder should be")
    with pytest.raises(StorageUnavailable) as caught:
        storage.check()
    said = str(caught.value)
    assert said.startswith(f"The files folder {tmp_path / 'files'} cannot be written to (")
    assert said.endswith("and run the command again.")


def test_a_file_where_the_files_folder_should_be_is_told_by_the_check(tmp_path):
    """Making the storage tried to create the folder and raised, so `runform serve` and
    `runform worker` ended in a traceback before their check: now the check says it."""
    (tmp_path / "files").write_text("a file where the folder should be")
    storage = LocalStorage(tmp_path / "files")
    with pytest.raises(StorageUnavailable) as caught:
        storage.check()
    assert str(caught.value).startswith(
        f"The files folder {tmp_path / 'files'} cannot be written to (Not a directory); "
    )


def test_serve_without_its_bucket_says_so_in_one_sentence_and_exits(tmp_path):
    """With RUNFORM_STORAGE_URL naming a bucket behind an endpoint that is not there,
    `runform serve` printed "is serving at ..." and every upload failed later: one
    sentence, a non-zero exit, no traceback, and the secret key nowhere."""
    said = refused_at_start(
        "serve", "--port", "1", "--data-dir", str(tmp_path), "--no-worker", env=UNREACHABLE_S3
    )
    assert "serving" not in said
    assert said.startswith(
        "error: The object store s3://club-videos/runform at http://127.0.0.1:1 cannot be reached ("
    ), said
    assert said.endswith("and run the command again.")
    assert SECRET not in said


def test_the_check_against_an_s3_api(monkeypatch):
    """The same check through boto3 against moto's S3 (its own quick client): a bucket
    that is there passes and keeps no probe; one that is not is a 404 in one sentence."""
    moto = pytest.importorskip("moto")
    import boto3

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": SECRET,
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with moto.mock_aws():
        boto3.client("s3").create_bucket(Bucket="club-videos")
        S3Storage("s3://club-videos/runform").check()
        assert boto3.client("s3").list_objects_v2(Bucket="club-videos").get("KeyCount") == 0
        with pytest.raises(StorageUnavailable, match=r"s3://elsewhere .*cannot be reached \(404\)"):
            S3Storage("s3://elsewhere").check()
