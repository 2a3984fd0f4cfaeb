"""实名认证: 信息填写 → 证件扫描 → 认证成功; manual review for other documents or after failed checks; 撤回认证."""

from __future__ import annotations

import hashlib

import streamlit as st

from pages.components import navigation, oidc
from pages.components.auth import current_actor
from pages.components.card_scanner import card_scanner
from pages.components.db import reading, session
from pages.components.scan import run_scan
from pages.components.ui import act, plain, show_refusal, upload_limits
from portal.core.errors import ValidationFailed
from portal.core.timeutil import fmt
from portal.identity import appeal as appeals
from portal.identity import capture, vocab
from portal.identity import service as identity

STEPS = ("信息填写", "证件扫描", "认证成功")
PHOTO_TYPES = ["jpg", "jpeg", "png", "webp", "heic", "heif"]

actor = current_actor()


def step_bar(active: int, *, finished: bool = False) -> None:
    """The three-step progress bar of the official flow (wraps on narrow phones)."""
    items = []
    for index, label in enumerate(STEPS):
        if finished or index < active:
            color, mark = "#1f9d55", "✓"
        elif index == active:
            color, mark = "#1c64f2", str(index + 1)
        else:
            color, mark = "#9ca3af", str(index + 1)
        items.append(
            f'<div style="display:flex;align-items:center;gap:.4rem;color:{color};font-weight:600">'
            f'<span style="display:inline-flex;width:1.6rem;height:1.6rem;border-radius:50%;background:{color};'
            f'color:#fff;align-items:center;justify-content:center;font-size:.9rem">{mark}</span>{label}</div>'
        )
    line = '<div style="flex:1 1 1rem;min-width:1rem;border-top:2px solid #d1d5db"></div>'
    st.markdown(
        '<div style="display:flex;flex-wrap:wrap;align-items:center;gap:.5rem;margin:.25rem 0 1rem">'
        + line.join(items)
        + "</div>",
        unsafe_allow_html=True,
    )


def show_flash() -> None:
    flash = st.session_state.pop("identity_flash", None)
    if not flash:
        return
    kind, lines = flash
    getattr(st, kind)("  \n".join(lines))


def flash(kind: str, *lines: str) -> None:
    st.session_state["identity_flash"] = (kind, list(lines))


def new_shot() -> None:
    """Clear the photo widgets (重拍) by giving them fresh keys."""
    st.session_state["identity_shot"] = st.session_state.get("identity_shot", 0) + 1
    st.session_state.pop("identity_capture_token", None)
    st.session_state.pop("identity_preview", None)  # the decoded photo of the last upload


def summary(application: identity.Verification) -> None:
    st.markdown(
        f"**真实姓名**：{plain(application.real_name)}  \n"
        f"**证件类型**：{vocab.DOCUMENT_TYPE_LABELS[application.document_type]}  \n"
        f"**证件编号**：{plain(application.masked_number)}  \n"
        f"**认证方式**：{vocab.METHOD_LABELS[application.method]}"
    )


def withdraw_button(help_text: str) -> None:
    if st.button("撤回认证", help=help_text, width="stretch") and act(
        lambda db_session: identity.withdraw(db_session, actor=actor)
    ):
        flash("info", "已撤回认证，请重新填写信息。")
        st.rerun()


def fill_in_form(application: identity.Verification | None) -> None:
    st.subheader("信息填写")
    types = list(vocab.DOCUMENT_TYPE_LABELS)
    # What the identity provider claims, where the operator allows it: a suggestion only, checked as typed text.
    suggested = oidc.prefill() if application is None else {}
    if application is None:  # after 撤回认证: the name and type entered before (the number is typed again)
        with session() as db_session:
            previous = identity.withdrawn_details(db_session, actor=actor)
        if previous is not None:
            suggested = {**suggested, "real_name": previous[0], "document_type": previous[1]}
    kept_type = application.document_type if application else suggested.get("document_type")
    with st.form("identity_fill_in"):
        real_name = st.text_input(
            "真实姓名",
            value=application.real_name if application else suggested.get("real_name", ""),
            max_chars=64,
            placeholder="与证件上一致",
        )
        document_type = st.selectbox(
            "证件类型",
            types,
            index=types.index(kept_type) if kept_type in types else 0,
            format_func=vocab.DOCUMENT_TYPE_LABELS.get,
        )
        number = st.text_input(
            "证件编号", value=suggested.get("document_number", ""), max_chars=32, placeholder="请输入证件上的号码"
        )
        st.caption(
            "居民身份证：下一步拍摄身份证人像面，系统自动核验。"
            "港澳台居民、外籍人员请选择相应证件类型，上传证件照片后由审核员人工审核。"
        )
        submitted = st.form_submit_button("下一步", type="primary", width="stretch")
    if application is not None and st.button("返回", width="stretch"):
        st.session_state["identity_editing"] = False
        st.rerun()
    if not submitted:
        return
    # A number verified for another account is refused here (and flagged for reviewers).
    if act(
        lambda db_session: identity.fill_in(
            db_session, actor=actor, real_name=real_name, document_type=document_type, document_number=number
        )
    ):
        st.session_state["identity_editing"] = False
        new_shot()
        st.rerun()


