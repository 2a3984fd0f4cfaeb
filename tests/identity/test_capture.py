"""Capture channel policy: live captures carry a one-time token; uploads go to manual review unless allowed."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.models import AuditEvent, IdentityCaptureUse, IdentityCheckAttempt, IdentityVerification
from portal.core import storage
from portal.core.errors import ValidationFailed
from portal.identity import capture
from portal.identity import service as identity
from tests import factories
from tests.identity.test_service import BLURRY, GENUINE, count, fill_genuine, image


@pytest.fixture
def candidate(session):
    return factories.actor(session, "candidate")


def test_a_live_capture_token_is_accepted_once(session, candidate):
    fill_genuine(session, candidate)
    token = capture.issue_token(session, actor=candidate)
    outcome = identity.submit_scan(session, actor=candidate, image=image(BLURRY), capture_token=token)
    assert outcome.decision == "retake"
    with pytest.raises(capture.CaptureRefused, match="已经提交过"):
        identity.submit_scan(session, actor=candidate, image=image(BLURRY), capture_token=token)
    assert identity.my_verification(session, actor=candidate).auto_attempts == 1
    assert count(session, IdentityCheckAttempt) == 1
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "identity.capture"))
    assert audit is not None
    scan = session.scalar(select(AuditEvent).where(AuditEvent.action == "identity.scan"))
    assert "channel=live" in scan.summary


def test_a_token_stays_used_when_its_unit_of_work_rolls_back(engine):
    with session_scope(engine) as session:
        candidate = factories.actor(session, "candidate")
        fill_genuine(session, candidate)
        token = capture.issue_token(session, actor=candidate)
    with pytest.raises(ValidationFailed), session_scope(engine) as session:
        identity.submit_scan(session, actor=candidate, image=b"%PDF-1.4 not a photo", capture_token=token)
    with pytest.raises(capture.CaptureRefused, match="已经提交过"), session_scope(engine) as session:
        identity.submit_scan(session, actor=candidate, image=image(BLURRY), capture_token=token)
    with session_scope(engine) as session:
        assert count(session, IdentityCaptureUse) == 1
        assert count(session, IdentityCheckAttempt) == 0


def test_hand_crafted_foreign_and_expired_tokens_are_refused(session, candidate, monkeypatch):
    fill_genuine(session, candidate)
    other = factories.actor(session, "candidate")
    token = capture.issue_token(session, actor=candidate)
    user_id, issued, nonce, mac = token.split(".")
    forged = [
        "",
        "live",
        f"{user_id}.{issued}.{nonce}.{'0' * 64}",  # a made-up signature
        f"{user_id}.{int(issued) + 1}.{nonce}.{mac}",  # another time under the same signature
        capture.issue_token(session, actor=other),  # someone else's page view
    ]
    for bad in forged:
        with pytest.raises(capture.CaptureRefused, match="凭证无效"):
            identity.submit_scan(session, actor=candidate, image=image(BLURRY), capture_token=bad)
    later = time.time() + capture.TOKEN_MINUTES * 60 + 5
    monkeypatch.setattr(capture.time, "time", lambda: later)
    with pytest.raises(capture.CaptureRefused, match="已过期"):
        identity.submit_scan(session, actor=candidate, image=image(BLURRY), capture_token=token)
    assert identity.my_verification(session, actor=candidate).auto_attempts == 0


def test_an_upload_goes_to_manual_review_by_default(session, candidate):
    fill_genuine(session, candidate)
    outcome = identity.submit_scan(session, actor=candidate, image=image(GENUINE))
    assert outcome.decision == "manual_review"
    assert outcome.messages == [capture.UPLOAD_TO_MANUAL]
    application = identity.my_verification(session, actor=candidate)
    assert (application.status, application.method) == ("unverified", "manual_id_card")
    assert application.has_front_image and not application.has_back_image
    assert count(session, IdentityCheckAttempt) == 0  # never reached the automatic check
    row = session.get(IdentityVerification, application.id)
    assert storage.load(row.front_image_key)[:3] == b"\xff\xd8\xff"
    # The kept front photo counts: only the back is still needed for 提交审核.
    with pytest.raises(ValidationFailed) as missing:
        identity.submit_manual(session, actor=candidate, front=b"", back=b"")
    assert set(missing.value.errors) == {"back"}
    pending = identity.submit_manual(session, actor=candidate, front=b"", back=image(BLURRY))
    assert pending.status == "pending" and pending.has_front_image and pending.has_back_image
    switched = select(AuditEvent.summary).where(AuditEvent.action == "identity.switch_to_manual")
    summaries = list(session.scalars(switched))
    assert summaries == ["uploaded photo: manual review by policy"]


def test_a_bad_upload_is_refused_and_changes_nothing(session, candidate):
    fill_genuine(session, candidate)
    with pytest.raises(ValidationFailed):
        identity.submit_scan(session, actor=candidate, image=b"%PDF-1.4 not a photo")
    assert identity.my_verification(session, actor=candidate).method == "auto_id_card"


def test_the_setting_lets_uploads_through_the_automatic_check(session, candidate, monkeypatch, ocr_engine):
    monkeypatch.setenv("PORTAL_ALLOW_UPLOAD_AUTO_CHECK", "1")
    fill_genuine(session, candidate)
    outcome = identity.submit_scan(session, actor=candidate, image=image(BLURRY))
    assert outcome.decision == "retake"
    assert identity.my_verification(session, actor=candidate).method == "auto_id_card"
    outcome = identity.submit_scan(session, actor=candidate, image=image(GENUINE), engine=ocr_engine)
    assert outcome.decision == "verified", outcome
    scan = session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "identity.scan")).all()
    assert all("channel=upload" in summary for summary in scan)


def test_without_a_camera_the_candidate_may_choose_manual_review(session, candidate):
    fill_genuine(session, candidate)
    application = capture.choose_manual_review(session, actor=candidate)
    assert application.method == "manual_id_card"
    assert not application.has_front_image
    with pytest.raises(ValidationFailed) as missing:
        identity.submit_manual(session, actor=candidate, front=b"", back=image(BLURRY))
    assert set(missing.value.errors) == {"front"}


def test_measures_in_the_audit_trail_are_numbers_only():
    measures = {"brightness": 0.51234, "auto": True, "sharpness": float("nan"), "edges": "<b>x</b>", "other": 1}
    assert capture.describe(measures) == "brightness=0.512 auto=1"
