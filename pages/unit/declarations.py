from collections import Counter
from datetime import date

import pandas as pd
import streamlit as st

from db.engine import session_scope
from pages.components.auth import current_actor
from pages.components.db import engine, reading, session
from pages.components.grid import arrow
from pages.components.ui import (
    act,
    chosen,
    export_buttons,
    keep_choices,
    lazy_expander,
    plain,
    say_filters,
    upload_limits,
)
from portal.core.errors import ImportFileError
from portal.core.timeutil import fmt
from portal.declaration import entry, exam_year, importer, prefill, template
from portal.declaration import fields as F
from portal.declaration.vocab import SHOWN_STATUS_LABELS, ShownStatus
from portal.eligibility.vocab import VERDICT_LABELS, Verdict

actor = current_actor()
st.title("申报信息")
flash = st.session_state.pop("unit_declaration_flash", None)
if flash:
    st.success(flash)

with reading() as db_session:
    years = exam_year.exam_years(db_session, actor=actor)
if not years:
    st.info("考试年度尚未开放，请等待管理员开放后再填报。")
    st.stop()
year = st.selectbox("年度", [y.year for y in years], format_func=lambda y: f"{y}年度医师资格")
with reading() as db_session:  # the list's access log, when due, is written in a unit of work of its own
    window = exam_year.entry_window(db_session, year=year)
    rows = entry.unit_candidates(db_session, actor=actor, year=year)
# What needs the unit first: corrections asked for, then records not entered, then the rest.
PRIORITY = [
    ShownStatus.CORRECTION_REQUESTED,
    ShownStatus.NOT_ENTERED,
    ShownStatus.INCOMPLETE,
    ShownStatus.PENDING,
    ShownStatus.CONFIRMED,
]
rows.sort(key=lambda r: PRIORITY.index(r.shown_status))
(st.info if window.state == "open" else st.warning)(window.text)
editable = window.state == "open"

# Keyed: the chosen tab survives the rerun after each save (a flash message above would otherwise reset it).
# Lazy: only the open tab runs (a click on another reruns the page), so a save does not also rebuild the list.
list_tab, form_tab, import_tab = st.tabs(["考生列表", "逐人填报", "表格导入"], key="declaration_tab", on_change="rerun")
LIST_FILTERS = ("declaration_statuses", "declaration_verdicts")
keep_choices([*LIST_FILTERS, "declaration_filters"], shown=bool(list_tab.open))
keep_choices(["declaration_candidate"], shown=bool(form_tab.open))

# ---------------------------------------------------------------------------------------------------- 考生列表
if list_tab.open:
    with list_tab:
        counts = Counter(r.shown_status for r in rows)
        figures = st.container(horizontal=True)
        for status, label in SHOWN_STATUS_LABELS.items():
            figures.metric(label, counts[status])
        NOT_JUDGED = "not_judged"  # a record not entered yet has no verdict (未预检)
        # Lazy: the two filters are drawn only while 筛选 is open; what was chosen stays in force while closed.
        box = lazy_expander("筛选", icon=":material/filter_list:", key="declaration_filters")
        keep_choices(LIST_FILTERS, shown=box is not None)
        if box is None:
            statuses, verdicts = chosen("declaration_statuses", []), chosen("declaration_verdicts", [])
        else:
            with box:
                statuses = st.multiselect(
                    "状态",
                    list(ShownStatus),
                    format_func=SHOWN_STATUS_LABELS.get,
                    placeholder="全部状态",
                    select_all=False,  # its "Select all" option is English
                    key="declaration_statuses",
                )
                verdicts = st.multiselect(
                    "报名资格预检",
                    [*Verdict, NOT_JUDGED],
                    format_func=lambda v: VERDICT_LABELS.get(v, "未预检"),
                    placeholder="全部",
                    select_all=False,
                    key="declaration_verdicts",
                )
        say_filters(
            [SHOWN_STATUS_LABELS[v] for v in statuses] + [VERDICT_LABELS.get(v, "未预检") for v in verdicts],
            separator="、",
        )
        shown = [
            r
            for r in rows
            if (not statuses or r.shown_status in statuses)
            and (not verdicts or (r.verdict_code or NOT_JUDGED) in verdicts)
        ]
        frame = arrow(
            [
                {
                    "姓名": r.real_name,
                    "证件号码": r.masked_number,
                    "状态": r.status_label,
                    "报名资格预检": r.verdict or "未预检",
                    "尚缺": "、".join(r.missing),
                    "考生反馈有误的信息": "、".join(r.correction_fields),
                    "考生说明": r.correction_note,
                    "更新时间": fmt(r.updated_at),
                }
                for r in shown
            ],
            columns=["姓名", "证件号码", "状态", "报名资格预检", "尚缺", "考生反馈有误的信息", "考生说明", "更新时间"],
        )
        st.dataframe(frame, hide_index=True, width="stretch")
        st.caption(f"共 {len(shown)} 人")
        if shown:
            exported_ids = [r.candidate_id for r in shown]

            def log_export() -> None:
                with session() as db_session:
                    entry.record_export(db_session, actor=actor, year=year, candidate_ids=exported_ids)

            export_buttons(frame, name=f"申报信息_{year}", key="declarations", on_click=log_export)


