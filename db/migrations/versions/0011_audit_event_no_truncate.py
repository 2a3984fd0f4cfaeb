"""audit_event: PostgreSQL refuses TRUNCATE (a statement-level trigger; row triggers do not fire on it)

Revision ID: 0011_audit_no_truncate
Revises: 0010_identity_appeal
Create Date: 2026-12-02 14:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_audit_no_truncate"
down_revision: str | None = "0010_identity_appeal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Same DDL as db/models/audit.py: refused for every role, superusers included.
# SQLite has no TRUNCATE (its DELETE triggers from 0001 already refuse emptying the table).
NO_TRUNCATE = [
    "CREATE OR REPLACE FUNCTION audit_event_no_truncate() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_event is append-only: TRUNCATE refused'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_no_truncate()",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in NO_TRUNCATE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
    op.execute("DROP FUNCTION IF EXISTS audit_event_no_truncate()")
