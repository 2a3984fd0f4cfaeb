import streamlit as st

from pages.components.auth import current_actor
from pages.components.db import reading
from pages.components.ui import act, plain
from portal.core.timeutil import fmt
from portal.message import service as messages

actor = current_actor()
st.title("消息")
only_unread = st.toggle("只看未读", key="messages_unread_only")
with reading() as db_session:
    inbox = messages.inbox(db_session, actor=actor, unread_only=only_unread)
    rows = [(m.id, m.title, m.body, m.category, m.created_at, m.read_at) for m in inbox]

if not rows:
    st.info("暂无消息。")
else:
    if (
        any(read_at is None for *_, read_at in rows)
        and st.button("全部标为已读")
        and act(lambda db_session: messages.mark_all_read(db_session, actor=actor))
    ):
        st.rerun()
    for message_id, title, body, _category, created_at, read_at in rows:
        badge = "" if read_at else ":red-badge[未读] "
        with st.expander(f"{badge}{plain(title)} · {fmt(created_at)}", expanded=read_at is None):
            st.markdown(plain(body))
            if (
                read_at is None
                and st.button("标为已读", key=f"read_{message_id}")
                and act(lambda db_session: messages.mark_read(db_session, actor=actor, message_id=message_id))
            ):
                st.rerun()
