"""The admin's reading of the audit log (审计日志): filtered search and the list of recorded actions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEvent
from portal.auth.authorization import authorize
from portal.core.actor import Actor


def search(
    session: Session,
    *,
    actor: Actor,
    action: str | None = None,
    actor_role: str | None = None,
    object_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1000,
) -> list[AuditEvent]:
    """Audit events, newest first, filtered (admins only)."""
    authorize(session, actor, "admin")
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action.like(f"{action}%"))
    if actor_role:
        query = query.where(AuditEvent.actor_role == actor_role)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if since:
        query = query.where(AuditEvent.occurred_at >= since)
    if until:
        query = query.where(AuditEvent.occurred_at < until)
    return list(session.scalars(query))


def actions(session: Session, *, actor: Actor) -> list[str]:
    """The distinct actions recorded so far (for the filter list)."""
    authorize(session, actor, "admin")
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
