"""The work-unit pages' statements are built once with bound parameters: each call answers for its own
candidate or unit, and 工作单位's status is one statement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from db.models import UnitCodeAttempt, UnitCodeLockout, UnitNameChange
from portal.core.actor import Actor
from portal.core.timeutil import utcnow
from portal.unit import binding as bindings
from portal.unit import roster
from tests import factories


@pytest.fixture
def world(engine):
    """Candidate `moved`: verified, changed from `first` to `second` (the first binding ended), locked out.
    Candidate `ended`: verified, bound once and ended by `first`'s admin, its lock run out.
    Candidate `fresh`: not verified, never bound, no lockout row."""
    with Session(engine, expire_on_commit=False) as session:
        first = factories.unit(session, name="甲示范医院")
        second = factories.unit(session, name="乙示范医院")
        admin = factories.actor(session, "unit_admin", unit=first)
        moved = factories.verified_candidate(session, real_name="甲考生")
        ended = factories.verified_candidate(session, real_name="乙考生")
        fresh = factories.user(session, "candidate")
        old = factories.bind(session, moved, first)
        old.ended_at, old.ended_by, old.end_reason = utcnow(), moved.id, "考生更换工作单位"
        session.flush()
        current = factories.bind(session, moved, second)
        current.previous_unit_id = first.id
        gone = factories.bind(session, ended, first)
        session.flush()
        bindings.end_binding(session, actor=admin, binding_id=gone.id, reason="已离职")
        locked_until = (utcnow() + timedelta(minutes=10)).replace(microsecond=0)
        session.add(UnitCodeLockout(candidate_id=moved.id, failed_count=5, locked_until=locked_until))
        session.add(UnitCodeLockout(candidate_id=ended.id, failed_count=5, locked_until=utcnow() - timedelta(1)))
        session.commit()
        return {
            "first": first.id,
            "second": second.id,
            "current": current.id,
            "locked_until": locked_until,
            "moved": Actor.of(moved),
            "ended": Actor.of(ended),
            "fresh": Actor.of(fresh),
            "admin": admin,
        }


def test_status_and_history_answer_for_each_candidate_in_turn(engine, world):
    with Session(engine, expire_on_commit=False) as session:
        for _ in range(2):  # the same statements, asked again in the same unit of work
            moved = bindings.binding_status(session, actor=world["moved"])
            assert moved["verified"] is True
            assert moved["locked_until"] == world["locked_until"]
            binding, unit = moved["binding"]
            assert (binding.id, unit.id, unit.name) == (world["current"], world["second"], "乙示范医院")
            assert [
                (r.unit_name, r.previous_unit_name, r.ended_by_unit)
                for r in bindings.history(session, actor=world["moved"])
            ] == [("乙示范医院", "甲示范医院", False), ("甲示范医院", None, False)]

            assert bindings.binding_status(session, actor=world["ended"]) == {
                "verified": True,
                "locked_until": None,  # the lock ran out
                "binding": None,
            }
            assert [
                (r.unit_name, r.end_reason, r.ended_by_unit) for r in bindings.history(session, actor=world["ended"])
            ] == [("甲示范医院", "已离职", True)]

            assert bindings.binding_status(session, actor=world["fresh"]) == {
                "verified": False,
                "locked_until": None,
                "binding": None,
            }
            assert bindings.history(session, actor=world["fresh"]) == []
            assert bindings.my_binding(session, actor=world["fresh"]) is None
            assert bindings.my_binding(session, actor=world["moved"])[1].id == world["second"]


def test_candidates_unit_status_reads_in_at_most_two_selects(engine, world, sent_selects):
    with Session(engine, expire_on_commit=False) as session:
        sent_selects.clear()
        status = bindings.binding_status(session, actor=world["moved"])  # the account, then the status
        assert status["binding"] is not None and status["locked_until"] is not None
    assert len(sent_selects) <= 2, sent_selects


def test_overview_answers_for_each_unit_in_turn(engine):
    with Session(engine, expire_on_commit=False) as session:
        busy = factories.unit(session, name="丙示范医院")
        quiet = factories.unit(session, name="丁示范医院")
        busy_admin = factories.actor(session, "unit_admin", unit=busy)
        quiet_admin = factories.actor(session, "unit_admin", unit=quiet)
        for n in range(2):
            factories.bind(session, factories.verified_candidate(session, real_name=f"丙考生{'甲乙'[n]}"), busy)
        someone = factories.user(session, "candidate")
        session.add(UnitCodeAttempt(unit_id=busy.id, candidate_id=someone.id))
        session.add(UnitCodeAttempt(unit_id=busy.id, candidate_id=someone.id, created_at=utcnow() - timedelta(8)))
        session.add(UnitNameChange(unit_id=busy.id, old_name=busy.name, new_name="丙示范医院（新）"))
        session.add(UnitNameChange(unit_id=quiet.id, old_name=quiet.name, new_name="旧申请", status="rejected"))
        session.commit()
    with Session(engine, expire_on_commit=False) as session:
        for _ in range(2):
            first = roster.overview(session, actor=busy_admin)
            assert (first.unit.name, first.bound_count, first.failed_attempts_7d, first.pending_name) == (
                "丙示范医院",
                2,
                1,
                "丙示范医院（新）",
            )
            second = roster.overview(session, actor=quiet_admin)
            assert (second.unit.name, second.bound_count, second.failed_attempts_7d, second.pending_name) == (
                "丁示范医院",
                0,
                0,
                None,
            )


def test_bound_candidates_rebinds_unit_search_and_limit(session):
    made = {}
    for name, people in (("戊示范医院", ("张三", "张四", "李五")), ("己示范医院", ("王_六",))):
        unit = factories.unit(session, name=name)
        admin = factories.actor(session, "unit_admin", unit=unit)
        for person in people:
            factories.bind(session, factories.verified_candidate(session, real_name=person), unit)
        made[name] = admin
    first, second = made["戊示范医院"], made["己示范医院"]

    def names(actor, **kwargs):
        return sorted(r.real_name for r in bindings.bound_candidates(session, actor=actor, **kwargs))

    for _ in range(2):
        assert names(first) == ["张三", "张四", "李五"]
        assert names(second) == ["王_六"]
        assert names(first, query="张") == ["张三", "张四"]
        assert names(first, query=" 李 ") == ["李五"]
        assert names(second, query="王_") == ["王_六"]
        assert names(first, query="_") == []  # LIKE wildcards are escaped
        assert names(first, query="%") == []
        assert len(bindings.bound_candidates(session, actor=first, limit=1)) == 1
        assert len(bindings.bound_candidates(session, actor=first, limit=2)) == 2
