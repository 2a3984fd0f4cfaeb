"""授权访问消息's statements are built once and bound per call: two candidates in a row each get their own log,
counts and authorisations, and the page sends one statement for the log and one for the authorisations."""

from __future__ import annotations

from sqlalchemy import select

from db.models import PersonalDataAccess, User
from portal.access import service as access
from portal.core.actor import Actor
from tests import factories
from tests.sql import statements


def _two_candidates(session):
    """Two candidates, each bound to a unit of their own and read by it and by a reviewer."""
    reviewer = factories.actor(session, "reviewer")
    made = []
    for name, reads in (("武汉市第一医院", 2), ("宜昌市第二医院", 3)):
        unit = factories.unit(session, name=name)
        candidate = factories.user(session, "candidate")
        factories.bind(session, candidate, unit)
        unit_admin = factories.actor(session, "unit_admin", unit=unit)
        for _ in range(reads):
            access.record(session, actor=unit_admin, candidate_id=candidate.id, section="education")
        access.record(session, actor=reviewer, candidate_id=candidate.id, section="identity", action="review")
        made.append((Actor.of(candidate), name, reads))
    session.flush()
    return made


def test_two_candidates_in_a_row_each_read_their_own_log_counts_and_authorisations(session):
    (first, first_unit, first_reads), (second, second_unit, second_reads) = _two_candidates(session)
    for actor, unit_name, reads in ((first, first_unit, first_reads), (second, second_unit, second_reads)) * 2:
        log = access.access_log(session, actor=actor)
        assert len(log) == reads + 1
        assert {e.reader for e in log} == {unit_name, "省级审核员"}
        expected = {unit_name: reads, "省级审核员": 1}
        assert access.unread_counts(session, actor=actor) == expected
        assert access.unread_by_reader(log) == expected
        assert access.unread_count(session, actor=actor) == reads + 1
        granted = access.authorizations(session, actor=actor)
        assert [a.unit_name for a in granted.active] == [unit_name] and granted.ended == []


def test_the_unread_only_shape_and_the_limit_are_bound_each_call(session):
    (first, first_unit, _), (second, second_unit, _) = _two_candidates(session)
    newest = access.access_log(session, actor=first)[0]
    access.mark_read(session, actor=first, access_ids=[newest.id])
    assert [e.id for e in access.access_log(session, actor=first, limit=1)] == [newest.id]
    assert len(access.access_log(session, actor=second, limit=2)) == 2
    assert len(access.access_log(session, actor=second, limit=500)) == 4
    unread_first = access.access_log(session, actor=first, unread_only=True)
    assert newest.id not in [e.id for e in unread_first] and len(unread_first) == 2
    assert all(e.unread for e in unread_first)
    assert len(access.access_log(session, actor=second, unread_only=True, limit=1)) == 1
    assert len(access.access_log(session, actor=second, unread_only=True)) == 4
    assert access.unread_counts(session, actor=first) == {first_unit: 2}
    assert access.unread_by_reader(access.access_log(session, actor=first)) == {first_unit: 2}
    # the whole log read once more for the other candidate: nothing of the first one's marking shows there
    assert access.unread_counts(session, actor=second) == {second_unit: 3, "省级审核员": 1}


def test_counting_unread_entries_from_a_log_read_whole_matches_the_grouped_statement(session):
    (candidate, unit_name, _), _ = _two_candidates(session)
    rows = session.scalars(
        select(PersonalDataAccess)
        .where(PersonalDataAccess.candidate_id == candidate.user_id)
        .order_by(PersonalDataAccess.id)
    ).all()
    access.mark_read(session, actor=candidate, access_ids=[rows[1].id])  # one of the unit's two reads
    log = access.access_log(session, actor=candidate)
    assert (
        access.unread_by_reader(log)
        == access.unread_counts(session, actor=candidate)
        == {unit_name: 1, "省级审核员": 1}
    )
    assert access.unread_by_reader([]) == {}


def test_the_page_look_ups_send_one_statement_each(session):
    (candidate, _, _), _ = _two_candidates(session)
    account = session.get(User, candidate.user_id)  # as in a page run: the login check left it in the session
    with statements(session) as sent:
        access.authorizations(session, actor=candidate)
        access.log_and_unread(session, actor=candidate)
    assert len(sent) == 2 and account.is_active


def test_a_log_longer_than_the_page_reads_is_still_counted_whole(engine, monkeypatch):
    """授权访问消息 counts the unread entries it read; when the log is longer than that, the database counts."""
    from db.engine import session_scope
    from tests.app.helpers import assert_no_exception, login, new_app, texts

    with session_scope(engine) as setup:
        (candidate, unit_name, reads), _ = _two_candidates(setup)
        username = candidate.username
    monkeypatch.setattr(access, "LOG_LIMIT", reads)  # the page reads fewer entries than there are
    app = login(new_app(), username, factories.PASSWORD)
    app.switch_page("pages/candidate/access_log.py")
    app.run()
    assert_no_exception(app)
    shown = texts(app)
    assert f"访问记录（未读 {reads + 1}）" in shown
    assert f"{unit_name} {reads} 条未读" in shown and "省级审核员 1 条未读" in shown
    monkeypatch.setattr(access, "LOG_LIMIT", 500)  # the whole log read: counted from it, the same figures
    app.run()
    assert_no_exception(app)
    assert f"访问记录（未读 {reads + 1}）" in texts(app)
