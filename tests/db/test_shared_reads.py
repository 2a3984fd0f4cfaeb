"""One read-only unit of work per page run (`db.engine.shared_reads`): shared, and never stale after a write."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from db.engine import read_scope, session_scope, shared_reads
from db.models import User
from portal.auth import service as accounts
from portal.identity import service as identity
from tests import factories


@pytest.fixture
def account_reads(engine):
    """The SELECTs of the account table sent from now on."""
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT") and "FROM user_account" in statement:
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield sent
    event.remove(engine, "before_cursor_execute", count)


def _candidate(engine):
    with session_scope(engine) as session:
        user = factories.user(session, "candidate")
        return user.id, user.token_version or 0


def test_the_reads_of_a_run_share_one_unit_of_work_and_read_the_account_once(engine, account_reads):
    user_id, version = _candidate(engine)
    account_reads.clear()
    with shared_reads(engine):
        with read_scope(engine) as first:  # the entry point: who acts, and the unread count
            actor, unread = accounts.actor_and_unread(first, user_id=user_id, version=version)
        with read_scope(engine) as second:  # the page: its calls authorise the same account
            assert second is first
            assert identity.my_verification(second, actor=actor) is None
    assert actor is not None and actor.user_id == user_id and unread == 0
    assert len(account_reads) == 1
    with read_scope(engine) as apart, read_scope(engine) as other:  # outside a run: units of their own
        assert apart is not other


def test_a_write_during_the_run_is_seen_by_the_reads_after_it(engine):
    user_id, _ = _candidate(engine)
    with shared_reads(engine):
        with read_scope(engine) as session:
            before = session.scalar(select(func.count()).select_from(User))
            read_before = session.get(User, user_id)
        with session_scope(engine) as writer:  # the page's action, in a unit of work of its own
            factories.user(writer, "candidate")
            writer.get(User, user_id).display_name = "改过的名字"
        with read_scope(engine) as session:
            assert session.scalar(select(func.count()).select_from(User)) == before + 1
            assert session.get(User, user_id).display_name == "改过的名字"
    assert read_before.username  # what was read before the write stays usable, as after its own unit of work


def test_a_read_that_fails_leaves_the_run_reading(engine):
    user_id, _ = _candidate(engine)
    with shared_reads(engine):
        with pytest.raises(ZeroDivisionError), read_scope(engine) as session:
            session.get(User, user_id)
            _ = 1 / 0
        with read_scope(engine) as session:
            assert session.get(User, user_id).id == user_id


def test_a_revoked_or_disabled_account_is_no_one_and_the_unread_count_is_the_accounts(engine):
    from portal.message import service as messages

    user_id, version = _candidate(engine)
    other_id, _ = _candidate(engine)
    with session_scope(engine) as session:
        messages.send(session, user_id=user_id, title="通知", body="一")
        messages.send(session, user_id=user_id, title="通知", body="二")
        messages.send(session, user_id=other_id, title="通知", body="别人的")
    with read_scope(engine) as session:
        actor, unread = accounts.actor_and_unread(session, user_id=user_id, version=version)
        assert actor.user_id == user_id and unread == 2
        assert accounts.actor_and_unread(session, user_id=user_id, version=version + 1) == (None, 0)
    with session_scope(engine) as session:
        session.get(User, user_id).is_active = False
    with read_scope(engine) as session:
        assert accounts.actor_and_unread(session, user_id=user_id, version=version) == (None, 0)


def test_who_acts_brings_the_newest_exam_year_and_the_pages_look_up_asks_no_more(engine, sent_selects):
    from portal.declaration import exam_year
    from tests.progress.helpers import exam_year as open_year

    user_id, version = _candidate(engine)
    with session_scope(engine) as session:
        open_year(session, 2025)
        open_year(session, 2026)
    with shared_reads(engine), read_scope(engine) as session:
        actor, _, newest = accounts.actor_unread_and_newest_year(session, user_id=user_id, version=version)
        exam_year.remember_newest(session, newest)
        sent_selects.clear()
        assert actor is not None and exam_year.current_exam_year(session).year == 2026
        assert exam_year.get_exam_year(session, year=2026) is newest
        assert sent_selects == []  # the page's look-ups of the current year sent nothing
        assert exam_year.get_exam_year(session, year=2025).year == 2025  # another year is still read
    with session_scope(engine) as session:  # a write of the years: a unit of work that may write reads them
        open_year(session, 2027)
        assert exam_year.current_exam_year(session).year == 2027
    with shared_reads(engine), read_scope(engine) as session:  # and the next run's statement brings the new one
        assert accounts.actor_unread_and_newest_year(session, user_id=user_id, version=version)[2].year == 2027
