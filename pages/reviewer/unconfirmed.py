"""未确认记录: per region and per unit, open records and how long they wait; verdict counts; reminders."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.components.auth import current_actor
from pages.components.charts import bars, long_form
from pages.components.figures import fresh_snapshot
from pages.components.grid import arrow
from pages.components.ui import act, export_buttons, keep_choices, load, sort_and_size
from portal.core.paging import PAGE_SIZES
from portal.core.timeutil import fmt, utcnow
from portal.declaration.vocab import CONFIRMATION_STATUS_LABELS
from portal.eligibility.vocab import VERDICT_LABELS
from portal.progress import reminders, unconfirmed
from portal.progress.common import refresh_now
from portal.stats.common import CITIES, waited
from portal.unit import regions

actor = current_actor()
st.title("未确认记录")
flash = st.session_state.pop("unconfirmed_flash", None)
if flash:
    st.success(flash)


snapshot = fresh_snapshot(actor)  # when the figures were computed is the snapshot's time
if snapshot is None:
    st.stop()
built = snapshot.built_at
by_city = load(lambda db_session: unconfirmed.unconfirmed_by_city(db_session, actor=actor), read_only=True)
verdicts = unconfirmed.verdict_totals(by_city)

now = utcnow()
top = st.container(horizontal=True, vertical_alignment="center")
top.caption(
    f"数据更新于 {fmt(built)}（每 5 分钟自动更新）。"
    "等待时间：未填报自绑定单位起，待确认自单位最近修改起，待单位修改自考生提出起。"
)
if top.button("立即刷新") and act(lambda db_session: refresh_now(db_session, actor=actor)):
    st.rerun()

totals = {s: sum(r.counts[s] for r in by_city) for s in unconfirmed.OPEN_STATUSES}
figures = st.container(horizontal=True)
figures.metric("未填报", totals["not_entered"])
figures.metric("待确认", totals["pending"])
figures.metric("待单位修改", totals["correction_requested"])

st.subheader("报名资格预检")
st.caption("已填报但尚未确认（待确认、待单位修改）的记录的预检结论。")
verdict_rows = [{"结论": VERDICT_LABELS[k], "记录数": n} for k, n in verdicts.items()]
bars(verdict_rows, category="结论", value="记录数", horizontal=False, sort=[row["结论"] for row in verdict_rows])
st.caption("；".join(f"{row['结论']} {row['记录数']} 条" for row in verdict_rows))

# Lazy tabs: only the open one runs (a click on the other reruns the page).
tab_region, tab_unit = st.tabs(["按地区", "按单位"], key="unconfirmed_tab", on_change="rerun")

if tab_region.open:
    with tab_region:
        region_frame = arrow(
            [
                {
                    "市（州）": r.name,
                    "未填报": r.counts["not_entered"],
                    "待确认": r.counts["pending"],
                    "待单位修改": r.counts["correction_requested"],
                    "已确认": r.counts["confirmed"],
                    "未填报最久等待": waited(r.oldest["not_entered"], now),
                    "待确认最久等待": waited(r.oldest["pending"], now),
                    "待修改最久等待": waited(r.oldest["correction_requested"], now),
                    **{f"预检{VERDICT_LABELS[k]}": r.verdicts[k] for k in VERDICT_LABELS},
                }
                for r in by_city
            ]
        )
        if not region_frame.num_rows:
            st.info("暂无数据。")
        else:
            open_columns = ["未填报", "待确认", "待单位修改"]
            bars(
                long_form(region_frame, keep="市（州）", columns=open_columns, series="状态", value="记录数"),
                category="市（州）",
                value="记录数",
                series="状态",
                series_sort=open_columns,
                horizontal=False,
            )
            st.dataframe(region_frame, hide_index=True, width="stretch")
            export_buttons(region_frame, name="未确认记录_按地区", key="region")

# The 按单位 choices (filters, the unit opened) stay while 按地区 is open.
UNIT_CHOICES = ("uc_city", "uc_query", "uc_open", "uc_sort", "uc_desc", "uc_size", "uc_page", "uc_unit", "uc_status")
keep_choices(UNIT_CHOICES, shown=bool(tab_unit.open))
if tab_unit.open:
    with tab_unit:
        filters = st.container(horizontal=True, vertical_alignment="bottom")
        city = filters.selectbox("市（州）", ["", *CITIES], format_func=lambda k: CITIES.get(k, "全部"), key="uc_city")
        query = filters.text_input("单位名称 / 机构编码", key="uc_query")
        only_open = filters.toggle("只看有未确认记录的单位", value=True, key="uc_open")
        paging = st.container(horizontal=True, vertical_alignment="bottom")
        with paging:
            sort, descending, page_size = sort_and_size(
                "uc", unconfirmed.UNCONFIRMED_SORTS, descending_label="从多到少 / 最久优先"
            )
        page = paging.number_input("页码", min_value=1, value=1, step=1, key="uc_page", width=160)
        result = None
        if outcome := act(
            lambda db_session: unconfirmed.unconfirmed_by_unit(
                db_session,
                actor=actor,
                city_code=city,
                query=query,
                only_open=only_open,
                sort=sort,
                descending=descending,
                page=int(page),
                page_size=page_size,
            ),
            read_only=True,
        ):
            result = outcome.value
        if result is not None:
            unit_frame = pd.DataFrame(
                [
                    {
                        "选择": False,
                        "单位名称": r.name,
                        "所属地区": regions.name_of(r.region_code),
                        "未填报": r.counts["not_entered"],
                        "待确认": r.counts["pending"],
                        "待单位修改": r.counts["correction_requested"],
                        "已确认": r.counts["confirmed"],
                        "未填报最久等待": waited(r.oldest["not_entered"], now),
                        "待确认最久等待": waited(r.oldest["pending"], now),
                        "待修改最久等待": waited(r.oldest["correction_requested"], now),
                        **{f"预检{VERDICT_LABELS[k]}": r.verdicts[k] for k in VERDICT_LABELS},
                        "单位编号": int(r.key),
                    }
                    for r in result.rows
                ]
            )
            st.caption(f"共 {result.total} 个单位，第 {result.page}/{result.pages} 页。勾选单位后可发送提醒。")
            edited = st.data_editor(
                unit_frame,
                hide_index=True,
                width="stretch",
                disabled=[c for c in unit_frame.columns if c != "选择"],
                column_config={"单位编号": None},
                key="uc_editor",
            )
            export_buttons(unit_frame.drop(columns=["选择", "单位编号"]), name="未确认记录_按单位", key="unit")
            chosen_units = [int(u) for u in edited.loc[edited["选择"], "单位编号"]] if not edited.empty else []
            note = st.text_input("提醒附言（可选）", key="uc_unit_note", max_chars=300)
            if st.button(f"提醒所选单位（{len(chosen_units)}）", disabled=not chosen_units, key="uc_remind_units") and (
                outcome := act(
                    lambda db_session: reminders.remind_units(db_session, actor=actor, unit_ids=chosen_units, note=note)
                )
            ):
                st.session_state["unconfirmed_flash"] = f"已向 {outcome.value} 个单位管理员账号发送提醒。"
                st.rerun()

            st.divider()
            st.markdown("**单位内的未确认考生**")
            names = {int(r.key): r.name for r in result.rows}
            unit_id = st.selectbox(
                "单位",
                list(names),
                index=None,
                format_func=lambda k: names.get(k, str(k)),
                placeholder="选择本页的单位",
                key="uc_unit",
            )
            if unit_id is not None:
                c1, c2, c3 = st.columns(3)
                status = c1.selectbox(
                    "状态",
                    ["", *unconfirmed.OPEN_STATUSES],
                    format_func=lambda s: CONFIRMATION_STATUS_LABELS.get(s, "全部未确认"),
                    key="uc_status",
                )
                size = c2.selectbox("每页条数", PAGE_SIZES, index=1, key="uc_people_size")
                people_page = c3.number_input("页码", min_value=1, value=1, step=1, key="uc_people_page")
                people = None
                if outcome := act(
                    lambda db_session: unconfirmed.unconfirmed_candidates(
                        db_session,
                        actor=actor,
                        unit_id=unit_id,
                        status=status or None,
                        page=int(people_page),
                        page_size=size,
                    )
                ):
                    people = outcome.value
                if people is not None:
                    people_frame = pd.DataFrame(
                        [
                            {
                                "选择": False,
                                "姓名": p.masked_name,
                                "手机号": p.masked_mobile,
                                "状态": CONFIRMATION_STATUS_LABELS[p.status],
                                "已等待": waited(p.since, now),
                                "预检结论": VERDICT_LABELS.get(p.verdict or "", "—"),
                                "考生编号": p.candidate_id,
                            }
                            for p in people.rows
                        ]
                    )
                    st.caption(
                        f"共 {people.total} 人，第 {people.page}/{people.pages} 页（查看已记入考生的授权访问记录）。"
                    )
                    picked = st.data_editor(
                        people_frame,
                        hide_index=True,
                        width="stretch",
                        disabled=[c for c in people_frame.columns if c != "选择"],
                        column_config={"考生编号": None},
                        key="uc_people_editor",
                    )
                    chosen = [int(c) for c in picked.loc[picked["选择"], "考生编号"]] if not picked.empty else []
                    note = st.text_input("提醒附言（可选）", key="uc_people_note", max_chars=300)
                    if st.button(f"提醒所选考生（{len(chosen)}）", disabled=not chosen, key="uc_remind_people") and (
                        outcome := act(
                            lambda db_session: reminders.remind_candidates(
                                db_session, actor=actor, candidate_ids=chosen, note=note
                            )
                        )
                    ):
                        st.session_state["unconfirmed_flash"] = f"已向 {outcome.value} 名考生发送提醒。"
                        st.rerun()

                    with st.expander("导出本单位未确认考生", icon=":material/download:"):
                        full_values = st.checkbox(
                            "导出完整姓名、证件号码和手机号（仅限工作需要；将记入审计日志和考生的授权访问记录）",
                            key="uc_export_full",
                        )
                        export_reason = ""
                        if full_values:
                            export_reason = st.text_input(
                                "导出原因（必填，将记入审计日志）",
                                key="uc_export_reason",
                                max_chars=unconfirmed.EXPORT_REASON_MAX,
                                placeholder="例如：电话通知未确认考生",
                            )
                        if st.button("生成导出文件", key="uc_export_prepare") and (
                            outcome := act(
                                lambda db_session: unconfirmed.export_open_records(
                                    db_session,
                                    actor=actor,
                                    unit_id=unit_id,
                                    full_values=full_values,
                                    status=status or None,
                                    reason=export_reason,
                                )
                            )
                        ):
                            rows = outcome.value
                            st.session_state["uc_export_rows"] = (unit_id, full_values, rows)
                        prepared = st.session_state.get("uc_export_rows")
                        if prepared and prepared[0] == unit_id:
                            export_frame = pd.DataFrame(prepared[2])
                            label = "完整信息" if prepared[1] else "已脱敏"
                            st.caption(f"{len(export_frame)} 人，{label}。")
                            export_buttons(export_frame, name=f"未确认考生_{label}", key="uc_people_export")
