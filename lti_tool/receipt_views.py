"""Checking a receipt: its signature, and whether the evidence still matches.

A public page (and JSON for scripts): whoever holds a receipt already holds
what it says, so the answer reveals nothing more than per-artefact status.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, render_template, request

from lti_tool import media
from lti_tool.db import db
from lti_tool.events import event
from lti_tool.models import Artefact
from lti_tool.receipts import ReceiptInvalid, check_stored, read_file_text, verify
from lti_tool.services import services

bp = Blueprint("receipts", __name__)

MAX_RECEIPT_BYTES = 256 * 1024


def check_receipt(text: str) -> dict:
    """Signature and stored-artefact checks as plain data."""
    try:
        claims = verify(
            read_file_text(text),
            services().keyring.jwks(),
            issuer=current_app.config["BASE_URL"],
        )
    except ReceiptInvalid as exc:
        return {"valid": False, "problem": str(exc)}
    ids = [str(a.get("id")) for a in claims.get("artefacts", [])]
    rows = db.session.scalars(db.select(Artefact).where(Artefact.id.in_(ids))).all()
    checks = check_stored(claims, rows, media.store())
    return {
        "valid": True,
        "claims": claims,
        "artefacts": [{"id": c.artefact_id, "status": c.status} for c in checks],
        "all_match": all(c.ok for c in checks),
    }


@bp.route("/receipts/verify", methods=["GET", "POST"])
def verify_page():
    result = None
    if request.method == "POST":
        request.max_content_length = MAX_RECEIPT_BYTES
        sent = request.files.get("receipt")
        text = sent.read().decode("utf-8", "replace") if sent else ""
        text = text or request.form.get("text", "")
        result = check_receipt(text)
        event(
            "receipt.checked",
            valid=result["valid"],
            submission=(result.get("claims") or {}).get("submission", {}).get("id"),
            all_match=result.get("all_match"),
        )
        if request.accept_mimetypes.best == "application/json":
            return Response(json.dumps(result), mimetype="application/json")
    return render_template("receipts/verify.html", result=result)
