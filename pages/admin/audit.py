from datetime import UTC, datetime, time, timedelta

import streamlit as st

from pages.components.auth import current_actor
from pages.components.db import reading
from pages.components.grid import arrow
from pages.components.ui import table
from portal.audit.vocab import ACTION_LABELS, action_label, object_label
from portal.core.actor import ROLE_LABELS
from portal.core.paging import PAGE_SIZES
from portal.core.timeutil import CHINA, fmt, today_local
from portal.ops import audit_log

actor = current_actor()
st.title("审计日志")
# Every action the portal records has its Chinese label (tests/audit); offered from that list, the filter needs
# no scan of the whole log for its distinct actions on every run.
known_actions = sorted(ACTION_LABELS)  # by code: the actions of one domain together
filters = st.container(horizontal=True, vertical_alignment="bottom")
action = filters.selectbox(
    "操作", [None, *known_actions], format_func=lambda a: "全部" if a is None else action_label(a)
)
role = filters.selectbox("角色", [None, *ROLE_LABELS], format_func=lambda r: "全部" if r is None else ROLE_LABELS[r])
days = filters.date_input("日期范围", value=(today_local() - timedelta(days=30), today_local()))
since = until = None
if isinstance(days, tuple) and len(days) == 2:
    since = datetime.combine(days[0], time.min, CHINA).astimezone(UTC).replace(tzinfo=None)
    until = datetime.combine(days[1] + timedelta(days=1), time.min, CHINA).astimezone(UTC).replace(tzinfo=None)
page_size = filters.selectbox("每页条数", PAGE_SIZES, index=1, key="audit_page_size")
page_number = filters.number_input("页码", min_value=1, value=1, step=1, key="audit_page")
with reading() as db_session:
    found = audit_log.search_page(
        db_session,
        actor=actor,
        action=action,
        actor_role=role,
        since=since,
        until=until,
        page=int(page_number),
        page_size=page_size,
    )
    events = found.rows
    frame = arrow(
        [
            {
                "时间": fmt(e.occurred_at, seconds=True),
                "角色": ROLE_LABELS.get(e.actor_role, e.actor_role),
                "操作者ID": e.actor_id,
                "操作": action_label(e.action),
                "对象": object_label(e.object_type),
                "对象ID": e.object_id,
                "摘要": e.summary,
            }
            for e in events
        ],
        columns=["时间", "角色", "操作者ID", "操作", "对象", "对象ID", "摘要"],
    )
table(frame, key="audit", file_name="audit.csv")
if found.total and not events:
    st.info("该页没有记录，请减小页码。")
st.caption(f"符合条件的记录共 {found.total} 条，第 {found.page}/{found.pages} 页（最新的在前）。")
