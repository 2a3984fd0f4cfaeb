"""The admin's reading of the audit log (审计日志): filtered search and the list of recorded actions."""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from db.models import AuditEvent
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.paging import Page, page_bounds


def _conditions(shape: tuple[bool, ...]) -> list:
    """The WHERE clauses of a shape of the search (which of its filters apply), with bound parameters."""
    action, actor_role, object_type, since, until = shape
    conditions = []
    if action:
        conditions.append(AuditEvent.action.like(bindparam("action_like")))
    if actor_role:
        conditions.append(AuditEvent.actor_role == bindparam("actor_role"))
    if object_type:
        conditions.append(AuditEvent.object_type == bindparam("object_type"))
    if since:
        conditions.append(AuditEvent.occurred_at >= bindparam("since"))
    if until:
        conditions.append(AuditEvent.occurred_at < bindparam("until"))
    return conditions


# The search's statements, built once per shape of the call (which filters apply), the values bound: asked on
# every run of 审计日志, and building a statement costs more than the database takes to answer a page.
@functools.cache
def _page_statement(shape: tuple[bool, ...]) -> Select:
    # No window count here: the audit log grows with every login, and a count over the whole match would make
    # the database read every matching row before the page's first (the count below reads an index).
    return (
        select(AuditEvent)
        .where(*_conditions(shape))
        .order_by(AuditEvent.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


@functools.cache
def _count_statement(shape: tuple[bool, ...]) -> Select:
    return select(func.count()).select_from(AuditEvent).where(*_conditions(shape))


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
    values = {"limit": limit, "offset": offset}
    if action:
        values["action_like"] = f"{action}%"
    if actor_role:
        values["actor_role"] = actor_role
    if object_type:
        values["object_type"] = object_type
    if since:
        values["since"] = since
    if until:
        values["until"] = until
    shape = (bool(action), bool(actor_role), bool(object_type), bool(since), bool(until))
    total = session.scalar(_count_statement(shape), values) or 0
    found = session.scalars(_page_statement(shape), values).all() if total > offset else []
    return Page(list(found), total, page, page_size)


def actions(session: Session, *, actor: Actor) -> list[str]:
    """The distinct actions recorded so far (for the filter list)."""
    authorize(session, actor, "admin")
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
