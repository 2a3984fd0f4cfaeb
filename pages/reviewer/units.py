"""单位绑定情况: the reviewer's page about units, built from sections (add one by appending to SECTIONS)."""

from collections.abc import Callable

import streamlit as st

from pages.components.auth import current_actor
from pages.components.charts import bars, records
from pages.components.db import reading
from pages.components.figures import fresh_snapshot
from pages.components.grid import arrow
from pages.components.ui import (
    act,
    chosen,
    export_buttons,
    keep_choices,
    kept_sort,
    lazy_expander,
    plain,
    say_filters,
    sort_and_size,
    table,
)
from portal.core.timeutil import fmt
from portal.unit import categories, confirmation_code, regions, registration, roster
from portal.unit.vocab import UNIT_STATUS_LABELS

actor = current_actor()
st.title("单位绑定情况")
flash = st.session_state.pop("reviewer_units_flash", None)
if flash:
    st.success(flash)


def decided(message: str) -> None:
    st.session_state["reviewer_units_flash"] = message
    st.rerun()


def registrations() -> None:
    """Pending 机构注册 requests: approve, or reject with a reason."""
    with reading() as db_session:
        pending = registration.pending_registrations(db_session, actor=actor)
    if not pending:
        st.info("暂无待审核的机构注册申请。")
        return
    st.caption(f"共 {len(pending)} 条待审核，按提交时间排列。")
    for request in pending:
        with st.container(border=True):
            st.markdown(f"**{plain(request.name)}**（{plain(request.institution_code)}）")
            st.markdown(
                f"主管单位：{plain(request.superior_unit) or '—'}　机构类别：{categories.label(request.category)}　"
                f"所属地区：{regions.name_of(request.region_code)}"
            )
            st.caption(
                f"负责人：{plain(request.contact_name)}，{plain(request.contact_mobile)}　"
                f"提交时间：{fmt(request.created_at)}" + ("　（名册中已有该机构编码的单位）" if request.unit_id else "")
            )
            reason = st.text_input("驳回原因", key=f"reg_reason_{request.id}", placeholder="驳回时必填")
            approve, reject = st.columns(2)
            if approve.button("通过", key=f"reg_approve_{request.id}", type="primary") and act(
                lambda db_session: registration.approve_registration(
                    db_session, actor=actor, registration_id=request.id
                )
            ):
                decided(f"已通过「{plain(request.name)}」的机构注册。")
            if reject.button("驳回", key=f"reg_reject_{request.id}") and act(
                lambda db_session: registration.reject_registration(
                    db_session, actor=actor, registration_id=request.id, reason=reason
                )
            ):
                decided(f"已驳回「{plain(request.name)}」的机构注册。")


def name_changes() -> None:
    """Pending renames requested by unit_admins."""
    with reading() as db_session:
        pending = roster.pending_name_changes(db_session, actor=actor)
    if not pending:
        st.info("暂无待审核的单位名称变更。")
        return
    for change, unit in pending:
        with st.container(border=True):
            st.markdown(f"**{plain(change.old_name)}** → **{plain(change.new_name)}**")
            st.caption(f"机构编码：{plain(unit.institution_code)}　提交时间：{fmt(change.created_at)}")
            reason = st.text_input("驳回原因", key=f"rename_reason_{change.id}", placeholder="驳回时必填")
            approve, reject = st.columns(2)
            if approve.button("通过", key=f"rename_approve_{change.id}", type="primary") and act(
                lambda db_session: roster.decide_name_change(db_session, actor=actor, change_id=change.id, approve=True)
            ):
                decided("已通过名称变更。")
            if reject.button("驳回", key=f"rename_reject_{change.id}") and act(
                lambda db_session: roster.decide_name_change(
                    db_session, actor=actor, change_id=change.id, approve=False, reason=reason
                )
            ):
                decided("已驳回名称变更。")


def failed_codes() -> None:
    """Units whose confirmation code many wrong attempts were made against; suspend if needed."""
    days = st.selectbox("统计范围", [1, 7, 30], index=1, format_func=lambda d: f"近 {d} 天")
    with reading() as db_session:
        flagged = confirmation_code.units_with_failed_attempts(db_session, actor=actor, days=days, minimum=5)
    if not flagged:
        st.info("没有确认码错误次数较多（5 次及以上）的单位。")
        return
    frame = arrow(
        [
            {
                "单位名称": f.unit.name,
                "机构编码": f.unit.institution_code,
                "错误次数": f.attempts,
                "涉及考生数": f.candidates,
                "最近一次": fmt(f.last_at),
                "单位状态": f.unit.status_label,
            }
            for f in flagged
        ]
    )
    bars(records(frame.slice(0, 20), ["单位名称", "错误次数"]), category="单位名称", value="错误次数", sort="-x")
    table(frame, key="failed_codes", file_name="units_failed_codes.csv")
    by_id = {f.unit.id: f.unit for f in flagged}
    chosen = st.selectbox(
        "单位", list(by_id), index=None, format_func=lambda i: by_id[i].name, placeholder="选择单位以暂停或恢复绑定"
    )
    if chosen is not None:
        suspended = by_id[chosen].status == "suspended"
        if st.button("恢复绑定" if suspended else "暂停绑定（该单位暂不能被绑定）") and act(
            lambda db_session: roster.set_status(
                db_session, actor=actor, unit_id=chosen, status="active" if suspended else "suspended"
            )
        ):
            decided("已更新单位状态。")


