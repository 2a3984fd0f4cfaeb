"""The candidate's side of real-name verification: fill-in, scan, manual review, withdrawal, duplicates."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from db.engine import session_scope
from db.models import AuditEvent, IdentityCheckAttempt, IdentityFlag, IdentityVerification, Message
from portal.core import storage
from portal.core.actor import Actor
from portal.core.crypto import lookup_hash
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.identity import capture, review
from portal.identity import service as identity
from tests import factories
from tests.identity.conftest import FIXTURES

CASES = {
    case["id"]: case for case in map(json.loads, (FIXTURES / "manifest.jsonl").read_text(encoding="utf-8").splitlines())
}
GENUINE = CASES["flat-000"]
BLURRY = CASES["blurry-005"]


def image(case: dict) -> bytes:
    return (FIXTURES / case["front"]).read_bytes()


def actions(session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.fixture
def candidate(session) -> Actor:
    return factories.actor(session, "candidate")


def live(session, actor: Actor) -> str:
    """A capture token, as the card scanner on the 证件扫描 page carries it (a live capture)."""
    return capture.issue_token(session, actor=actor)


def fill_genuine(session, actor: Actor) -> identity.Verification:
    return identity.fill_in(
        session,
        actor=actor,
        real_name=GENUINE["name"],
        document_type="resident_id",
        document_number=GENUINE["id_number"],
    )


# --------------------------------------------------------------------------------------------- fill_in


def test_fill_in_resident_id_goes_to_the_automatic_scan(session, candidate):
    application = fill_genuine(session, candidate)
    assert (application.status, application.method) == ("unverified", "auto_id_card")
    assert application.masked_number == "4209**********6149"
    row = session.get(IdentityVerification, application.id)
    assert GENUINE["id_number"] not in row.document_number_enc
    assert row.document_number_hash == lookup_hash(GENUINE["id_number"])
    assert (row.region_code, row.sex, str(row.birth_date)) == ("420902", "女", "1988-12-27")
    assert identity.status_of(session, user_id=candidate.user_id) == "unverified"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "identity.fill_in"))
    assert event.object_id == str(application.id)
    assert GENUINE["id_number"] not in event.summary and GENUINE["name"] not in event.summary


@pytest.mark.parametrize("document_type", ["hk_macau_permit", "passport", "taiwan_permit"])
def test_other_documents_go_straight_to_manual_review(session, candidate, document_type):
    number = {"hk_macau_permit": "H12345678", "passport": "E12345678", "taiwan_permit": "12345678"}[document_type]
    application = identity.fill_in(
        session, actor=candidate, real_name="陈大文", document_type=document_type, document_number=number
    )
    assert application.method == "manual_other"
    with pytest.raises(Conflict):
        identity.submit_scan(session, actor=candidate, image=image(GENUINE))


@pytest.mark.parametrize(
    ("real_name", "document_type", "number", "field"),
    [
        ("任芳", "resident_id", "420902198812276148", "document_number"),  # wrong check digit
        ("任芳", "resident_id", "42090219881227614", "document_number"),  # 17 characters
        ("任芳", "resident_id", "420902198802306149", "document_number"),  # 30 February
        ("", "resident_id", GENUINE["id_number"], "real_name"),
        ("Ren Fang", "resident_id", GENUINE["id_number"], "real_name"),
        ("任芳", "driving_licence", "123", "document_type"),
        ("任芳", "hk_macau_permit", "X1234567", "document_number"),
    ],
)
def test_fill_in_refuses_bad_input_naming_the_field(session, candidate, real_name, document_type, number, field):
    with pytest.raises(ValidationFailed) as refused:
        identity.fill_in(
            session, actor=candidate, real_name=real_name, document_type=document_type, document_number=number
        )
    assert field in refused.value.errors
    assert identity.my_verification(session, actor=candidate) is None


def test_fill_in_accepts_spaces_and_a_lower_case_x(session, candidate):
    number = next(n for n in map(factories.fictional_id_number, range(1000)) if n.endswith("X"))
    application = identity.fill_in(
        session,
        actor=candidate,
        real_name=" 测试 ",
        document_type="resident_id",
        document_number=f"{number[:6]} {number[6:14]} {number[14:].lower()}",
    )
    assert application.real_name == "测试"
    assert application.masked_number.endswith("X")


def test_fill_in_again_before_scanning_updates_the_same_application(session, candidate):
    first = fill_genuine(session, candidate)
    second = identity.fill_in(
        session, actor=candidate, real_name="陈大文", document_type="passport", document_number="E12345678"
    )
    assert second.id == first.id
    assert second.method == "manual_other"
    assert count(session, IdentityVerification, IdentityVerification.user_id == candidate.user_id) == 1


@pytest.mark.parametrize("role", ["unit_admin", "reviewer", "analyst", "admin"])
def test_only_candidates_fill_in(session, role):
    unit = factories.unit(session) if role == "unit_admin" else None
    other = factories.actor(session, role, unit=unit)
    with pytest.raises(PermissionDenied):
        fill_genuine(session, other)


def test_disabled_candidate_cannot_fill_in(session, candidate):
    from db.models import User

    session.get(User, candidate.user_id).is_active = False
    session.flush()
    with pytest.raises(PermissionDenied, match="停用"):
        fill_genuine(session, candidate)


# -------------------------------------------------------------------------------- one number, one account


def test_fill_in_answers_alike_for_a_number_verified_elsewhere_and_flags_it(engine):
    with session_scope(engine) as session:
        owner = factories.verified_candidate(session, real_name=GENUINE["name"], document_number=GENUINE["id_number"])
        intruder = factories.actor(session, "candidate")
        control = factories.actor(session, "candidate")
        owner_id = owner.id
    with session_scope(engine) as session:
        taken = fill_genuine(session, intruder)
    with session_scope(engine) as session:
        free = identity.fill_in(
            session,
            actor=control,
            real_name="王小明",
            document_type="resident_id",
            document_number=factories.fictional_id_number(321),
        )
    # The same answer (no oracle): both go on to the scan, nothing says the number is taken.
    assert (taken.status, taken.method, taken.manual_offered) == (free.status, free.method, free.manual_offered)
    with session_scope(engine) as session:
        flag = session.scalar(select(IdentityFlag))
        assert (flag.user_id, flag.other_user_id, flag.kind) == (intruder.user_id, owner_id, "duplicate_number")
        assert flag.document_number_hash == lookup_hash(GENUINE["id_number"])
        assert "identity.duplicate_flagged" in actions(session)
        reviewer = factories.actor(session, "reviewer")
        flags = review.open_flags(session, actor=reviewer)
        assert [(f.user_id, f.other_user_id) for f in flags] == [(intruder.user_id, owner_id)]


def test_a_passing_scan_of_a_number_verified_elsewhere_is_refused_and_flagged(engine, monkeypatch):
    monkeypatch.setenv("PORTAL_ALLOW_UPLOAD_AUTO_CHECK", "1")  # the photo goes through the automatic check
    with session_scope(engine) as session:
        factories.verified_candidate(session, real_name=GENUINE["name"], document_number=GENUINE["id_number"])
        intruder = factories.actor(session, "candidate")
    with session_scope(engine) as session:
        fill_genuine(session, intruder)
    with session_scope(engine) as session:
        with pytest.raises(identity.DuplicateNumber) as refused:
            identity.submit_scan(session, actor=intruder, image=image(GENUINE))
    assert "证件号已被占用申诉" in refused.value.message
    assert GENUINE["id_number"] not in refused.value.message
    with session_scope(engine) as session:
        assert identity.status_of(session, user_id=intruder.user_id) == "unverified"


def test_unique_index_allows_one_verified_account_per_number(session):
    from sqlalchemy.exc import IntegrityError

    factories.verified_candidate(session, document_number=GENUINE["id_number"])
    with pytest.raises(IntegrityError):
        factories.verified_candidate(session, document_number=GENUINE["id_number"])


# ----------------------------------------------------------------------------------------------- scans


def test_genuine_scan_verifies_and_stores_the_image_encrypted(session, candidate, ocr_engine):
    fill_genuine(session, candidate)
    outcome = identity.submit_scan(
        session, actor=candidate, image=image(GENUINE), engine=ocr_engine, capture_token=live(session, candidate)
    )
    assert outcome.decision == "verified", outcome
    assert outcome.messages == ["身份证核验通过"]
    application = identity.my_verification(session, actor=candidate)
    assert (application.status, application.step) == ("verified", 2)
    verified = identity.verified_identity(session, user_id=candidate.user_id)
    assert verified.real_name == GENUINE["name"]
    assert verified.document_number(session) == GENUINE["id_number"]
    assert verified.verified_at is not None
    row = session.get(IdentityVerification, application.id)
    stored = (storage._root() / row.front_image_key).read_bytes()
    assert stored[:3] != b"\xff\xd8\xff"  # encrypted at rest
    assert storage.load(row.front_image_key)[:3] == b"\xff\xd8\xff"
    attempt = session.scalar(select(IdentityCheckAttempt).where(IdentityCheckAttempt.verification_id == row.id))
    assert (attempt.decision, attempt.reasons) == ("verified", "")
    message = session.scalar(select(Message).where(Message.user_id == candidate.user_id))
    assert message.title == "实名认证成功"
    assert actions(session)[-1] == "identity.scan"
    with pytest.raises(Conflict, match="已完成实名认证"):
        fill_genuine(session, candidate)


def test_scan_with_another_name_is_a_mismatch_and_counts(session, candidate, ocr_engine):
    identity.fill_in(
        session, actor=candidate, real_name="任芳芳", document_type="resident_id", document_number=GENUINE["id_number"]
    )
    outcome = identity.submit_scan(
        session, actor=candidate, image=image(GENUINE), engine=ocr_engine, capture_token=live(session, candidate)
    )
    assert (outcome.decision, outcome.reasons) == ("mismatch", ["name_mismatch"])
    assert outcome.messages == ["姓名与填写不一致"]
    assert outcome.attempts == 1 and not outcome.manual_offered
    assert identity.status_of(session, user_id=candidate.user_id) == "unverified"


def test_a_file_that_is_not_an_image_is_refused_without_counting(session, candidate):
    fill_genuine(session, candidate)
    with pytest.raises(ValidationFailed) as refused:
        identity.submit_scan(
            session, actor=candidate, image=b"%PDF-1.4 not a photo", capture_token=live(session, candidate)
        )
    assert "图片" in refused.value.errors["image"]
    assert identity.my_verification(session, actor=candidate).auto_attempts == 0
    assert count(session, IdentityCheckAttempt) == 0


def test_three_failures_offer_manual_review(session, candidate, monkeypatch):
    fill_genuine(session, candidate)
    with pytest.raises(Conflict, match="3 次"):
        identity.switch_to_manual(session, actor=candidate)
    outcomes = [
        identity.submit_scan(session, actor=candidate, image=image(BLURRY), capture_token=live(session, candidate))
        for _ in range(3)
    ]
    assert [o.decision for o in outcomes] == ["retake"] * 3
    assert outcomes[0].messages == ["照片模糊，请在光线充足处重拍"]
    assert [o.manual_offered for o in outcomes] == [False, False, True]
    assert identity.my_verification(session, actor=candidate).manual_offered
    with pytest.raises(Conflict):
        identity.submit_manual(session, actor=candidate, front=image(GENUINE), back=image(GENUINE))
    application = identity.switch_to_manual(session, actor=candidate)
    assert application.method == "manual_id_card"
    assert count(session, IdentityCheckAttempt) == 3
    assert actions(session).count("identity.scan") == 3
    assert actions(session)[-1] == "identity.switch_to_manual"


def test_the_number_of_attempts_is_a_setting(session, candidate, monkeypatch):
    monkeypatch.setenv("PORTAL_AUTO_CHECK_ATTEMPTS", "1")
    fill_genuine(session, candidate)
    token = live(session, candidate)
    outcome = identity.submit_scan(session, actor=candidate, image=image(BLURRY), capture_token=token)
    assert outcome.manual_offered


def submit_for_review(session, actor: Actor, *, number: str = "E12345678") -> identity.Verification:
    identity.fill_in(session, actor=actor, real_name="陈大文", document_type="passport", document_number=number)
    return identity.submit_manual(session, actor=actor, front=image(GENUINE), back=image(BLURRY))


def test_manual_submission_is_pending_with_both_images(session, candidate):
    application = submit_for_review(session, candidate)
    assert (application.status, application.has_front_image, application.has_back_image) == ("pending", True, True)
    assert application.submitted_at is not None
    assert identity.status_of(session, user_id=candidate.user_id) == "pending"
    assert actions(session)[-1] == "identity.submit_manual"
    with pytest.raises(Conflict, match="审核中"):
        identity.fill_in(
            session, actor=candidate, real_name="陈大文", document_type="passport", document_number="E1234567"
        )


def test_manual_submission_needs_two_real_images(session, candidate):
    identity.fill_in(
        session, actor=candidate, real_name="陈大文", document_type="passport", document_number="E12345678"
    )
    with pytest.raises(ValidationFailed) as refused:
        identity.submit_manual(session, actor=candidate, front=image(GENUINE), back=b"")
    assert set(refused.value.errors) == {"back"}
    with pytest.raises(ValidationFailed) as refused:
        identity.submit_manual(session, actor=candidate, front=b"GIF89a....", back=image(GENUINE)[:2000])
    assert set(refused.value.errors) == {"front", "back"}
    assert identity.status_of(session, user_id=candidate.user_id) == "unverified"


def test_images_stored_in_a_failed_unit_of_work_are_removed(engine):
    with session_scope(engine) as session:
        candidate = factories.actor(session, "candidate")
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        submit_for_review(session, candidate)
        assert len(list((storage._root() / "identity").iterdir())) == 2
        raise RuntimeError("something after the upload failed")
    assert not list((storage._root() / "identity").iterdir())
    with session_scope(engine) as session:
        submit_for_review(session, candidate)
    assert len(list((storage._root() / "identity").iterdir())) == 2


# -------------------------------------------------------------------------------------------- withdraw


def test_withdraw_a_pending_application_restarts_the_flow(session, candidate):
    first = submit_for_review(session, candidate)
    identity.withdraw(session, actor=candidate)
    row = session.get(IdentityVerification, first.id)
    assert (row.status, row.is_current) == ("withdrawn", False)
    assert identity.my_verification(session, actor=candidate) is None
    assert identity.status_of(session, user_id=candidate.user_id) == "unverified"
    assert actions(session)[-1] == "identity.withdraw"
    again = fill_genuine(session, candidate)
    assert again.id != first.id and again.method == "auto_id_card"
    with pytest.raises(Conflict, match="待认证或审核未通过"):
        identity.withdraw(session, actor=candidate)


def test_withdraw_a_rejected_application(session, candidate):
    application = submit_for_review(session, candidate)
    reviewer = factories.actor(session, "reviewer")
    review.reject(session, actor=reviewer, verification_id=application.id, reason="照片不清晰")
    identity.withdraw(session, actor=candidate)
    assert identity.my_verification(session, actor=candidate) is None


def test_a_verified_application_cannot_be_withdrawn(session):
    owner = Actor.of(factories.verified_candidate(session))
    with pytest.raises(Conflict, match="不能撤回"):
        identity.withdraw(session, actor=owner)
    with pytest.raises(NotFound):
        identity.withdraw(session, actor=factories.actor(session, "candidate"))


# ---------------------------------------------------------------------------------------------- images


def test_images_only_for_their_owner_and_reviewers(session, candidate):
    from db.models import PersonalDataAccess

    application = submit_for_review(session, candidate)
    own = identity.image(session, actor=candidate, verification_id=application.id, side="front")
    assert own[:3] == b"\xff\xd8\xff"
    assert count(session, PersonalDataAccess) == 0  # the owner's own reads are not logged
    stranger = factories.actor(session, "candidate")
    with pytest.raises(NotFound):
        identity.image(session, actor=stranger, verification_id=application.id, side="front")
    unit = factories.unit(session)
    for role in ("unit_admin", "analyst", "admin"):
        with pytest.raises(PermissionDenied):
            identity.image(
                session,
                actor=factories.actor(session, role, unit=unit if role == "unit_admin" else None),
                verification_id=application.id,
                side="back",
            )
    reviewer = factories.actor(session, "reviewer")
    review.claim(session, actor=reviewer, verification_id=application.id)  # images only under one's own claim
    assert identity.image(session, actor=reviewer, verification_id=application.id, side="back")[:3] == b"\xff\xd8\xff"
    access = session.scalar(select(PersonalDataAccess))
    assert (access.candidate_id, access.reader_role, access.section) == (candidate.user_id, "reviewer", "identity")


# ------------------------------------------------------------------------------------------------ demo


def test_demo_data_leaves_the_demo_candidate_unverified_and_gives_reviewers_work(session):
    from db.models import User
    from portal.ops.demo import seed_demo

    seed_demo(session)
    demo = Actor.of(session.scalar(select(User).where(User.username == "13800000001")))
    assert identity.my_verification(session, actor=demo) is None
    reviewer = Actor.of(session.scalar(select(User).where(User.username == "reviewer")))
    cases = review.verification_queue(session, actor=reviewer, page_size=200).rows
    assert {c.method for c in cases} == {"manual_id_card", "manual_other"}
    first_id_card = next(c for c in cases if c.method == "manual_id_card")  # after 3 failed automatic checks
    review.claim(session, actor=reviewer, verification_id=first_id_card.id)
    opened = review.open_case(session, actor=reviewer, verification_id=first_id_card.id)
    assert opened.front_image is None or opened.front_image[:3] == b"\xff\xd8\xff"
    assert len(opened.attempts) == 3
    assert count(session, IdentityVerification, IdentityVerification.status == "verified") >= 5
    assert count(session, IdentityVerification, IdentityVerification.status == "rejected") == 1
    assert len(review.open_flags(session, actor=reviewer)) == 1
