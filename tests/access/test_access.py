"""Personal-data access: a record for each reader role and kind of access, none for own reads, units read only
while bound, analysts never, and the candidate's plain-Chinese log with unread counts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.engine import session_scope
from db.models import AuditEvent, PersonalDataAccess, UnitBinding, User
from portal.access import service as access
from portal.core.actor import SYSTEM, Actor
from portal.core.errors import PermissionDenied
from portal.core.timeutil import utcnow
from tests import factories

KINDS = ["view", "edit", "export", "review"]


def log_rows(session, candidate_id: int) -> list[PersonalDataAccess]:
    return list(
        session.scalars(
            select(PersonalDataAccess)
            .where(PersonalDataAccess.candidate_id == candidate_id)
            .order_by(PersonalDataAccess.id)
        )
    )


@pytest.fixture
def world(session):
    """A unit (武汉市某医院) with its admin, a bound candidate, a reviewer, an admin and an analyst (committed)."""
    unit = factories.unit(session, name="武汉市某医院")
    other_unit = factories.unit(session, name="宜昌市另一医院", region_code="420502")
    candidate = factories.user(session, "candidate")
    factories.bind(session, candidate, unit)
    made = {
        "unit": unit,
        "candidate": Actor.of(candidate),
        "other_candidate": factories.actor(session, "candidate"),
        "unit_admin": factories.actor(session, "unit_admin", unit=unit),
        "other_unit_admin": factories.actor(session, "unit_admin", unit=other_unit),
        "reviewer": factories.actor(session, "reviewer"),
        "admin": factories.actor(session, "admin"),
        "analyst": factories.actor(session, "analyst"),
    }
    session.commit()
    return made


@pytest.mark.parametrize("role", ["unit_admin", "reviewer", "admin"])
@pytest.mark.parametrize("kind", KINDS)
def test_each_reader_role_and_kind_of_access_is_recorded(session, world, role, kind):
    reader = world[role]
    candidate = world["candidate"]
    access.require_bound(session, actor=reader, candidate_id=candidate.user_id, section="education", action=kind)
    rows = log_rows(session, candidate.user_id)
    assert [(r.reader_role, r.action, r.section) for r in rows] == [(role, kind, "education")]
    assert rows[0].reader_unit_id == (world["unit"].id if role == "unit_admin" else None)

    entry = access.access_log(session, actor=candidate)[0]
    who = {"unit_admin": "武汉市某医院", "reviewer": "省级审核员", "admin": "系统管理员"}[role]
    verb = {"view": "查看了", "edit": "修改了", "export": "导出了", "review": "审核了"}[kind]
    assert entry.sentence.startswith(f"{who} 于 ")
    assert entry.sentence.endswith(f"{verb}您的学历信息")
    assert entry.unread


def test_the_system_reading_is_recorded_as_such(session, world):
    candidate = world["candidate"]
    access.require_bound(session, actor=SYSTEM, candidate_id=candidate.user_id, section="basic", action="export")
    assert access.access_log(session, actor=candidate)[0].sentence.startswith("系统 于 ")


def test_the_candidates_own_reads_write_nothing(session, world):
    candidate = world["candidate"]
    for kind in KINDS:
        access.require_bound(session, actor=candidate, candidate_id=candidate.user_id, section="basic", action=kind)
        access.record(session, actor=candidate, candidate_id=candidate.user_id, section="basic", action=kind)
    assert log_rows(session, candidate.user_id) == []
    assert access.unread_count(session, actor=candidate) == 0


def test_a_candidate_cannot_read_another_candidates_data(session, world):
    with pytest.raises(PermissionDenied):
        access.require_bound(
            session, actor=world["other_candidate"], candidate_id=world["candidate"].user_id, section="basic"
        )
    with pytest.raises(PermissionDenied):
        access.record(session, actor=world["other_candidate"], candidate_id=world["candidate"].user_id, section="basic")
    assert log_rows(session, world["candidate"].user_id) == []


@pytest.mark.parametrize("kind", KINDS)
def test_analysts_never_get_personal_data(session, world, kind):
    candidate = world["candidate"]
    with pytest.raises(PermissionDenied, match="统计分析"):
        access.require_bound(
            session, actor=world["analyst"], candidate_id=candidate.user_id, section="basic", action=kind
        )
    with pytest.raises(PermissionDenied):
        access.record(session, actor=world["analyst"], candidate_id=candidate.user_id, section="basic", action=kind)
    assert log_rows(session, candidate.user_id) == []
    assert session.scalar(select(func.count()).where(AuditEvent.action == "access.refused")) == 1


def test_a_unit_never_bound_is_refused(session, world):
    candidate = world["candidate"]
    with pytest.raises(PermissionDenied, match="未绑定本单位"):
        access.require_bound(session, actor=world["other_unit_admin"], candidate_id=candidate.user_id, section="basic")
    session.rollback()
    [row] = log_rows(session, candidate.user_id)
    assert row.action == "view_denied"
    assert "宜昌市另一医院" in access.access_log(session, actor=candidate)[0].sentence


@pytest.mark.parametrize("kind", KINDS)
def test_a_unit_whose_binding_ended_can_no_longer_read_and_the_refusal_is_logged(engine, world, kind):
    candidate, unit_admin = world["candidate"], world["unit_admin"]
    with session_scope(engine) as s:
        access.require_bound(s, actor=unit_admin, candidate_id=candidate.user_id, section="education")
        binding = s.scalar(select(UnitBinding).where(UnitBinding.candidate_id == candidate.user_id))
        binding.ended_at = utcnow()
        binding.end_reason = "考生解绑单位"

    # The caller's unit of work fails and rolls back; the refused attempt stays in the candidate's log.
    with pytest.raises(PermissionDenied, match="绑定已结束"):
        with session_scope(engine) as s:
            access.require_bound(s, actor=unit_admin, candidate_id=candidate.user_id, section="education", action=kind)

    with session_scope(engine) as s:
        rows = log_rows(s, candidate.user_id)
        assert [r.action for r in rows] == ["view", "view_denied"]
        log = access.access_log(s, actor=candidate)
        assert log[0].action == "view_denied"
        assert log[0].sentence.startswith("武汉市某医院 于 ")
        assert "尝试查看您的学历信息" in log[0].sentence and "被拒绝" in log[0].sentence
        assert "查看了您的学历信息" in log[1].sentence
        granted = access.authorizations(s, actor=candidate)
        assert granted.active == []
        assert [(a.unit_name, a.end_reason) for a in granted.ended] == [("武汉市某医院", "考生解绑单位")]
        assert granted.ended[0].until is not None


def test_refused_attempt_is_kept_in_the_callers_session_when_it_cannot_be_written_apart(session):
    """With uncommitted data the separate write would wait on the caller; it falls back to the caller's session."""
    unit = factories.unit(session)
    candidate = factories.user(session, "candidate")
    stranger = factories.actor(session, "unit_admin", unit=unit)
    with pytest.raises(PermissionDenied):
        access.require_bound(session, actor=stranger, candidate_id=candidate.id, section="basic")
    assert [r.action for r in log_rows(session, candidate.id)] == ["view_denied"]


