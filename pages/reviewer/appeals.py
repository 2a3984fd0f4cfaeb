"""证件号已被占用申诉: open appeals (masked), a case with both accounts side by side, transfer or reject."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.components.auth import current_actor
from pages.components.db import reading
from pages.components.ui import act
from portal.core.timeutil import fmt
from portal.identity import appeal as appeals
from portal.identity.vocab import DECISION_LABELS, METHOD_LABELS, REASON_LABELS, VERIFICATION_STATUS_LABELS

IMAGE_LABELS = {"front": "身份证人像面", "back": "身份证国徽面", "holding": "手持身份证照片"}

actor = current_actor()
st.title("证件号已被占用申诉")
notice = st.session_state.pop("appeal_notice", None)
if notice:
    st.success(notice)


def attempts_frame(side: appeals.Side) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "时间": fmt(moment),
                "结果": DECISION_LABELS.get(decision, decision),
                "原因": "、".join(REASON_LABELS.get(r, r) for r in reasons.split(",") if r),
            }
            for moment, decision, reasons in side.attempts
        ],
        columns=["时间", "结果", "原因"],
    )


def show_side(title: str, side: appeals.Side) -> None:
    st.subheader(title)
    st.text(
        f"账号：{side.username}\n真实姓名：{side.real_name}\n证件号码：{side.document_number}\n"
        f"认证状态：{VERIFICATION_STATUS_LABELS.get(side.status, side.status)}\n"
        f"认证方式：{METHOD_LABELS.get(side.method, side.method)}\n认证时间：{fmt(side.decided_at) or '—'}\n"
        f"已确认申报信息：{side.confirmed_declarations} 份\n当前绑定工作单位：{'是' if side.bound else '否'}"
    )
    for name, data in side.images.items():
        if data:
            st.image(data, caption=IMAGE_LABELS[name], width="stretch")
        else:
            st.caption(f"{IMAGE_LABELS[name]}：无")
    st.caption("自动核验记录")
    st.dataframe(attempts_frame(side), hide_index=True, width="stretch")


def show_case(case: appeals.AppealCase) -> None:
    with st.container(border=True):
        top_left, top_right = st.columns([3, 1])
        top_left.subheader(f"申诉 #{case.id}")
        if top_right.button("返回列表", key="appeal_back", width="stretch"):
            st.session_state.pop("appeal_open", None)
            act(lambda s: appeals.release_appeal(s, actor=actor, appeal_id=case.id))
            st.rerun()
        st.caption(f"提交时间：{fmt(case.created_at)}（本次查看已记录到两位考生的授权访问消息）")
        until = st.session_state.get("appeal_claim_until")
        if until:
            st.caption(f"已由您领取，{fmt(until)} 前其他审核员不能处理此申诉；领取过期后完整信息将被隐藏。")
        st.text(f"申诉说明：{case.statement}")
        if case.four_eyes:
            st.warning("原账号已有确认的申报信息：转移认证需两名不同的审核员先后同意（双人复核）。")
        if case.status == "awaiting_second":
            st.info("已有一名审核员同意转移，等待第二名审核员确认。")
        left, right = st.columns(2)
        with left:
            show_side("申诉人", case.appellant)
        with right:
            show_side("原认证账号", case.holder)
        reason = st.text_area("处理意见（将通知考生）", max_chars=500, key=f"appeal_reason_{case.id}")
        transfer_column, reject_column = st.columns(2)
        if transfer_column.button("申诉成立，转移认证", type="primary", width="stretch"):
            outcome = act(lambda s: appeals.transfer(s, actor=actor, appeal_id=case.id, reason=reason))
            if outcome:
                st.session_state.pop("appeal_open", None)
                st.session_state["appeal_notice"] = (
                    "已转移实名认证，原账号的认证已撤销。"
                    if outcome.value == "transferred"
                    else "已记录您的转移决定，等待第二名审核员确认。"
                )
                st.rerun()
        if reject_column.button("驳回申诉", width="stretch"):
            outcome = act(lambda s: appeals.reject_appeal(s, actor=actor, appeal_id=case.id, reason=reason))
            if outcome:
                st.session_state.pop("appeal_open", None)
                st.session_state["appeal_notice"] = "已驳回申诉，申诉人将收到通知。"
                st.rerun()


opened = st.session_state.get("appeal_open")
if opened is not None:
    outcome = act(lambda s: appeals.open_appeal(s, actor=actor, appeal_id=opened))
    if outcome:
        show_case(outcome.value)
    else:  # the hold ran out or was given up (e.g. at logout): the full values are no longer shown
        st.session_state.pop("appeal_open", None)
        st.session_state.pop("appeal_claim_until", None)
else:
    with reading() as db_session:
        rows = appeals.open_appeals(db_session, actor=actor)
    if not rows:
        st.info("暂无待处理的申诉。")
    else:
        frame = pd.DataFrame(
            [
                {
                    "申诉编号": row.id,
                    "申诉账号": row.appellant,
                    "原认证账号": row.holder,
                    "姓名": row.masked_name,
                    "证件号码": row.masked_number,
                    "状态": row.status_label,
                    "提交时间": fmt(row.created_at),
                    "第一位审核员": row.decided_by or "",
                }
                for row in rows
            ]
        )
        st.dataframe(frame, hide_index=True, width="stretch")
        choice = st.selectbox("选择申诉", [row.id for row in rows], format_func=lambda i: f"申诉 #{i}")
        if st.button("打开处理", type="primary", width="stretch") and (
            claimed := act(lambda s: appeals.claim_appeal(s, actor=actor, appeal_id=choice))
        ):
            st.session_state["appeal_open"] = choice
            st.session_state["appeal_claim_until"] = claimed.value
            st.rerun()
