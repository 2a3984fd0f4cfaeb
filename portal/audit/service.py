"""Write audit events (append-only; the admin's reading of the log is portal/ops/audit_log.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from db.models import AuditEvent
from portal.core.actor import Actor


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object = None,
    summary: str = "",
) -> AuditEvent:
    """Append one audit event (summary must not contain personal data)."""
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_role=actor.role,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        summary=summary[:500],
    )
    session.add(event)
    session.flush()
    return event
