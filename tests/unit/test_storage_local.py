"""The local artefact store: a folder, written then renamed into place."""

from __future__ import annotations

import pytest

from lti_tool.storage import build_store
from lti_tool.storage.local import LocalStore
from tests import storage_contract as contract


@pytest.fixture
def store(tmp_path):
    return LocalStore(tmp_path / "artefacts")


def _files(store):
    return sorted(
        p.relative_to(store.root) for p in store.root.rglob("*") if p.is_file()
    )


def test_round_trip(store):
    contract.check_round_trip(store)


def test_ranges(store):
    contract.check_ranges(store)


def test_abort_leaves_nothing(store):
    contract.check_abort_leaves_nothing(store, lambda: _files(store))


def test_same_content_is_kept_once(store):
    contract.check_same_content_is_kept_once(store)
    assert len([p for p in _files(store) if p.parts[0] == "sha256"]) == 1


def test_missing_and_delete(store):
    contract.check_missing_and_delete(store)


def test_keys_are_refused(store):
    contract.check_keys_are_refused(store)


def test_default_folder_is_in_the_instance(tmp_path):
    config = {"STORAGE": "local", "STORAGE_DIR": ""}
    store = build_store(config, str(tmp_path / "instance"))
    assert store.root == tmp_path / "instance" / "artefacts"


def test_unknown_storage_kind_is_refused(tmp_path):
    with pytest.raises(ValueError, match="local"):
        build_store({"STORAGE": "ftp"}, str(tmp_path))
