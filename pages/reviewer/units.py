"""单位绑定情况: the reviewer's page about units, built from sections (add one by appending to SECTIONS)."""

from collections.abc import Callable

import pandas as pd
import streamlit as st

from pages.components.auth import current_actor
from pages.components.db import session
from pages.components.ui import guarded, table
from portal.timeutil import fmt
from portal.unit import categories, regions
from portal.unit import service as units

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
    with session() as db_session:
        pending = units.pending_registrations(db_session, actor=actor)
    if not pending:
        st.info("暂无待审核的机构注册申请。")
        return
    st.caption(f"共 {len(pending)} 条待审核，按提交时间排列。")
    for request in pending:
        with st.container(border=True):
            st.markdown(f"**{request.name}**（{request.institution_code}）")
            st.markdown(
                f"主管单位：{request.superior_unit or '—'}　机构类别：{categories.label(request.category)}　"
                f"所属地区：{regions.name_of(request.region_code)}"
            )
            st.caption(
                f"负责人：{request.contact_name}，{request.contact_mobile}　提交时间：{fmt(request.created_at)}"
                + ("　（名册中已有该机构编码的单位）" if request.unit_id else "")
            )
            reason = st.text_input("驳回原因", key=f"reg_reason_{request.id}", placeholder="驳回时必填")
            approve, reject = st.columns(2)
            if approve.button("通过", key=f"reg_approve_{request.id}", type="primary"):
                with guarded():
                    with session() as db_session:
                        units.approve_registration(db_session, actor=actor, registration_id=request.id)
                    decided(f"已通过「{request.name}」的机构注册。")
            if reject.button("驳回", key=f"reg_reject_{request.id}"):
                with guarded():
                    with session() as db_session:
                        units.reject_registration(db_session, actor=actor, registration_id=request.id, reason=reason)
                    decided(f"已驳回「{request.name}」的机构注册。")


def name_changes() -> None:
    """Pending renames requested by unit_admins."""
    with session() as db_session:
        pending = units.pending_name_changes(db_session, actor=actor)
    if not pending:
        st.info("暂无待审核的单位名称变更。")
        return
    for change, unit in pending:
        with st.container(border=True):
            st.markdown(f"**{change.old_name}** → **{change.new_name}**")
            st.caption(f"机构编码：{unit.institution_code}　提交时间：{fmt(change.created_at)}")
            reason = st.text_input("驳回原因", key=f"rename_reason_{change.id}", placeholder="驳回时必填")
            approve, reject = st.columns(2)
            if approve.button("通过", key=f"rename_approve_{change.id}", type="primary"):
                with guarded():
                    with session() as db_session:
                        units.decide_name_change(db_session, actor=actor, change_id=change.id, approve=True)
                    decided("已通过名称变更。")
            if reject.button("驳回", key=f"rename_reject_{change.id}"):
                with guarded():
                    with session() as db_session:
                        units.decide_name_change(
                            db_session, actor=actor, change_id=change.id, approve=False, reason=reason
                        )
                    decided("已驳回名称变更。")


def failed_codes() -> None:
    """Units whose confirmation code many wrong attempts were made against; suspend if needed."""
    days = st.selectbox("统计范围", [1, 7, 30], index=1, format_func=lambda d: f"近 {d} 天")
    with session() as db_session:
        flagged = units.units_with_failed_attempts(db_session, actor=actor, days=days, minimum=5)
    if not flagged:
        st.info("没有确认码错误次数较多（5 次及以上）的单位。")
        return
    frame = pd.DataFrame(
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
    st.bar_chart(frame.head(20), x="单位名称", y="错误次数", horizontal=True)
    table(frame, key="failed_codes", file_name="units_failed_codes.csv")
    by_id = {f.unit.id: f.unit for f in flagged}
    chosen = st.selectbox(
        "单位", list(by_id), index=None, format_func=lambda i: by_id[i].name, placeholder="选择单位以暂停或恢复绑定"
    )
    if chosen is not None:
        suspended = by_id[chosen].status == "suspended"
        if st.button("恢复绑定" if suspended else "暂停绑定（该单位暂不能被绑定）"):
            with guarded():
                with session() as db_session:
                    units.set_status(
                        db_session, actor=actor, unit_id=chosen, status="active" if suspended else "suspended"
                    )
                decided("已更新单位状态。")


# (tab title, section function); other features add their section here.
SECTIONS: list[tuple[str, Callable[[], None]]] = [
    ("机构注册审核", registrations),
    ("单位名称变更", name_changes),
    ("确认码错误较多的单位", failed_codes),
]

for tab, (_, render) in zip(st.tabs([title for title, _ in SECTIONS]), SECTIONS, strict=True):
    with tab:
        render()
