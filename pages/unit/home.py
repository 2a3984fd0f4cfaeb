import streamlit as st

from pages.components import navigation
from pages.components.auth import current_actor
from pages.components.db import reading
from pages.components.ui import act, plain
from portal.core.timeutil import fmt
from portal.unit import confirmation_code, roster

actor = current_actor()
st.title("单位首页")

with reading() as db_session:
    overview = roster.overview(db_session, actor=actor)
unit = overview.unit

st.subheader(plain(unit.name))
col1, col2, col3 = st.columns(3)
col1.metric("已绑定考生", overview.bound_count)
col2.metric("近 7 天确认码错误", overview.failed_attempts_7d)
col3.metric("单位状态", unit.status_label)
with st.container(border=True):
    st.markdown(f"**机构编码：** {plain(unit.institution_code)}")
    st.markdown(f"**主管单位：** {plain(unit.superior_unit) or '—'}")
    st.markdown(f"**机构类别：** {unit.category_label or '—'}")
    st.markdown(f"**所属地区：** {unit.region_name or '—'}")
    if overview.pending_name:
        st.caption(f"名称变更待审核：{plain(overview.pending_name)}")
navigation.page_link("pages/unit/candidates.py", label="查看已绑定考生", icon=":material/groups:")

st.subheader("单位确认码")
st.caption("考生绑定本单位时须输入单位确认码。平台只保存确认码的加密摘要，无法再次查看；遗失或泄露时请更换。")
new_code = st.session_state.pop("unit_new_code", None)
if new_code:
    st.success("新的单位确认码（仅显示这一次，请立即记录并告知本单位考生）：")
    st.code(new_code, language=None)
    st.warning("离开或刷新本页后将不再显示。旧确认码已立即失效。")
if unit.code_rotated_at:
    st.markdown(f"上次更换时间：**{fmt(unit.code_rotated_at)}**")
else:
    st.info("本单位尚未生成单位确认码，考生暂时无法绑定。")

label = "更换确认码" if unit.has_code else "生成确认码"
confirmed = st.checkbox("我知道更换后旧确认码立即失效", key="unit_code_confirm") if unit.has_code else True
if st.button(label, type="primary", disabled=not confirmed, icon=":material/key:") and (
    outcome := act(lambda db_session: confirmation_code.rotate_code(db_session, actor=actor))
):
    st.session_state["unit_new_code"] = outcome.value
    st.session_state.pop("unit_code_confirm", None)
    st.rerun()
