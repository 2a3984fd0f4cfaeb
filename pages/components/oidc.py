"""Sign-in through OpenID Connect (统一身份认证) with Streamlit's own `st.login` / `st.user` (Authlib).

Streamlit reads its `[auth]` section from its secrets. The portal gives it that section from the PORTAL_OIDC_*
settings as programmatic secrets (the mechanism behind `st.App(secrets=...)`), once per process, so that no
client secret is written to disk; the identity cookie is signed with a key derived from PORTAL_SECRET_KEY, the
same in every process.
"""

from __future__ import annotations

import threading

import streamlit as st

from db.engine import session_scope
from pages.components.db import engine, reading
from portal.auth import oidc as service
from portal.core.actor import Actor
from portal.core.errors import PortalError
from portal.core.settings import OidcSettings, derived_key, get_settings
from portal.core.timeutil import fmt

_lock = threading.Lock()
_installed: dict[str, bool] = {}


def auth_section(settings: OidcSettings, secret_key: str) -> dict:
    """The `[auth]` section Streamlit reads, from the portal's settings."""
    client_kwargs = {"scope": settings.scope}
    if settings.prompt:
        client_kwargs["prompt"] = settings.prompt
    return {
        "redirect_uri": settings.redirect_uri,
        "cookie_secret": derived_key(secret_key, "streamlit-auth-cookie"),
        "client_id": settings.client_id,
        "client_secret": settings.client_secret,
        "server_metadata_url": settings.server_metadata_url,
        "client_kwargs": client_kwargs,
    }


def install() -> OidcSettings | None:
    """Give Streamlit the `[auth]` section (once per process); None when no provider is configured."""
    settings = get_settings()
    if settings.oidc is None:
        return None
    with _lock:
        if not _installed:
            from streamlit.runtime.secrets import secrets_singleton

            secrets_singleton.load_if_toml_exists()  # file secrets first; ours are merged over them
            secrets_singleton.merge_programmatic_secrets({"auth": auth_section(settings.oidc, settings.secret_key)})
            _installed["done"] = True
    return settings.oidc


def claims() -> service.OidcClaims | None:
    """Who is signed in at the provider in this browser (from Streamlit's signed identity cookie)."""
    settings = install()
    if settings is None:
        return None
    info = {key: st.user[key] for key in st.user}
    return service.OidcClaims.from_user_info(info, default_issuer=settings.issuer)


def peek() -> Actor | None:
    """The account of the person signed in at the provider, or None (the reason kept for the login page)."""
    said = claims()
    if said is None:
        st.session_state.pop("_oidc", None)
        return None
    with session_scope(engine()) as db_session:
        result = service.sign_in(db_session, claims=said)
    st.session_state["_oidc"] = {"outcome": result.outcome, "claims": said}
    return result.actor


def outcome() -> service.SignInOutcome | None:
    state = st.session_state.get("_oidc")
    return state["outcome"] if state else None


def signed_in() -> bool:
    return outcome() == service.SignInOutcome.SIGNED_IN


def prefill() -> dict[str, str]:
    """Values for 信息填写 from the provider's claims, when the operator allows it (PORTAL_OIDC_PREFILL_*)."""
    said = claims()
    return service.prefill(said) if said is not None else {}


def login_button() -> None:
    """The provider's button under the password form (when a provider is configured)."""
    settings = install()
    if settings is None:
        return
    state = outcome()
    if state in (service.SignInOutcome.DISABLED, service.SignInOutcome.EXPIRED):
        st.warning(service.OUTCOME_LABELS[state])
    if state == service.SignInOutcome.DISABLED:
        if st.button("退出统一身份认证", key="oidc_logout", width="stretch"):
            st.logout()
        return
    if st.button(settings.button_label, key="oidc_login", icon=":material/verified_user:", width="stretch"):
        st.login()


def link_page() -> None:
    """First sign-in of a person: create a candidate account, or link an existing one with its password."""
    said: service.OidcClaims = st.session_state["_oidc"]["claims"]
    st.title("首次使用统一身份认证登录")
    st.text(f"您已通过统一身份认证{f'（{said.name}）' if said.name else ''}。请创建考生账号，或关联您已有的账号。")
    create, link = st.tabs(["创建考生账号", "关联已有账号"])
    with create, st.form("oidc_create"):
        mobile = st.text_input("手机号（将作为登录账号）", max_chars=13, placeholder="11 位手机号")
        if st.form_submit_button("创建账号并登录", type="primary"):
            _act(lambda db_session: service.create_candidate(db_session, claims=said, mobile=mobile))
    with link, st.form("oidc_link"):
        st.caption("已注册过考生账号的，请输入该账号的密码以证明是本人；工作人员账号由系统管理员关联。")
        username = st.text_input("已有账号（注册手机号）", max_chars=64)
        password = st.text_input("已有账号的密码", type="password")
        if st.form_submit_button("关联并登录", type="primary"):
            _act(
                lambda db_session: service.link_existing(db_session, claims=said, username=username, password=password)
            )
    if st.button("取消并退出统一身份认证", key="oidc_cancel"):
        st.logout()


def _act(action) -> None:
    try:
        with session_scope(engine()) as db_session:
            action(db_session)
    except PortalError as error:
        st.error(error.message)
        return
    except Exception:  # noqa: BLE001 - a page must never show a traceback
        st.error("系统繁忙，操作未完成，请稍后再试。")
        return
    st.session_state.pop("_oidc", None)
    st.rerun()


def logout() -> None:
    """End the portal session and Streamlit's identity cookie; the provider's logout page follows if it has one."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.logout()


def own_links_section(actor: Actor) -> None:
    """个人信息: the person's link to the provider, and unlinking it (the password keeps working)."""
    settings = install()
    with reading() as db_session:
        links = service.links_of(db_session, actor=actor)
    if settings is None and not links:
        return
    with st.container(border=True):
        st.subheader("统一身份认证")
        if not links:
            st.caption("尚未关联。退出后在登录页选择“使用统一身份认证登录”即可关联本账号。")
        for link in links:
            st.text(f"已关联：{link.issuer}（关联于 {fmt(link.created_at)}）")
            if st.button("解除关联", key=f"oidc_unlink_{link.id}"):
                _unlink(actor, link.id, "已解除关联。之后请用手机号和密码登录。")


def admin_links_section(actor: Actor, user_id: int) -> None:
    """账号管理: map an account (reviewer, unit admin, admin, …) to a person at the provider, or unmap it."""
    settings = install()
    with reading() as db_session:
        links = service.links_of(db_session, actor=actor, user_id=user_id)
    with st.expander("统一身份认证关联"):
        for link in links:
            st.text(f"{link.issuer} · {link.subject}")
            if st.button("解除该关联", key=f"oidc_admin_unlink_{link.id}"):
                _unlink(actor, link.id, "已解除关联。")
        with st.form("oidc_admin_link", clear_on_submit=True):
            subject = st.text_input("用户标识（sub）", help="统一身份认证为此人给出的标识，不是邮箱")
            issuer = st.text_input("签发方（issuer）", value=settings.issuer if settings else "")
            if st.form_submit_button("关联"):
                try:
                    with session_scope(engine()) as db_session:
                        service.admin_link(db_session, actor=actor, user_id=user_id, subject=subject, issuer=issuer)
                except PortalError as error:
                    st.error(error.message)
                else:
                    st.success("已关联。")


def _unlink(actor: Actor, identity_id: int, done: str) -> None:
    try:
        with session_scope(engine()) as db_session:
            service.unlink(db_session, actor=actor, identity_id=identity_id)
    except PortalError as error:
        st.error(error.message)
    else:
        st.success(done)
