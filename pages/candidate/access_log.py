import pandas as pd
import streamlit as st

from pages.components.auth import current_actor
from pages.components.charts import bars, records
from pages.components.db import reading
from pages.components.ui import act, lazy_expander, plain, table
from portal.access import service as access
from portal.core.timeutil import fmt

# The newest entries as cards, each with its own 标为已读 (a phone screen holds a few); all of them in the table.
CARDS = 3

actor = current_actor()
st.title("授权访问消息")
st.caption(
    "依据《个人信息保护法》，您有权知道谁在何时查看、修改、导出或审核了您的个人信息。"
    "工作单位只有在您绑定该单位期间才能查看您的信息；解绑后访问即终止，单位再次尝试访问也会记录在此。"
)

with reading() as db_session:
    granted = access.authorizations(db_session, actor=actor)
    entries, unread_by_reader = access.log_and_unread(db_session, actor=actor)

# ------------------------------------------------------------------ 授权情况
st.subheader("授权情况")
if granted.active:
    for item in granted.active:
        st.success(
            f"**{plain(item.unit_name)}** 自 {fmt(item.since)[:10]} 起获授权查看和填报您的申报信息。"
            "解绑工作单位后，该单位的授权即结束。"
        )
else:
    st.info("目前没有工作单位获授权查看您的信息。绑定工作单位后，该单位可查看和填报您的申报信息。")
if granted.ended:
    with st.expander(f"已结束的授权（{len(granted.ended)}）"):
        for item in granted.ended:
            reason = f"，原因：{plain(item.end_reason)}" if item.end_reason else ""
            st.markdown(f"- **{plain(item.unit_name)}**：{fmt(item.since)[:10]} 至 {fmt(item.until)[:10]}{reason}")

# ------------------------------------------------------------------ 访问记录
unread_total = sum(unread_by_reader.values())
st.subheader(f"访问记录（未读 {unread_total}）" if unread_total else "访问记录")
if unread_by_reader:
    badges = (f":red-badge[{plain(reader)} {count} 条未读]" for reader, count in sorted(unread_by_reader.items()))
    st.markdown("　".join(badges))

if not entries:
    st.info("暂无访问记录。除您本人外，任何人查看您的个人信息都会记录在这里。")
else:
    only_unread = st.toggle("只看未读", key="access_unread_only")
    if (
        unread_total
        and st.button("全部标为已读", icon=":material/done_all:")
        and act(lambda db_session: access.mark_read(db_session, actor=actor))
    ):
        st.rerun()
    shown = [entry for entry in entries if entry.unread or not only_unread]
    if not shown:
        st.info("没有未读的访问记录。")
    for entry in shown[:CARDS]:
        with st.container(border=True):
            badge = ":red-badge[未读] " if entry.unread else ""
            denied = ":orange-badge[已拒绝] " if entry.action == "view_denied" else ""
            # One element: the sentence, and under it, small and grey as a caption, when, who and what.
            when = f"{fmt(entry.created_at)} · {entry.reader_role} · {entry.action_label}"
            st.markdown(f"{badge}{denied}{plain(entry.sentence)}  \n:small[:gray[{when}]]")
            if (
                entry.unread
                and st.button("标为已读", key=f"access_read_{entry.id}")
                and act(lambda db_session: access.mark_read(db_session, actor=actor, access_ids=[entry.id]))
            ):
                st.rerun()
    if len(shown) > CARDS:
        st.caption(f"以上为最近 {CARDS} 条，共 {len(shown)} 条；全部记录见下表。")

    # Lazy: the whole log as a table (its filter, export and chart) is built only while it is open.
    if everything := lazy_expander("全部访问记录（可筛选、导出）", key="access_log_all"):
        with everything:
            frame = pd.DataFrame(
                [
                    {
                        "时间": fmt(entry.created_at),
                        "访问方": entry.reader,
                        "身份": entry.reader_role,
                        "操作": entry.action_label,
                        "内容": entry.section,
                        "状态": "未读" if entry.unread else "已读",
                    }
                    for entry in entries
                ]
            )
            table(frame, key="access_log", file_name="授权访问记录.csv")
            by_reader = frame.groupby("访问方").size().rename("次数").reset_index()
            bars(records(by_reader), category="访问方", value="次数", sort="-x")
