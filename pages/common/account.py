import streamlit as st

from pages.components import auth as auth_ui
from pages.components.auth import current_actor
from pages.components.ui import act
from portal.auth import service as auth

actor = current_actor()
st.title("修改密码")
with st.form("change_password", clear_on_submit=True):
    old = st.text_input("原密码", type="password")
    new = st.text_input("新密码", type="password", help="至少 8 位，须同时包含字母和数字")
    confirm = st.text_input("确认新密码", type="password")
    submitted = st.form_submit_button("保存", type="primary")
if submitted:
    if new != confirm:
        st.error("两次输入的新密码不一致。")
    else:
        act(
            lambda db_session: (
                auth.change_password(db_session, actor=actor, old_password=old, new_password=new),
                auth_ui.renew_cookie(db_session),  # this browser stays logged in; every other one is logged out
            ),
            success="密码已修改，下次登录请使用新密码。",
        )
