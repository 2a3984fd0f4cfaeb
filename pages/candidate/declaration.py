import streamlit as st

from pages.components import navigation
from pages.components.auth import current_actor
from pages.components.db import reading
from pages.components.grid import arrow
from pages.components.ui import act, lazy_expander, plain, upload_limits
from portal.core.timeutil import fmt
from portal.declaration import confirmation, exam_year
from portal.declaration import fields as F
from portal.declaration.checklist import checklist
from portal.declaration.record import eligibility_verdict
from portal.declaration.vocab import IMAGE_SIDE_LABELS, IMAGE_SLOT_LABELS, ChangesSince, ShownStatus
from portal.eligibility import rules as eligibility_rules
from portal.eligibility.vocab import Verdict

actor = current_actor()
st.title("医师资格考试信息确认")
flash = st.session_state.pop("declaration_flash", None)
if flash:
    st.success(flash)

with reading() as db_session:
    window = exam_year.confirmation_window(db_session)
    view = confirmation.my_record(db_session, actor=actor)
    verdict = (
        eligibility_verdict(db_session, declaration_id=view.declaration_id, record=view.record)
        if view and view.declaration_id and view.status != "not_entered"
        else None
    )

if window.state == "open":
    st.info(window.text)
else:
    st.warning(window.text)
if view is None:
    st.stop()
if not view.basic.verified:
    st.warning("您尚未完成实名认证。完成实名认证并绑定工作单位后，单位才能为您填报申报信息。")
    navigation.page_link("pages/candidate/identity.py", label="前往认证", icon=":material/badge:")
    st.stop()
if view.basic.unit_name == "（未绑定单位）":
    st.warning("您尚未绑定工作单位。绑定后，由单位为您填报申报信息。")
    navigation.page_link("pages/candidate/unit.py", label="绑定工作单位", icon=":material/apartment:")


def note(text: str) -> str:
    """A line shown small and grey, as a caption (our own words only: user text goes through `plain`)."""
    return f":small[:gray[{text}]]"


STATUS_ICONS = {
    ShownStatus.NOT_ENTERED: "⚪",
    ShownStatus.INCOMPLETE: "🔵",
    ShownStatus.PENDING: "🟡",
    ShownStatus.CONFIRMED: "🟢",
    ShownStatus.CORRECTION_REQUESTED: "🟠",
}
status_line = f"**{view.year}年度申报信息状态：** {STATUS_ICONS[view.shown_status]} {view.status_label}"
if view.status == "confirmed" and view.confirmed_at:
    status_line += f"（确认时间 {fmt(view.confirmed_at)}）"
# The status and the hint under it as one element (the hint small and grey, as a caption).
hint = "温馨提示：以下信息由您的工作单位填报。如信息有误，请联系单位修改，或点击页面下方“信息有误”提交修改申请。"
st.markdown(f"{status_line}  \n{note(hint)}")

if view.status == "not_entered":
    st.info("单位尚未填报您的申报信息，请耐心等待或联系您的工作单位。")
if view.changes:
    with st.container(border=True):
        st.warning(
            "自您提交修改申请后，单位修改了以下信息，请核对后确认："
            if view.changes_since == ChangesSince.CORRECTION
            else "自您上次确认后，单位修改了以下信息，请核对后重新确认："
        )
        st.dataframe(
            arrow(
                [
                    {"修改项": c.label, "原值": c.old_value or "（空）", "新值": c.new_value or "（空）"}
                    for c in view.changes
                ]
            ),
            hide_index=True,
            width="stretch",
        )
if view.correction:
    with st.container(border=True):
        st.info(
            f"您已于 {fmt(view.correction.requested_at)} 提交修改申请，等待单位修改。"
            f"有误的信息：{'、'.join(view.correction.labels)}。"
            + (f"说明：{plain(view.correction.note)}" if view.correction.note else "")
        )
if view.missing and view.status != "not_entered":
    st.warning(f"申报信息尚不完整，缺少：{'、'.join(view.missing)}。单位补充完整后才能确认，请联系单位补充。")

# Plain words, not coloured markdown: a screen reader reads the mark as it is written.
REQUIRED = "（必填）"


def line(label: str, value: str, required: bool = False) -> str:
    return f"**{label}{REQUIRED if required else ''}**：{plain(value) or '未填写'}"


