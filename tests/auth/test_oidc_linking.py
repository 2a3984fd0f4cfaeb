"""OpenID Connect linking rules (issuer + subject), on both backends; the browser flow is in tests/e2e."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from db.models import AuditEvent, OidcIdentity, User
from portal.auth import oidc
from portal.auth import service as auth
from portal.auth.passwords import check_password, has_password
from portal.core.actor import SYSTEM
from portal.core.errors import Conflict, PermissionDenied, ValidationFailed
from portal.core.timeutil import utcnow
from tests import factories

ISSUER = "http://127.0.0.1:9999"


def claims(subject: str = "alice", *, age_seconds: float = 5, **extra) -> oidc.OidcClaims:
    info = {"is_logged_in": True, "iss": ISSUER, "sub": subject, "iat": int(time.time() - age_seconds), **extra}
    return oidc.OidcClaims.from_user_info(info)


def actions(session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_first_sign_in_is_unlinked_then_creates_a_candidate_without_password(session):
    assert oidc.sign_in(session, claims=claims()).outcome == oidc.SignInOutcome.UNLINKED
    user = oidc.create_candidate(session, claims=claims(), mobile="１３９１２３４５６７８")  # full-width digits
    assert (user.role, user.username) == ("candidate", "13912345678")
    result = oidc.sign_in(session, claims=claims())
    assert result.outcome == oidc.SignInOutcome.SIGNED_IN and result.actor.user_id == user.id
    assert actions(session) == ["account.register", "oidc.link", "login.oidc"]
    # The same ID token again (a reload): not a new login.
    oidc.sign_in(session, claims=claims())
    assert actions(session).count("login.oidc") == 1
    # No password opens this account (the login form gets a hash no one knows the password of).
    assert not has_password(user.password_hash) and not check_password("!", user.password_hash)


def test_mobile_already_registered_must_be_linked_with_its_password(session):
    existing = factories.user(session, "candidate", username="13900000001")
    with pytest.raises(Conflict, match="关联已有账号"):
        oidc.create_candidate(session, claims=claims(), mobile="13900000001")
    with pytest.raises(ValidationFailed, match="账号或密码错误"):
        oidc.link_existing(session, claims=claims(), username="13900000001", password="wrong-pass1")
    assert session.scalar(select(User.failed_login_count).where(User.id == existing.id)) == 1
    oidc.link_existing(session, claims=claims(), username="13900000001", password=factories.PASSWORD)
    result = oidc.sign_in(session, claims=claims())
    assert result.actor.user_id == existing.id
    # The password still works beside the link.
    assert auth.load_actor(session, username="13900000001") is not None


def test_never_linked_by_email_alone(session):
    user = factories.user(session, "candidate")
    user.email = "alice@example.org"
    session.flush()
    result = oidc.sign_in(session, claims=claims(email="alice@example.org", email_verified=True))
    assert result.outcome == oidc.SignInOutcome.UNLINKED


def test_staff_accounts_are_linked_by_an_admin_only(session):
    reviewer = factories.user(session, "reviewer")
    admin = factories.actor(session, "admin")
    with pytest.raises(PermissionDenied, match="系统管理员"):
        oidc.link_existing(session, claims=claims("rev"), username=reviewer.username, password=factories.PASSWORD)
    with pytest.raises(PermissionDenied):
        oidc.admin_link(session, actor=factories.actor(session, "reviewer"), user_id=reviewer.id, subject="rev")
    oidc.admin_link(session, actor=admin, user_id=reviewer.id, subject="rev", issuer=ISSUER)
    result = oidc.sign_in(session, claims=claims("rev"))
    assert result.actor.role == "reviewer" and result.actor.user_id == reviewer.id


def test_one_subject_one_account_and_one_link_per_provider(session):
    first = factories.user(session, "candidate")
    second = factories.user(session, "candidate")
    oidc.link_existing(session, claims=claims("alice"), username=first.username, password=factories.PASSWORD)
    with pytest.raises(Conflict):
        oidc.link_existing(session, claims=claims("alice"), username=second.username, password=factories.PASSWORD)
    with pytest.raises(Conflict):
        oidc.link_existing(session, claims=claims("bob"), username=first.username, password=factories.PASSWORD)
    assert session.scalar(select(OidcIdentity.user_id).where(OidcIdentity.subject == "alice")) == first.id


def test_disabled_account_is_refused_and_old_sign_in_expires(session):
    user = factories.user(session, "candidate")
    oidc.link_existing(session, claims=claims(), username=user.username, password=factories.PASSWORD)
    auth.set_active(session, actor=SYSTEM, user_id=user.id, active=False)
    assert oidc.sign_in(session, claims=claims()).outcome == oidc.SignInOutcome.DISABLED
    auth.set_active(session, actor=SYSTEM, user_id=user.id, active=True)
    nine_hours = timedelta(hours=9).total_seconds()
    assert oidc.sign_in(session, claims=claims(age_seconds=nine_hours)).outcome == oidc.SignInOutcome.EXPIRED
    assert "login.oidc" not in actions(session)


def test_unlink_own_identity_needs_a_password_and_is_audited(session):
    oidc.create_candidate(session, claims=claims(), mobile="13912340000")
    actor = oidc.sign_in(session, claims=claims()).actor
    [link] = oidc.links_of(session, actor=actor)
    with pytest.raises(PermissionDenied, match="没有设置密码"):
        oidc.unlink(session, actor=actor, identity_id=link.id)
    auth.reset_password(session, actor=SYSTEM, user_id=actor.user_id, new_password="Newpass123")
    oidc.unlink(session, actor=actor, identity_id=link.id)
    assert oidc.links_of(session, actor=actor) == []
    assert oidc.sign_in(session, claims=claims()).outcome == oidc.SignInOutcome.UNLINKED
    assert actions(session)[-1] == "oidc.unlink"
    # Someone else's link: only an admin removes it.
    other = factories.user(session, "candidate")
    oidc.link_existing(session, claims=claims("x"), username=other.username, password=factories.PASSWORD)
    [other_link] = oidc.links_of(session, actor=factories.actor(session, "admin"), user_id=other.id)
    with pytest.raises(PermissionDenied):
        oidc.unlink(session, actor=actor, identity_id=other_link.id)


def test_roles_from_claims_only_with_a_mapping(session, monkeypatch):
    monkeypatch.setenv("PORTAL_OIDC_CLIENT_ID", "portal")
    monkeypatch.setenv("PORTAL_OIDC_ISSUER", ISSUER)
    staff = claims("carol", groups=["hw-reviewers"])
    assert oidc.sign_in(session, claims=staff).outcome == oidc.SignInOutcome.UNLINKED
    monkeypatch.setenv("PORTAL_OIDC_ROLE_CLAIM", "groups")
    monkeypatch.setenv("PORTAL_OIDC_ROLE_MAP", "hw-reviewers=reviewer,hw-units=unit_admin")
    result = oidc.sign_in(session, claims=staff)
    assert result.outcome == oidc.SignInOutcome.SIGNED_IN and result.actor.role == "reviewer"
    # unit_admin cannot come from a claim (a unit admin needs a unit).
    assert oidc.sign_in(session, claims=claims("dave", groups="hw-units")).outcome == oidc.SignInOutcome.UNLINKED


def test_prefill_only_when_set_and_never_verified(session, monkeypatch):
    monkeypatch.setenv("PORTAL_OIDC_CLIENT_ID", "portal")
    monkeypatch.setenv("PORTAL_OIDC_ISSUER", ISSUER)
    said = claims(name="张三", id_card="420106199001011231")
    assert oidc.prefill(said) == {}
    monkeypatch.setenv("PORTAL_OIDC_PREFILL_NAME_CLAIM", "name")
    monkeypatch.setenv("PORTAL_OIDC_PREFILL_ID_NUMBER_CLAIM", "id_card")
    assert oidc.prefill(said) == {"real_name": "张三", "document_number": "420106199001011231"}
    assert utcnow()  # nothing written: prefill reads claims only
    assert actions(session) == []
