"""Login gate: our login form and signed re-login cookie; accounts, lockout and revocation in the database.

The cookie carries user id, token version and login time (portal.auth.token). Every run checks the session's
(or the cookie's) version against the account, so logout, a password change or reset, disabling and a new
mobile number end every browser's login, and the session-hours limit counts from the password login.
The cookie component is rendered only in the run that writes or clears the cookie: on every other run
nothing on the login page makes the script rerun, so the first click on 登录 is never lost.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import streamlit as st
from extra_streamlit_components.CookieManager import _component_func as _cookie_component
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from db.engine import session_scope
from pages.components import navigation, oidc
from pages.components.db import engine, reading
from pages.components.ui import BUSY, log_unexpected
from portal.auth import login, token
from portal.auth import service as auth
from portal.auth.vocab import LOGIN_REFUSAL_LABELS, REJECTION_REASON_LABEL
from portal.core.actor import Actor
from portal.core.errors import PermissionDenied
from portal.core.settings import get_settings
from portal.declaration import exam_year
from portal.identity import review

LOGIN_FIELDS = {
    "Form name": "用户登录",
    "Username": "账号（考生为注册手机号）",
    "Password": "密码",
    "Login": "登录",
}
SESSION_KEYS = (
    "authentication_status",
    "username",
    "name",
    "roles",
    "email",
    "_user_id",
    "_token_version",
    "_login_at",
)


def _end(notice: str | None = None) -> None:
    """Forget this browser's login (session and cookie); `notice` is shown above the login form."""
    for key in SESSION_KEYS:
        st.session_state[key] = None
    st.session_state["actor"] = None
    st.session_state["_clear_cookie"] = True
    # st.context.cookies keeps showing the cookie this browser session started with: remember it as dead.
    st.session_state["_dead_token"] = st.context.cookies.get(get_settings().cookie_name)
    if notice:
        st.session_state["_login_notice"] = notice


def _expired(login_at: float | None) -> bool:
    return login_at is None or time.time() - login_at > get_settings().session_hours * 3600


def peek_actor(db_session: Session, counted: dict | None = None) -> Actor | None:
    """Who is logged in, from this session or its signed re-login cookie, before anything is rendered.

    The entry point builds the navigation from this before any component is rendered: a component answers
    with a rerun, and a run interrupted before `st.navigation` would lose the page the URL asked for.
    `db_session` is the entry point's unit of work for this run's look-ups (it reads only). When the check
    went through the account's row, `counted["unread"]` is their unread messages (asked in the same statement).
    """

    def _check(user_id: int, version: int) -> Actor | None:
        actor, unread, newest_year = auth.actor_unread_and_newest_year(db_session, user_id=user_id, version=version)
        if actor is not None:  # the page's look-ups of the current exam year need no SELECT of their own
            exam_year.remember_newest(db_session, newest_year)
        if counted is not None:
            counted["unread"] = unread
        return actor

    state = st.session_state
    if state.get("authentication_status") and state.get("_user_id"):
        if _expired(state.get("_login_at")):
            _end("登录已超时，请重新登录。")
            return None
        actor = _check(state["_user_id"], state.get("_token_version") or 0)
        if actor is None:
            _end("登录已失效（已退出、密码已修改或账号已停用），请重新登录。")
        return actor
    raw = st.context.cookies.get(get_settings().cookie_name)
    if not raw or raw == state.get("_dead_token"):
        return oidc.peek()  # signed in at the OpenID Connect provider (st.user), or nobody
    claims = token.decode(raw, get_settings().secret_key)
    if claims is None:
        _end()  # forged, garbled or expired: logged out, and the cookie is cleared
        return oidc.peek()
    if _expired(claims.login_at):
        _end("登录已超时，请重新登录。")
        return None
    actor = _check(claims.user_id, claims.version)
    if actor is None:
        _end()
        return oidc.peek()
    state.pop("_oidc", None)
    state.update(
        authentication_status=True,
        username=actor.username,
        name=actor.display_name,
        roles=[actor.role],
        _user_id=claims.user_id,
        _token_version=claims.version,
        _login_at=claims.login_at,
    )
    return actor


def who_acts() -> tuple[Actor | None, int]:
    """The acting user (see `peek_actor`) and their unread messages, in one read-only unit of work.

    When the database cannot answer in time (every connection busy at a peak, a restart) the page says
    系统繁忙 and stops, instead of Streamlit's error box.
    """
    from portal.message import service as messages

    counted: dict = {}
    try:
        with reading() as db_session:
            actor = peek_actor(db_session, counted)
            unread = 0 if actor is None else counted.get("unread")
            if unread is None:  # signed in at the OpenID Connect provider: not counted by the check
                unread = messages.unread_count(db_session, actor=actor)
    except (DBAPIError, PoolTimeout) as error:
        log_unexpected(error)
        st.error(BUSY)
        st.stop()
    return actor, unread


def _cookie(value: str, expires_at: datetime) -> None:
    with st.sidebar:  # an invisible component; kept out of the main area so page elements keep their places
        _cookie_component(
            method="set",
            cookie=get_settings().cookie_name,
            value=value,
            options={"path": "/", "expires": expires_at.isoformat(), "sameSite": "strict"},
            key="portal_cookie",
            default=False,
        )


