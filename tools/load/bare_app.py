"""A bare Streamlit app with the widgets of the portal's login page and candidate home, for `bench load`.

No database, no authenticator, no services: what Streamlit itself costs for the same page. `bench load` serves
it next to the portal and compares the server CPU per run of the two (see README, "Load"). "The same page" means
what the browser is sent: the same menu (the portal's own page list from pages/registry.py, the protected pages
registered hidden on the login page as the portal does for deep links), the same style and phone-menu elements
(pages/components/chrome.py), the same form, texts and links. Like the portal (pages/components/heap.py), it
freezes its long-lived objects once, so that Streamlit's forced garbage collection after each run costs both the
same (it reads the same .streamlit/config.toml, `runner.postScriptGC = false`); with
`PORTAL_BENCH_BARE_GC=default` and `STREAMLIT_RUNNER_POST_SCRIPT_GC=true` it runs as Streamlit ships it.
"""

from __future__ import annotations

import gc
import os

import streamlit as st

from pages import registry
from pages.components import chrome

ACCOUNTS = {"13800000001": "Demo2026"}

st.set_page_config(page_title="医师资格考试考生预报名", page_icon=":material/medical_services:", layout="wide")


@st.cache_resource(show_spinner=False)
def _freeze() -> int:
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


if os.environ.get("PORTAL_BENCH_BARE_GC", "freeze") != "default":
    _freeze()
st.html(chrome.PAGE_STYLE)


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
        st.page_link(PAGES["public_register"], label="没有账号？考生注册", icon=":material/person_add:")
        st.page_link(PAGES["public_unit_registration"], label="单位未注册？机构注册", icon=":material/domain_add:")


def home() -> None:
    st.title("首页")
    with st.container(border=True):
        st.warning("您尚未完成实名认证。完成实名认证后才能绑定工作单位、确认申报信息。")
        st.page_link(PAGES["candidate_identity"], label="前往认证", icon=":material/badge:")
    st.subheader("热门业务")
    cards = [
        ("实名认证", "填写证件信息并扫描身份证，完成实名认证。", "candidate_identity", ":material/badge:"),
        ("工作单位", "搜索并绑定您的工作单位（需单位确认码）。", "candidate_unit", ":material/apartment:"),
        (
            "医师资格考试信息确认",
            "核对单位填报的申报信息，确认无误或申请修改。",
            "candidate_declaration",
            ":material/fact_check:",
        ),
    ]
    for column, (title, text, url_path, icon) in zip(st.columns(len(cards)), cards, strict=True):
        with column.container(border=True):
            st.markdown(f"**{title}**")
            st.caption(text)
            if url_path == "candidate_declaration":  # the portal's window state of 信息确认
                st.caption("当前不在信息确认期内。")
            st.page_link(PAGES[url_path], label="进入", icon=icon)


def _titled(spec: registry.PageSpec):
    def show() -> None:
        st.title(spec.title)

    show.__name__ = spec.url_path  # a page function's name must be unique; the URL path is
    return show


SHOWN = {"login": login, "candidate_home": home}


def _page(spec: registry.PageSpec, *, default: bool = False) -> st.Page:
    # st.page_link takes a page object, not the function: made once per run.
    show = SHOWN.get(spec.url_path) or _titled(spec)
    return st.Page(show, title=spec.title, icon=spec.icon, url_path=spec.url_path, default=default)


user = st.session_state.get("user")
if user is None:
    menu = [_page(spec, default=index == 0) for index, spec in enumerate(registry.PUBLIC)]
    menu += [_page(spec) for spec in registry.all_pages()]  # hidden, as the portal keeps deep links
    PAGES = {page.url_path: page for page in menu}
    page = st.navigation(menu, position="hidden")
else:
    sections = {
        section: [_page(spec, default=spec.url_path == "candidate_home") for spec in specs]
        for section, specs in registry.NAVIGATION["candidate"].items()
    }
    PAGES = {page.url_path: page for pages in sections.values() for page in pages}
    page = st.navigation(sections)
    with st.sidebar:
        st.markdown(f"**{user}**  \n考生")
        if st.button("退出登录"):
            st.session_state.pop("user")
            st.rerun()
        st.html(chrome.CLOSE_MENU_ON_NARROW_SCREENS, unsafe_allow_javascript=True)
page.run()
