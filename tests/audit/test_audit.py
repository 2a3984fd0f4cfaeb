"""The audit trail is append-only, in the database itself, and readable by admins only."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update

from db.models import AuditEvent
from portal.audit import service as audit
from portal.core.errors import PermissionDenied
from portal.ops import audit_log
from tests import factories


def test_database_refuses_changes_to_audit_rows(session):
    admin = factories.actor(session, "admin")
    event = audit.record(session, actor=admin, action="test.thing", object_type="x", object_id=1)
    session.commit()
    with pytest.raises(Exception, match="append-only"):
        session.execute(update(AuditEvent).where(AuditEvent.id == event.id).values(summary="changed"))
    session.rollback()
    with pytest.raises(Exception, match="append-only"):
        session.execute(delete(AuditEvent).where(AuditEvent.id == event.id))
    session.rollback()


def test_search_filters_and_is_admin_only(session):
    admin = factories.actor(session, "admin")
    audit.record(session, actor=admin, action="unit.bind", object_type="unit", object_id=1)
    audit.record(session, actor=admin, action="identity.approve", object_type="verification", object_id=2)
    found = audit_log.search_page(session, actor=admin, action="unit.")
    assert [e.action for e in found.rows] == ["unit.bind"] and found.total == 1
    assert "identity.approve" in audit_log.actions(session, actor=admin)
    with pytest.raises(PermissionDenied):
        audit_log.search_page(session, actor=factories.actor(session, "reviewer"))


def test_the_log_is_read_a_page_at_a_time_newest_first_with_the_filtered_total(session):
    admin = factories.actor(session, "admin")
    for number in range(1, 8):
        audit.record(session, actor=admin, action="unit.bind", object_type="unit", object_id=number)
    audit.record(session, actor=admin, action="identity.approve", object_type="verification", object_id=99)
    first = audit_log.search_page(session, actor=admin, action="unit.", page=1, page_size=3)
    last = audit_log.search_page(session, actor=admin, action="unit.", page=3, page_size=3)
    assert (first.total, first.pages) == (7, 3)
    assert [e.object_id for e in first.rows] == ["7", "6", "5"]
    assert [e.object_id for e in last.rows] == ["1"]
    with pytest.raises(PermissionDenied):
        audit_log.search_page(session, actor=factories.actor(session, "reviewer"))
