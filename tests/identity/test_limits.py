"""Attempt limits: automatic checks per account and day, distinct accounts per number and day, probing flags."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from db.models import AuditEvent, IdentityCheckAttempt, IdentityFlag
from portal.core.errors import Conflict
from portal.identity import policy, review
from portal.identity import service as identity
from tests import factories

NUMBER = factories.fictional_id_number(777)


def fill(session, actor, number: str = NUMBER) -> identity.Verification:
    return identity.fill_in(session, actor=actor, real_name="李四", document_type="resident_id", document_number=number)


def seed_checks(session, verification_id: int, count: int, *, before_today: bool = False) -> None:
    moment = policy.day_start_utc() + (timedelta(minutes=-5) if before_today else timedelta(minutes=5))
    for _ in range(count):
        session.add(
            IdentityCheckAttempt(
                verification_id=verification_id, decision="retake", reasons="blurry", created_at=moment
            )
        )
    session.flush()


def test_the_daily_check_limit_refuses_the_scan_and_offers_manual_review(session):
    candidate = factories.actor(session, "candidate")
    application = fill(session, candidate)
    seed_checks(session, application.id, 9)
    assert identity.my_verification(session, actor=candidate).manual_offered is False
    seed_checks(session, application.id, 1)
    mine = identity.my_verification(session, actor=candidate)
    assert mine.manual_offered and "10 次上限" in mine.scan_limit
    with pytest.raises(Conflict, match="今日身份证自动核验已达 10 次上限"):
        identity.submit_scan(session, actor=candidate, image=b"not even looked at")
    assert identity.switch_to_manual(session, actor=candidate).method == "manual_id_card"


def test_checks_of_earlier_days_do_not_count(session):
    candidate = factories.actor(session, "candidate")
    application = fill(session, candidate)
    seed_checks(session, application.id, 12, before_today=True)
    mine = identity.my_verification(session, actor=candidate)
    assert mine.scan_limit is None and not mine.manual_offered
    with pytest.raises(Conflict, match="连续 3 次未通过后"):
        identity.switch_to_manual(session, actor=candidate)


def test_the_daily_check_limit_is_a_setting(session, monkeypatch):
    monkeypatch.setenv("PORTAL_AUTO_CHECKS_PER_DAY", "2")
    candidate = factories.actor(session, "candidate")
    application = fill(session, candidate)
    seed_checks(session, application.id, 2)
    with pytest.raises(Conflict, match="2 次上限"):
        identity.submit_scan(session, actor=candidate, image=b"x")


def test_a_number_tried_by_more_accounts_than_allowed_is_flagged_and_goes_to_manual_review(session):
    first_three = [factories.actor(session, "candidate") for _ in range(3)]
    fourth = factories.actor(session, "candidate")
    for actor in first_three:
        assert fill(session, actor).scan_limit is None
    fill(session, first_three[0])  # the same account again does not count twice
    assert session.scalars(select(IdentityFlag.kind)).all() == []
    limited = fill(session, fourth)
    assert limited.manual_offered and "尝试认证的账号过多" in limited.scan_limit
    with pytest.raises(Conflict, match="尝试认证的账号过多"):
        identity.submit_scan(session, actor=fourth, image=b"x")
    assert identity.switch_to_manual(session, actor=fourth).method == "manual_id_card"
    # The first three keep the automatic check.
    assert identity.my_verification(session, actor=first_three[1]).scan_limit is None
    reviewer = factories.actor(session, "reviewer")
    flags = review.open_flags(session, actor=reviewer)
    assert [(f.user_id, f.kind) for f in flags] == [(fourth.user_id, "number_probing")]
    from tests.identity.test_service import BLURRY, GENUINE, image

    identity.submit_manual(session, actor=fourth, front=image(GENUINE), back=image(BLURRY))
    review.claim(session, actor=reviewer, verification_id=limited.id)  # the case is read under one's own claim
    case = review.open_case(session, actor=reviewer, verification_id=limited.id)
    assert len(case.flags) == 1 and "同一证件号码当日被多个账号尝试" in case.flags[0]
    assert "identity.probing_flagged" in session.scalars(select(AuditEvent.action)).all()


def test_the_accounts_per_number_limit_is_a_setting(session, monkeypatch):
    monkeypatch.setenv("PORTAL_ACCOUNTS_PER_NUMBER_PER_DAY", "1")
    fill(session, factories.actor(session, "candidate"))
    second = fill(session, factories.actor(session, "candidate"))
    assert second.manual_offered


def test_the_scan_pool_refuses_a_request_past_the_daily_limit(session):
    from portal.identity import workers

    candidate = factories.actor(session, "candidate")
    application = fill(session, candidate)
    seed_checks(session, application.id, 10)
    with pytest.raises(Conflict, match="10 次上限"):
        workers.scan_request(session, actor=candidate, image=b"not even looked at")