# The record's sections, one card: the text of consecutive sections is one element, cut only where a section's
# upload menu sits. A card per section, and an element per section, made this the dearest page to rerun for a
# candidate (each element is a message to build, hash and send); the sections keep their level-3 headings and a
# rule between them.
_pending: list[str] = []


def card(title: str | None, *shown: str) -> None:
    """A section's heading and lines (fields, notes, image status), added to the record's card."""
    _pending.append(section(title, *shown))


def flush() -> None:
    """Draw the sections added since the last upload menu as one element."""
    if _pending:
        st.markdown("\n\n---\n\n".join(_pending))
        _pending.clear()


def section(title: str | None, *shown: str) -> str:
    """A section's markdown: a level-3 heading, then its lines."""
    heading = f"### {title}\n\n" if title else ""
    return heading + "  \n".join(line for line in shown if line)


def images_of(*slots: str, item_no: int = 1) -> str:
    """Whether each side of each certificate image is uploaded, a small grey line per certificate."""
    shown = []
    for slot in slots:
        parts = []
        for side, side_label in IMAGE_SIDE_LABELS.items():
            parts.append(f"{side_label}：{'已上传' if (slot, item_no, side) in view.images else '未上传'}")
        shown.append(note(f"{IMAGE_SLOT_LABELS[slot]} — " + "；".join(parts)))
    return "  \n".join(shown)


def uploader(slots: list[str], key: str, item_no: int = 1) -> None:
    if window.state == "closed":
        return
    flush()  # the sections above it first
    # Lazy: the upload form (a file picker per section) is built only while its expander is open.
    box = lazy_expander("上传证书图片", key=f"upload_open_{key}")
    if box is None:
        return
    with box:
        with st.form(f"upload_{key}", clear_on_submit=True):
            slot = st.selectbox("证书", slots, format_func=lambda s: IMAGE_SLOT_LABELS[s], key=f"slot_{key}")
            side = st.radio(
                "面",
                list(IMAGE_SIDE_LABELS),
                format_func=IMAGE_SIDE_LABELS.get,
                horizontal=True,
                key=f"side_{key}",
            )
            file = st.file_uploader(
                "选择图片（JPG、PNG）", type=["jpg", "jpeg", "png", "webp"], max_upload_size=10, key=f"file_{key}"
            )
            upload_limits(["jpg", "png", "webp"], 10)
            if st.form_submit_button("上传"):
                if file is None:
                    st.error("请先选择图片。")
                else:
                    if act(
                        lambda db_session: confirmation.upload_image(
                            db_session,
                            actor=actor,
                            year=view.year,
                            slot=slot,
                            side=side,
                            data=file.getvalue(),
                            item_no=item_no,
                        )
                    ):
                        st.session_state["declaration_flash"] = "图片已上传。"
                        st.rerun()


def fields_of(section: F.Section, values: dict | None) -> list[str]:
    return [
        line(field.label, F.display(field, (values or {}).get(field.key)), field.required) for field in section.fields
    ]


record = view.record
with st.container(border=True):
    card(
        "基本信息",
        line("姓名", view.basic.real_name, True),
        line("证件号码", view.basic.masked_number, True),
        line("申报单位", view.basic.unit_name, True),
    )
    card(F.EXAM.label, *fields_of(F.EXAM, record))
    card(
        F.EDUCATION.label,
        *fields_of(F.EDUCATION, record["education"]),
        images_of("diploma", "diploma_report", "degree", "degree_report"),
    )
    uploader(["diploma", "diploma_report", "degree", "degree_report"], "education")
    if record["title"]:
        card(F.TITLE.label, *fields_of(F.TITLE, record["title"]), images_of("title"))
        uploader(["title"], "title")
    else:
        card(F.TITLE.label, note("未填报（无职称可不填）"))
    if not record["qualification_certificates"]:
        card(F.QUALIFICATION.label, note("未填报（无医师资格证可不填）"))
    for index, item in enumerate(record["qualification_certificates"], start=1):
        card(
            F.QUALIFICATION.label if index == 1 else None,
            f"第 {index} 条",
            *fields_of(F.QUALIFICATION, item),
            images_of("qualification", item_no=index),
        )
        uploader(["qualification"], f"qualification_{index}", item_no=index)
    if record["practice_certificate"]:
        card(
            F.PRACTICE.label,
            *fields_of(F.PRACTICE, record["practice_certificate"]),
            images_of("practice", "first_registration"),
        )
        uploader(["practice", "first_registration"], "practice")
    else:
        card(F.PRACTICE.label, note("未填报（无医师执业证可不填）"))
    if record["has_nurse_certificate"] is False:
        card(F.NURSE.label, F.NONE_LABEL)
    else:
        certificate = record["nurse_certificate"]
        card(F.NURSE.label, *fields_of(F.NURSE, certificate), images_of("nurse") if certificate else "")
        if certificate:
            uploader(["nurse"], "nurse")
    probation = record["probation"]
    shown = [] if probation else [note("未填报（仅试用期考生填写）")]
    for index, item in enumerate(probation, start=1):
        shown += [f"第 {index} 段" if len(probation) > 1 else "", *fields_of(F.PROBATION, item)]
    card(F.PROBATION.label, *shown)
    flush()

