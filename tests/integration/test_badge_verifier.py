"""Pathmark's credentials checked by an independent verifier over real HTTP.

``@digitalcredentials/verifier-core`` (npm, pinned in tests/verifier with
its lock file) runs in Node against a real Pathmark server on 127.0.0.1,
which serves the status lists, Pathmark's context and the did:web document.
The test runs once with a ``did:key`` issuer (nothing to resolve) and once
with ``did:web:127.0.0.1%3A<port>``, whose https:// document URL the Node
script fetches from the loopback server over plain HTTP; every other host
is refused inside the Node process (see tests/verifier/verify.mjs).

Outside CI the test skips when Node or the installed verifier is missing;
``PATHMARK_REQUIRE_VERIFIER=1`` (set by .ci/run) makes that a failure.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from werkzeug.serving import make_server

from lti_tool import catalogue, create_app
from lti_tool.badges import credit, issuance
from lti_tool.badges.multikey import did_key_method
from lti_tool.badges.proof import SigningKey, sign
from lti_tool.cli import main
from lti_tool.db import db, upgrade_schema, utcnow
from lti_tool.models import BadgeAward
from tests import badge_helpers as h

pytestmark = pytest.mark.http

VERIFIER = Path(__file__).parent.parent / "verifier"


def _verifier_or_skip() -> str:
    node = shutil.which("node")
    installed = (VERIFIER / "node_modules" / "@digitalcredentials").is_dir()
    if node and installed:
        return node
    why = "independent badge verifier unavailable: " + (
        "node not on PATH" if not node else "run `npm ci` in tests/verifier"
    )
    if os.environ.get("PATHMARK_REQUIRE_VERIFIER") == "1":
        pytest.fail(why + " (PATHMARK_REQUIRE_VERIFIER=1)")
    pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=["key", "web"])
def served(request, tmp_path):
    node = _verifier_or_skip()
    port = _free_port()
    app = create_app(
        {
            "database_url": f"sqlite:///{tmp_path / 'pathmark.db'}",
            "instance_path": str(tmp_path / "instance"),
            "keys_dir": str(tmp_path / "keys"),
            "base_url": f"http://127.0.0.1:{port}",
            "badge_did_method": request.param,
            "log_level": "WARNING",
        }
    )
    with app.app_context():
        upgrade_schema()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        flags = ["--loopback-https-as-http"] if request.param == "web" else []
        yield app, [node, str(VERIFIER / "verify.mjs"), *flags], tmp_path
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def run_verifier(command: list[str], folder: Path, documents: dict) -> dict:
    files = []
    for name, document in documents.items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(document))
        files.append(str(path))
    done = subprocess.run(
        [*command, *files],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    lines = [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{")]
    return {Path(r["file"]).stem: r for r in lines}


def test_independent_verifier_accepts_ours_and_catches_changes(served):
    app, command, folder = served
    with app.app_context():
        learner = h.person()
        first = h.credential("intro-yourself", title="Introduce yourself")
        second = h.credential("buy-or-return", title="Buy, book or return")
        catalogue.save_pathway(
            {
                "key": "everyday-speaker",
                "title": "Everyday Speaker (A2)",
                "description": "Either of two spoken A2 credentials.",
                "credentials": ["intro-yourself", "buy-or-return"],
                # One is enough, so the pathway badge outlives the revocation
                # of the first credential below.
                "required": 1,
            }
        )
        h.release(learner.id, first.id)
        h.release(learner.id, second.id, assessment_id=2)
        db.session.commit()
        awards = db.session.scalars(db.select(BadgeAward)).all()
        award = next(a for a in awards if a.key == "intro-yourself")
        pathway = next(a for a in awards if a.kind == "pathway")
        learner_id, pathway_id = learner.id, pathway.id
        listing = issuance.status_document(award.status_list_id)

        tampered = json.loads(
            json.dumps(award.document).replace(
                "Introduce yourself", "Introduce yourselF", 1
            )
        )
        stranger = Ed25519PrivateKey.generate()
        unsigned = {k: v for k, v in award.document.items() if k != "proof"}
        wrong_key = sign(
            copy.deepcopy(unsigned),
            SigningKey(stranger, did_key_method(stranger.public_key())),
            utcnow(),
            issuance.badges().loader,
        )
        documents = {
            "award": award.document,
            "pathway": pathway.document,
            "status": listing,
            "tampered": tampered,
            "wrong_key": wrong_key,
        }

    results = run_verifier(command, folder, documents)
    assert results["award"]["signature"] is True, results["award"]
    assert results["award"]["revocation"] is True
    assert results["award"]["schema"] is True
    assert results["pathway"]["signature"] is True, results["pathway"]
    assert results["pathway"]["revocation"] is True
    assert results["status"]["signature"] is True, results["status"]
    for name in ("tampered", "wrong_key"):
        assert results[name]["signature"] is not True
        assert any(e.startswith("invalid_signature") for e in results[name]["errors"])

    with app.app_context():
        issuance.revoke(award.id, "Evidence was not the learner's own")
        # A new issuer key signs from now on; earlier badges keep verifying.
        issuance.badges().keys.rotate()
        newcomer = h.person(email="new@example.org", sub="u-new")
        h.release(newcomer.id, award.credential_version_id, assessment_id=3)
        db.session.commit()
        revoked_doc = db.session.get(BadgeAward, award.id).document
        newcomer_award = db.session.scalar(
            db.select(BadgeAward).where(BadgeAward.person_id == newcomer.id)
        )
        rotated = newcomer_award.document
        # The learner's consent re-issues the first award with a public note.
        credit.add_note(
            db.session.get(BadgeAward, pathway_id),
            learner_id,
            "Held two A2 credentials",
            "Both recordings",
            "Online course",
        )
        credit.consent(db.session.get(BadgeAward, pathway_id))
        db.session.commit()
        with_note = db.session.get(BadgeAward, pathway_id).document
        assert "publicCredit" in with_note["credentialSubject"]
        pathway_doc = pathway.document
    assert (
        rotated["proof"][0]["verificationMethod"]
        != revoked_doc["proof"][0]["verificationMethod"]
    )

    after = run_verifier(
        command,
        folder,
        {
            "revoked": revoked_doc,
            "rotated": rotated,
            "before_rotation": pathway_doc,
            "with_note": with_note,
        },
    )
    assert after["revoked"]["signature"] is True
    assert after["revoked"]["revocation"] is False
    for name in ("rotated", "with_note"):
        assert after[name]["signature"] is True, after[name]
        assert after[name]["revocation"] is True, after[name]
    # Signed with the key before the rotation; superseded by the re-issue.
    assert after["before_rotation"]["signature"] is True
    assert after["before_rotation"]["revocation"] is False


def test_a_list_revoked_under_another_base_url_still_verifies(served):
    """The CLI run with another base URL re-signs the list as it was issued."""
    app, command, folder = served
    with app.app_context():
        learner = h.person()
        h.release(learner.id, h.credential().id)
        db.session.commit()
        award_id = db.session.scalars(db.select(BadgeAward.id)).one()
    elsewhere = create_app(
        {
            "database_url": f"sqlite:///{folder / 'pathmark.db'}",
            "instance_path": str(folder / "instance"),
            "keys_dir": str(folder / "keys"),
            "base_url": "http://cli-host.invalid:5000",
            "badge_did_method": app.config["BADGE_DID_METHOD"],
            "log_level": "WARNING",
        }
    )
    done = elsewhere.test_cli_runner().invoke(
        main, ["awards", "revoke", award_id, "--reason", "Issued in error"]
    )
    assert done.exit_code == 0, done.output
    with elsewhere.app_context():
        db.engine.dispose()
    with app.app_context():
        award = db.session.get(BadgeAward, award_id)
        documents = {
            "revoked": award.document,
            "status": issuance.status_document(award.status_list_id),
        }

    results = run_verifier(command, folder, documents)
    assert results["status"]["signature"] is True, results["status"]
    assert results["revoked"]["signature"] is True, results["revoked"]
    assert results["revoked"]["revocation"] is False, results["revoked"]
