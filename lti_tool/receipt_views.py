"""Checking a receipt: its signature, its issuer, and the stored evidence.

A public page (and JSON for scripts): whoever holds a receipt already holds
what it says, so the answer reveals nothing more than per-artefact status.
Each finding is reported on its own (signature and key, issuer, each
artefact), so a receipt made under another base URL is not mistaken for a
forged one.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from lti_tool import media
from lti_tool.body_limits import answers_own_too_large
from lti_tool.db import db
from lti_tool.events import event
from lti_tool.keys import KeyRingError
from lti_tool.models import Artefact
from lti_tool.receipts import ReceiptInvalid, check_stored, read_file_text, verify
from lti_tool.services import services

bp = Blueprint("receipts", __name__)

MAX_RECEIPT_BYTES = 256 * 1024


def _signature_json(found) -> dict:
    return {
        "valid": found.ok,
        "kid": found.kid,
        "key": found.key,
        "retired_at": found.retired_at.isoformat() if found.retired_at else None,
        "says": found.describe(),
    }


def check_receipt(text: str, *, rehash: bool = False) -> dict:
    """Signature, issuer and stored-artefact checks as plain data.

    ``valid`` means the signature holds under a key this Pathmark publishes
    and the receipt names this Pathmark as issuer; ``problem`` says which
    failed. Artefacts are checked whenever the signature holds, since only
    then are the receipt's digests Pathmark's own words.
    """
    try:
        published = services().keyring.published()
    except KeyRingError:
        problem = "this Pathmark has no signing keys to check receipts with"
        return {"valid": False, "problem": problem}
    try:
        found = verify(read_file_text(text), published)
    except ReceiptInvalid as exc:
        return {"valid": False, "problem": str(exc)}
    result: dict = {"signature": _signature_json(found)}
    if not found.ok:
        problem = f"the signature {found.describe()}"
        return {**result, "valid": False, "problem": problem}
    claims = found.claims
    here = current_app.config["BASE_URL"]
    named = claims.get("iss")
    result["issuer"] = {"matches": named == here, "receipt": named, "this": here}
    result["valid"] = named == here
    if named != here:
        result["problem"] = (
            f"the receipt was issued by {named}, but this Pathmark is {here}; "
            "if Pathmark moved, check it with PATHMARK_BASE_URL set to the "
            "address it had then"
        )
    ids = [str(a.get("id")) for a in claims.get("artefacts", [])]
    rows = db.session.scalars(db.select(Artefact).where(Artefact.id.in_(ids))).all()
    checks = check_stored(claims, rows, media.store(), rehash=rehash)
    return {
        **result,
        "claims": claims,
        "artefacts": [
            {"id": c.artefact_id, "status": c.status, "says": c.sentence}
            for c in checks
        ],
        "all_match": all(c.ok for c in checks),
        "bytes_reread": rehash,
    }


@bp.route("/receipts/verify", methods=["GET", "POST"])
@answers_own_too_large
def verify_page():
    result = None
    if request.method == "POST":
        request.max_content_length = MAX_RECEIPT_BYTES
        try:
            sent = request.files.get("receipt")
            text = sent.read().decode("utf-8", "replace") if sent else ""
            text = text or request.form.get("text", "")
        except RequestEntityTooLarge:
            return _too_large()
        # The public page never re-reads stored bytes: a large receipt posted
        # in a loop would otherwise cost its whole evidence in disk reads and
        # SHA-256 per request. It compares the receipt with the digests taken
        # while the evidence streamed in (objects are stored under them) and
        # with the stored size. Limit: bytes changed in storage at the same
        # length show only in `lti-tool receipts verify`, which re-hashes.
        result = check_receipt(text, rehash=False)
        event(
            "receipt.checked",
            valid=result["valid"],
            signature=(result.get("signature") or {}).get("valid"),
            submission=(result.get("claims") or {}).get("submission", {}).get("id"),
            all_match=result.get("all_match"),
        )
        if request.accept_mimetypes.best == "application/json":
            return Response(json.dumps(result), mimetype="application/json")
    return render_template("receipts/verify.html", result=result)


def _too_large() -> Response:
    """A body larger than any receipt: said on the page, or as JSON."""
    event("receipt.checked", valid=False, reason="too_large")
    result = {
        "valid": False,
        "problem": "the file is larger than any Pathmark receipt (256 kB); "
        "choose the .jws file Pathmark gave you",
    }
    if request.accept_mimetypes.best == "application/json":
        return Response(json.dumps(result), status=413, mimetype="application/json")
    page = render_template("receipts/verify.html", result=result)
    return Response(page, status=413)
