"""A reviewer reads a verification's full number and card images only while holding its claim; a full export
needs a stated reason; logging out gives up every claim at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from db.models import AuditEvent, IdentityVerification, PersonalDataAccess
from portal.core.errors import Conflict, PermissionDenied, ValidationFailed
from portal.core.timeutil import utcnow
from portal.identity import review
from portal.identity import service as identity
from portal.progress import unconfirmed
from tests import factories
from tests.declaration.conftest import open_year
from tests.identity.test_service import BLURRY, GENUINE, image

GENERIC = PermissionDenied().message


def submit(session, number: str = "E12345678"):
    candidate = factories.actor(session, "candidate")
    identity.fill_in(session, actor=candidate, real_name="陈大文", document_type="passport", document_number=number)
    application = identity.submit_manual(session, actor=candidate, front=image(GENUINE), back=image(BLURRY))
    return candidate, application.id


def reads(session) -> int:
    return len(session.scalars(select(PersonalDataAccess.id)).all())


def test_open_case_needs_the_reviewers_own_running_claim(session):
    _, case_id = submit(session)
    first = factories.actor(session, "reviewer")
    second = factories.actor(session, "reviewer")
    with pytest.raises(PermissionDenied) as refused:
        review.open_case(session, actor=first, verification_id=case_id)
    assert refused.value.message != GENERIC and "领取" in refused.value.message
    assert reads(session) == 0  # nothing was read
    review.claim(session, actor=first, verification_id=case_id)
    assert review.open_case(session, actor=first, verification_id=case_id).document_number == "E12345678"
    assert reads(session) == 1
    with pytest.raises(PermissionDenied):  # the case another reviewer holds
        review.open_case(session, actor=second, verification_id=case_id)
    session.get(IdentityVerification, case_id).claimed_until = utcnow() - timedelta(minutes=1)
    session.flush()
    with pytest.raises(PermissionDenied):  # one's own claim has run out
        review.open_case(session, actor=first, verification_id=case_id)
    assert reads(session) == 1


def test_a_decided_case_is_not_read_in_full_again(session):
    _, case_id = submit(session)
    reviewer = factories.actor(session, "reviewer")
    review.claim(session, actor=reviewer, verification_id=case_id)
    review.approve(session, actor=reviewer, verification_id=case_id)
    with pytest.raises(PermissionDenied):
        review.open_case(session, actor=reviewer, verification_id=case_id)


def test_card_images_need_the_claim_too(session):
    _, case_id = submit(session)
    reviewer = factories.actor(session, "reviewer")
    with pytest.raises(PermissionDenied) as refused:
        identity.image(session, actor=reviewer, verification_id=case_id, side="front")
    assert refused.value.message != GENERIC
    assert reads(session) == 0
    review.claim(session, actor=reviewer, verification_id=case_id)
    assert identity.image(session, actor=reviewer, verification_id=case_id, side="front")[:3] == b"\xff\xd8\xff"
    assert reads(session) == 1


def test_claim_until_tells_whether_the_reviewer_still_holds_the_case(session):
    _, case_id = submit(session)
    first = factories.actor(session, "reviewer")
    second = factories.actor(session, "reviewer")
    assert review.claim_until(session, actor=first, verification_id=case_id) is None
    until = review.claim(session, actor=first, verification_id=case_id)
    assert review.claim_until(session, actor=first, verification_id=case_id) == until
    assert review.claim_until(session, actor=second, verification_id=case_id) is None
    session.get(IdentityVerification, case_id).claimed_until = utcnow() - timedelta(minutes=1)
    session.flush()
    assert review.claim_until(session, actor=first, verification_id=case_id) is None


def test_release_all_frees_every_claim_of_the_reviewer_at_once(session):
    _, one = submit(session, "E11111111")
    _, two = submit(session, "E22222222")
    _, kept = submit(session, "E33333333")
    first = factories.actor(session, "reviewer")
    second = factories.actor(session, "reviewer")
    review.claim(session, actor=first, verification_id=one)
    review.claim(session, actor=first, verification_id=two)
    review.claim(session, actor=second, verification_id=kept)
    with pytest.raises(Conflict):
        review.claim(session, actor=second, verification_id=one)
    assert review.release_all(session, actor=first) == 2
    review.claim(session, actor=second, verification_id=one)  # at once, not after 15 minutes
    review.claim(session, actor=second, verification_id=two)
    assert session.get(IdentityVerification, kept).claimed_by == second.user_id  # another's claim is untouched
    released = session.scalars(
        select(AuditEvent.object_id).where(
            AuditEvent.action == "identity.release", AuditEvent.actor_id == first.user_id
        )
    ).all()
    assert sorted(released) == sorted([str(one), str(two)])
    assert review.release_all(session, actor=first) == 0


@pytest.mark.parametrize("role", ["candidate", "unit_admin", "analyst", "admin"])
def test_only_reviewers_release_all(session, role):
    unit = factories.unit(session) if role == "unit_admin" else None
    with pytest.raises(PermissionDenied):
        review.release_all(session, actor=factories.actor(session, role, unit=unit))


@pytest.fixture
def unit_with_candidate(session):
    open_year(session)
    unit = factories.unit(session)
    number = factories.fictional_id_number(778)
    candidate = factories.verified_candidate(session, real_name="欧阳测试", document_number=number)
    factories.bind(session, candidate, unit)
    return unit, candidate, number


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_full_export_needs_a_stated_reason(session, unit_with_candidate, reason):
    unit, _, _ = unit_with_candidate
    reviewer = factories.actor(session, "reviewer")
    with pytest.raises(ValidationFailed) as refused:
        unconfirmed.export_open_records(session, actor=reviewer, unit_id=unit.id, full_values=True, reason=reason)
    assert "reason" in refused.value.errors
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "export.full_values")) is None
    assert reads(session) == 0


def test_the_reason_of_a_full_export_is_in_the_audit_log(session, unit_with_candidate):
    unit, candidate, number = unit_with_candidate
    reviewer = factories.actor(session, "reviewer")
    rows = unconfirmed.export_open_records(
        session, actor=reviewer, unit_id=unit.id, full_values=True, reason="电话催办未确认考生"
    )
    assert rows[0]["证件号码"] == number
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "export.full_values"))
    assert "电话催办未确认考生" in event.summary and number not in event.summary
    logged = session.scalars(select(PersonalDataAccess.action).where(PersonalDataAccess.candidate_id == candidate.id))
    assert "export" in set(logged)
    # A masked export needs no reason.
    assert "证件号码" not in unconfirmed.export_open_records(session, actor=reviewer, unit_id=unit.id)[0]


# ------------------------------------------------------------------------------------- 证件号已被占用申诉


@pytest.fixture
def appeal_world(session):
    from tests.identity.test_appeal import GENUINE as CARD
    from tests.identity.test_appeal import submit as appeal
    from tests.identity.test_appeal import told_taken

    holder = factories.verified_candidate(session, real_name=CARD["name"], document_number=CARD["id_number"])
    appellant = factories.actor(session, "candidate")
    told_taken(session, appellant)
    return {
        "appeal_id": appeal(session, appellant).id,
        "holder": holder,
        "first": factories.actor(session, "reviewer"),
        "second": factories.actor(session, "reviewer"),
    }


def test_an_appeal_is_read_in_full_only_by_the_reviewer_holding_it(session, appeal_world):
    from portal.identity import appeal as appeals
    from tests.identity.test_appeal import GENUINE as CARD

    appeal_id, first, second = appeal_world["appeal_id"], appeal_world["first"], appeal_world["second"]
    with pytest.raises(PermissionDenied) as refused:
        appeals.open_appeal(session, actor=first, appeal_id=appeal_id)
    assert refused.value.message != GENERIC and "领取" in refused.value.message
    assert reads(session) == 0
    appeals.claim_appeal(session, actor=first, appeal_id=appeal_id)
    case = appeals.open_appeal(session, actor=first, appeal_id=appeal_id)
    assert case.holder.document_number == case.appellant.document_number == CARD["id_number"]
    assert reads(session) == 2  # both candidates
    with pytest.raises(Conflict):
        appeals.claim_appeal(session, actor=second, appeal_id=appeal_id)
    with pytest.raises(PermissionDenied):
        appeals.open_appeal(session, actor=second, appeal_id=appeal_id)
    with pytest.raises(Conflict):  # a decision is refused while another reviewer holds the appeal
        appeals.reject_appeal(session, actor=second, appeal_id=appeal_id, reason="照片不清晰")
    assert appeals.release_appeal(session, actor=first, appeal_id=appeal_id)
    appeals.claim_appeal(session, actor=second, appeal_id=appeal_id)
    appeals.reject_appeal(session, actor=second, appeal_id=appeal_id, reason="照片不清晰")
    with pytest.raises(PermissionDenied):  # decided: no longer read in full
        appeals.open_appeal(session, actor=second, appeal_id=appeal_id)
    with pytest.raises(Conflict):
        appeals.claim_appeal(session, actor=second, appeal_id=appeal_id)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "identity_appeal")).all()
    assert {"identity.appeal_claim", "identity.appeal_release"} <= set(actions)


def test_the_first_of_two_transfer_decisions_hands_the_appeal_on(session, appeal_world):
    from portal.identity import appeal as appeals
    from tests.progress.helpers import declaration, exam_year

    declaration(session, exam_year(session), appeal_world["holder"], factories.unit(session), "confirmed")
    appeal_id, first, second = appeal_world["appeal_id"], appeal_world["first"], appeal_world["second"]
    appeals.claim_appeal(session, actor=first, appeal_id=appeal_id)
    assert appeals.transfer(session, actor=first, appeal_id=appeal_id, reason="核实为本人") == "awaiting_second"
    appeals.claim_appeal(session, actor=second, appeal_id=appeal_id)  # at once
    assert appeals.open_appeal(session, actor=second, appeal_id=appeal_id).status == "awaiting_second"
    assert appeals.transfer(session, actor=second, appeal_id=appeal_id, reason="复核同意") == "transferred"
    with pytest.raises(PermissionDenied):
        appeals.open_appeal(session, actor=second, appeal_id=appeal_id)


def test_release_all_also_gives_up_a_held_appeal(session, appeal_world):
    from portal.identity import appeal as appeals

    appeal_id, first, second = appeal_world["appeal_id"], appeal_world["first"], appeal_world["second"]
    appeals.claim_appeal(session, actor=first, appeal_id=appeal_id)
    assert review.release_all(session, actor=first) == 1
    appeals.claim_appeal(session, actor=second, appeal_id=appeal_id)