FILTERS = ("bs_city", "bs_category", "bs_query", "bs_sort", "bs_desc", "bs_size")


def binding_status() -> None:
    """Per unit: bound candidates, verified-but-unbound candidates of its county, code rotation, wrong codes."""
    from portal.progress import bindings
    from portal.stats.common import CITIES

    # A refusal (e.g. no exam year yet) ends this section only: the other sections stay usable.
    snapshot = fresh_snapshot(actor)  # when the figures were computed is the snapshot's time
    if snapshot is None:
        return
    read = act(lambda db_session: bindings.binding_totals(db_session, actor=actor), read_only=True)
    if not read:
        return
    totals, built = read.value, snapshot.built_at
    figures = st.container(horizontal=True)
    figures.metric("单位数", totals["units"])
    figures.metric("已绑定考生", totals["bound"])
    figures.metric("已认证未绑定", totals["verified_unbound"])
    figures.metric("待审核机构注册", totals["pending_registrations"])
    st.caption(f"考生人数数据更新于 {fmt(built)}（每 5 分钟自动更新）；确认码错误次数为实时数据。")
    # Lazy: the filters and the sort are drawn only while 筛选与排序 is open; what was chosen stays in force.
    by_name = {"descending_by_default": lambda sort: sort != "name"}
    box = lazy_expander("筛选与排序", icon=":material/filter_list:", key="bs_filters")
    keep_choices(FILTERS, shown=box is not None)
    if box is None:
        city, category, query = chosen("bs_city", ""), chosen("bs_category", ""), chosen("bs_query", "")
        sort, descending, page_size = kept_sort("bs", bindings.UNIT_SORTS, **by_name)
    else:
        with box:
            filters = st.container(horizontal=True, vertical_alignment="bottom")
            city = filters.selectbox(
                "市（州）", ["", *CITIES], format_func=lambda k: CITIES.get(k, "全部"), key="bs_city"
            )
            category = filters.selectbox(
                "机构类别", ["", *categories.CATEGORIES], format_func=lambda k: k or "全部", key="bs_category"
            )
            query = filters.text_input("单位名称 / 机构编码 / 拼音首字母", key="bs_query")
            sort, descending, page_size = sort_and_size("bs", bindings.UNIT_SORTS, menu=False, **by_name)
    say_filters([CITIES.get(city, ""), category, f"“{query.strip()}”" if query.strip() else ""])
    page = st.number_input("页码", min_value=1, value=1, step=1, key="bs_page", width=160)
    if outcome := act(
        lambda db_session: bindings.unit_binding_status(
            db_session,
            actor=actor,
            city_code=city,
            category=category,
            query=query,
            sort=sort,
            descending=descending,
            page=int(page),
            page_size=page_size,
        ),
        read_only=True,
    ):
        result = outcome.value
        frame = arrow(
            [
                {
                    "单位名称": r.name,
                    "机构编码": r.institution_code,
                    "所属地区": regions.name_of(r.region_code),
                    "机构类别": categories.label(r.category),
                    "单位状态": UNIT_STATUS_LABELS.get(r.status, r.status),
                    "已绑定考生": r.bound,
                    "本地区已认证未绑定": r.verified_unbound_in_region,
                    "最近更换确认码": fmt(r.code_rotated_at),
                    "近30天确认码错误": r.failed_attempts,
                    "最近一次错误": fmt(r.last_failed_at),
                }
                for r in result.rows
            ]
        )
        st.dataframe(frame, hide_index=True, width="stretch")
        st.caption(f"共 {result.total} 个单位，第 {result.page}/{result.pages} 页。")
        if frame.num_rows:
            top = records(frame.slice(0, 20), ["单位名称", "已绑定考生"])
            bars(top, category="单位名称", value="已绑定考生", sort="-x")
        export_buttons(frame, name="单位绑定情况", key="binding_status", label="导出本页")


# (tab title, section function); other features add their section here.
SECTIONS: list[tuple[str, Callable[[], None]]] = [
    ("单位绑定情况", binding_status),
    ("机构注册审核", registrations),
    ("单位名称变更", name_changes),
    ("确认码错误较多的单位", failed_codes),
]

# Lazy tabs: only the open one runs (a click on another reruns the page), so each run reads one section.
tabs = st.tabs([title for title, _ in SECTIONS], key="reviewer_units_tab", on_change="rerun")
# What was chosen in a closed tab (the binding list's filters) stays until it is opened again.
CHOICES = {"单位绑定情况": (*FILTERS, "bs_filters", "bs_page")}
for tab, (title, render) in zip(tabs, SECTIONS, strict=True):
    keep_choices(CHOICES.get(title, ()), shown=bool(tab.open))
    if tab.open:
        with tab:
            render()
