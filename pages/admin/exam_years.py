from datetime import timedelta

import pandas as pd
import streamlit as st

from pages.components.auth import current_actor
from pages.components.db import reading
from pages.components.ui import act, lazy_expander
from portal.core.timeutil import today_local
from portal.declaration import exam_year

actor = current_actor()
st.title("考试年度")
flash = st.session_state.pop("exam_year_flash", None)
if flash:
    st.success(flash)

with reading() as db_session:
    years = exam_year.exam_years(db_session, actor=actor)
    by_year = exam_year.status_counts_by_year(db_session) if years else {}  # every year's in one statement
    counts = {y.year: by_year.get(y.year, {}) for y in years}

today = today_local()
if years:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "年度": y.name,
                    "单位填报": f"{y.entry_opens_on} 至 {y.entry_closes_on}",
                    "考生确认": f"{y.confirmation_opens_on} 至 {y.confirmation_closes_on}",
                    "资格截止日期": y.cutoff_on.isoformat(),
                    "已填报": sum(counts[y.year].values()) - counts[y.year].get("not_entered", 0),
                    "已确认": counts[y.year].get("confirmed", 0),
                }
                for y in years
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info("尚未开放任何考试年度。")


def window_inputs(prefix: str, defaults: dict) -> dict:
    values = {}
    for key, label in (
        ("entry_opens_on", "单位填报开始"),
        ("entry_closes_on", "单位填报截止"),
        ("confirmation_opens_on", "考生确认开始"),
        ("confirmation_closes_on", "考生确认截止"),
        ("cutoff_on", "报名资格截止日期（默认 8 月 31 日）"),
    ):
        values[key] = st.date_input(label, value=defaults[key], format="YYYY-MM-DD", key=f"{prefix}_{key}")
    return values


# Lazy: each form (six date pickers) is built only while its expander is open; opening a year is open from the
# start while there is none.
if opening := lazy_expander("开放新年度", expanded=not years, key="exam_year_open"):
    with opening:
        with st.form("open_year"):
            year = st.number_input(
                "年度", min_value=2000, max_value=2100, value=max([today.year] + [y.year + 1 for y in years])
            )
            values = window_inputs(
                "open",
                {
                    "entry_opens_on": today,
                    "entry_closes_on": today + timedelta(days=60),
                    "confirmation_opens_on": today,
                    "confirmation_closes_on": today + timedelta(days=75),
                    "cutoff_on": None,
                },
            )
            if st.form_submit_button("开放年度", type="primary") and act(
                lambda db_session: exam_year.open_exam_year(db_session, actor=actor, year=int(year), **values)
            ):
                st.session_state["exam_year_flash"] = f"{int(year)}年度已开放。"
                st.rerun()

if years and (editing := lazy_expander("修改年度时间", key="exam_year_edit")):
    with editing:
        chosen = st.selectbox("年度", [y.year for y in years], key="edit_year")
        row = next(y for y in years if y.year == chosen)
        with st.form("edit_year_form"):
            values = window_inputs(
                f"edit{chosen}",
                {
                    "entry_opens_on": row.entry_opens_on,
                    "entry_closes_on": row.entry_closes_on,
                    "confirmation_opens_on": row.confirmation_opens_on,
                    "confirmation_closes_on": row.confirmation_closes_on,
                    "cutoff_on": row.cutoff_on,
                },
            )
            if st.form_submit_button("保存修改") and act(
                lambda db_session: exam_year.update_exam_year(db_session, actor=actor, year=chosen, **values)
            ):
                st.session_state["exam_year_flash"] = f"{chosen}年度时间已修改。"
                st.rerun()
