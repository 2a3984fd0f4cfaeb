"""待审核实名认证: the queue (oldest first, filters, pages), claiming a case, the case and its images, decisions."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st
from PIL import Image

from pages.components.auth import current_actor
from pages.components.db import reading
from pages.components.grid import arrow
from pages.components.ui import act, chosen, export_buttons, keep_choices, lazy_expander, load, plain, say_filters
from portal.core.paging import PAGE_SIZES
from portal.core.timeutil import fmt, utcnow
from portal.identity import review
from portal.identity.vocab import DECISION_LABELS, DOCUMENT_TYPE_LABELS, METHOD_LABELS, REASON_LABELS
from portal.stats.common import CITIES, waited
from portal.unit import regions

FIELDS_ZH = {
    "name": "姓名",
    "id_number": "公民身份号码",
    "sex": "性别",
    "ethnicity": "民族",
    "birth_date": "出生",
    "address": "住址",
}
WAITS = {0: "不限", 4: "超过 4 小时", 24: "超过 1 天", 72: "超过 3 天", 168: "超过 7 天"}
OTHER_REASON = "其他（请填写）"

actor = current_actor()
st.title("待审核实名认证")
notice = st.session_state.pop("review_notice", None)
if notice:
    st.success(notice)


def close_case(release: bool = True) -> None:
    opened = st.session_state.pop("review_case", None)
    if release and opened is not None:
        act(lambda db_session: review.release(db_session, actor=actor, verification_id=opened.id))


def show_case(opened) -> None:
    """The opened (claimed) case: entered data beside the images, the automatic check, the decision."""
    with st.container(border=True):
        top_left, top_right = st.columns([3, 1])
        top_left.subheader(f"申请 #{opened.id}")
        if top_right.button("返回列表", key="review_back", width="stretch"):
            close_case()
            st.rerun()
        until = st.session_state.get("review_claim_until")
        if until:
            st.caption(f"已由您领取，{fmt(until)} 前其他审核员不能处理此申请。")
        data_column, image_column = st.columns([2, 3])
        with data_column:
            st.markdown(
                f"**账号**：{plain(opened.username)}  \n"
                f"**真实姓名**：{plain(opened.real_name)}  \n"
                f"**证件类型**：{DOCUMENT_TYPE_LABELS[opened.document_type]}  \n"
                f"**证件编号**：{plain(opened.document_number)}  \n"
                f"**认证方式**：{METHOD_LABELS[opened.method]}  \n"
                f"**提交时间**：{fmt(opened.submitted_at)}（已等待 {waited(opened.submitted_at, utcnow())}）"
            )
            for line in opened.flags:
                st.warning(plain(line), icon=":material/flag:")
            reading = st.session_state.get("review_reading")
            if opened.attempts:
                st.markdown("**自动核验**")
                for moment, decision, reasons in opened.attempts:
                    why = "、".join(REASON_LABELS.get(r, r) for r in reasons.split(",") if r) if reasons else ""
                    st.caption(f"{fmt(moment)} {DECISION_LABELS.get(decision, decision)}{f'：{why}' if why else ''}")
            if reading is not None:
                read = {FIELDS_ZH.get(k, k): v for k, v in reading.extracted.items() if v}
                if read:
                    st.markdown("**最近一次自动核验识别结果**（与填写信息对照）")
                    st.dataframe(
                        pd.DataFrame({"项目": list(read), "识别结果": [str(v) for v in read.values()]}),
                        hide_index=True,
                        width="stretch",
                    )
            elif not opened.attempts:
                st.caption("未进行自动核验（其他证件直接人工审核）。")
        with image_column:
            rotation = st.segmented_control(
                "旋转", [0, 90, 180, 270], default=0, format_func=lambda d: f"{d}°", key="review_rotation"
            )
            # By default the image fits its column; a zoomed image scrolls inside its own box, not the whole page.
            width = st.select_slider(
                "缩放（显示宽度）",
                ["stretch", 800, 1000, 1200, 1600],
                value="stretch",
                format_func=lambda w: "适应栏宽" if w == "stretch" else f"{w} 像素",
                key="review_zoom",
            )
            st.html("<style>.st-key-review_images { overflow-x: auto; max-width: 100%; }</style>")
            with st.container(key="review_images"):
                for label, data in (("证件正面", opened.front_image), ("证件反面", opened.back_image)):
                    if not data:
                        st.info(f"{label}：未上传")
                        continue
                    image = Image.open(io.BytesIO(data))
                    if rotation:
                        image = image.rotate(-int(rotation), expand=True)
                    st.image(image, caption=label, width=width)

        st.divider()
        approve_column, reject_column = st.columns(2)
        with approve_column:
            if st.button("通过", type="primary", width="stretch", key="review_approve") and act(
                lambda db_session: review.approve(db_session, actor=actor, verification_id=opened.id)
            ):
                close_case(release=False)
                st.session_state["review_notice"] = f"申请 #{opened.id} 已审核通过，已通知考生。"
                st.rerun()
        with reject_column:
            choice = st.selectbox(
                "不通过原因",
                [*review.REJECT_REASONS, OTHER_REASON],
                index=None,
                placeholder="请选择",
                key="review_reason_pick",
            )
            free = ""
            if choice == OTHER_REASON:
                free = st.text_area("请填写原因", key="review_reason", max_chars=500)
            if st.button("不通过", width="stretch", key="review_reject"):
                reason = free if choice == OTHER_REASON else (choice or "")
                if act(
                    lambda db_session: review.reject(db_session, actor=actor, verification_id=opened.id, reason=reason)
                ):
                    close_case(release=False)
                    st.session_state["review_notice"] = f"申请 #{opened.id} 已审核不通过，已通知考生。"
                    st.rerun()


opened = st.session_state.get("review_case")
if opened is not None:
    # The full number and images are shown only while this reviewer's claim runs: checked on every run.
    held_until = load(lambda db_session: review.claim_until(db_session, actor=actor, verification_id=opened.id))
    if held_until is None:
        close_case(release=False)
        st.session_state.pop("review_reading", None)
        st.session_state.pop("review_claim_until", None)
        st.warning(
            f"您对申请 #{opened.id} 的领取已过期或已结束（可能已被其他审核员领取或处理），完整信息已隐藏。"
            "如需继续审核，请重新打开并领取。"
        )
    else:
        st.session_state["review_claim_until"] = held_until
        show_case(opened)
        st.stop()

with reading() as db_session:
    summary = review.queue_summary(db_session, actor=actor)

figures = st.container(horizontal=True)
figures.metric("待审核", summary["total"])
figures.metric("居民身份证", summary.get("resident_id", 0))
figures.metric("重复号码提示", summary["flags"])

# Lazy: the flags and their buttons are read and drawn only while the expander is open.
flag_label = f"重复证件号码提示（{summary['flags']}）"
if summary["flags"] and (flagged := lazy_expander(flag_label, icon=":material/flag:", key="review_flags")):
    with flagged:
        with reading() as db_session:
            flags = review.open_flags(db_session, actor=actor)
        st.caption("以下账号填写了已被其他账号认证的证件号码，已被系统拦截。请核实是否为冒用或重复注册。")
        for flag in flags:
            left, right = st.columns([4, 1])
            left.markdown(
                f"{fmt(flag.created_at)} · 账号 **{plain(flag.username)}** "
                f"尝试使用账号 **{plain(flag.other_username) or '—'}** "
                "已认证的证件号码"
            )
            if right.button("已处理", key=f"flag_{flag.id}", width="stretch") and act(
                lambda db_session, flag=flag: review.resolve_flag(db_session, actor=actor, flag_id=flag.id)
            ):
                st.rerun()

# Lazy: the filters are drawn only while 筛选 is open; what was chosen in it stays in force while it is closed.
FILTERS = ("rv_type", "rv_city", "rv_wait", "rv_unclaimed", "rv_size")
filters = lazy_expander("筛选与每页条数", icon=":material/filter_list:", key="review_filters")
keep_choices(FILTERS, shown=filters is not None)
if filters is None:
    document_type, city, wait = chosen("rv_type", ""), chosen("rv_city", ""), chosen("rv_wait", 0)
    unclaimed, page_size = chosen("rv_unclaimed", False), chosen("rv_size", PAGE_SIZES[1])
else:
    with filters:
        choices = st.container(horizontal=True)
        document_type = choices.selectbox(
            "证件类型",
            ["", *DOCUMENT_TYPE_LABELS],
            format_func=lambda k: DOCUMENT_TYPE_LABELS.get(k, "全部"),
            key="rv_type",
        )
        city = choices.selectbox(
            "地区（市州）", ["", *CITIES], format_func=lambda k: CITIES.get(k, "全部"), key="rv_city"
        )
        wait = choices.selectbox("等待时间", list(WAITS), format_func=WAITS.get, key="rv_wait")
        page_size = choices.selectbox("每页条数", PAGE_SIZES, index=1, key="rv_size")
        unclaimed = st.checkbox("只看未被领取的申请", value=False, key="rv_unclaimed")
say_filters(
    [
        DOCUMENT_TYPE_LABELS.get(document_type, ""),
        CITIES.get(city, ""),
        WAITS[wait] if wait else "",
        "只看未被领取" if unclaimed else "",
    ]
)

with reading() as db_session:
    first = review.verification_queue(
        db_session,
        actor=actor,
        document_type=document_type,
        city_code=city,
        min_wait_hours=wait,
        unclaimed_only=unclaimed,
        page=1,
        page_size=page_size,
    )
page_number = st.number_input("页码", min_value=1, max_value=first.pages, value=1, step=1, width=160)
if page_number != 1:
    with reading() as db_session:
        first = review.verification_queue(
            db_session,
            actor=actor,
            document_type=document_type,
            city_code=city,
            min_wait_hours=wait,
            unclaimed_only=unclaimed,
            page=int(page_number),
            page_size=page_size,
        )
queue = first
if not queue.total:
    st.info("暂无符合条件的待审核实名认证申请。")
    st.stop()

now = utcnow()
frame = arrow(
    [
        {
            "编号": row.id,
            "姓名": row.masked_name,
            "证件类型": row.document_label,
            "证件编号": row.masked_number,
            "地区": regions.name_of(row.region_code) if row.region_code else "—",
            "认证方式": METHOD_LABELS[row.method],
            "提交时间": fmt(row.submitted_at),
            "已等待": waited(row.submitted_at, now),
            "等待小时": round((now - row.submitted_at).total_seconds() / 3600, 1) if row.submitted_at else None,
            "提示": "重复号码" if row.flags else "",
            "处理中": f"{row.claimed_by}（至 {fmt(row.claimed_until)}）" if row.claimed_by else "",
        }
        for row in queue.rows
    ]
)
st.dataframe(frame, hide_index=True, width="stretch")
st.caption(f"共 {queue.total} 条，第 {queue.page}/{queue.pages} 页，按提交时间从早到晚排列（点击表头可在本页内排序）。")
export_buttons(frame, name="待审核实名认证", key="verifications", label="导出本页")

labels = {
    row.id: f"#{row.id} {row.masked_name} · {row.document_label} · 已等待 {waited(row.submitted_at, now)}"
    for row in queue.rows
}
chosen = st.selectbox(
    "选择要审核的申请", list(labels), index=None, format_func=lambda k: labels.get(k, str(k)), placeholder="请选择"
)
if chosen is not None and st.button("打开并领取", type="primary", key="review_open"):

    def open_claimed(db_session):
        until = review.claim(db_session, actor=actor, verification_id=chosen)
        case = review.open_case(db_session, actor=actor, verification_id=chosen)
        return case, until, review.auto_check(db_session, actor=actor, verification_id=chosen)

    if opened := act(open_claimed):
        case, until, reading = opened.value
        st.session_state["review_case"] = case
        st.session_state["review_claim_until"] = until
        st.session_state["review_reading"] = reading
        st.rerun()
