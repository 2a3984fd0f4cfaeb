"""统计分析: the funnel overall and by city, unit category, education and exam category; daily trends; verdicts.

Aggregates only: no names or numbers; counts of 1–4 people show as "<5" (also in exports), and charts leave
suppressed cells out.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from pages.components.auth import current_actor
from pages.components.db import reading
from pages.components.ui import act, export_buttons, load
from portal.core.timeutil import fmt
from portal.stats import service as stats
from portal.stats.suppression import TOTAL, numeric

STAGES = [label for _, label in stats.STAGES]

actor = current_actor()
st.title("统计分析")

with st.spinner("正在汇总统计数据…"):
    snapshot = load(lambda db_session: stats.refresh_statistics(db_session, actor=actor))

head, button = st.columns([4, 1])
head.caption(
    f"{snapshot.year} 年度 · 数据更新于 {fmt(snapshot.built_at)}（每 5 分钟自动更新）。"
    "仅显示汇总数字；少于 5 人的格子显示为“<5”，并对可由合计推算出的格子一并隐藏。"
)
if button.button("立即刷新", width="stretch") and act(
    lambda db_session: stats.refresh_statistics(db_session, actor=actor, force=True)
):
    st.rerun()


with reading() as db_session:
    overall = stats.funnel(db_session, actor=actor)

st.subheader("报名进度漏斗（全省）")
row = overall.iloc[0]
cols = st.columns(len(STAGES))
for column, stage in zip(cols, STAGES, strict=True):
    column.metric(stage, row[stage])
funnel_chart = numeric(overall[["范围", *STAGES]]).melt(id_vars="范围", var_name="环节", value_name="人数")
st.altair_chart(
    alt.Chart(funnel_chart)
    .mark_bar()
    .encode(x=alt.X("人数:Q"), y=alt.Y("环节:N", sort=STAGES), tooltip=["环节", "人数"]),
    use_container_width=True,
)

st.subheader("分维度统计")
dimension = st.segmented_control(
    "统计维度", list(stats.DIMENSIONS), default="city", format_func=stats.DIMENSIONS.get, key="dimension"
)
dimension = dimension or "city"
with reading() as db_session:
    by = stats.funnel(db_session, actor=actor, by=dimension)
label = stats.DIMENSIONS[dimension]
table_column, chart_column = st.columns([3, 2])
with table_column:
    st.dataframe(by.astype(str), hide_index=True, width="stretch")
    export_buttons(by, name=f"报名进度_按{label}", key="funnel")
with chart_column:
    shown = numeric(by[by[label] != TOTAL][[label, "注册", "已确认"]])
    st.altair_chart(
        alt.Chart(shown.melt(id_vars=label, var_name="环节", value_name="人数").dropna())
        .mark_bar()
        .encode(y=alt.Y(f"{label}:N", sort="-x"), x="人数:Q", color="环节:N", tooltip=[label, "环节", "人数"]),
        use_container_width=True,
    )

st.subheader("每日趋势")
days = st.select_slider("显示最近", options=[7, 14, 28, 56, 90], value=28, format_func=lambda d: f"{d} 天")
with reading() as db_session:
    trend = stats.daily_trend(db_session, actor=actor, days=days)
body = trend[trend["日期"] != TOTAL]
if body.empty:
    st.info("暂无数据。")
else:
    series = numeric(body).melt(id_vars="日期", var_name="环节", value_name="人数").dropna()
    st.altair_chart(
        alt.Chart(series)
        .mark_line(point=True)
        .encode(
            # Numeric Chinese dates: Vega's default tick labels are English ("Fri 06", "Nov 22", "December").
            x=alt.X("日期:T", title="日期", axis=alt.Axis(format="%m月%d日")),
            y="人数:Q",
            color=alt.Color("环节:N", sort=STAGES),
            tooltip=[alt.Tooltip("日期:T", format="%Y年%m月%d日"), "环节", "人数"],
        ),
        use_container_width=True,
    )
    with st.expander("每日明细"):
        st.dataframe(trend.astype(str), hide_index=True, width="stretch")
        export_buttons(trend, name="每日趋势", key="trend")

st.subheader("报名资格预检结论分布")
verdict_by = st.segmented_control(
    "分布维度",
    ["city", "exam_category", "exam_level", "unit_category"],
    default="city",
    format_func=stats.DIMENSIONS.get,
    key="verdict_by",
)
verdict_by = verdict_by or "city"
with reading() as db_session:
    distribution = stats.verdict_distribution(db_session, actor=actor, by=verdict_by)
verdict_label = stats.DIMENSIONS[verdict_by]
left, right = st.columns([3, 2])
with left:
    st.dataframe(distribution.astype(str), hide_index=True, width="stretch")
    export_buttons(distribution, name=f"预检结论_按{verdict_label}", key="verdicts")
with right:
    verdict_columns = [name for _, name in stats.VERDICT_COLUMNS]
    data = numeric(distribution[distribution[verdict_label] != TOTAL][[verdict_label, *verdict_columns]])
    st.altair_chart(
        alt.Chart(data.melt(id_vars=verdict_label, var_name="结论", value_name="记录数").dropna())
        .mark_bar()
        .encode(
            y=alt.Y(f"{verdict_label}:N"),
            x=alt.X("记录数:Q", stack="normalize", title="占比"),
            color=alt.Color("结论:N", sort=verdict_columns),
            tooltip=[verdict_label, "结论", "记录数"],
        ),
        use_container_width=True,
    )
