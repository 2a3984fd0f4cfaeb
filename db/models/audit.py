"""Append-only audit trail of every state change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, DateTime, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from portal.core.timeutil import utcnow


class AuditEvent(Base):
    """Who did what to which object, when; the summary never holds personal data."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(500), default="")


# The database itself refuses to change or delete audit rows, and (PostgreSQL) to empty the table with
# TRUNCATE, which fires no row trigger: a statement-level trigger refuses it for every role, superusers
# included (only a deliberate trigger bypass, `session_replication_role = replica`, which needs a superuser, gets
# past it; the test suite empties its tables that way). SQLite has no TRUNCATE.
# Migration 0011 holds a frozen copy of the TRUNCATE trigger.
APPEND_ONLY_DDL = {
    "sqlite": [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
        "CREATE OR REPLACE FUNCTION audit_event_no_truncate() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_event is append-only: TRUNCATE refused'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_no_truncate()",
    ],
}

for _dialect, _statements in APPEND_ONLY_DDL.items():
    for _statement in _statements:
        event.listen(AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
