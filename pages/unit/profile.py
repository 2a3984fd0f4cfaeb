import streamlit as st

from pages.components.auth import current_actor
from pages.components.db import reading
from pages.components.ui import act, plain
from portal.unit import categories, regions, roster

actor = current_actor()
st.title("单位信息")
with reading() as db_session:
    overview = roster.overview(db_session, actor=actor)
unit = overview.unit
if overview.pending_name:
    st.info(f"名称变更「{plain(overview.pending_name)}」正在等待省级审核员审核。")

category_values = categories.all_values()
region_choices = dict(regions.choices())
with st.form("unit_profile"):
    name = st.text_input("单位名称", value=unit.name, max_chars=200, help="修改单位名称须经省级审核员审核后生效")
    st.text_input(
        "机构编码", value=unit.institution_code, disabled=True, help="机构编码不能自行修改，如有错误请联系管理员"
    )
    superior = st.text_input("主管单位", value=unit.superior_unit, max_chars=200)
    category = st.selectbox(
        "机构类别",
        category_values,
        index=category_values.index(unit.category) if unit.category in category_values else None,
        format_func=categories.label,
        placeholder="请选择",
    )
    region = st.selectbox(
        "所属地区",
        list(region_choices),
        index=list(region_choices).index(unit.region_code) if unit.region_code in region_choices else None,
        format_func=lambda code: f"{region_choices[code]}（{code}）",
        placeholder="请选择",
    )
    submitted = st.form_submit_button("保存", type="primary")

if submitted and (
    outcome := act(
        lambda db_session: roster.update_unit(
            db_session,
            actor=actor,
            name=name,
            superior_unit=superior,
            category=category or "",
            region_code=region or "",
        )
    )
):
    request = outcome.value
    if request is not None:
        st.success("已保存。单位名称变更已提交省级审核员审核，通过后生效。")
    else:
        st.success("已保存。")
