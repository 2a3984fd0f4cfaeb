import streamlit as st

from pages.components import navigation
from pages.components.ui import act
from portal.auth import service as auth
from portal.auth.passwords import MIN_LENGTH

st.title("考生注册")
st.caption("使用本人手机号注册。注册后请登录并完成实名认证。")
with st.form("register"):
    mobile = st.text_input("手机号", max_chars=11, placeholder="11 位手机号，作为登录账号")
    password = st.text_input("密码", type="password", help=f"至少 {MIN_LENGTH} 位，须同时包含字母和数字")
    password_confirm = st.text_input("确认密码", type="password")
    agreed = st.checkbox("我已阅读并同意：本平台仅为医师资格考试预报名收集并处理个人信息")
    submitted = st.form_submit_button("注册", type="primary")

if submitted:
    if not agreed:
        st.error("请先阅读并勾选同意个人信息处理说明。")
    else:
        if act(
            lambda db_session: auth.register_candidate(
                db_session, mobile=mobile, password=password, password_confirm=password_confirm
            )
        ):
            st.success("注册成功，请返回登录。")
            navigation.page_link("pages/public/login.py", label="前往登录", icon=":material/login:")
navigation.page_link("pages/public/login.py", label="已有账号？返回登录", icon=":material/arrow_back:")
