"""Login page, role navigation, lockout and deep links, driven through the real app."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.models import User
from pages import registry
from portal.auth import service as auth
from portal.core.actor import SYSTEM
from tests import factories
from tests.app.helpers import assert_no_exception, errors, login, new_app, texts


@pytest.fixture
def accounts(engine):
    """One account per role (password factories.PASSWORD)."""
    with session_scope(engine) as session:
        unit = factories.unit(session)
        made = {}
        for role in registry.NAVIGATION:
            user = factories.user(session, role, unit=unit if role == "unit_admin" else None)
            made[role] = user.username
    return made


def test_login_page_renders(engine):
    app = new_app()
    app.run()
    assert_no_exception(app)
    assert "医师资格考试考生预报名" in texts(app)
    assert [b.label for b in app.button if b.label == "登录"]


FAILURE = "账号或密码错误。连续输错 5 次将锁定 15 分钟，锁定期间无法登录；如需立即解锁，请联系管理员。"


def test_wrong_password_shows_error(accounts):
    app = login(new_app(), accounts["reviewer"], "wrong-password1")
    assert_no_exception(app)
    assert errors(app) == [FAILURE]


def test_unknown_user_gets_the_same_message(engine):
    app = login(new_app(), "nobody", "wrong-password1")
    assert errors(app) == [FAILURE]


def test_sixth_attempt_is_refused_even_with_right_password(accounts):
    app = new_app()
    app.run()
    for _ in range(5):
        login(app, accounts["analyst"], "wrong-password1")
    login(app, accounts["analyst"], factories.PASSWORD)
    assert_no_exception(app)
    assert errors(app) == [FAILURE]
    assert not app.session_state["authentication_status"]


def test_after_five_failures_a_real_and_an_unknown_name_answer_alike(accounts):
    """Issue 15 #5: a lock message would tell that the account exists."""
    real, unknown = new_app(), new_app()
    real.run()
    unknown.run()
    for _ in range(6):
        login(real, accounts["analyst"], "wrong-password1")
        login(unknown, "analyst-nobody", "wrong-password1")
        assert errors(real) == errors(unknown) == [FAILURE]


def test_lock_holds_across_sessions(accounts):
    first = new_app()
    first.run()
    for _ in range(5):
        login(first, accounts["reviewer"], "wrong-password1")
    second = login(new_app(), accounts["reviewer"], factories.PASSWORD)
    assert errors(second) == [FAILURE]
    assert not second.session_state["authentication_status"]


@pytest.mark.parametrize("role", list(registry.NAVIGATION))
def test_each_role_lands_on_its_home_page_without_errors(accounts, role):
    app = login(new_app(), accounts[role], factories.PASSWORD)
    assert_no_exception(app)
    home = registry.pages_for(role)[0]
    assert app.title[0].value == home.title


@pytest.mark.parametrize("role", list(registry.NAVIGATION))
def test_each_role_sees_exactly_its_pages(accounts, role, backend):
    if backend != "sqlite":
        pytest.skip("navigation does not depend on the backend; covered on SQLite")
    app = login(new_app(), accounts[role], factories.PASSWORD)
    own = {spec.path for spec in registry.pages_for(role)}
    for spec in registry.all_pages():
        if spec.path in own:
            app.switch_page(spec.path)
            app.run()
            assert_no_exception(app)
            assert app.title[0].value == spec.title, spec.path
        else:
            # Pages of other roles are not even registered in this user's navigation.
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                app.switch_page(spec.path)


def test_deep_link_lands_on_the_asked_page_after_login(accounts):
    app = new_app("pages/common/messages.py")
    app.run()
    assert [b.label for b in app.button if b.label == "登录"], "login form expected first"
    login(app, accounts["candidate"], factories.PASSWORD)
    assert_no_exception(app)
    assert app.title[0].value == "消息"


def test_disabled_account_cannot_log_in(engine, accounts):
    with session_scope(engine) as session:
        target = session.scalar(select(User).where(User.username == accounts["analyst"]))
        auth.set_active(session, actor=SYSTEM, user_id=target.id, active=False)
    app = login(new_app(), accounts["analyst"], factories.PASSWORD)
    assert_no_exception(app)
    assert "账号已停用" in texts(app)
    assert not app.session_state["authentication_status"]


def test_candidate_registers_then_logs_in(engine):
    app = new_app("pages/public/register.py")
    app.run()
    inputs = {w.label: w for w in app.text_input}
    inputs["手机号"].input("13911112222")
    inputs["密码"].input("abc12345")
    inputs["确认密码"].input("abc12345")
    app.checkbox[0].check()
    next(b for b in app.button if b.label == "注册").click()
    app.run()
    assert_no_exception(app)
    assert "注册成功" in texts(app)
    app = login(new_app(), "13911112222", "abc12345")
    assert app.title[0].value == "首页"


def test_expired_session_is_sent_back_to_login(accounts):
    import time

    app = login(new_app(), accounts["reviewer"], factories.PASSWORD)
    assert app.title[0].value == registry.pages_for("reviewer")[0].title
    app.session_state["_login_at"] = time.time() - 9 * 3600  # older than PORTAL_SESSION_HOURS (8)
    app.run()
    assert_no_exception(app)
    assert "登录已超时" in texts(app)
    assert not app.session_state["authentication_status"]


def test_logout_returns_to_the_login_form(accounts):
    app = login(new_app(), accounts["analyst"], factories.PASSWORD)
    next(b for b in app.button if b.label == "退出登录").click()
    app.run()
    assert_no_exception(app)
    assert not app.session_state["authentication_status"]
    app.run()
    assert_no_exception(app)
    assert [b.label for b in app.button if b.label == "登录"]


def test_logout_in_another_browser_or_a_reset_ends_this_session(engine, accounts):
    """Issue 15 #3: the token version is checked on every run, not only when the cookie is read."""
    first = login(new_app(), accounts["analyst"], factories.PASSWORD)
    second = login(new_app(), accounts["analyst"], factories.PASSWORD)
    next(b for b in second.button if b.label == "退出登录").click()
    second.run()
    first.run()
    assert_no_exception(first)
    assert not first.session_state["authentication_status"]
    assert "登录已失效" in texts(first)
    again = login(new_app(), accounts["reviewer"], factories.PASSWORD)
    with session_scope(engine) as session:
        target = session.scalar(select(User).where(User.username == accounts["reviewer"]))
        auth.reset_password(session, actor=SYSTEM, user_id=target.id, new_password="Brandnew2026")
    again.run()
    assert not again.session_state["authentication_status"]
