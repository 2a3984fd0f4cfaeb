"""Login gate: streamlit-authenticator for the form, cookie and logout; accounts from the database."""

from __future__ import annotations

import time

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from db.engine import session_scope
from pages.components import oidc
from pages.components.db import engine
from portal.auth import service as auth
from portal.auth.directory import UserDirectory
from portal.core.actor import Actor
from portal.core.settings import get_settings
from portal.core.timeutil import fmt

LOGIN_FIELDS = {
    "Form name": "用户登录",
    "Username": "账号（考生为注册手机号）",
    "Password": "密码",
    "Login": "登录",
}


def build() -> stauth.Authenticate:
    """Create the authenticator for this run (exactly once per run, in the entrypoint)."""
    settings = get_settings()
    credentials = {"usernames": {}}
    authenticator = stauth.Authenticate(
        credentials,
        cookie_name=settings.cookie_name,
        cookie_key=settings.secret_key,
        cookie_expiry_days=settings.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=settings.login_sleep_seconds,
    )
    # Look accounts up in the database, one username at a time (never a YAML file, never all users).
    directory = UserDirectory(engine())
    credentials["usernames"] = directory
    st.session_state["_authenticator"] = authenticator
    st.session_state["_directory"] = directory
    return authenticator


def peek_actor() -> Actor | None:
    """Who is logged in, from this session or its signed re-login cookie, before anything is rendered.

    The entry point builds the navigation from this before the authenticator renders its cookie component:
    that component answers with a rerun, and a run interrupted before `st.navigation` would lose the page
    the URL asked for (a reload or deep link would land on the home page).
    """
    settings = get_settings()
    username = None
    if st.session_state.get("authentication_status"):
        username = st.session_state.get("username")
    elif not st.session_state.get("logout"):
        token = st.context.cookies.get(settings.cookie_name)
        if token:
            try:
                data = jwt.decode(token, settings.secret_key, algorithms=["HS256"])
            except jwt.PyJWTError:
                data = {}
            if data.get("exp_date", 0) > time.time():
                username = data.get("username")
    if not username:
        return oidc.peek()  # signed in at the OpenID Connect provider (st.user), or nobody
    st.session_state.pop("_oidc", None)
    with session_scope(engine()) as session:
        return auth.load_actor(session, username=username)


def restore(authenticator: stauth.Authenticate, *, peeked: Actor | None = None) -> Actor | None:
    """Restore a login from the session or its cookie; return the acting user or None.

    `peeked` is what `peek_actor` loaded earlier in this run; when it is the same user it is not loaded again.
    A person signed in through the OpenID Connect provider is `peeked` already (same rules, see portal.auth.oidc).
    """
    if peeked is not None and oidc.signed_in():
        st.session_state["actor"] = peeked
        return peeked
    try:
        authenticator.login(location="unrendered")
    except LoginError:
        authenticator.logout(location="unrendered")
    if not st.session_state.get("authentication_status"):
        return None
    started = st.session_state.setdefault("_login_at", time.time())
    if time.time() - started > get_settings().session_hours * 3600:
        authenticator.logout(location="unrendered")
        st.session_state.pop("_login_at", None)
        st.session_state["_login_notice"] = "登录已超时，请重新登录。"
        return None
    username = st.session_state.get("username") or ""
    if peeked is not None and peeked.username == username:
        actor = peeked
    else:
        with session_scope(engine()) as session:
            actor = auth.load_actor(session, username=username)
    if actor is None:
        authenticator.logout(location="unrendered")
        st.session_state["_login_notice"] = "账号已停用或不存在，请联系管理员。"
        return None
    st.session_state["actor"] = actor
    if st.session_state.pop("_write_cookie", False):
        with st.sidebar:  # an invisible component; kept out of the main area so page elements keep their places
            authenticator.cookie_controller.set_cookie()
    return actor


def login_page() -> None:
    """The login page: title, form and the ways to register (also shown in place of a protected page)."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        if oidc.outcome() == "unlinked":
            oidc.link_page()
            return
        st.title("医师资格考试考生预报名")
        st.caption("湖北卫生人才综合服务平台 · 考生、单位、审核员统一登录")
        login_form()
        oidc.login_button()
        st.page_link("pages/public/register.py", label="没有账号？考生注册", icon=":material/person_add:")
        st.page_link("pages/public/unit_registration.py", label="单位未注册？机构注册", icon=":material/domain_add:")


def login_form() -> None:
    """The login form with Chinese messages, lockout included."""
    authenticator: stauth.Authenticate = st.session_state["_authenticator"]
    directory: UserDirectory = st.session_state["_directory"]
    notice = st.session_state.pop("_login_notice", None)
    if notice:
        st.warning(notice)
    try:
        authenticator.login(
            location="main",
            fields=LOGIN_FIELDS,
            key="login_form",
            max_login_attempts=get_settings().max_failed_logins,
        )
    except LoginError:
        _show_lock(directory)
        return
    status = st.session_state.get("authentication_status")
    if status:
        # Rebuild the navigation for the user's role; the re-login cookie is written in that next run
        # (a cookie component rendered right before st.rerun() would be dropped with this run's elements).
        st.session_state["_write_cookie"] = True
        st.session_state["_login_at"] = time.time()
        st.rerun()
    elif status is False:
        state = directory.last_state
        if state is not None and state.locked:
            _show_lock(directory)
        else:
            st.error("账号或密码错误。")


def _show_lock(directory: UserDirectory) -> None:
    settings = get_settings()
    state = directory.last_state
    until = f"（{fmt(state.locked_until)} 后可再试）" if state and state.locked_until else ""
    st.error(
        f"密码连续输错 {settings.max_failed_logins} 次，账号已锁定 {settings.lockout_minutes} 分钟{until}。"
        "如需立即解锁，请联系管理员。"
    )


def logout_button() -> None:
    """The logout button in the sidebar."""
    if oidc.signed_in():
        if st.sidebar.button("退出登录", key="logout_button"):
            oidc.logout()
        return
    authenticator: stauth.Authenticate = st.session_state["_authenticator"]
    authenticator.logout("退出登录", location="sidebar", key="logout_button")


def current_actor() -> Actor:
    """The acting user of this run (pages are only reachable when logged in)."""
    return st.session_state["actor"]
