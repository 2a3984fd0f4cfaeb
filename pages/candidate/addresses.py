import streamlit as st

from pages.components.auth import current_actor
from pages.components.db import reading
from pages.components.ui import act, plain
from portal.profile import regions
from portal.profile import service as profile

actor = current_actor()
st.title("我的地址")
st.caption("用于邮寄证书和通知。可保存多个地址，其中一个为默认地址；证书和通知寄往默认地址。")

FIELDS = ("recipient", "phone", "detail", "postal_code")


def start_editing(address: profile.AddressView | None) -> None:
    """Fill the form with `address` (or empty it for a new one)."""
    state = st.session_state
    for key in list(state.keys()):
        if isinstance(key, str) and key.startswith("addr_"):
            del state[key]
    state["address_editing"] = address.id if address else "new"
    if address:
        state["addr_province"] = address.province_code
        state[f"addr_city_{address.province_code}"] = address.city_code or None
        state[f"addr_county_{address.city_code}"] = address.county_code or None
        for field in FIELDS:
            state[f"addr_{field}"] = getattr(address, field)


def stop_editing() -> None:
    st.session_state.pop("address_editing", None)


def address_form(editing: int | str) -> None:
    """Province / city / county lists (each depends on the one before) and the other fields."""
    title = "新增地址" if editing == "new" else "修改地址"
    with st.container(border=True):
        st.subheader(title)
        province_names = dict(regions.provinces())
        province = st.selectbox(
            "省份",
            list(province_names),
            format_func=province_names.get,
            index=None,
            placeholder="请选择省份",
            key="addr_province",
        )
        city = county = None
        city_names = dict(regions.cities(province)) if province else {}
        if city_names:
            city = st.selectbox(
                "城市",
                list(city_names),
                format_func=city_names.get,
                index=None,
                placeholder="请选择城市",
                key=f"addr_city_{province}",
            )
        county_names = dict(regions.counties(city)) if city else {}
        if county_names:
            county = st.selectbox(
                "区县",
                list(county_names),
                format_func=county_names.get,
                index=None,
                placeholder="请选择区县",
                key=f"addr_county_{city}",
            )
        elif city:
            st.caption("该城市的区县请写在详细地址中。")
        detail = st.text_area(
            "详细地址", max_chars=200, placeholder="街道、小区、楼栋、门牌号", height=80, key="addr_detail"
        )
        recipient = st.text_input("收件人", max_chars=64, key="addr_recipient")
        phone = st.text_input("联系电话", max_chars=20, placeholder="手机号或带区号的固定电话", key="addr_phone")
        postal_code = st.text_input("邮政编码（可不填）", max_chars=6, key="addr_postal_code")
        make_default = False
        if editing == "new":
            make_default = st.checkbox("设为默认地址", key="addr_default")
        save, cancel = st.columns(2)
        if cancel.button("取消", width="stretch", key="addr_cancel"):
            stop_editing()
            st.rerun()
        if save.button("保存地址", type="primary", width="stretch", key="addr_save"):
            values = {
                "recipient": recipient,
                "phone": phone,
                "province_code": province or "",
                "city_code": city,
                "county_code": county,
                "detail": detail,
                "postal_code": postal_code,
            }
            if editing == "new":
                saved = act(
                    lambda db_session: profile.add_address(db_session, actor=actor, is_default=make_default, **values)
                )
            else:
                saved = act(
                    lambda db_session: profile.update_address(
                        db_session, actor=actor, address_id=int(editing), **values
                    )
                )
            if saved:
                stop_editing()
                st.session_state["address_notice"] = "地址已保存。"
                st.rerun()


with reading() as db_session:
    rows = profile.addresses(db_session, actor=actor)

notice = st.session_state.pop("address_notice", None)
if notice:
    st.success(notice)

editing = st.session_state.get("address_editing")
if editing is None and st.button("新增地址", type="primary", icon=":material/add:"):
    start_editing(None)
    st.rerun()
if editing is not None:
    address_form(editing)

if not rows:
    st.info("您还没有保存地址。请新增一个邮寄地址，用于接收证书和通知。")
for row in rows:
    with st.container(border=True):
        badge = " :blue-badge[默认]" if row.is_default else ""
        st.markdown(f"**{plain(row.recipient)}**　{plain(row.phone)}{badge}")
        st.markdown(plain(row.full + (f"（邮编 {row.postal_code}）" if row.postal_code else "")))
        actions = st.columns(3)
        if (
            not row.is_default
            and actions[0].button("设为默认", key=f"default_{row.id}", width="stretch")
            and act(lambda db_session: profile.set_default(db_session, actor=actor, address_id=row.id))
        ):
            st.session_state["address_notice"] = "已设为默认地址。"
            st.rerun()
        if actions[1].button("编辑", key=f"edit_{row.id}", width="stretch"):
            start_editing(row)
            st.rerun()
        with actions[2].popover("删除", width="stretch", key=f"delete_popover_{row.id}"):
            st.write("确定删除这个地址吗？" + ("删除后最新的其他地址将成为默认地址。" if row.is_default else ""))
            if st.button("确认删除", key=f"delete_{row.id}", type="primary") and act(
                lambda db_session: profile.delete_address(db_session, actor=actor, address_id=row.id)
            ):
                st.session_state["address_notice"] = "地址已删除。"
                st.rerun()
