import streamlit as st

from pages.components.auth import current_actor
from pages.components.db import reading
from pages.components.grid import arrow
from pages.components.ui import act, plain, table
from portal.core.timeutil import fmt
from portal.unit import binding

actor = current_actor()
st.title("考生管理")
flash = st.session_state.pop("unit_candidates_flash", None)
if flash:
    st.success(flash)

query = st.text_input("按姓名查找", placeholder="输入考生姓名")
with reading() as db_session:  # the list's access log, when due, is written in a unit of work of its own
    rows = binding.bound_candidates(db_session, actor=actor, query=query)

st.caption("本单位当前已绑定的考生（证件号码已隐去中间部分）。查看记录会告知考生本人。")
frame = arrow(
    [
        {"姓名": r.real_name, "证件号码": r.masked_number, "认证状态": r.verification_label, "绑定时间": fmt(r.since)}
        for r in rows
    ],
    columns=["姓名", "证件号码", "认证状态", "绑定时间"],
)
table(frame, key="unit_candidates", file_name="bound_candidates.csv")

if rows:
    by_binding = {r.binding_id: r for r in rows}
    chosen = st.selectbox(
        "选择考生",
        list(by_binding),
        format_func=lambda b: f"{by_binding[b].real_name}（{by_binding[b].masked_number}）",
        index=None,
        placeholder="选择一名考生查看详情或解除绑定",
    )
    if chosen is not None:
        selected = by_binding[chosen]
        if st.button("查看详情", icon=":material/visibility:") and (
            outcome := act(
                lambda db_session: binding.candidate_detail(db_session, actor=actor, candidate_id=selected.candidate_id)
            )
        ):
            detail = outcome.value
            with st.container(border=True):
                st.markdown(f"**姓名：** {plain(detail.candidate.real_name)}")
                st.markdown(f"**证件类型：** {plain(detail.document_type) or '—'}")
                st.markdown(f"**证件号码：** {plain(detail.candidate.masked_number) or '—'}")
                st.markdown(f"**认证状态：** {detail.candidate.verification_label}")
                st.markdown(f"**认证时间：** {fmt(detail.verified_at) or '—'}")
                st.markdown(f"**绑定时间：** {fmt(detail.candidate.since)}")
        with st.form("end_binding", clear_on_submit=True):
            st.markdown(f"解除与 **{plain(selected.real_name)}** 的绑定（考生将收到通知）")
            reason = st.text_input("解除原因", max_chars=200, placeholder="如：已离职、非本单位人员")
            sure = st.checkbox("确认解除绑定")
            if st.form_submit_button("解除绑定"):
                if not sure:
                    st.error("请勾选「确认解除绑定」。")
                else:
                    if act(
                        lambda db_session: binding.end_binding(
                            db_session, actor=actor, binding_id=chosen, reason=reason
                        )
                    ):
                        st.session_state["unit_candidates_flash"] = f"已解除与 {plain(selected.real_name)} 的绑定。"
                        st.rerun()
