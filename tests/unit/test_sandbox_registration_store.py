"""The sandbox keeps the ids Dynamic Registration issued across restarts."""

from __future__ import annotations

from lti_tool.sandbox import create_sandbox
from lti_tool.sandbox.lms import REGISTRATION_FILE


def lms(folder):
    app = create_sandbox(
        "http://localhost:5000", sandbox_url="http://127.0.0.1:5001", key_dir=folder
    )
    return app.extensions["sandbox_lms"]


def test_issued_ids_survive_a_restart(tmp_path):
    first = lms(tmp_path)
    assert not first.registered_by_dr
    assert first.client_id == "pathmark-sandbox"  # config/sandbox.toml
    first.adopt_registration("pathmark-dr-1-abc123", "sandbox-dr-deployment-1")

    again = lms(tmp_path)
    assert again.registered_by_dr
    assert (again.client_id, again.deployment_id) == (
        "pathmark-dr-1-abc123",
        "sandbox-dr-deployment-1",
    )


def test_an_unreadable_record_means_registering_again(tmp_path):
    for text in ("{not json", '{"client_id": "x"}', "[1, 2]"):
        (tmp_path / REGISTRATION_FILE).write_text(text)
        restarted = lms(tmp_path)
        assert not restarted.registered_by_dr
        assert restarted.client_id == "pathmark-sandbox"


def test_without_a_folder_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = create_sandbox("http://localhost:5000", sandbox_url="http://127.0.0.1:5001")
    app.extensions["sandbox_lms"].adopt_registration("c", "d")
    assert list(tmp_path.iterdir()) == []