# ---------------------------------------------------------------------------------------------------- 逐人填报
# Plain words in labels: a screen reader reads markdown such as :red[*] as it is written.
REQUIRED = "（必填）"


def widget(field: F.Field, value, key: str):
    """One input for `field`, showing `value`; returns the raw value."""
    label = field.label + (REQUIRED if field.required else "")
    if field.kind in ("choice", "int") and field.choices:
        options = [""] + list(field.choices)
        current = "" if value is None else str(value)
        return st.selectbox(
            label, options, index=options.index(current) if current in options else 0, key=key, placeholder="请选择"
        )
    if field.kind == "bool":
        options = ["", "是", "否"]
        return st.selectbox(
            label, options, index=0 if value is None else (1 if value else 2), key=key, placeholder="请选择"
        )
    if field.kind == "date":
        return st.date_input(
            label, value=value, min_value=date(1950, 1, 1), max_value=date(2100, 12, 31), format="YYYY-MM-DD", key=key
        )
    return st.text_input(label, value="" if value is None else str(value), max_chars=field.max_length, key=key)


def save(candidate_id: int, section: str, data) -> None:
    if act(
        lambda db_session: entry.save_section(
            db_session, actor=actor, year=year, candidate_id=candidate_id, section=section, data=data
        )
    ):
        st.session_state["unit_declaration_flash"] = f"{F.SECTION_LABELS[section]}已保存。"
        st.rerun()


def single_form(section: F.Section, values: dict | None, candidate_id: int, *, removable: bool = False) -> None:
    with st.form(f"form_{section.code}_{candidate_id}"):
        raw = {
            f.key: widget(f, (values or {}).get(f.key), f"{section.code}_{f.key}_{candidate_id}")
            for f in section.fields
        }
        left, right = st.columns(2)
        submitted = left.form_submit_button(
            "保存", type="primary", disabled=not editable, key=f"save_{section.code}_{candidate_id}"
        )
        removed = removable and values and right.form_submit_button("删除本栏", disabled=not editable)
    if submitted:
        save(candidate_id, section.code, raw)
    if removed:
        save(candidate_id, section.code, None)


def list_form(section: F.Section, items: list[dict], candidate_id: int) -> None:
    config = {}
    for f in section.fields:
        label = f.label + (REQUIRED if f.required else "")
        if f.kind == "date":
            config[f.key] = st.column_config.DateColumn(label, format="YYYY-MM-DD", required=f.required)
        elif f.choices:
            config[f.key] = st.column_config.SelectboxColumn(label, options=list(f.choices), required=f.required)
        else:
            config[f.key] = st.column_config.TextColumn(label, max_chars=f.max_length, required=f.required)
    frame = pd.DataFrame(items, columns=[f.key for f in section.fields])
    for f in section.fields:
        if f.kind == "date":
            frame[f.key] = pd.to_datetime(frame[f.key]).dt.date
    with st.form(f"form_{section.code}_{candidate_id}"):
        st.caption("每行一条，可增删行；保存时以表格内容整体替换。")
        edited = st.data_editor(
            frame,
            column_config=config,
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            placeholder="",  # an empty cell stays empty (Streamlit writes "None" in it)
            key=f"editor_{section.code}_{candidate_id}",
        )
        submitted = st.form_submit_button(
            "保存", type="primary", disabled=not editable, key=f"save_{section.code}_{candidate_id}"
        )
    if submitted:
        data = []
        for row in edited.to_dict("records"):
            cleaned = {k: (None if pd.isna(v) else v) for k, v in row.items()}
            if any(v not in (None, "") for v in cleaned.values()):
                data.append(cleaned)
        save(candidate_id, section.code, data)


