"""待审核实名认证: pending manual reviews, the case with its images, 通过 / 不通过 with a reason."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.components.auth import current_actor
from pages.components.db import session
from pages.components.ui import guarded, table
from portal.identity import review
from portal.identity.service import DOCUMENT_TYPE_LABELS, METHOD_LABELS
from portal.timeutil import fmt

actor = current_actor()
st.title("待审核实名认证")

notice = st.session_state.pop("review_notice", None)
if notice:
    st.success(notice)

with session() as db_session:
    cases = review.pending_cases(db_session, actor=actor)
    flags = review.open_flags(db_session, actor=actor)

if flags:
    with st.expander(f"重复证件号码提示（{len(flags)}）", icon=":material/flag:"):
        st.caption("以下账号填写了已被其他账号认证的证件号码，已被系统拦截。请核实是否为冒用或重复注册。")
        for flag in flags:
            left, right = st.columns([4, 1])
            left.markdown(
                f"{fmt(flag.created_at)} · 账号 **{flag.username}** 尝试使用账号 **{flag.other_username or '—'}** "
                "已认证的证件号码"
            )
            if right.button("已处理", key=f"flag_{flag.id}", width="stretch"):
                resolved = False
                with guarded():
                    with session() as db_session:
                        review.resolve_flag(db_session, actor=actor, flag_id=flag.id)
                    resolved = True
                if resolved:
                    st.rerun()

if not cases:
    st.info("暂无待审核的实名认证申请。")
    st.session_state.pop("review_case", None)
    st.stop()

st.metric("待审核", len(cases))
frame = pd.DataFrame(
    [
        {
            "编号": case.id,
            "账号": case.username,
            "姓名": case.masked_name,
            "证件类型": DOCUMENT_TYPE_LABELS[case.document_type],
            "证件编号": case.masked_number,
            "认证方式": METHOD_LABELS[case.method],
            "提交时间": fmt(case.submitted_at),
            "提示": "重复号码" if case.flags else "",
        }
        for case in cases
    ]
)
table(frame, key="pending_verifications", file_name="待审核实名认证.csv")

labels = {case.id: f"#{case.id} {case.masked_name} · {DOCUMENT_TYPE_LABELS[case.document_type]}" for case in cases}
chosen = st.selectbox(
    "选择要审核的申请", list(labels), index=None, format_func=labels.get, placeholder="请选择", key="review_pick"
)
if chosen is None:
    st.stop()

# Open the case once per choice: each opening is recorded in the candidate's access log.
opened = st.session_state.get("review_case")
if opened is None or opened.id != chosen:
    opened = None
    with guarded():
        with session() as db_session:
            opened = review.open_case(db_session, actor=actor, verification_id=chosen)
    st.session_state["review_case"] = opened
if opened is None:
    st.stop()

with st.container(border=True):
    st.subheader(f"申请 #{opened.id}")
    st.markdown(
        f"**账号**：{opened.username}  \n"
        f"**真实姓名**：{opened.real_name}  \n"
        f"**证件类型**：{DOCUMENT_TYPE_LABELS[opened.document_type]}  \n"
        f"**证件编号**：{opened.document_number}  \n"
        f"**认证方式**：{METHOD_LABELS[opened.method]}  \n"
        f"**提交时间**：{fmt(opened.submitted_at)}"
    )
    for line in opened.flags:
        st.warning(line)
    if opened.attempts:
        tried = "；".join(
            f"{fmt(moment)} {review.DECISION_LABELS.get(decision, decision)}"
            + (f"（{'、'.join(review.REASON_LABELS.get(r, r) for r in reasons.split(','))}）" if reasons else "")
            for moment, decision, reasons in opened.attempts
        )
        st.caption(f"自动核验记录：{tried}")
    front, back = st.columns(2)
    for column, label, data in ((front, "证件正面", opened.front_image), (back, "证件反面", opened.back_image)):
        with column:
            if data:
                st.image(data, caption=label, width="stretch")
            else:
                st.info(f"{label}：未上传")

    approve_column, reject_column = st.columns(2)
    with approve_column:
        if st.button("通过", type="primary", width="stretch", key="review_approve"):
            done = False
            with guarded():
                with session() as db_session:
                    review.approve(db_session, actor=actor, verification_id=opened.id)
                done = True
            if done:
                st.session_state.pop("review_case", None)
                st.session_state.pop("review_pick", None)
                st.session_state["review_notice"] = f"申请 #{opened.id} 已审核通过，已通知考生。"
                st.rerun()
    with reject_column:
        reason = st.text_area("不通过原因", key="review_reason", placeholder="例如：证件照片模糊，请重新拍摄上传")
        if st.button("不通过", width="stretch", key="review_reject"):
            done = False
            with guarded():
                with session() as db_session:
                    review.reject(db_session, actor=actor, verification_id=opened.id, reason=reason)
                done = True
            if done:
                st.session_state.pop("review_case", None)
                st.session_state.pop("review_pick", None)
                st.session_state.pop("review_reason", None)
                st.session_state["review_notice"] = f"申请 #{opened.id} 已审核不通过，已通知考生。"
                st.rerun()