def restore(*, peeked: Actor | None = None) -> Actor | None:
    """The acting user found by `peek_actor`; writes or clears the re-login cookie when this run must."""
    state = st.session_state
    if peeked is not None and oidc.signed_in():  # same rules, see portal.auth.oidc
        state["actor"] = peeked
        return peeked
    if peeked is None:
        if state.pop("_clear_cookie", False):
            _cookie("", datetime.now() - timedelta(days=1))
        state.pop("_write_cookie", None)
        return None
    state["actor"] = peeked
    state.pop("_clear_cookie", None)
    if state.pop("_write_cookie", False):
        settings = get_settings()
        login_at = float(state["_login_at"])
        expires = min(login_at + settings.session_hours * 3600, time.time() + settings.cookie_expiry_days * 86400)
        claims = token.Claims(state["_user_id"], state.get("_token_version") or 0, login_at, expires)
        _cookie(token.encode(claims, settings.secret_key), datetime.fromtimestamp(expires))
    return peeked


def renew_cookie(db_session) -> None:
    """After this user changed their own password: keep this browser logged in with the new token version."""
    found = auth.token_version(db_session, username=st.session_state.get("username") or "")
    if found is not None:
        st.session_state["_token_version"] = found[1]
        st.session_state["_write_cookie"] = True


# What reviewer pages keep of an opened case or a prepared export: never left for the next login in this browser.
REVIEWER_STATE_PREFIXES = ("review_", "appeal_", "uc_export_rows")


def _release_claims(actor: Actor | None) -> None:
    """A reviewer's claims end with the login, so another reviewer can take the cases at once (audited)."""
    if actor is None or actor.role != "reviewer":
        return
    try:
        with session_scope(engine()) as db_session:
            review.release_all(db_session, actor=actor, why="logout")
    except PermissionDenied:  # a disabled account: its claims run out after CLAIM_MINUTES
        pass
    for key in [k for k in st.session_state if str(k).startswith(REVIEWER_STATE_PREFIXES)]:
        del st.session_state[key]


def logout(notice: str | None = None) -> None:
    """Log out: every re-login cookie of this account stops working, this browser's is cleared; claims end."""
    actor = st.session_state.get("actor")
    _release_claims(actor)
    if actor is not None:
        with session_scope(engine()) as db_session:
            auth.end_session(db_session, actor=actor)
    _end(notice)
    st.session_state["logout"] = True


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
        navigation.page_link("pages/public/register.py", label="没有账号？考生注册", icon=":material/person_add:")
        navigation.page_link(
            "pages/public/unit_registration.py", label="单位未注册？机构注册", icon=":material/domain_add:"
        )


def login_form() -> None:
    """The login form with Chinese messages, lockout included (the check is `portal.auth.login`)."""
    notice = st.session_state.get("_login_notice")  # kept until the next attempt (a cookie rerun may follow)
    if notice:
        st.warning(notice)
    with st.form("login_form"):
        st.subheader(LOGIN_FIELDS["Form name"])
        username = st.text_input(LOGIN_FIELDS["Username"], key="login_username")
        password = st.text_input(LOGIN_FIELDS["Password"], type="password", key="login_password")
        submitted = st.form_submit_button(LOGIN_FIELDS["Login"])
    if not submitted or not username:
        return
    st.session_state.pop("_login_notice", None)
    try:
        outcome = login.authenticate(engine(), username=username, password=password)
        if outcome.result == login.LoginResult.OK:
            _start_session(outcome.username)
    except DBAPIError as error:  # the database did not answer in time (overload, a restart): try again later
        log_unexpected(error)
        st.error(BUSY)
        return
    if outcome.result == login.LoginResult.OK:
        st.rerun()
    elif outcome.result in LOGIN_REFUSAL_LABELS:  # only after the right password (disabled, 机构注册 pending/rejected)
        st.error(LOGIN_REFUSAL_LABELS[outcome.result])
        if outcome.reason:
            st.text(REJECTION_REASON_LABEL + outcome.reason)  # the reviewer's words, as plain text
    else:
        # Unknown name, wrong password and locked account get one message (README, Security): a lock message
        # would confirm that the account exists.
        st.error(failure_message())


def _start_session(username: str) -> None:
    """Mark this browser session logged in; the re-login cookie is written in the next run.

    (A cookie component rendered right before st.rerun() would be dropped with this run's elements.)
    """
    with session_scope(engine()) as db_session:
        actor = auth.load_actor(db_session, username=username)
        found = auth.token_version(db_session, username=username)
    if actor is None or found is None:
        st.error("账号已停用，请联系管理员。")
        return
    st.session_state.update(
        authentication_status=True,
        username=username,
        name=actor.display_name,
        roles=[actor.role],
        email=None,
        logout=False,
        _user_id=found[0],
        _token_version=found[1],
        _write_cookie=True,
        _login_at=time.time(),
        _clear_cookie=False,
    )


def failure_message() -> str:
    settings = get_settings()
    return (
        f"账号或密码错误。连续输错 {settings.max_failed_logins} 次将锁定 {settings.lockout_minutes} 分钟，"
        "锁定期间无法登录；如需立即解锁，请联系管理员。"
    )


def logout_button() -> None:
    """The logout button in the sidebar."""
    if oidc.signed_in():
        if st.sidebar.button("退出登录", key="logout_button"):
            _release_claims(st.session_state.get("actor"))
            oidc.logout()
        return
    if st.sidebar.button("退出登录", key="logout_button"):
        logout()
        st.rerun()


def current_actor() -> Actor:
    """The acting user of this run (pages are only reachable when logged in)."""
    return st.session_state["actor"]


def unread_messages() -> int:
    """How many unread messages the acting user has, as the entry point counted them for the menu this run."""
    return st.session_state.get("_unread_messages", 0)
