"""Accounts: registration, creation, lockout, reset, disable; each refusal and each audit record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from db.models import AuditEvent, User
from portal.auth import service as auth
from portal.auth.passwords import check_password
from portal.core.actor import SYSTEM, Actor
from portal.core.errors import Conflict, PermissionDenied, ValidationFailed
from portal.core.timeutil import utcnow
from tests import factories


def audit_actions(session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_candidate_registers_with_mobile_and_is_audited(session):
    user = auth.register_candidate(session, mobile="13912345678", password="abc12345", password_confirm="abc12345")
    assert user.role == "candidate" and user.username == "13912345678"
    assert check_password("abc12345", user.password_hash)
    assert "abc12345" not in user.password_hash
    assert audit_actions(session) == ["account.register"]


@pytest.mark.parametrize(
    ("mobile", "password", "confirm", "field"),
    [
        ("2391234567", "abc12345", "abc12345", "mobile"),
        ("13912345678", "short1", "short1", "password"),
        ("13912345678", "onlyletters", "onlyletters", "password"),
        ("13912345678", "x13912345678", "x13912345678", "password"),
        ("13912345678", "abc12345", "abc12346", "password_confirm"),
    ],
)
def test_registration_rejects_bad_input_with_field(session, mobile, password, confirm, field):
    with pytest.raises(ValidationFailed) as caught:
        auth.register_candidate(session, mobile=mobile, password=password, password_confirm=confirm)
    assert field in caught.value.errors
    assert session.scalar(select(User)) is None


def test_mobile_registers_once(session):
    auth.register_candidate(session, mobile="13912345678", password="abc12345", password_confirm="abc12345")
    with pytest.raises(Conflict):
        auth.register_candidate(session, mobile="13912345678", password="abc12345", password_confirm="abc12345")


def test_username_is_unique_in_the_schema(session):
    session.add(User(username="dup", password_hash="x", role="admin"))
    session.add(User(username="dup", password_hash="x", role="admin"))
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        session.flush()


def test_role_is_checked_by_the_schema(session):
    session.add(User(username="weird", password_hash="x", role="superuser"))
    with pytest.raises(Exception, match="(?i)check|constraint"):
        session.flush()


def test_only_admin_creates_accounts(session):
    for role in ("candidate", "unit_admin", "reviewer", "analyst"):
        unit = factories.unit(session) if role == "unit_admin" else None
        someone = factories.actor(session, role, unit=unit)
        with pytest.raises(PermissionDenied):
            auth.create_user(session, actor=someone, role="admin", username="evil", password="abc12345")
    admin = factories.actor(session, "admin")
    created = auth.create_user(session, actor=admin, role="reviewer", username="rev9", password="abc12345")
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "account.create")).all()[-1]
    assert event.actor_id == admin.user_id and event.object_id == str(created.id)


def test_unit_admin_needs_an_existing_unit(session):
    with pytest.raises(ValidationFailed) as caught:
        auth.create_user(session, actor=SYSTEM, role="unit_admin", username="ua1", password="abc12345")
    assert "unit" in caught.value.errors
    with pytest.raises(ValidationFailed):
        auth.create_user(
            session, actor=SYSTEM, role="unit_admin", username="ua1", password="abc12345", unit_code="NOPE"
        )
    unit = factories.unit(session)
    user = auth.create_user(
        session, actor=SYSTEM, role="unit_admin", username="ua1", password="abc12345", unit_code=unit.institution_code
    )
    assert user.unit_id == unit.id


def test_five_failures_lock_for_fifteen_minutes_then_expire(session):
    user = factories.user(session, "reviewer")
    for attempt in range(1, 5):
        state = auth.record_login_failure(session, username=user.username)
        assert not state.locked and state.failed_count == attempt
    state = auth.record_login_failure(session, username=user.username)
    assert state.locked
    assert timedelta(minutes=14) < state.locked_until - utcnow() <= timedelta(minutes=15)
    assert audit_actions(session)[-1] == "account.locked"
    # The lock runs out: the counter starts again.
    user.locked_until = utcnow() - timedelta(seconds=1)
    session.flush()
    state = auth.record_login_failure(session, username=user.username)
    assert not state.locked and state.failed_count == 1


def test_success_resets_counter(session):
    user = factories.user(session, "analyst")
    auth.record_login_failure(session, username=user.username)
    auth.record_login_success(session, username=user.username)
    assert auth.login_state(session, username=user.username).failed_count == 0
    assert user.last_login_at is not None


def test_unknown_username_is_not_counted(session):
    state = auth.record_login_failure(session, username="nobody")
    assert not state.exists
    assert session.scalar(select(AuditEvent)) is None


def test_admin_resets_password_and_unlocks(session):
    admin = factories.actor(session, "admin")
    user = factories.user(session, "reviewer")
    for _ in range(5):
        auth.record_login_failure(session, username=user.username)
    auth.reset_password(session, actor=admin, user_id=user.id, new_password="newpass99")
    assert check_password("newpass99", user.password_hash)
    assert not auth.login_state(session, username=user.username).locked
    with pytest.raises(ValidationFailed):
        auth.reset_password(session, actor=admin, user_id=user.id, new_password="weak")
    other = factories.actor(session, "reviewer")
    with pytest.raises(PermissionDenied):
        auth.reset_password(session, actor=other, user_id=user.id, new_password="newpass99")


def test_disabled_account_cannot_act(session):
    admin = factories.actor(session, "admin")
    user = factories.user(session, "analyst")
    analyst = Actor.of(user)
    auth.set_active(session, actor=admin, user_id=user.id, active=False)
    assert auth.load_actor(session, username=user.username) is None
    with pytest.raises(PermissionDenied):
        auth.change_password(session, actor=analyst, old_password=factories.PASSWORD, new_password="abcd12345")
    assert "account.disable" in audit_actions(session)
    with pytest.raises(PermissionDenied):
        auth.set_active(session, actor=admin, user_id=admin.user_id, active=False)


def test_change_password_needs_old_password(session):
    user = factories.user(session, "reviewer")
    me = Actor.of(user)
    with pytest.raises(ValidationFailed):
        auth.change_password(session, actor=me, old_password="wrong", new_password="abcd12345")
    auth.change_password(session, actor=me, old_password=factories.PASSWORD, new_password="abcd12345")
    assert check_password("abcd12345", user.password_hash)
    assert audit_actions(session)[-1] == "account.change_password"


def test_list_users_is_admin_only(session):
    factories.user(session, "reviewer")
    with pytest.raises(PermissionDenied):
        auth.list_users(session, actor=factories.actor(session, "analyst"))
    admin = factories.actor(session, "admin")
    assert [u.role for u in auth.list_users(session, actor=admin, role="reviewer")] == ["reviewer"]


def test_list_users_filters_by_role_and_text_in_every_shape_with_values_rebound(session):
    """账号管理's list is built once per shape (role, text, both, neither): each call answers its own values."""
    admin = factories.actor(session, "admin")
    people = {}
    for role, name in (
        ("reviewer", "审核员甲"),
        ("reviewer", "审核员乙"),
        ("analyst", "统计员甲"),
        ("analyst", "百分之100_统计"),
    ):
        people[name] = factories.user(session, role)
        people[name].display_name = name
    session.flush()
    first, second, analyst, odd = people.values()

    def names(**filters):
        return {u.display_name for u in auth.list_users(session, actor=admin, **filters)}

    assert {"审核员甲", "审核员乙", "统计员甲"} <= names()
    assert names(role="reviewer") >= {first.display_name, second.display_name}
    assert analyst.display_name not in names(role="reviewer")
    assert names(query="甲") >= {"审核员甲", "统计员甲"} and "审核员乙" not in names(query="甲")
    assert names(role="analyst", query="甲") == {"统计员甲"}
    assert names(role="reviewer", query="乙") == {"审核员乙"}
    assert names(query="0_") == {odd.display_name} and names(query="%") == set()  # LIKE's own signs as text
    assert len(auth.list_users(session, actor=admin, limit=1)) == 1
    assert len(auth.list_users(session, actor=admin, limit=3)) == 3
