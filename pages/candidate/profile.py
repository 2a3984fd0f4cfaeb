import streamlit as st

from pages.components import auth as auth_ui
from pages.components import navigation, oidc
from pages.components.auth import current_actor
from pages.components.db import reading
from pages.components.ui import act, lazy_expander, plain
from portal.core.errors import ValidationFailed
from portal.identity.vocab import VERIFICATION_STATUS_LABELS
from portal.profile import service as profile

actor = current_actor()


def change_mobile() -> None:
    """Runs before the page is drawn (a button callback), so that the logout can happen in the same click."""
    state = st.session_state
    new_mobile, password = state.get("profile_new_mobile", ""), state.get("profile_mobile_password", "")
    state["profile_mobile_password"] = ""
    outcome = act(
        lambda db_session: profile.change_mobile(db_session, actor=actor, new_mobile=new_mobile, password=password),
        show_error=False,
    )
    if not outcome:  # shown beside the form when the page is drawn (a refusal's fields, or act's own 系统繁忙)
        error = outcome.error
        if error is not None:
            state["_profile_mobile_errors"] = (
                list(error.errors.values()) if isinstance(error, ValidationFailed) else [error.message]
            )
        return
    changed = outcome.value
    # The old login name no longer exists: log out and ask for a login with the new number.
    state["_login_notice"] = f"手机号已修改，登录账号已改为 {changed}，请用新手机号重新登录。"
    auth_ui.logout(state["_login_notice"])


st.title("个人信息")
if flash := st.session_state.pop("profile_flash", None):
    st.success(flash)

with reading() as db_session:
    info = profile.personal_info(db_session, actor=actor)

# ------------------------------------------------------------------ 实名信息 (read-only)
with st.container(border=True):
    st.subheader("实名信息")
    if info.verified:
        st.markdown(  # masked values hold asterisks, which markdown would read as emphasis: shown through plain
            f"**真实姓名**：{plain(info.real_name_masked)}  \n"
            f"**证件类型**：{info.document_type}  \n"
            f"**证件号码**：{plain(info.masked_number)}  \n"
            f"**性别**：{info.sex or '—'}  \n"
            f"**出生日期**：{info.birth_date.isoformat() if info.birth_date else '—'}"
        )
        st.caption(
            "以上信息来自实名认证（性别和出生日期由证件号码得出），不能在此修改。"
            "如需更改姓名或证件号码，请到「实名认证」撤回认证后重新认证。"
        )
    else:
        st.markdown(f"**实名认证状态**：{VERIFICATION_STATUS_LABELS.get(info.verification_status, '未认证')}")
        st.info("完成实名认证后，这里将显示您的姓名、证件号码（部分隐藏）以及由证件得出的性别和出生日期。")
    navigation.page_link("pages/candidate/identity.py", label="前往实名认证", icon=":material/badge:")

# ------------------------------------------------------------------ 账号与安全: 手机号 (= 登录账号), 电子邮箱, 密码
# Lazy: each form is built only while its expander is open (a click on the header reruns the page), so a visit
# to the page does not draw three forms and six inputs nobody is using.
mobile_errors = st.session_state.pop("_profile_mobile_errors", [])
with st.container(border=True):
    st.subheader("账号与安全")
    st.markdown(f"**手机号（登录账号）**：{plain(info.mobile)}  \n**电子邮箱**：{plain(info.email) or '未填写'}")
    if box := lazy_expander("修改手机号", key="profile_mobile_open", expanded=bool(mobile_errors)):
        with box:
            st.warning(
                "手机号就是您的登录账号。修改手机号后，登录账号随之改为新手机号，当前登录将退出，请用新手机号重新登录。"
            )
            with st.form("change_mobile"):
                st.text_input("新手机号", max_chars=13, placeholder="11 位手机号", key="profile_new_mobile")
                st.text_input("登录密码（确认身份）", type="password", key="profile_mobile_password")
                st.form_submit_button("修改手机号", on_click=change_mobile)
            for message in mobile_errors:
                st.error(message)
    if box := lazy_expander("修改电子邮箱", key="profile_email_open"):
        with box:
            with st.form("change_email"):
                email = st.text_input(
                    "电子邮箱（可不填）", value=info.email, max_chars=120, placeholder="name@example.com"
                )
                save_email = st.form_submit_button("保存邮箱")
            if save_email and act(lambda db_session: profile.update_email(db_session, actor=actor, email=email)):
                st.session_state["profile_flash"] = "电子邮箱已保存。"
                st.rerun()  # the address above shows the new one
    if box := lazy_expander("修改密码", key="profile_password_open"):
        with box:
            with st.form("change_password", clear_on_submit=True):
                old = st.text_input("原密码", type="password")
                new = st.text_input("新密码", type="password", help="至少 8 位，须同时包含字母和数字，不能包含手机号")
                confirm = st.text_input("确认新密码", type="password")
                save_password = st.form_submit_button("修改密码")
            if save_password:
                act(
                    lambda db_session: (
                        profile.change_password(
                            db_session, actor=actor, old_password=old, new_password=new, confirm=confirm
                        ),
                        auth_ui.renew_cookie(db_session),  # this browser stays logged in; every other one logs out
                    ),
                    success="密码已修改，下次登录请使用新密码。",
                )

# ------------------------------------------------------------------ 统一身份认证
oidc.own_links_section(actor)