# 报名资格预检 (once a record is entered) and 报名材料清单: one card, one element.
next_steps = []
if verdict is not None:
    colour = {
        Verdict.ELIGIBLE: "green",
        Verdict.WILL_BE_ELIGIBLE: "blue",
        Verdict.NOT_ELIGIBLE: "red",
        Verdict.UNDETERMINED: "orange",
    }
    shown = [f"预检结论：:{colour[verdict.verdict]}[**{verdict.label}**]（截止日期 {verdict.cutoff.isoformat()}）"]
    if verdict.verdict == Verdict.UNDETERMINED:
        # Not a shortfall of days: what is missing makes the judgement impossible (its "days" are a worst case).
        if verdict.missing_fields:
            missing = "、".join(dict.fromkeys(F.field_label(name) for name in verdict.missing_fields))
            shown.append(f"缺少以下信息，暂无法判断：{missing}。")
    elif verdict.probation_days_missing:
        shown.append(f"截至截止日期，实践时间尚差 **{verdict.probation_days_missing}** 天。")
    outcome = {
        eligibility_rules.MET: "✅",
        eligibility_rules.WILL_BE_MET: "🕒",
        eligibility_rules.NOT_MET: "❌",
        eligibility_rules.UNKNOWN: "❔",
    }
    # Each reason with its basis under it, small and grey as a caption; the whole section one element.
    for reason in verdict.reasons:
        shown.append(f"{outcome[reason.outcome]} {plain(reason.message)}  \n{note('依据：' + plain(reason.source))}")
    shown.append(note("预检结果仅供参考，以正式报名审核为准。"))
    next_steps.append(section("报名资格预检", *shown))
next_steps.append(
    section(
        "报名材料清单",
        note("正式报名时需上传以下材料的扫描件；在上方对应栏目上传证书图片后自动勾选。"),
        *(
            f"➖ {item.label}（{item.note}）"
            if not item.applies
            else f"{'✅' if item.done else '⬜'} {item.label}{'' if item.done else '（未上传）'}"
            for item in checklist(record, view.images)
        ),
    )
)
with st.container(border=True):
    st.markdown("\n\n".join(next_steps))

if window.state != "open" or view.status == "not_entered":
    st.stop()

st.divider()
actions = st.container(horizontal=True)
with actions:
    if (
        view.can_confirm
        and st.button("确认无误", type="primary", width="stretch")
        and act(
            lambda db_session: confirmation.confirm(
                db_session, actor=actor, year=view.year, expected_hash=view.content_hash
            )
        )
    ):
        st.session_state["declaration_flash"] = "已确认：您的申报信息已确认无误。"
        st.rerun()
    if view.status in ("pending", "confirmed") and st.button("信息有误", width="stretch"):
        st.session_state["declaration_correcting"] = True

if st.session_state.get("declaration_correcting") and view.status in ("pending", "confirmed"):
    options = confirmation.correctable_fields(record)
    with st.form("correction"):
        st.markdown("请选择有误的信息，并简要说明正确内容：")
        chosen = st.multiselect(
            "有误的信息", list(options), format_func=options.get, placeholder="请选择有误的信息", select_all=False
        )
        explanation = st.text_area("说明", max_chars=confirmation.NOTE_MAX, placeholder="例如：毕业时间应为 2018-07-01")
        if st.form_submit_button("提交修改申请", type="primary") and act(
            lambda db_session: confirmation.request_correction(
                db_session, actor=actor, year=view.year, fields=chosen, note=explanation
            )
        ):
            st.session_state.pop("declaration_correcting", None)
            st.session_state["declaration_flash"] = "修改申请已提交，单位修改后会通过“消息”通知您。"
            st.rerun()