def scan_step(application: identity.Verification) -> None:
    st.subheader("证件扫描")
    summary(application)
    st.markdown("请将**身份证人像面**平放在光线充足处，使证件充满取景框，避免反光；画面清晰稳定时将自动拍照。")
    if application.auto_attempts:
        st.caption(f"已自动核验 {application.auto_attempts} 次未通过。")
    if application.scan_limit:
        st.warning(f"{application.scan_limit}人工审核需上传身份证正反面照片，由审核员审核。")
    elif application.manual_offered:
        st.warning(
            f"身份证自动核验已连续 {application.attempts_before_manual} 次未通过。"
            "您可以继续重拍，或改为人工审核：上传身份证正反面照片，由审核员审核。"
        )
        if st.button("身份证（人工审核）", type="primary", width="stretch") and act(
            lambda db_session: identity.switch_to_manual(db_session, actor=actor)
        ):
            st.rerun()

    shot = st.session_state.get("identity_shot", 0)
    token = st.session_state.get("identity_capture_token")
    if token is None:  # one single-use capture token per view of the scanner
        with session() as db_session:
            token = capture.issue_token(db_session, actor=actor)
        st.session_state["identity_capture_token"] = token
    scan = card_scanner(key=f"identity_scanner_{shot}", token=token)
    if scan is not None and scan.manual_review:
        choose_manual_review()
    elif scan is not None:
        submit_scan(scan.jpeg, capture_token=scan.token, measures=scan.measures)
    upload_section(shot)

    st.divider()
    if st.button("修改填写信息", width="stretch"):
        st.session_state["identity_editing"] = True
        st.rerun()


def upload_section(shot: int) -> None:
    """上传照片: by default it goes to manual review; PORTAL_ALLOW_UPLOAD_AUTO_CHECK=1 checks it automatically."""
    automatic = capture.uploads_auto_checked()
    with st.expander("无法使用摄像头？改为上传照片"):
        if automatic:
            st.caption("上传身份证人像面照片，系统自动核验。")
        else:
            st.caption("上传的照片不能用于自动核验，将转为身份证（人工审核），由审核员审核，需要等待审核结果。")
        photo = st.file_uploader(
            "上传身份证人像面照片", type=PHOTO_TYPES, max_upload_size=10, key=f"identity_upload_{shot}"
        )
        upload_limits(PHOTO_TYPES, 10)
        if photo is None:
            return
        data = photo.getvalue()
        if automatic:
            preview = photo_preview(data)
            if preview is not None:
                st.image(preview.overlay_jpeg, caption="虚线为取景框，绿色框表示已找到证件", width="stretch")
                for line in preview.messages if not preview.ok else ["照片清晰，证件完整，可以提交核验。"]:
                    (st.success if preview.ok else st.warning)(line)
        label = "提交核验" if automatic else "上传并转人工审核"
        if st.button(label, type="primary", width="stretch", key=f"identity_upload_submit_{shot}"):
            submit_scan(data)


def photo_preview(data: bytes) -> identity.ScanPreview | None:
    """The preview of this photo, made once: reruns reuse it, and 提交核验 reuses the photo it decoded."""
    digest = hashlib.sha256(data).hexdigest()
    kept = st.session_state.get("identity_preview")
    if kept is not None and kept[0] == digest:
        if not kept[1]:
            show_refusal(kept[1].error)
        return kept[1].value
    st.session_state.pop("identity_preview", None)  # let the previous photo go before decoding this one
    outcome = act(lambda db_session: identity.preview_scan(db_session, actor=actor, image=data))
    if outcome or isinstance(outcome.error, ValidationFailed):  # a refused photo stays refused; a limit does not
        st.session_state["identity_preview"] = (digest, outcome)
    return outcome.value


def choose_manual_review() -> None:
    if act(lambda db_session: capture.choose_manual_review(db_session, actor=actor)):
        new_shot()
        st.rerun()


def submit_scan(data: bytes, *, capture_token: str | None = None, measures: dict | None = None) -> None:
    outcome = run_scan(data, actor=actor, capture_token=capture_token, measures=measures)
    if capture_token is not None:
        st.session_state.pop("identity_capture_token", None)  # used (or refused): the next shot gets a new one
    if outcome is None:
        with session() as db_session:
            taken = appeals.appeal_offered(db_session, actor=actor)
        if taken:  # the number is verified for another account: show the appeal form at once
            flash("error", identity.DUPLICATE_MESSAGE)
            st.rerun()
        return
    new_shot()
    if outcome.decision == "verified":
        flash("success", "身份证核验通过，实名认证成功！")
    elif outcome.decision == capture.MANUAL_REVIEW:
        flash("info", *outcome.messages)
    else:
        hint = "请按提示重拍。"
        if outcome.manual_offered:
            hint = "您可以继续重拍，或选择“身份证（人工审核）”。"
        flash("error", "核验未通过：", *outcome.messages, hint)
    st.rerun()


