"""Binding a work unit: codes, lockout, suspended units, change and unbind history, concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEvent, Message, UnitBinding, UnitCodeAttempt
from portal.core.actor import Actor
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.core.timeutil import utcnow
from portal.unit import binding as bindings
from portal.unit import confirmation_code, roster
from portal.unit.policy import CODE_ALPHABET
from tests import factories


def unit_with_code(session, **kwargs):
    unit = factories.unit(session, **kwargs)
    admin = factories.actor(session, "unit_admin", unit=unit)
    return unit, confirmation_code.rotate_code(session, actor=admin, unit_id=unit.id), admin


@pytest.fixture
def candidate(session):
    return Actor.of(factories.verified_candidate(session))


def test_right_code_binds_and_is_audited_and_messaged(session, candidate):
    unit, code, _ = unit_with_code(session)
    binding = bindings.bind(session, actor=candidate, unit_id=unit.id, code=code.lower())
    assert bindings.current_binding(session, candidate_id=candidate.user_id).id == binding.id
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "unit.bind")) is not None
    titles = list(session.scalars(select(Message.title).where(Message.user_id == candidate.user_id)))
    assert titles == ["工作单位绑定成功"]


def test_code_is_stored_only_as_a_hash(session):
    unit, code, _ = unit_with_code(session)
    assert len(code) >= 8 and set(code) <= set(CODE_ALPHABET)
    assert not set(code) & set("01OIL")
    assert code not in unit.confirmation_code_hash
    assert unit.code_rotated_at is not None


def test_wrong_code_is_refused_and_counted(session, candidate):
    unit, code, _ = unit_with_code(session)
    with pytest.raises(confirmation_code.WrongCode) as caught:
        bindings.bind(session, actor=candidate, unit_id=unit.id, code="WRONG23456")
    assert "再输错 4 次" in caught.value.message
    assert bindings.current_binding(session, candidate_id=candidate.user_id) is None
    assert session.scalar(select(func.count()).select_from(UnitCodeAttempt)) == 1


def test_five_wrong_codes_lock_out_for_30_minutes_then_expire(session, candidate, monkeypatch):
    unit, code, _ = unit_with_code(session)
    for _ in range(4):
        with pytest.raises(confirmation_code.WrongCode):
            bindings.bind(session, actor=candidate, unit_id=unit.id, code="WRONG23456")
    with pytest.raises(confirmation_code.WrongCode) as fifth:
        bindings.bind(session, actor=candidate, unit_id=unit.id, code="WRONG23456")
    assert "30 分钟" in fifth.value.message and "后再试" in fifth.value.message
    assert fifth.value.locked_until is not None
    # Even the right code is refused while locked, and also for another unit.
    other, other_code, _ = unit_with_code(session)
    with pytest.raises(confirmation_code.BindingLocked):
        bindings.bind(session, actor=candidate, unit_id=unit.id, code=code)
    with pytest.raises(confirmation_code.BindingLocked):
        bindings.bind(session, actor=candidate, unit_id=other.id, code=other_code)
    later = utcnow() + timedelta(minutes=31)
    monkeypatch.setattr(confirmation_code, "utcnow", lambda: later)
    assert bindings.bind(session, actor=candidate, unit_id=unit.id, code=code) is not None


def test_failures_survive_a_committed_unit_of_work(engine):
    """The failed attempt is written before WrongCode is raised: committing keeps the count."""
    with Session(engine, expire_on_commit=False) as session:
        unit, code, _ = unit_with_code(session)
        candidate = Actor.of(factories.verified_candidate(session))
        session.commit()
    for _ in range(5):
        with Session(engine, expire_on_commit=False) as session:
            with pytest.raises(confirmation_code.WrongCode):
                bindings.bind(session, actor=candidate, unit_id=unit.id, code="WRONG23456")
            session.commit()
    with Session(engine, expire_on_commit=False) as session:
        assert confirmation_code.lockout_until(session, candidate_id=candidate.user_id) is not None


def test_success_resets_the_counter(session, candidate):
    unit, code, _ = unit_with_code(session)
    for _ in range(4):
        with pytest.raises(confirmation_code.WrongCode):
            bindings.bind(session, actor=candidate, unit_id=unit.id, code="WRONG23456")
    bindings.bind(session, actor=candidate, unit_id=unit.id, code=code)
    bindings.unbind(session, actor=candidate)
    with pytest.raises(confirmation_code.WrongCode) as caught:
        bindings.bind(session, actor=candidate, unit_id=unit.id, code="WRONG23456")
    assert "再输错 4 次" in caught.value.message


def test_rotated_code_replaces_the_old_one_at_once(session, candidate):
    unit, old_code, admin = unit_with_code(session)
    new_code = confirmation_code.rotate_code(session, actor=admin)
    assert new_code != old_code
    with pytest.raises(confirmation_code.WrongCode):
        bindings.bind(session, actor=candidate, unit_id=unit.id, code=old_code)
    bindings.bind(session, actor=candidate, unit_id=unit.id, code=new_code)


def test_suspended_unit_cannot_be_bound(session, candidate):
    unit, code, _ = unit_with_code(session)
    reviewer = factories.actor(session, "reviewer")
    roster.set_status(session, actor=reviewer, unit_id=unit.id, status="suspended")
    with pytest.raises(PermissionDenied, match="暂停"):
        bindings.bind(session, actor=candidate, unit_id=unit.id, code=code)
    assert session.scalar(select(func.count()).select_from(UnitCodeAttempt)) == 0


def test_unit_without_code_cannot_be_bound(session, candidate):
    unit = factories.unit(session)
    with pytest.raises(ValidationFailed, match="尚未生成"):
        bindings.bind(session, actor=candidate, unit_id=unit.id, code="ABCDEFGH")


def test_unverified_candidate_cannot_bind(session):
    unit, code, _ = unit_with_code(session)
    unverified = factories.actor(session, "candidate")
    with pytest.raises(PermissionDenied, match="实名认证"):
        bindings.bind(session, actor=unverified, unit_id=unit.id, code=code)


def test_only_candidates_bind(session):
    unit, code, admin = unit_with_code(session)
    with pytest.raises(PermissionDenied):
        bindings.bind(session, actor=admin, unit_id=unit.id, code=code)


def test_change_and_unbind_keep_history(session, candidate):
    first, first_code, _ = unit_with_code(session, name="武汉市第一示范医院")
    second, second_code, _ = unit_with_code(session, name="宜昌市第二示范医院")
    bindings.bind(session, actor=candidate, unit_id=first.id, code=first_code)
    with pytest.raises(Conflict, match="更新工作单位"):
        bindings.bind(session, actor=candidate, unit_id=second.id, code=second_code)
    with pytest.raises(confirmation_code.WrongCode):
        bindings.change_unit(session, actor=candidate, unit_id=second.id, code="WRONG23456")
    assert bindings.current_binding(session, candidate_id=candidate.user_id).unit_id == first.id
    changed = bindings.change_unit(session, actor=candidate, unit_id=second.id, code=second_code)
    assert changed.previous_unit_id == first.id
    bindings.unbind(session, actor=candidate)
    assert bindings.current_binding(session, candidate_id=candidate.user_id) is None

    rows = bindings.history(session, actor=candidate)
    assert [(r.unit_name, r.previous_unit_name, r.ended_at is not None) for r in rows] == [
        ("宜昌市第二示范医院", "武汉市第一示范医院", True),
        ("武汉市第一示范医院", None, True),
    ]
    assert [r.end_reason for r in rows] == ["考生解绑", "考生更换工作单位"]
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == candidate.user_id)))
    assert {"unit.bind", "unit.change_unit", "unit.unbind"} <= actions
    titles = list(session.scalars(select(Message.title).where(Message.user_id == candidate.user_id)))
    assert titles == ["工作单位绑定成功", "工作单位已更换", "工作单位已解绑"]


def test_unbind_without_binding_is_a_conflict(session, candidate):
    with pytest.raises(Conflict):
        bindings.unbind(session, actor=candidate)


def test_search_by_part_of_name_initials_and_code(session):
    hospital = factories.unit(session, name="武汉市第十一示范医院")
    factories.unit(session, name="宜昌市示范中医医院")
    factories.unit(session, name="武汉市第五示范医院", status="suspended")
    searcher = factories.actor(session, "candidate")
    assert [u.name for u in roster.search_units(session, actor=searcher, query="第十一")] == [hospital.name]
    assert [u.name for u in roster.search_units(session, actor=searcher, query="whsd")] == [hospital.name]
    assert [u.name for u in roster.search_units(session, actor=searcher, query="WHSD")] == [hospital.name]
    assert [u.name for u in roster.search_units(session, actor=searcher, query=hospital.institution_code[:10])] == [
        hospital.name
    ]
    assert roster.search_units(session, actor=searcher, query="100%") == []
    assert roster.search_units(session, actor=searcher, query="不存在的医院") == []


def test_stale_read_race_becomes_conflict(engine, monkeypatch):
    """Another request bound the candidate between our check and our insert: one binding, a Conflict."""
    with Session(engine, expire_on_commit=False) as session:
        unit, code, _ = unit_with_code(session)
        candidate = Actor.of(factories.verified_candidate(session))
        session.commit()
    with Session(engine, expire_on_commit=False) as session:
        bindings.bind(session, actor=candidate, unit_id=unit.id, code=code)
        session.commit()
    monkeypatch.setattr(bindings, "current_binding", lambda session, candidate_id: None)
    with Session(engine, expire_on_commit=False) as session:
        with pytest.raises(Conflict):
            bindings.bind(session, actor=candidate, unit_id=unit.id, code=code)
        session.rollback()
    with Session(engine, expire_on_commit=False) as session:
        count = session.scalar(
            select(func.count()).where(UnitBinding.candidate_id == candidate.user_id, UnitBinding.ended_at.is_(None))
        )
    assert count == 1


def test_concurrent_binds_leave_exactly_one_active_binding(engine, backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the stale-read test covers the unique index there")
    with Session(engine, expire_on_commit=False) as session:
        first, first_code, _ = unit_with_code(session)
        second, second_code, _ = unit_with_code(session)
        candidate = Actor.of(factories.verified_candidate(session))
        session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(unit_id, code):
        with Session(engine, expire_on_commit=False) as session:
            try:
                bindings.current_binding(session, candidate_id=candidate.user_id)
                barrier.wait(timeout=10)
                bindings.bind(session, actor=candidate, unit_id=unit_id, code=code)
                session.commit()
                outcomes.append("bound")
            except Conflict:
                session.rollback()
                outcomes.append("conflict")

    threads = [
        threading.Thread(target=attempt, args=(first.id, first_code)),
        threading.Thread(target=attempt, args=(second.id, second_code)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["bound", "conflict"]
    with Session(engine, expire_on_commit=False) as session:
        count = session.scalar(
            select(func.count()).where(UnitBinding.candidate_id == candidate.user_id, UnitBinding.ended_at.is_(None))
        )
    assert count == 1


def test_get_unit_for_other_domains(session):
    unit = factories.unit(session)
    assert roster.get_unit(session, unit_id=unit.id).institution_code == unit.institution_code
    assert roster.get_unit(session, unit_id=999999) is None


def test_unknown_unit_is_not_found(session, candidate):
    with pytest.raises(NotFound):
        bindings.bind(session, actor=candidate, unit_id=999999, code="ABCDEFGH")