def test_log_is_newest_first_in_plain_chinese_with_unread_counts(session, world):
    candidate, unit_admin, reviewer = world["candidate"], world["unit_admin"], world["reviewer"]
    for when, actor, section, kind in [
        (datetime(2026, 3, 2, 2, 0), unit_admin, "education", "view"),
        (datetime(2026, 3, 5, 3, 0), reviewer, "identity", "review"),
        (datetime(2026, 3, 1, 1, 0), unit_admin, "declaration", "export"),
    ]:
        access.record(session, actor=actor, candidate_id=candidate.user_id, section=section, action=kind)
        log_rows(session, candidate.user_id)[-1].created_at = when
    session.flush()

    log = access.access_log(session, actor=candidate)
    assert [e.sentence for e in log] == [
        "省级审核员 于 2026-03-05 审核了您的实名认证信息",
        "武汉市某医院 于 2026-03-02 查看了您的学历信息",
        "武汉市某医院 于 2026-03-01 导出了您的申报信息",
    ]
    assert access.unread_count(session, actor=candidate) == 3
    assert access.unread_counts(session, actor=candidate) == {"武汉市某医院": 2, "省级审核员": 1}

    # Another candidate can neither see nor mark these entries.
    assert access.access_log(session, actor=world["other_candidate"]) == []
    assert access.mark_read(session, actor=world["other_candidate"], access_ids=[e.id for e in log]) == 0

    assert access.mark_read(session, actor=candidate, access_ids=[log[0].id]) == 1
    assert access.unread_count(session, actor=candidate) == 2
    assert [e.unread for e in access.access_log(session, actor=candidate)] == [False, True, True]
    assert len(access.access_log(session, actor=candidate, unread_only=True)) == 2
    assert access.mark_read(session, actor=candidate) == 2
    assert access.unread_count(session, actor=candidate) == 0


