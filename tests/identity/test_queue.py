"""The verification queue: filters, claims (with expiry and a real race on PostgreSQL), decisions, its page."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.engine import session_scope
from db.models import AuditEvent, IdentityVerification, Message, User
from portal.core.actor import Actor
from portal.core.errors import Conflict, PermissionDenied
from portal.core.timeutil import utcnow
from portal.identity import review
from tests import factories
from tests.app.helpers import assert_no_exception, texts
from tests.progress.helpers import open_page, pending_case, seed_small_demo


def test_queue_is_oldest_first_and_filters(session):
    reviewer = factories.actor(session, "reviewer")
    _, old = pending_case(session, hours=50, region="420106")
    _, new = pending_case(session, hours=2, region="420502")
    _, permit = pending_case(session, document_type="hk_macau_permit", hours=30)
    page = review.verification_queue(session, actor=reviewer)
    assert [r.id for r in page.rows] == [old.id, permit.id, new.id]
    assert page.total == 3
    assert [r.id for r in review.verification_queue(session, actor=reviewer, city_code="420500").rows] == [new.id]
    assert [r.id for r in review.verification_queue(session, actor=reviewer, document_type="hk_macau_permit").rows] == [
        permit.id
    ]
    assert [r.id for r in review.verification_queue(session, actor=reviewer, min_wait_hours=24).rows] == [
        old.id,
        permit.id,
    ]
    second = review.verification_queue(session, actor=reviewer, page=2, page_size=2)
    assert [r.id for r in second.rows] == [new.id] and second.pages == 2
    beyond = review.verification_queue(session, actor=reviewer, page=5, page_size=2)
    assert beyond.rows == [] and beyond.total == 3  # the queue's size, also past its last page
    only_permits = review.verification_queue(session, actor=reviewer, document_type="hk_macau_permit")
    assert [r.id for r in only_permits.rows] == [permit.id] and only_permits.total == 1
    assert "*" in page.rows[0].masked_name


def test_claim_blocks_other_reviewer_until_expiry(session):
    first = factories.actor(session, "reviewer")
    second = factories.actor(session, "reviewer")
    candidate, case = pending_case(session)
    review.claim(session, actor=first, verification_id=case.id)
    with pytest.raises(Conflict, match="正由审核员"):
        review.claim(session, actor=second, verification_id=case.id)
    with pytest.raises(Conflict, match="其他审核员"):
        review.approve(session, actor=second, verification_id=case.id)
    queue = review.verification_queue(session, actor=second, unclaimed_only=True)
    assert queue.total == 0
    # the claim runs out after 15 minutes: the other reviewer may take the case
    session.execute(
        update(IdentityVerification)
        .where(IdentityVerification.id == case.id)
        .values(claimed_until=utcnow() - timedelta(seconds=1))
    )
    review.claim(session, actor=second, verification_id=case.id)
    with pytest.raises(Conflict):
        review.reject(session, actor=first, verification_id=case.id, reason="照片模糊")
    review.reject(session, actor=second, verification_id=case.id, reason="照片模糊")
    session.refresh(case)
    assert case.status == "rejected" and case.claimed_by is None
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(case.id))))
    assert {"identity.claim", "identity.reject"} <= actions
    body = session.scalar(select(Message.body).where(Message.user_id == candidate.id))
    assert "照片模糊" in body


def test_approve_messages_candidate_and_audits(session):
    reviewer = factories.actor(session, "reviewer")
    candidate, case = pending_case(session)
    review.claim(session, actor=reviewer, verification_id=case.id)
    review.approve(session, actor=reviewer, verification_id=case.id)
    session.refresh(case)
    assert case.status == "verified" and case.claimed_by is None
    assert session.scalar(select(Message.title).where(Message.user_id == candidate.id)) == "实名认证审核通过"
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "identity.approve")) is not None
    with pytest.raises(Conflict):
        review.claim(session, actor=reviewer, verification_id=case.id)


def test_release_lets_another_reviewer_claim(session):
    first = factories.actor(session, "reviewer")
    second = factories.actor(session, "reviewer")
    _, case = pending_case(session)
    review.claim(session, actor=first, verification_id=case.id)
    assert review.release(session, actor=first, verification_id=case.id)
    review.claim(session, actor=second, verification_id=case.id)


def test_only_reviewers_claim(session):
    _, case = pending_case(session)
    unit = factories.unit(session)
    for role in ("analyst", "unit_admin", "candidate"):
        actor = factories.actor(session, role, unit=unit if role == "unit_admin" else None)
        with pytest.raises(PermissionDenied):
            review.claim(session, actor=actor, verification_id=case.id)


def test_two_reviewers_race_for_one_case(engine, backend):
    """Two reviewers claim the same case at the same moment in two sessions: exactly one wins."""
    with session_scope(engine) as setup:
        reviewers = [Actor.of(factories.user(setup, "reviewer")) for _ in range(2)]
        _, case = pending_case(setup)
        case_id = case.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    # Each transaction starts after the barrier (SQLite begins IMMEDIATE, so a transaction opened earlier
    # would hold the write lock while waiting at the barrier).
    sessions = [Session(engine) for _ in reviewers]

    def attempt(db_session: Session, actor: Actor) -> None:
        barrier.wait()
        try:
            review.claim(db_session, actor=actor, verification_id=case_id)
            db_session.commit()
            outcomes.append("won")
        except Conflict:
            db_session.rollback()
            outcomes.append("lost")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            db_session.rollback()
            outcomes.append(repr(error)[:300])

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(sessions, reviewers, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for db_session in sessions:
        db_session.close()
    assert sorted(outcomes) == ["lost", "won"]
    with Session(engine) as check:
        holder = check.scalar(select(IdentityVerification.claimed_by).where(IdentityVerification.id == case_id))
    assert holder in {a.user_id for a in reviewers}


@pytest.fixture
def seeded(engine):
    seed_small_demo(engine)


def test_verification_queue_opens_claims_and_rejects(engine, seeded):
    app = open_page("reviewer", "pages/reviewer/verifications.py")
    assert "待审核" in texts(app) or app.metric
    assert app.dataframe, "the queue is shown as a table"
    pick = next(s for s in app.selectbox if s.label == "选择要审核的申请")
    pick.select_index(0)
    app.run()
    next(b for b in app.button if b.label == "打开并领取").click()
    app.run()
    assert_no_exception(app)
    assert "已由您领取" in texts(app)
    case_id = app.session_state["review_case"].id
    with session_scope(engine) as session:
        holder = session.scalar(select(IdentityVerification.claimed_by).where(IdentityVerification.id == case_id))
        reviewer_id = session.scalar(select(User.id).where(User.username == "reviewer"))
    assert holder == reviewer_id
    next(s for s in app.selectbox if s.label == "不通过原因").select_index(0)
    app.run()
    next(b for b in app.button if b.label == "不通过").click()
    app.run()
    assert_no_exception(app)
    assert "已审核不通过" in texts(app)
    with session_scope(engine) as session:
        status = session.scalar(select(IdentityVerification.status).where(IdentityVerification.id == case_id))
    assert status == "rejected"


def test_queue_filters_stay_in_force_with_their_menu_closed(seeded):
    app = open_page("reviewer", "pages/reviewer/verifications.py")
    kinds = set(app.dataframe[0].value["证件类型"])
    assert "居民身份证" in kinds and len(kinds) > 1, kinds  # the demo queue holds other documents too
    app.session_state["review_filters"] = True  # a click on 筛选与每页条数
    app.run()
    app.selectbox(key="rv_type").select("resident_id")
    app.run()
    assert_no_exception(app)
    assert set(app.dataframe[0].value["证件类型"]) == {"居民身份证"}
    app.session_state["review_filters"] = False
    app.run()
    assert_no_exception(app)
    assert not [s for s in app.selectbox if s.key == "rv_type"]
    assert set(app.dataframe[0].value["证件类型"]) == {"居民身份证"}
    assert "筛选：居民身份证" in texts(app)