def manual_step(application: identity.Verification) -> None:
    st.subheader("人工审核")
    summary(application)
    if application.document_type == "resident_id":
        front_label, back_label = "身份证人像面照片", "身份证国徽面照片"
    else:
        front_label, back_label = "证件正面（个人信息页）照片", "证件反面照片"
    st.markdown("请上传证件正反两面的清晰照片，提交后由审核员审核，审核结果将通过「消息」通知您。")
    if application.has_front_image:
        st.caption(f"已保存您上传的{front_label}；如需更换，可重新上传。")
    shot = st.session_state.get("identity_shot", 0)
    front = st.file_uploader(front_label, type=PHOTO_TYPES, max_upload_size=10, key=f"identity_front_{shot}")
    back = st.file_uploader(back_label, type=PHOTO_TYPES, max_upload_size=10, key=f"identity_back_{shot}")
    upload_limits(PHOTO_TYPES, 10)
    if st.button("提交审核", type="primary", width="stretch") and act(
        lambda db_session: identity.submit_manual(
            db_session,
            actor=actor,
            front=front.getvalue() if front else b"",
            back=back.getvalue() if back else b"",
        )
    ):
        new_shot()
        flash("success", "已提交人工审核，请等待审核结果。")
        st.rerun()
    st.divider()
    if st.button("修改填写信息", width="stretch"):
        st.session_state["identity_editing"] = True
        st.rerun()


def appeal_section() -> None:
    """证件号已被占用申诉: offered once a check found the number verified for another account."""
    with session() as db_session:
        offered = appeals.appeal_offered(db_session, actor=actor)
        mine = appeals.my_appeal(db_session, actor=actor)
    if mine is not None and (mine.is_open or not offered):
        st.info(f"证件号已被占用申诉（{fmt(mine.created_at)} 提交）：{mine.status_label}")
        if mine.decision_reason and not mine.is_open:
            st.text(f"审核意见：{mine.decision_reason}")
    if not offered:
        return
    with st.expander("证件号已被占用申诉", expanded=True):
        st.markdown(
            "该证件号码已被其他账号实名认证。如您是证件本人，请上传身份证人像面、国徽面和手持身份证照片，"
            "并简要说明情况；审核员核实后，可将实名认证转移到您的账号，原账号的认证将被撤销。"
        )
        shot = st.session_state.get("identity_shot", 0)
        front = st.file_uploader("身份证人像面照片", type=PHOTO_TYPES, max_upload_size=10, key=f"appeal_front_{shot}")
        back = st.file_uploader("身份证国徽面照片", type=PHOTO_TYPES, max_upload_size=10, key=f"appeal_back_{shot}")
        holding = st.file_uploader("手持身份证照片", type=PHOTO_TYPES, max_upload_size=10, key=f"appeal_holding_{shot}")
        statement = st.text_area("申诉说明", max_chars=appeals.MAX_STATEMENT, key=f"appeal_statement_{shot}")
        if st.button("提交申诉", type="primary", width="stretch"):
            outcome = act(
                lambda s: appeals.submit_appeal(
                    s,
                    actor=actor,
                    front=front.getvalue() if front else b"",
                    back=back.getvalue() if back else b"",
                    holding=holding.getvalue() if holding else b"",
                    statement=statement,
                )
            )
            if outcome:
                new_shot()
                flash("success", "已提交申诉，审核结果将通过「消息」通知您。")
                st.rerun()


def pending_view(application: identity.Verification) -> None:
    st.info(
        f"**待认证**：您的人工审核申请已于 {fmt(application.submitted_at)} 提交，请等待审核员审核。"
        "审核结果将通过「消息」通知您。"
    )
    summary(application)
    withdraw_button("撤回后可重新填写信息、重新提交")


def rejected_view(application: identity.Verification) -> None:
    st.error(f"**审核未通过**：{plain(application.decision_reason) or '（未注明原因）'}")
    st.caption(f"审核时间：{fmt(application.decided_at)}")
    summary(application)
    st.markdown("请撤回认证后重新填写信息、重新提交。")
    withdraw_button("撤回后可重新填写信息、重新提交")


def verified_view(application: identity.Verification) -> None:
    st.success("**认证成功**：您已完成实名认证。")
    summary(application)
    st.markdown(f"**认证时间**：{fmt(application.decided_at)}")
    navigation.page_link("pages/candidate/unit.py", label="下一步：绑定工作单位", icon=":material/apartment:")


st.title("实名认证")
with reading() as db_session:
    current = identity.my_verification(db_session, actor=actor)

if current is None or (current.status == "unverified" and st.session_state.get("identity_editing")):
    step_bar(0)
    show_flash()
    fill_in_form(current)
elif current.status == "verified":
    step_bar(2, finished=True)
    show_flash()
    verified_view(current)
else:
    step_bar(1)
    show_flash()
    if current.status == "unverified":
        appeal_section()
    if current.status == "pending":
        pending_view(current)
    elif current.status == "rejected":
        rejected_view(current)
    elif current.method == "auto_id_card":
        scan_step(current)
    else:
        manual_step(current)
