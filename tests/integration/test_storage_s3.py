"""The S3 store against moto's standalone server on 127.0.0.1."""

from __future__ import annotations

import pytest

from lti_tool.storage import StorageError, build_store
from lti_tool.storage.s3 import PART_SIZE
from tests import s3_server
from tests import storage_contract as contract

pytestmark = pytest.mark.http
s3_endpoint = s3_server.s3_endpoint
s3_bucket = s3_server.s3_bucket
pytest.importorskip("boto3")


@pytest.fixture
def store(s3_endpoint, s3_bucket):
    config = {
        "STORAGE": "s3",
        "S3_BUCKET": s3_bucket,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "us-east-1",
        "S3_PREFIX": "pathmark",
    }
    return build_store(config, "/nonexistent")


def _objects(store) -> list[str]:
    listed = store.client.list_objects_v2(Bucket=store.bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def _uploads(store) -> list[str]:
    listed = store.client.list_multipart_uploads(Bucket=store.bucket)
    return [item["Key"] for item in listed.get("Uploads", [])]


def test_round_trip(store):
    contract.check_round_trip(store)
    assert all(key.startswith("pathmark/sha256/") for key in _objects(store))


def test_ranges(store):
    contract.check_ranges(store)


def test_abort_leaves_nothing(store):
    contract.check_abort_leaves_nothing(store, lambda: _objects(store))


def test_aborted_multipart_upload_leaves_nothing(store):
    pending = store.begin()
    pending.write(b"x" * (PART_SIZE + 10))
    assert _uploads(store)
    pending.abort()
    assert _uploads(store) == []
    assert _objects(store) == []


def test_multipart_round_trip(store):
    # Two full parts and a short last one: the path long recordings take.
    data = (b"0123456789abcdef" * (PART_SIZE // 16)) * 2 + b"tail"
    key = contract._put(store, data, pieces=7)
    assert store.size(key) == len(data)
    assert contract._read(store, key, len(data) - 4) == b"tail"
    assert _uploads(store) == []
    assert [k for k in _objects(store) if "incoming" in k] == []


def test_same_content_is_kept_once(store):
    contract.check_same_content_is_kept_once(store)
    assert len(_objects(store)) == 1


def test_missing_and_delete(store):
    contract.check_missing_and_delete(store)


def test_keys_are_refused(store):
    contract.check_keys_are_refused(store)


def test_missing_bucket_setting_is_refused():
    with pytest.raises(StorageError, match="s3_bucket"):
        build_store(
            {
                "STORAGE": "s3",
                "S3_BUCKET": "",
                "S3_ENDPOINT_URL": "",
                "S3_REGION": "",
                "S3_PREFIX": "",
            },
            "/nonexistent",
        )
