"""A bare Streamlit app with the widgets of the portal's login page and candidate home, for `bench load`.

No database, no authenticator, no services: what Streamlit itself costs for the same page. `bench load` serves
it next to the portal and compares the server CPU per run of the two (see README, "Load"). Like the portal
(pages/components/heap.py), it freezes its long-lived objects once, so that Streamlit's forced garbage collection
after each run costs both the same (it reads the same .streamlit/config.toml, `runner.postScriptGC = false`);
with `PORTAL_BENCH_BARE_GC=default` and `STREAMLIT_RUNNER_POST_SCRIPT_GC=true` it runs as Streamlit ships it.
"""

from __future__ import annotations

import gc
import os

import streamlit as st

ACCOUNTS = {"13800000001": "Demo2026"}

st.set_page_config(page_title="医师资格考试考生预报名", page_icon=":material/medical_services:", layout="wide")


@st.cache_resource(show_spinner=False)
def _freeze() -> int:
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


if os.environ.get("PORTAL_BENCH_BARE_GC", "freeze") != "default":
    _freeze()
st.html("<style>[data-testid='InputInstructions'] > span:first-child { display: none; }</style>")


def login() -> None:
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("医师资格考试考生预报名")
        st.caption("湖北卫生人才综合服务平台 · 考生、单位、审核员统一登录")
        with st.form("login_form"):
            st.subheader("用户登录")
            username = st.text_input("账号（考生为注册手机号）")
            password = st.text_input("密码", type="password")
            if st.form_submit_button("登录"):
                if ACCOUNTS.get(username) == password:
                    st.session_state["user"] = username
                    st.rerun()
                st.error("账号或密码错误。")
        st.page_link(PAGES["register"], label="没有账号？考生注册", icon=":material/person_add:")
        st.page_link(PAGES["register"], label="单位未注册？机构注册", icon=":material/domain_add:")


def register() -> None:
    st.title("考生注册")


def home() -> None:
    st.title("首页")
    with st.container(border=True):
        st.warning("您尚未完成实名认证。完成实名认证后才能绑定工作单位、确认申报信息。")
        st.page_link(PAGES["identity"], label="前往认证", icon=":material/badge:")
    st.subheader("热门业务")
    cards = [
        ("实名认证", "填写证件信息并扫描身份证，完成实名认证。"),
        ("工作单位", "搜索并绑定您的工作单位（需单位确认码）。"),
        ("医师资格考试信息确认", "核对单位填报的申报信息，确认无误或申请修改。"),
    ]
    for column, (title, text) in zip(st.columns(len(cards)), cards, strict=True):
        with column.container(border=True):
            st.markdown(f"**{title}**")
            st.caption(text)
            st.page_link(PAGES["identity"], label="进入", icon=":material/badge:")


def identity() -> None:
    st.title("实名认证")


# st.page_link takes a page object (or a file's path), not the function: made once per run, as the portal does.
PAGES = {
    "login": st.Page(login, title="登录", url_path="login", default=True),
    "register": st.Page(register, title="考生注册", url_path="public_register"),
    "home": st.Page(home, title="首页", url_path="candidate_home", default=True),
    "identity": st.Page(identity, title="实名认证", url_path="candidate_identity"),
}
user = st.session_state.get("user")
if user is None:
    page = st.navigation([PAGES["login"], PAGES["register"]], position="hidden")
else:
    page = st.navigation({"首页": [PAGES["home"]], "个人中心": [PAGES["identity"]]})
    with st.sidebar:
        st.markdown(f"**{user}**  \n考生")
        if st.button("退出登录"):
            st.session_state.pop("user")
            st.rerun()
page.run()
