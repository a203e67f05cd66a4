"""badges: each status list keeps the URL and issuer it was signed under

Revision ID: 0008_badge_status_identity
Revises: 0006b_badge_credit

Re-signing a list (on a revocation) must reuse the identity the list was
issued under, whatever base URL the re-signing process is configured with.
Existing lists take it from the credentials that point at them, which were
signed by the serving app; a list no award points at any more keeps the
identity of its own signed credential.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_badge_status_identity"
down_revision = "0006b_badge_credit"
branch_labels = None
depends_on = None

status_lists = sa.table(
    "badge_status_list",
    sa.column("id", sa.Integer()),
    sa.column("credential", sa.JSON()),
    sa.column("url", sa.String()),
    sa.column("issuer_did", sa.String()),
)
awards = sa.table(
    "badge_award",
    sa.column("status_list_id", sa.Integer()),
    sa.column("document", sa.JSON()),
)


def _issuer(document: dict) -> str | None:
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _identity(conn, list_id: int, credential: dict | None):
    documents = conn.execute(
        sa.select(awards.c.document).where(awards.c.status_list_id == list_id)
    ).scalars()
    for document in documents:
        status = (document or {}).get("credentialStatus") or {}
        url = status.get("statusListCredential")
        if url and _issuer(document):
            return url, _issuer(document)
    credential = credential or {}
    return credential.get("id"), _issuer(credential)


def upgrade():
    # Plain ALTER TABLE on both backends: a batch copy of this table would
    # trip SQLite's foreign key check from badge_award.
    op.add_column("badge_status_list", sa.Column("url", sa.String(500)))
    op.add_column("badge_status_list", sa.Column("issuer_did", sa.String(500)))
    conn = op.get_bind()
    rows = conn.execute(sa.select(status_lists.c.id, status_lists.c.credential))
    for list_id, credential in rows.all():
        url, issuer_did = _identity(conn, list_id, credential)
        conn.execute(
            status_lists.update()
            .where(status_lists.c.id == list_id)
            .values(url=url, issuer_did=issuer_did)
        )


def downgrade():
    op.drop_column("badge_status_list", "issuer_did")
    op.drop_column("badge_status_list", "url")
