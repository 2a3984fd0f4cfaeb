import streamlit as st

from pages.components import navigation
from pages.components.auth import current_actor, unread_messages
from pages.components.db import reading
from pages.components.ui import plain
from portal.declaration.exam_year import confirmation_window as declaration_window
from portal.identity import service as identity

actor = current_actor()
st.title("首页")
with reading() as db_session:
    application = identity.my_verification(db_session, actor=actor)
    window = declaration_window(db_session)
unread = unread_messages()

# A first login (or any candidate not yet verified) is sent to 实名认证 first.
if application is None or application.status == "unverified":
    with st.container(border=True):
        st.warning("您尚未完成实名认证。完成实名认证后才能绑定工作单位、确认申报信息。")
        navigation.page_link("pages/candidate/identity.py", label="前往认证", icon=":material/badge:")
elif application.status == "pending":
    st.info("您的实名认证正在人工审核中，审核结果将通过「消息」通知您。")
elif application.status == "rejected":
    with st.container(border=True):
        st.error(f"您的实名认证未通过审核：{plain(application.decision_reason) or '（未注明原因）'}")
        navigation.page_link("pages/candidate/identity.py", label="前往认证", icon=":material/badge:")
if unread:
    st.info(f"您有 {unread} 条未读消息。")
    navigation.page_link("pages/common/messages.py", label="查看消息", icon=":material/mail:")

st.subheader("热门业务")
cards = [
    ("实名认证", "填写证件信息并扫描身份证，完成实名认证。", "pages/candidate/identity.py", ":material/badge:"),
    ("工作单位", "搜索并绑定您的工作单位（需单位确认码）。", "pages/candidate/unit.py", ":material/apartment:"),
    (
        "医师资格考试信息确认",
        "核对单位填报的申报信息，确认无误或申请修改。",
        "pages/candidate/declaration.py",
        ":material/fact_check:",
    ),
]
columns = st.columns(len(cards))
for column, (title, text, path, icon) in zip(columns, cards, strict=True):
    with column.container(border=True):
        st.markdown(f"**{title}**")
        st.caption(text)
        if path == "pages/candidate/declaration.py":  # the window state of 信息确认
            st.caption(window.text)
        navigation.page_link(path, label="进入", icon=icon)
