"""The reviewer's side of real-name verification: the queue, the case, 通过 / 不通过, races."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.models import AuditEvent, IdentityVerification, Message, PersonalDataAccess, User
from portal.core.actor import Actor
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.identity import review
from portal.identity import service as identity
from tests import factories
from tests.identity.test_service import BLURRY, GENUINE, image


def submit(session, *, number: str = "E12345678", name: str = "陈大文") -> tuple[Actor, int]:
    candidate = factories.actor(session, "candidate")
    identity.fill_in(session, actor=candidate, real_name=name, document_type="passport", document_number=number)
    application = identity.submit_manual(session, actor=candidate, front=image(GENUINE), back=image(BLURRY))
    return candidate, application.id


@pytest.fixture
def reviewer(session) -> Actor:
    return factories.actor(session, "reviewer")


def test_the_queue_lists_masked_data_oldest_first(session, reviewer):
    first, first_id = submit(session, number="E11111111", name="陈大文")
    second, second_id = submit(session, number="E22222222", name="李小明")
    factories.verified_candidate(session)  # not pending: not listed
    cases = review.verification_queue(session, actor=reviewer).rows
    assert [c.id for c in cases] == [first_id, second_id]
    assert (cases[0].masked_name, cases[0].masked_number) == ("陈**", "E111*1111")
    assert cases[0].document_type == "passport" and cases[0].method == "manual_other"
    assert review.queue_summary(session, actor=reviewer)["total"] == 2
    assert session.scalar(select(PersonalDataAccess)) is None  # the list shows masked data only


def test_open_case_shows_number_and_images_and_logs_the_access(session, reviewer):
    candidate, case_id = submit(session)
    review.claim(session, actor=reviewer, verification_id=case_id)  # full values only under one's own claim
    case = review.open_case(session, actor=reviewer, verification_id=case_id)
    assert (case.real_name, case.document_number, case.status) == ("陈大文", "E12345678", "pending")
    assert case.front_image[:3] == b"\xff\xd8\xff" and case.back_image[:3] == b"\xff\xd8\xff"
    access = session.scalar(select(PersonalDataAccess))
    assert (access.candidate_id, access.reader_role, access.section, access.action) == (
        candidate.user_id,
        "reviewer",
        "identity",
        "view",
    )
    with pytest.raises(NotFound):
        review.open_case(session, actor=reviewer, verification_id=case_id + 1000)


def test_approve_verifies_and_tells_the_candidate(session, reviewer):
    candidate, case_id = submit(session)
    review.approve(session, actor=reviewer, verification_id=case_id)
    application = identity.my_verification(session, actor=candidate)
    assert (application.status, application.step) == ("verified", 2)
    verified = identity.verified_identity(session, user_id=candidate.user_id)
    assert verified.verified_at is not None and verified.document_type == "passport"
    row = session.get(IdentityVerification, case_id)
    assert row.reviewer_id == reviewer.user_id
    message = session.scalar(select(Message).where(Message.user_id == candidate.user_id))
    assert message.title == "实名认证审核通过"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "identity.approve"))
    assert (event.actor_id, event.object_id) == (reviewer.user_id, str(case_id))
    assert "陈大文" not in event.summary and "E12345678" not in event.summary
    review_access = session.scalar(select(PersonalDataAccess).where(PersonalDataAccess.action == "review"))
    assert review_access.candidate_id == candidate.user_id
    assert review.verification_queue(session, actor=reviewer).rows == []


def test_reject_needs_a_reason_that_the_candidate_sees(session, reviewer):
    candidate, case_id = submit(session)
    with pytest.raises(ValidationFailed) as refused:
        review.reject(session, actor=reviewer, verification_id=case_id, reason="  ")
    assert "reason" in refused.value.errors
    review.reject(session, actor=reviewer, verification_id=case_id, reason="证件照片不清晰，请重新拍摄")
    application = identity.my_verification(session, actor=candidate)
    assert (application.status, application.decision_reason) == ("rejected", "证件照片不清晰，请重新拍摄")
    message = session.scalar(select(Message).where(Message.user_id == candidate.user_id))
    assert message.title == "实名认证审核未通过"
    assert "证件照片不清晰，请重新拍摄" in message.body
    assert session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "identity.reject"


def test_deciding_a_case_twice_is_a_conflict(engine):
    with session_scope(engine) as session:
        reviewer = factories.actor(session, "reviewer")
        colleague = factories.actor(session, "reviewer")
        _, case_id = submit(session)
    # Both reviewers see the case in their list; the first decision wins, the second is told.
    with session_scope(engine) as session:
        assert [c.id for c in review.verification_queue(session, actor=colleague).rows] == [case_id]
    with session_scope(engine) as session:
        review.approve(session, actor=reviewer, verification_id=case_id)
    with session_scope(engine) as session:
        with pytest.raises(Conflict, match="已被处理"):
            review.reject(session, actor=colleague, verification_id=case_id, reason="重复")
    with session_scope(engine) as session:
        with pytest.raises(Conflict, match="已被处理"):
            review.approve(session, actor=colleague, verification_id=case_id)
    with session_scope(engine) as session:
        assert session.get(IdentityVerification, case_id).status == "verified"
        assert session.scalar(select(Message.title)) == "实名认证审核通过"


def test_a_decision_on_a_stale_copy_is_a_conflict(engine):
    """The conditional UPDATE ... WHERE status = 'pending' catches a decision made in between."""
    with session_scope(engine) as session:
        reviewer = factories.actor(session, "reviewer")
        colleague = factories.actor(session, "reviewer")
        _, case_id = submit(session)
    with session_scope(engine) as stale:
        copy = stale.get(IdentityVerification, case_id)  # loaded while still pending
        stale.commit()
        with session_scope(engine) as session:
            review.reject(session, actor=reviewer, verification_id=case_id, reason="照片不清晰")
        assert stale.get(IdentityVerification, case_id) is copy and copy.status == "pending"  # the stale copy
        with pytest.raises(Conflict, match="已被处理"):
            review.approve(stale, actor=colleague, verification_id=case_id)
    with session_scope(engine) as session:
        assert session.get(IdentityVerification, case_id).status == "rejected"


def test_a_withdrawn_case_cannot_be_decided(session, reviewer):
    candidate, case_id = submit(session)
    identity.withdraw(session, actor=candidate)
    with pytest.raises(Conflict, match="撤回"):
        review.approve(session, actor=reviewer, verification_id=case_id)
    with pytest.raises(Conflict, match="撤回"):
        review.reject(session, actor=reviewer, verification_id=case_id, reason="不清晰")


def test_approve_refuses_a_number_verified_for_another_account(session, reviewer):
    # Two accounts applied manually with the same passport; once one is verified the other cannot be.
    _, first_id = submit(session, number="E99999999")
    _, second_id = submit(session, number="E99999999")
    review.approve(session, actor=reviewer, verification_id=first_id)
    with pytest.raises(Conflict, match="已被其他账号实名认证"):
        review.approve(session, actor=reviewer, verification_id=second_id)
    assert session.get(IdentityVerification, second_id).status == "pending"
    review.reject(session, actor=reviewer, verification_id=second_id, reason="该证件已被其他账号认证")


def test_the_unique_index_is_the_last_line_of_defence(session, reviewer, monkeypatch):
    _, first_id = submit(session, number="E99999999")
    _, second_id = submit(session, number="E99999999")
    review.approve(session, actor=reviewer, verification_id=first_id)
    monkeypatch.setattr(review, "_verified_elsewhere", lambda *args: None)  # as if a parallel approval just won
    with pytest.raises(Conflict, match="已被其他账号实名认证"):
        review.approve(session, actor=reviewer, verification_id=second_id)
    session.expire_all()
    assert session.get(IdentityVerification, second_id).status == "pending"  # the session is still usable
    assert session.get(IdentityVerification, first_id).status == "verified"


@pytest.mark.parametrize("role", ["candidate", "unit_admin", "analyst", "admin"])
def test_only_reviewers_review(session, role):
    owner, case_id = submit(session)
    unit = factories.unit(session) if role == "unit_admin" else None
    other = owner if role == "candidate" else factories.actor(session, role, unit=unit)
    for call in (
        lambda: review.verification_queue(session, actor=other),
        lambda: review.open_case(session, actor=other, verification_id=case_id),
        lambda: review.approve(session, actor=other, verification_id=case_id),
        lambda: review.reject(session, actor=other, verification_id=case_id, reason="x"),
        lambda: review.open_flags(session, actor=other),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert session.get(IdentityVerification, case_id).status == "pending"


def test_a_disabled_reviewer_cannot_decide(session, reviewer):
    _, case_id = submit(session)
    session.get(User, reviewer.user_id).is_active = False
    session.flush()
    with pytest.raises(PermissionDenied, match="停用"):
        review.approve(session, actor=reviewer, verification_id=case_id)


def test_resolve_a_flag(session, reviewer):
    factories.verified_candidate(session, real_name=GENUINE["name"], document_number=GENUINE["id_number"])
    intruder = factories.actor(session, "candidate")
    identity.fill_in(
        session,
        actor=intruder,
        real_name=GENUINE["name"],
        document_type="resident_id",
        document_number=GENUINE["id_number"],
    )
    [flag] = review.open_flags(session, actor=reviewer)
    review.resolve_flag(session, actor=reviewer, flag_id=flag.id)
    assert review.open_flags(session, actor=reviewer) == []
    with pytest.raises(Conflict):
        review.resolve_flag(session, actor=reviewer, flag_id=flag.id)