if form_tab.open:
    with form_tab:
        if not rows:
            st.info("本单位暂无已绑定的考生。考生绑定本单位后即可在此填报。")
        else:
            by_id = {r.candidate_id: r for r in rows}
            candidate_id = st.selectbox(
                "考生",
                list(by_id),
                # No status here: a keyed select box keeps showing its first labels, so a status would go stale.
                format_func=lambda c: f"{by_id[c].real_name}（{by_id[c].masked_number or '未实名'}）",
                key="declaration_candidate",
            )
            # Log the read once per opening of a candidate's record, not on every rerun of the page.
            opened = (year, candidate_id)
            if outcome := act(
                lambda db_session: entry.unit_record(
                    db_session,
                    actor=actor,
                    year=year,
                    candidate_id=candidate_id,
                    log_access=st.session_state.get("declaration_opened") != opened,
                )
            ):
                view = outcome.value
                st.session_state["declaration_opened"] = opened
                st.markdown(  # one fact a line: on a phone a single long line breaks inside the words
                    f"**姓名：** {plain(view.basic.real_name)}  \n**证件号码：** {plain(view.basic.masked_number)}  \n"
                    f"**申报单位：** {plain(view.basic.unit_name)}  \n**状态：** {view.status_label}"
                )
                if view.correction:
                    wrong = "、".join(view.correction.labels)
                    st.warning(
                        f"考生于 {fmt(view.correction.requested_at)} 反馈以下信息有误：{wrong}。"
                        + (f"说明：{plain(view.correction.note)}" if view.correction.note else "")
                    )
                if view.missing:
                    st.info(f"尚缺：{'、'.join(view.missing)}")
                else:
                    st.success("必填信息已齐全，等待考生确认。" if view.status == "pending" else "必填信息已齐全。")
                if not view.basic.masked_number:
                    st.warning("该考生尚未完成实名认证，暂不能填报。请提醒考生先完成实名认证。")
                record = view.record
                with st.expander(F.EXAM.label, expanded=not record["exam_level"]):
                    single_form(F.EXAM, record, candidate_id)
                with st.expander(F.EDUCATION.label, expanded=not record["education"]):
                    single_form(F.EDUCATION, record["education"], candidate_id)
                with st.expander(F.TITLE.label + "（无职称可不填）"):
                    single_form(F.TITLE, record["title"], candidate_id, removable=True)
                with st.expander(F.QUALIFICATION.label + "（可多条）"):
                    list_form(F.QUALIFICATION, record["qualification_certificates"], candidate_id)
                with st.expander(F.PRACTICE.label):
                    single_form(F.PRACTICE, record["practice_certificate"], candidate_id, removable=True)
                with st.expander(F.NURSE.label):
                    none = record["has_nurse_certificate"] is False
                    if st.button(
                        f"标记为“{F.NONE_LABEL}”", disabled=not editable or none, key=f"nurse_none_{candidate_id}"
                    ):
                        save(candidate_id, "nurse_certificate", {"none": True})
                    if none:
                        st.caption(f"当前：{F.NONE_LABEL}。如考生持有护士执业证，请填写下表并保存。")
                    single_form(F.NURSE, record["nurse_certificate"], candidate_id)
                with st.expander(F.PROBATION.label + "（试用期考生填写，可多段）"):
                    list_form(F.PROBATION, record["probation"], candidate_id)

# ---------------------------------------------------------------------------------------------------- 表格导入
if import_tab.open:
    with import_tab:
        st.markdown(
            "1. 下载模板：每个栏目一个工作表，红色表头为必填，下拉框为可选值。"
            "**含本单位考生的模板**已填好本单位已绑定考生的现有信息，以**考生编号**对应考生（证件号码部分隐去，仅供核对），"
            "修改后直接上传；**空白模板**以完整的**证件号码**对应考生，用于填写新考生。\n"
            "2. 填写本单位已绑定考生的信息（医师资格证、试用期可一人多行）。\n"
            "3. 上传文件：正确的考生记录全部保存；有误的考生整条不保存，并列出行号、列名和原因。"
        )
        XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        blank_column, filled_column = st.columns(2)
        blank_column.download_button(
            "下载空白模板", template.template_bytes, file_name="申报信息导入模板.xlsx", mime=XLSX, width="stretch"
        )
        db_engine = engine()

        def filled_template() -> bytes:
            """Built when pressed (a read of every bound candidate's record, logged as an export), not on each run."""
            with session_scope(db_engine) as db_session:
                return prefill.unit_template(db_session, actor=actor, year=year)

        filled_column.download_button(
            "下载含本单位考生的模板",
            filled_template,
            file_name=f"申报信息_{year}_本单位考生.xlsx",
            mime=XLSX,
            disabled=not rows,
            width="stretch",
        )
        upload = st.file_uploader("上传填写好的模板", type=["xlsx"], max_upload_size=10, key="declaration_upload")
        upload_limits(["xlsx"], 10)
        if st.button("导入", type="primary", disabled=upload is None or not editable):
            result = None
            with st.spinner("正在导入……"):
                try:
                    result = act(
                        lambda db_session: importer.import_declarations(
                            db_session, actor=actor, year=year, data=upload.getvalue()
                        )
                    ).value
                except ImportFileError as error:  # the whole file was refused before any row was read
                    st.error(error.message)
            if result is not None:
                st.success(
                    f"导入完成：新增 {result.imported} 人，更新 {result.updated} 人，"
                    f"无变化 {result.unchanged} 人，未导入 {result.rejected} 人。"
                )
                if result.errors:
                    st.dataframe(
                        pd.DataFrame(
                            [{"工作表": e.sheet, "行": e.row, "列": e.column, "原因": e.reason} for e in result.errors]
                        ),
                        hide_index=True,
                        width="stretch",
                    )
