import streamlit as st

from pages.components import oidc
from pages.components.auth import current_actor
from pages.components.db import reading
from pages.components.grid import arrow
from pages.components.ui import act, keep_choices, table
from portal.auth import service as auth
from portal.core.actor import ACCOUNT_ROLES, ROLE_LABELS
from portal.core.timeutil import fmt, utcnow

actor = current_actor()
st.title("账号管理")
ROLES = list(ACCOUNT_ROLES)

# Lazy tabs: only the open one runs (a click on another reruns the page); the list's choices stay meanwhile.
tab_list, tab_create = st.tabs(["账号列表", "新建账号"], key="accounts_tab", on_change="rerun")
keep_choices(["accounts_role", "accounts_query", "accounts_user_id"], shown=bool(tab_list.open))
if tab_list.open:
    with tab_list:
        filters = st.container(horizontal=True, vertical_alignment="bottom")
        role = filters.selectbox(
            "角色", [None, *ROLES], format_func=lambda r: "全部" if r is None else ROLE_LABELS[r], key="accounts_role"
        )
        query = filters.text_input("账号或姓名", key="accounts_query")
        with reading() as db_session:
            users = auth.list_users(db_session, actor=actor, role=role, query=query)
            now = utcnow()
            frame = arrow(
                [
                    {
                        "ID": u.id,
                        "账号": u.username,
                        "姓名": u.display_name,
                        "角色": ROLE_LABELS[u.role],
                        "状态": "停用"
                        if not u.is_active
                        else ("锁定" if u.locked_until and u.locked_until > now else "正常"),
                        "最近登录": fmt(u.last_login_at),
                    }
                    for u in users
                ],
                columns=["ID", "账号", "姓名", "角色", "状态", "最近登录"],
            )
        table(frame, key="accounts", file_name="accounts.csv")

        st.subheader("账号操作")
        user_id = st.number_input(
            "账号 ID", min_value=1, step=1, value=None, placeholder="从上表选择 ID", key="accounts_user_id"
        )
        if user_id:
            col_a, col_b, col_c = st.columns(3)
            if col_a.button("停用账号"):
                act(
                    lambda db_session: auth.set_active(db_session, actor=actor, user_id=int(user_id), active=False),
                    success="账号已停用。",
                )
            if col_b.button("启用账号"):
                act(
                    lambda db_session: auth.set_active(db_session, actor=actor, user_id=int(user_id), active=True),
                    success="账号已启用。",
                )
            if col_c.button("解除锁定"):
                act(
                    lambda db_session: auth.unlock(db_session, actor=actor, user_id=int(user_id)),
                    success="已解除锁定。",
                )
            with st.form("reset_password", clear_on_submit=True):
                new_password = st.text_input("新密码", type="password", help="至少 8 位，须同时包含字母和数字")
                if st.form_submit_button("重置密码"):
                    act(
                        lambda db_session: auth.reset_password(
                            db_session, actor=actor, user_id=int(user_id), new_password=new_password
                        ),
                        success="密码已重置，请通过安全渠道告知本人。",
                    )
            oidc.admin_links_section(actor, int(user_id))

if tab_create.open:
    with tab_create:
        with st.form("create_user", clear_on_submit=False):
            new_role = st.selectbox("角色", ROLES, format_func=lambda r: ROLE_LABELS[r], key="new_role")
            username = st.text_input("账号", help="考生为手机号")
            display_name = st.text_input("姓名或名称")
            unit_code = st.text_input("所属单位机构编码（仅单位管理员）")
            password = st.text_input("初始密码", type="password")
            if st.form_submit_button("创建", type="primary"):
                act(
                    lambda db_session: auth.create_user(
                        db_session,
                        actor=actor,
                        role=new_role,
                        username=username,
                        password=password,
                        display_name=display_name,
                        unit_code=unit_code or None,
                    ),
                    success="账号已创建。",
                )
