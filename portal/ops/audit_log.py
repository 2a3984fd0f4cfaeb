"""The admin's reading of the audit log (审计日志): filtered search and the list of recorded actions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEvent
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.paging import Page, page_bounds


def search_page(
    session: Session,
    *,
    actor: Actor,
    action: str | None = None,
    actor_role: str | None = None,
    object_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    page_size: int = 100,
) -> Page:
    """One page of the filtered audit events, newest first, with how many there are in all (admins only)."""
    authorize(session, actor, "admin")
    limit, offset = page_bounds(page, page_size)
    conditions = []
    if action:
        conditions.append(AuditEvent.action.like(f"{action}%"))
    if actor_role:
        conditions.append(AuditEvent.actor_role == actor_role)
    if object_type:
        conditions.append(AuditEvent.object_type == object_type)
    if since:
        conditions.append(AuditEvent.occurred_at >= since)
    if until:
        conditions.append(AuditEvent.occurred_at < until)
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
    rows = session.scalars(
        select(AuditEvent).where(*conditions).order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
    )
    return Page(list(rows), total, page, page_size)


def actions(session: Session, *, actor: Actor) -> list[str]:
    """The distinct actions recorded so far (for the filter list)."""
    authorize(session, actor, "admin")
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
