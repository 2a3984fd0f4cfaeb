"""统计分析: the funnel overall and by city, unit category, education and exam category; daily trends; verdicts.

Aggregates only: no names or numbers; counts of 1–4 people show as "<5" (also in exports), and charts leave
suppressed cells out.
"""

from __future__ import annotations

import streamlit as st

from pages.components.auth import current_actor
from pages.components.charts import bars, daily_lines, long_form
from pages.components.db import reading
from pages.components.figures import fresh_snapshot, once_per_snapshot
from pages.components.grid import as_text
from pages.components.ui import act, export_buttons, keep_choices, lazy_expander
from portal.core.timeutil import fmt
from portal.stats import service as stats
from portal.stats.suppression import TOTAL

STAGES = [label for _, label in stats.STAGES]

actor = current_actor()
st.title("统计分析")

snapshot = fresh_snapshot(actor)
if snapshot is None:
    st.stop()

head = st.container(horizontal=True, vertical_alignment="center")
head.caption(
    f"{snapshot.year} 年度 · 数据更新于 {fmt(snapshot.built_at)}（每 5 分钟自动更新）。"
    "仅显示汇总数字；少于 5 人的格子显示为“<5”，并对可由合计推算出的格子一并隐藏。"
)
if head.button("立即刷新") and act(lambda db_session: stats.refresh_statistics(db_session, actor=actor, force=True)):
    st.rerun()


with reading() as db_session:
    overall = stats.funnel(db_session, actor=actor)

st.subheader("报名进度漏斗（全省）")
row = overall.iloc[0]
figures = st.container(horizontal=True)
for stage in STAGES:
    figures.metric(stage, row[stage])
bars(
    once_per_snapshot(
        snapshot,
        ("funnel",),
        lambda: tuple(long_form(overall, keep="范围", columns=STAGES, series="环节", value="人数")),
    ),
    category="环节",
    value="人数",
    sort=STAGES,
)


def by_dimension() -> None:
    dimension = st.segmented_control(
        "统计维度", list(stats.DIMENSIONS), default="city", format_func=stats.DIMENSIONS.get, key="dimension"
    )
    dimension = dimension or "city"
    with reading() as db_session:
        by = stats.funnel(db_session, actor=actor, by=dimension)
    label = stats.DIMENSIONS[dimension]
    table_column, chart_column = st.columns([3, 2])
    with table_column:
        table = once_per_snapshot(snapshot, ("by", dimension), lambda: as_text(by))
        st.dataframe(table, hide_index=True, width="stretch")
        export_buttons(by, name=f"报名进度_按{label}", key="funnel")
    with chart_column:
        bars(
            once_per_snapshot(
                snapshot,
                ("by chart", dimension),
                lambda: tuple(
                    long_form(by, keep=label, columns=["注册", "已确认"], series="环节", value="人数", without=[TOTAL])
                ),
            ),
            category=label,
            value="人数",
            series="环节",
            sort="-x",
            overlay=True,
        )


def daily() -> None:
    days = st.select_slider(
        "显示最近", options=[7, 14, 28, 56, 90], value=28, format_func=lambda d: f"{d} 天", key="days"
    )
    with reading() as db_session:
        trend = stats.daily_trend(db_session, actor=actor, days=days)
    body = trend[trend["日期"] != TOTAL]
    if body.empty:
        st.info("暂无数据。")
        return
    columns = [c for c in body.columns if c != "日期"]
    series = once_per_snapshot(
        snapshot,
        ("daily", days),
        lambda: tuple(long_form(body, keep="日期", columns=columns, series="环节", value="人数")),
    )
    daily_lines(series, day="日期", value="人数", series="环节", series_sort=STAGES)
    if details := lazy_expander("每日明细", key="trend_details"):
        with details:
            table = once_per_snapshot(snapshot, ("daily table", days), lambda: as_text(trend))
            st.dataframe(table, hide_index=True, width="stretch")
            export_buttons(trend, name="每日趋势", key="trend")


def verdicts() -> None:
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
        table = once_per_snapshot(snapshot, ("verdicts", verdict_by), lambda: as_text(distribution))
        st.dataframe(table, hide_index=True, width="stretch")
        export_buttons(distribution, name=f"预检结论_按{verdict_label}", key="verdicts")
    with right:
        verdict_columns = [name for _, name in stats.VERDICT_COLUMNS]
        bars(
            once_per_snapshot(
                snapshot,
                ("verdicts chart", verdict_by),
                lambda: tuple(
                    long_form(
                        distribution,
                        keep=verdict_label,
                        columns=verdict_columns,
                        series="结论",
                        value="记录数",
                        without=[TOTAL],
                    )
                ),
            ),
            category=verdict_label,
            value="记录数",
            series="结论",
            series_sort=verdict_columns,
            normalize=True,
            value_title="占比",
        )


# (tab title, section, the widgets whose choice stays while another tab is open)
SECTIONS = [
    ("分维度统计", by_dimension, ("dimension",)),
    ("每日趋势", daily, ("days",)),
    ("报名资格预检结论分布", verdicts, ("verdict_by",)),
]
# Lazy tabs: only the open one runs (a click on another reruns the page), so each run draws one table and chart.
tabs = st.tabs([title for title, _, _ in SECTIONS], key="statistics_tab", on_change="rerun")
for tab, (_, render, choices) in zip(tabs, SECTIONS, strict=True):
    keep_choices(choices, shown=bool(tab.open))
    if tab.open:
        with tab:
            render()