def test_the_log_names_role_and_unit_never_the_staff_member(session, world):
    candidate, unit_admin = world["candidate"], world["unit_admin"]
    access.record(session, actor=unit_admin, candidate_id=candidate.user_id, section="basic")
    access.record(session, actor=world["reviewer"], candidate_id=candidate.user_id, section="identity")
    text = " ".join(f"{e.sentence} {e.reader} {e.reader_role}" for e in access.access_log(session, actor=candidate))
    for staff in (unit_admin, world["reviewer"]):
        assert staff.display_name not in text
        assert staff.username not in text


def test_only_candidates_read_an_access_log(session, world):
    for role in ("unit_admin", "reviewer", "admin", "analyst"):
        with pytest.raises(PermissionDenied):
            access.access_log(session, actor=world[role])


def test_authorizations_show_the_active_unit_and_ended_ones(session, world):
    candidate = world["candidate"]
    binding = session.scalar(select(UnitBinding).where(UnitBinding.candidate_id == candidate.user_id))
    binding.created_at = utcnow() - timedelta(days=30)
    binding.ended_at = utcnow() - timedelta(days=2)
    binding.end_reason = "更换单位"
    session.flush()
    other = factories.unit(session, name="襄阳市新单位", region_code="420602")
    factories.bind(session, _user(session, candidate), other)
    granted = access.authorizations(session, actor=candidate)
    assert [a.unit_name for a in granted.active] == ["襄阳市新单位"]
    assert [a.unit_name for a in granted.ended] == ["武汉市某医院"]
    assert granted.ended[0].until < utcnow()


def _user(session, actor: Actor):
    from db.models import User

    return session.get(User, actor.user_id)


def test_a_list_viewed_again_within_the_hour_is_one_entry_other_actions_every_time(session, world):
    """A unit's list is drawn on every click: the candidate's log shows one look per hour, each export."""
    reader, candidate = world["unit_admin"], world["candidate"].user_id
    other = world["other_candidate"].user_id
    for _ in range(3):
        access.record_many(session, actor=reader, candidate_ids=[candidate, candidate], section="declaration")
    assert [(r.action, r.section) for r in log_rows(session, candidate)] == [("view", "declaration")]
    access.record_many(session, actor=reader, candidate_ids=[candidate], section="unit_binding")  # another section
    access.record_many(session, actor=world["reviewer"], candidate_ids=[candidate], section="declaration")
    access.record_many(session, actor=reader, candidate_ids=[candidate, other], section="declaration")
    assert len(log_rows(session, candidate)) == 3 and len(log_rows(session, other)) == 1
    for _ in range(2):
        access.record_many(session, actor=reader, candidate_ids=[candidate], section="declaration", action="export")
    assert [r.action for r in log_rows(session, candidate)].count("export") == 2
    # An hour later the same list is a new look.
    for row in log_rows(session, candidate):
        row.created_at = utcnow() - access.LIST_VIEW_REPEAT - timedelta(minutes=1)
    session.flush()
    access.record_many(session, actor=reader, candidate_ids=[candidate], section="declaration")
    assert len(log_rows(session, candidate)) == 6


def test_a_list_read_in_a_pages_read_only_look_ups_is_logged_in_a_unit_of_work_of_its_own(engine):
    """A unit's 已绑定考生 list reads in the page run's read-only unit of work: its first view writes the access
    log at once (the candidate sees it), a rerun within the hour writes nothing and stays a read."""
    from db.engine import read_scope, session_scope, shared_reads
    from portal.unit import binding

    with session_scope(engine) as setup:
        unit = factories.unit(setup)
        admin = factories.actor(setup, "unit_admin", unit=unit)
        candidate = factories.verified_candidate(setup)
        factories.bind(setup, candidate, unit)
        candidate_id = candidate.id

    def logged() -> int:
        with session_scope(engine) as check:
            return check.scalar(
                select(func.count())
                .select_from(PersonalDataAccess)
                .where(PersonalDataAccess.candidate_id == candidate_id)
            )

    for _ in range(2):
        with shared_reads(engine), read_scope(engine) as reading:
            rows = binding.bound_candidates(reading, actor=admin)
            assert [row.candidate_id for row in rows] == [candidate_id]
            # what the list read stays usable after the log was written beside it
            assert rows[0].real_name and rows[0].masked_number
        assert logged() == 1  # once: the second look within the hour is the same look
    with session_scope(engine) as own:
        entries = access.access_log(own, actor=Actor.of(own.get(User, candidate_id)))
        assert [entry.section for entry in entries] == ["单位绑定信息"]  # what the candidate reads
