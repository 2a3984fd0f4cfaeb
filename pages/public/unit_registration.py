import streamlit as st

from pages.components import navigation
from pages.components.db import engine
from pages.components.ui import act, plain
from portal.auth.passwords import MIN_LENGTH
from portal.core.timeutil import fmt
from portal.unit import categories, regions
from portal.unit import registration as registrations
from portal.unit.vocab import REQUEST_STATUS_LABELS

st.title("机构注册")
st.caption(
    "平台中查不到本单位时，由单位负责人在此注册：填写单位信息并设置本人的单位管理员账号。"
    "省级审核员审核通过后，单位即可被考生搜索绑定，您也可用该账号登录。"
)

category_values = categories.all_values()
region_choices = dict(regions.choices())
with st.form("unit_registration"):
    st.markdown("**单位信息**")
    name = st.text_input("单位名称", max_chars=200)
    code = st.text_input("机构编码", help="18 位统一社会信用代码；尚未换发的单位可填 9 位组织机构代码")
    superior = st.text_input("主管单位", max_chars=200)
    category = st.selectbox("机构类别", category_values, index=None, format_func=categories.label, placeholder="请选择")
    region = st.selectbox(
        "所属地区",
        list(region_choices),
        index=None,
        format_func=lambda c: f"{region_choices[c]}（{c}）",
        placeholder="请选择",
    )
    st.markdown("**单位负责人**")
    contact_name = st.text_input("负责人姓名", max_chars=64)
    contact_mobile = st.text_input("负责人手机号", max_chars=11)
    st.markdown("**单位管理员账号**")
    username = st.text_input("账号", help="3–64 位字母、数字或 _ . @ -")
    password = st.text_input("密码", type="password", help=f"至少 {MIN_LENGTH} 位，须同时包含字母和数字")
    password_confirm = st.text_input("确认密码", type="password")
    submitted = st.form_submit_button("提交注册", type="primary")

if submitted and act(
    lambda db_session: registrations.register_unit(
        db_session,
        name=name,
        institution_code=code,
        superior_unit=superior,
        category=category or "",
        region_code=region or "",
        contact_name=contact_name,
        contact_mobile=contact_mobile,
        username=username,
        password=password,
        password_confirm=password_confirm,
    )
):
    st.success("注册申请已提交，请等待省级审核员审核。审核通过后即可使用该账号登录；可在下方查询进度。")

with st.expander("查询注册进度"):
    with st.form("registration_status"):
        query_user = st.text_input("注册时填写的账号", key="status_username")
        query_password = st.text_input("注册时设置的密码", type="password", key="status_password")
        asked = st.form_submit_button("查询")
    if asked and (
        outcome := act(
            # counts the attempt in its own unit of work first (like the login), so it is given the engine
            lambda _db_session: registrations.registration_status(
                engine(), username=query_user, password=query_password
            )
        )
    ):
        registration = outcome.value
        if registration is None:
            st.error("账号或密码错误，或该账号没有机构注册申请。")
        else:
            label = REQUEST_STATUS_LABELS[registration.status]
            st.info(f"「{plain(registration.name)}」提交于 {fmt(registration.created_at)}，状态：{label}。")
            if registration.status == "rejected":
                st.warning(f"未通过原因：{plain(registration.decision_reason)}。修改后可用同一账号重新提交。")

navigation.page_link("pages/public/login.py", label="返回登录", icon=":material/arrow_back:")
