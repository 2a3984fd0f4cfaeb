"""审计日志's search: its statements are built once per shape (which filters apply) and bound per call, so that
every shape, with two different values in a row, pages (past the end too) as a plain filter of the whole log."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from sqlalchemy import select

from db.models import AuditEvent, User
from portal.ops import audit_log
from tests import factories
from tests.sql import statements

DAYS = [datetime(2026, 3, day, 8, 0) for day in range(1, 7)]
# Two values for each filter: the second search of a shape must not answer with the first one's values.
VALUES = {
    "action": ("unit.", "identity.approve"),
    "actor_role": ("admin", "reviewer"),
    "object_type": ("unit", "verification"),
    "since": (DAYS[1], DAYS[3]),
    "until": (DAYS[4], DAYS[2]),
}


@pytest.fixture
def admin(session):
    admin = factories.actor(session, "admin")
    reviewer = factories.actor(session, "reviewer")
    for n, (who, action, object_type) in enumerate(
        itertools.product(
            (admin, reviewer),
            ("unit.bind", "unit.unbind", "identity.approve", "identity.approver"),
            ("unit", "verification"),
        )
    ):
        session.add(
            AuditEvent(
                occurred_at=DAYS[n % len(DAYS)],
                actor_id=who.user_id,
                actor_role=who.role,
                action=action,
                object_type=object_type,
                object_id=str(n),
            )
        )
    session.flush()
    return admin


def expected(session, filters: dict) -> list[int]:
    """The ids the search must give, newest first: the whole log filtered here."""
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).all()
    return [
        row.id
        for row in rows
        if (not filters.get("action") or row.action.startswith(filters["action"]))
        and (not filters.get("actor_role") or row.actor_role == filters["actor_role"])
        and (not filters.get("object_type") or row.object_type == filters["object_type"])
        and (not filters.get("since") or row.occurred_at >= filters["since"])
        and (not filters.get("until") or row.occurred_at < filters["until"])
    ]


@pytest.mark.parametrize("shape", list(itertools.product((False, True), repeat=len(VALUES))), ids=str)
def test_each_shape_with_two_values_in_a_row_pages_like_a_filter_of_the_whole_log(session, admin, shape):
    for round_ in (0, 1, 0):
        filters = {name: values[round_] for (name, values), on in zip(VALUES.items(), shape, strict=True) if on}
        want = expected(session, filters)
        page_size = 3
        for page in range(1, len(want) // page_size + 3):  # every page, then one past the end
            found = audit_log.search_page(session, actor=admin, page=page, page_size=page_size, **filters)
            assert [e.id for e in found.rows] == want[(page - 1) * page_size : page * page_size], (filters, page)
            assert found.total == len(want), (filters, page)
            assert (found.page, found.page_size) == (page, page_size)


def test_a_page_is_its_count_and_its_rows_and_past_the_end_only_the_count(session, admin):
    account = session.get(User, admin.user_id)  # as in a page run: the login check left it in the session
    with statements(session) as sent:
        found = audit_log.search_page(session, actor=admin, action="unit.", actor_role="admin", page_size=5)
    assert len(sent) == 2 and found.total == 4 and len(found.rows) == 4
    with statements(session) as sent:
        beyond = audit_log.search_page(session, actor=admin, action="unit.", actor_role="admin", page=3, page_size=5)
    assert len(sent) == 1 and beyond.total == 4 and beyond.rows == []
    with statements(session) as sent:
        none = audit_log.search_page(session, actor=admin, action="nothing.")
    assert len(sent) == 1 and (none.total, none.rows) == (0, [])
    assert account.is_active


def test_the_action_filter_matches_a_prefix(session, admin):
    found = audit_log.search_page(session, actor=admin, action="identity.approve", page_size=100)
    assert {e.action for e in found.rows} == {"identity.approve", "identity.approver"}
    found = audit_log.search_page(session, actor=admin, action="identity.approver", page_size=100)
    assert {e.action for e in found.rows} == {"identity.approver"}
