import pandas as pd
import streamlit as st

from pages.components import navigation
from pages.components.auth import current_actor
from pages.components.db import reading
from pages.components.ui import act, lazy_expander, plain
from portal.core.timeutil import fmt
from portal.unit import binding as bindings
from portal.unit import confirmation_code, roster

actor = current_actor()
st.title("工作单位")
flash = st.session_state.pop("unit_flash", None)
if flash:
    st.success(flash)


def unit_fields(unit: roster.UnitView, since=None) -> None:
    shown = [
        f"**单位名称：** {plain(unit.name)}",
        f"**机构编码：** {plain(unit.institution_code)}",
        f"**主管单位：** {plain(unit.superior_unit) or '—'}",
        f"**机构类别：** {unit.category_label or '—'}",
        f"**所属地区：** {unit.region_name or '—'}",
    ]
    if since is not None:
        shown.append(f"**绑定时间：** {fmt(since)}")
    with st.container(border=True):
        st.markdown("  \n".join(shown))  # one element, one line per fact


def submit(kind: str, unit_id: int, code: str) -> None:
    """Bind or change; a wrong code still counts towards the lockout (`WrongCode.keeps_changes`)."""
    change = bindings.bind if kind == "bind" else bindings.change_unit
    if act(lambda db_session: change(db_session, actor=actor, unit_id=unit_id, code=code)):
        st.session_state["unit_flash"] = "绑定成功。" if kind == "bind" else "工作单位已更换。"
        st.session_state.pop("unit_mode", None)
        st.rerun()


def search_and_bind(kind: str) -> None:
    st.subheader("搜索单位" if kind == "bind" else "更新工作单位：搜索新单位")
    query = st.text_input(
        "单位名称", key=f"unit_query_{kind}", placeholder="输入单位名称的任意部分，或拼音首字母（如 whsd）"
    )
    if not query.strip():
        st.caption("请输入单位名称进行搜索。")
        return
    with reading() as db_session:
        found = roster.search_units(db_session, actor=actor, query=query)
    if not found:
        st.info(
            "未找到该单位。请联系本单位负责人在本平台进行「机构注册」，审核通过后即可搜索并绑定。"
            "机构注册入口在本平台登录页，无需考生账号。"
        )
        st.markdown("[前往机构注册](./public_unit_registration)（请单位负责人填写）")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "单位名称": u.name,
                    "机构编码": u.institution_code,
                    "主管单位": u.superior_unit,
                    "机构类别": u.category_label,
                }
                for u in found
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    by_id = {u.id: u for u in found}
    chosen = st.radio(
        "选择单位",
        list(by_id),
        format_func=lambda i: plain(f"{by_id[i].name}（{by_id[i].institution_code}）"),
        key=f"unit_pick_{kind}",
    )
    with st.form(f"unit_code_{kind}", clear_on_submit=True):
        code = st.text_input("单位确认码", help="由单位管理员提供，不区分大小写")
        if st.form_submit_button("提交", type="primary"):
            submit(kind, int(chosen), code)


with reading() as db_session:
    status = bindings.binding_status(db_session, actor=actor)
    history = bindings.history(db_session, actor=actor)

if not status["verified"]:
    st.warning("绑定工作单位前，请先完成实名认证。")
    navigation.page_link("pages/candidate/identity.py", label="前往实名认证", icon=":material/badge:")
elif status["binding"] is not None:
    binding, unit = status["binding"]
    st.subheader("当前工作单位")
    unit_fields(unit, binding.created_at)
    mode = st.session_state.get("unit_mode")
    col1, col2 = st.columns(2)
    if col1.button("更新工作单位", icon=":material/swap_horiz:"):
        st.session_state["unit_mode"] = mode = "change"
    if col2.button("解绑工作单位", icon=":material/link_off:"):
        st.session_state["unit_mode"] = mode = "unbind"
    if mode == "unbind":
        st.warning(f"确定要解除与「{plain(unit.name)}」的绑定吗？解绑后该单位将无法为您填报申报信息。")
        confirm, cancel = st.columns(2)
        if confirm.button("确认解绑", type="primary") and act(
            lambda db_session: bindings.unbind(db_session, actor=actor)
        ):
            st.session_state["unit_flash"] = "已解绑工作单位。"
            st.session_state.pop("unit_mode", None)
            st.rerun()
        if cancel.button("取消"):
            st.session_state.pop("unit_mode", None)
            st.rerun()
    elif mode == "change":
        if status["locked_until"] is not None:
            st.error(confirmation_code.BindingLocked(status["locked_until"]).message)
        else:
            search_and_bind("change")
elif status["locked_until"] is not None:
    st.error(confirmation_code.BindingLocked(status["locked_until"]).message)
else:
    st.info("您尚未绑定工作单位。请搜索您的单位，并输入单位管理员提供的单位确认码。")
    search_and_bind("bind")

if history and (past := lazy_expander("绑定记录", key="unit_history")):
    with past:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "单位名称": row.unit_name,
                        "原单位": row.previous_unit_name or "",
                        "绑定时间": fmt(row.started_at),
                        "解除时间": fmt(row.ended_at),
                        "解除原因": (row.end_reason or "") + ("（单位操作）" if row.ended_by_unit else ""),
                    }
                    for row in history
                ]
            ),
            hide_index=True,
            width="stretch",
        )
