"""Issue 16 #11: a unit admin whose 机构注册 is pending or rejected learns it at login, after the right password
only; a wrong password still gets the one failure message, under the same counter and lock."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.models import User
from portal.auth import login, passwords
from portal.auth.vocab import LOGIN_REFUSAL_LABELS
from portal.core.settings import get_settings
from portal.unit import registration as registrations
from tests import factories
from tests.app.helpers import assert_no_exception, errors, new_app, texts
from tests.app.helpers import login as ui_login
from tests.unit.test_unit_side import registration_form

USERNAME, PASSWORD = "syws_admin", "Unit2026ok"
FAILURE = "账号或密码错误。连续输错 5 次将锁定 15 分钟，锁定期间无法登录；如需立即解锁，请联系管理员。"


@pytest.fixture
def pending(engine) -> int:
    """A 机构注册 waiting for review; its id."""
    with session_scope(engine) as session:
        return registrations.register_unit(session, **registration_form()).id


def reject(engine, registration_id: int, reason: str) -> None:
    with session_scope(engine) as session:
        reviewer = factories.actor(session, "reviewer")
        registrations.reject_registration(session, actor=reviewer, registration_id=registration_id, reason=reason)


def test_right_password_of_a_pending_unit_admin_says_pending(engine, pending):
    outcome = login.authenticate(engine, username=USERNAME, password=PASSWORD)
    assert outcome.result == login.LoginResult.PENDING
    assert outcome.reason is None


def test_wrong_password_of_a_pending_unit_admin_is_a_plain_failure(engine, pending):
    assert login.authenticate(engine, username=USERNAME, password="wrong1234").result == login.LoginResult.WRONG


def test_right_password_of_a_rejected_unit_admin_says_rejected_with_the_reason(engine, pending):
    reject(engine, pending, "机构编码与名称不符")
    outcome = login.authenticate(engine, username=USERNAME, password=PASSWORD)
    assert outcome.result == login.LoginResult.REJECTED
    assert outcome.reason == "机构编码与名称不符"
    assert login.authenticate(engine, username=USERNAME, password="wrong1234").result == login.LoginResult.WRONG


def test_registering_again_after_a_rejection_is_pending_again(engine, pending):
    reject(engine, pending, "材料不全")
    with session_scope(engine) as session:
        registrations.register_unit(session, **registration_form())
    assert login.authenticate(engine, username=USERNAME, password=PASSWORD).result == login.LoginResult.PENDING


def test_an_approved_then_disabled_unit_admin_is_told_disabled(engine, pending):
    with session_scope(engine) as session:
        registrations.approve_registration(session, actor=factories.actor(session, "reviewer"), registration_id=pending)
    with session_scope(engine) as session:
        session.scalar(select(User).where(User.username == USERNAME)).is_active = False
    assert login.authenticate(engine, username=USERNAME, password=PASSWORD).result == login.LoginResult.DISABLED


def test_checking_a_pending_login_repeatedly_never_locks_the_applicant(engine, pending):
    """The right password is proven each time: it clears the counter (no lock after five honest checks)."""
    for _ in range(get_settings().max_failed_logins + 2):
        assert login.authenticate(engine, username=USERNAME, password=PASSWORD).result == login.LoginResult.PENDING
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == USERNAME))
        assert user.failed_login_count == 0 and user.locked_until is None


def test_the_lock_holds_for_a_pending_unit_admin(engine, pending, monkeypatch):
    """Guesses are counted as for any account; once locked, the right password says nothing of the request."""
    seen: list[str] = []
    with session_scope(engine) as session:
        real_hash = session.scalar(select(User.password_hash).where(User.username == USERNAME))

    def counting_check(password: str, password_hash: str) -> bool:
        seen.append("real" if password_hash == real_hash else "dummy")
        return passwords.check_password(password, password_hash)

    monkeypatch.setattr(login, "check_password", counting_check)
    limit = get_settings().max_failed_logins
    for _ in range(limit + 2):
        assert login.authenticate(engine, username=USERNAME, password="wrong1234").result in {
            login.LoginResult.WRONG,
            login.LoginResult.LOCKED,
        }
    assert seen.count("real") == limit
    assert login.authenticate(engine, username=USERNAME, password=PASSWORD).result == login.LoginResult.LOCKED


def test_every_refusal_after_the_right_password_has_a_label():
    assert set(LOGIN_REFUSAL_LABELS) == {
        login.LoginResult.DISABLED,
        login.LoginResult.PENDING,
        login.LoginResult.REJECTED,
    }


# ---------------------------------------------------------------------------------------------- the login page


def test_login_page_tells_a_pending_unit_admin_to_wait(engine, pending):
    app = ui_login(new_app(), USERNAME, PASSWORD)
    assert_no_exception(app)
    assert errors(app) == [LOGIN_REFUSAL_LABELS[login.LoginResult.PENDING]]
    assert "注册申请审核中，请等待审核" in errors(app)[0]
    assert "查询注册进度" in errors(app)[0]
    assert not app.session_state["authentication_status"]


def test_login_page_gives_a_pending_unit_admin_with_a_wrong_password_the_failure(engine, pending):
    app = ui_login(new_app(), USERNAME, "wrong1234")
    assert errors(app) == [FAILURE]
    assert "审核中" not in texts(app)


def test_login_page_tells_a_rejected_unit_admin_why_as_plain_text(engine, pending):
    reason = "名称与**营业执照**不符 <b>x</b>"
    reject(engine, pending, reason)
    app = ui_login(new_app(), USERNAME, PASSWORD)
    assert_no_exception(app)
    assert errors(app) == [LOGIN_REFUSAL_LABELS[login.LoginResult.REJECTED]]
    assert "注册申请未通过" in errors(app)[0]
    shown = [element.value for element in app.text]
    assert f"未通过原因：{reason}" in shown  # st.text: the reviewer's words are never markdown or HTML
    assert not app.session_state["authentication_status"]
