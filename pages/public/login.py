import streamlit as st

from pages.components import auth

_, middle, _ = st.columns([1, 2, 1])
with middle:
    st.title("医师资格考试考生预报名")
    st.caption("湖北卫生人才综合服务平台 · 考生、单位、审核员统一登录")
    auth.login_form()
    st.page_link("pages/public/register.py", label="没有账号？考生注册", icon=":material/person_add:")
    st.page_link("pages/public/unit_registration.py", label="单位未注册？机构注册", icon=":material/domain_add:")
