"""Real concurrent sessions on PostgreSQL: exactly one outcome, nothing lost, a clear message to the loser."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from db.engine import session_scope
from db.models import AuditEvent, IdentityVerification, Message
from portal.core.actor import Actor
from portal.core.errors import Conflict
from portal.identity import review
from tests import factories


def race(engine, *actions: Callable) -> list[object]:
    """Run each action(session) in its own thread and transaction, released together; return results."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int, action: Callable) -> None:
        try:
            with session_scope(engine) as session:
                barrier.wait(timeout=10)
                results[index] = action(session)
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("backend", ["postgresql"])
@pytest.mark.parametrize("rounds", [5])
def test_two_reviewers_deciding_one_case(backend, engine, rounds):
    for _ in range(rounds):
        with session_scope(engine) as session:
            candidate = factories.verified_candidate(session)
            row = session.scalar(select(IdentityVerification).where(IdentityVerification.user_id == candidate.id))
            row.status, row.method = "pending", "manual_other"
            first = factories.actor(session, "reviewer")
            second = factories.actor(session, "reviewer")
            case_id = row.id
        outcomes = race(
            engine,
            lambda s, a=first, c=case_id: review.approve(s, actor=a, verification_id=c),
            lambda s, a=second, c=case_id: review.reject(s, actor=a, verification_id=c, reason="照片不清晰"),
        )
        winners = [o for o in outcomes if not isinstance(o, Exception)]
        losers = [o for o in outcomes if isinstance(o, Exception)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert isinstance(losers[0], Conflict) and losers[0].message
        with session_scope(engine) as session:
            final = session.get(IdentityVerification, case_id)
            decisions = session.scalar(
                select(func.count()).where(
                    AuditEvent.object_id == str(case_id), AuditEvent.action.in_(["identity.approve", "identity.reject"])
                )
            )
            notices = session.scalar(select(func.count()).where(Message.user_id == final.user_id))
        assert final.status in {"verified", "rejected"}
        assert decisions == 1 and notices == 1


@pytest.mark.parametrize("backend", ["postgresql"])
def test_unit_editing_while_candidate_confirms(backend, engine):
    from portal.declaration import confirmation, entry
    from tests.declaration.conftest import EDUCATION, YEAR, fill, open_year

    for attempt in range(6):
        with session_scope(engine) as session:
            if attempt == 0:
                open_year(session)
            unit = factories.unit(session)
            admin = Actor.of(factories.user(session, "unit_admin", unit=unit))
            candidate = factories.verified_candidate(session)
            factories.bind(session, candidate, unit)
            fill(session, admin, candidate.id)
            me = Actor.of(candidate)
            seen = confirmation.my_record(session, actor=me, year=YEAR).content_hash
        edited = {**EDUCATION, "school": f"改名后的示范医科大学{attempt}"}
        outcomes = race(
            engine,
            lambda s, a=me, h=seen: confirmation.confirm(s, actor=a, year=YEAR, expected_hash=h),
            lambda s, a=admin, c=candidate.id, e=edited: entry.save_section(
                s, actor=a, year=YEAR, candidate_id=c, section="education", data=e
            ),
        )
        assert not isinstance(outcomes[1], Exception), outcomes  # the unit's edit always lands
        with session_scope(engine) as session:
            view = confirmation.my_record(session, actor=me, year=YEAR)
            assert view.record["education"]["school"] == edited["school"]  # nothing lost
            if isinstance(outcomes[0], Exception):
                assert isinstance(outcomes[0], Conflict) and "修改" in outcomes[0].message
                assert view.status == "pending"
            else:
                # Confirmed first, then changed by the unit: back to 待确认 with the change listed.
                assert view.status == "pending"
            assert view.status != "confirmed"
