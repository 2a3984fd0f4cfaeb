"""The 实名认证 pages driven through the real app: each step of the flow and the reviewer's decision."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.models import IdentityFlag, Message, User
from pages.components.ui import plain
from portal.identity import service as identity
from tests import factories
from tests.app.helpers import assert_no_exception, errors, login, new_app, texts
from tests.identity.test_service import BLURRY, GENUINE, image

PAGE = "pages/candidate/identity.py"
REVIEW_PAGE = "pages/reviewer/verifications.py"


@pytest.fixture(autouse=True)
def warm_ocr(ocr_engine):
    """Load the OCR models once per test session (the app's st.cache_resource then reuses them)."""
    return ocr_engine


@pytest.fixture
def candidate(engine) -> str:
    with session_scope(engine) as session:
        return factories.user(session, "candidate").username


def user_id(engine, username: str) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(User.id).where(User.username == username))


def button(app, label: str):
    return next(b for b in app.button if b.label == label)


def open_identity(username: str):
    app = new_app(PAGE)
    app.run()
    login(app, username, factories.PASSWORD)
    assert_no_exception(app)
    assert app.title and app.title[0].value == "实名认证", texts(app)
    return app


def fill(app, *, name: str, number: str, document_type: str = "resident_id"):
    inputs = {w.label: w for w in app.text_input}
    inputs["真实姓名"].input(name)
    inputs["证件编号"].input(number)
    select_box = next(s for s in app.selectbox if s.label == "证件类型")
    select_box.set_value(document_type)
    button(app, "下一步").click()
    app.run()
    assert_no_exception(app)
    return app


def upload_scan(app, data: bytes):
    app.file_uploader[0].upload("card.jpg", data, "image/jpeg")
    app.run()
    assert_no_exception(app)
    return app


def test_first_login_is_prompted_to_verify(candidate):
    app = login(new_app(), candidate, factories.PASSWORD)
    assert_no_exception(app)
    assert app.title[0].value == "首页"
    assert "尚未完成实名认证" in texts(app)
    assert "前往认证" in [link.value for link in app.page_link]


def test_fill_in_validates_the_number_at_once(candidate):
    app = open_identity(candidate)
    assert all(step in texts(app) for step in ("信息填写", "证件扫描", "认证成功"))
    fill(app, name=GENUINE["name"], number=GENUINE["id_number"][:-1] + "0")
    assert any("校验位" in e for e in errors(app))
    assert "信息填写" in [s.value for s in app.subheader]


def test_genuine_card_reaches_verified(engine, candidate, monkeypatch):
    monkeypatch.setenv("PORTAL_ALLOW_UPLOAD_AUTO_CHECK", "1")  # uploads go through the automatic check
    app = open_identity(candidate)
    fill(app, name=GENUINE["name"], number=GENUINE["id_number"])
    assert "证件扫描" in [s.value for s in app.subheader]
    upload_scan(app, image(GENUINE))
    assert app.image, "the preview with the frame guide is shown"
    assert "照片清晰，证件完整" in texts(app)
    button(app, "提交核验").click()
    app.run()
    assert_no_exception(app)
    shown = texts(app)
    assert "实名认证成功" in shown and "认证成功" in shown
    # the mask's asterisks escaped: markdown would read them as emphasis and slant the lines around them
    assert plain("4209**********6149") in shown and "4209**" not in shown
    assert GENUINE["id_number"] not in shown
    assert "下一步：绑定工作单位" in [link.value for link in app.page_link]
    with session_scope(engine) as session:
        assert identity.status_of(session, user_id=user_id(engine, candidate)) == "verified"


def test_the_scan_step_has_the_card_scanner_and_an_upload_goes_to_manual_review(engine, candidate):
    app = open_identity(candidate)
    fill(app, name=GENUINE["name"], number=GENUINE["id_number"])
    assert not app.camera_input  # Streamlit's camera (Take Photo / Clear photo) is gone
    shown = texts(app)
    assert "Take Photo" not in shown and "Clear photo" not in shown
    assert "将转为身份证（人工审核）" in shown
    upload_scan(app, image(GENUINE))
    assert not app.image  # no automatic-check preview under the default policy
    button(app, "上传并转人工审核").click()
    app.run()
    assert_no_exception(app)
    assert "人工审核" in [s.value for s in app.subheader]
    assert "已为您转为身份证（人工审核）" in texts(app)
    assert "已保存您上传的身份证人像面照片" in texts(app)
    app.file_uploader[1].upload("back.jpg", image(BLURRY), "image/jpeg")
    app.run()
    button(app, "提交审核").click()
    app.run()
    assert_no_exception(app)
    with session_scope(engine) as session:
        assert identity.status_of(session, user_id=user_id(engine, candidate)) == "pending"


def test_three_failures_switch_to_manual_review_then_withdraw(engine, candidate, monkeypatch):
    monkeypatch.setenv("PORTAL_ALLOW_UPLOAD_AUTO_CHECK", "1")
    app = open_identity(candidate)
    fill(app, name=GENUINE["name"], number=GENUINE["id_number"])
    for attempt in range(3):
        upload_scan(app, image(BLURRY))
        assert "身份证（人工审核）" not in [b.label for b in app.button]
        button(app, "提交核验").click()
        app.run()
        assert_no_exception(app)
        assert "照片模糊，请在光线充足处重拍" in texts(app), attempt
    assert "连续 3 次未通过" in texts(app)
    button(app, "身份证（人工审核）").click()
    app.run()
    assert "人工审核" in [s.value for s in app.subheader]
    labels = [u.label for u in app.file_uploader]
    assert labels == ["身份证人像面照片", "身份证国徽面照片"]
    button(app, "提交审核").click()  # nothing uploaded yet
    app.run()
    assert any("请上传" in e for e in errors(app))
    app.file_uploader[0].upload("front.jpg", image(GENUINE), "image/jpeg")
    app.file_uploader[1].upload("back.jpg", image(BLURRY), "image/jpeg")
    app.run()
    button(app, "提交审核").click()
    app.run()
    assert_no_exception(app)
    assert "待认证" in texts(app)
    with session_scope(engine) as session:
        assert identity.status_of(session, user_id=user_id(engine, candidate)) == "pending"
    button(app, "撤回认证").click()
    app.run()
    assert_no_exception(app)
    assert "已撤回认证" in texts(app)
    assert "信息填写" in [s.value for s in app.subheader]
    with session_scope(engine) as session:
        assert identity.status_of(session, user_id=user_id(engine, candidate)) == "unverified"


def test_other_documents_go_to_manual_review(candidate):
    app = open_identity(candidate)
    fill(app, name="陈大文", number="H12345678", document_type="hk_macau_permit")
    assert "人工审核" in [s.value for s in app.subheader]
    assert not app.camera_input
    assert [u.label for u in app.file_uploader] == ["证件正面（个人信息页）照片", "证件反面照片"]


def test_a_taken_number_is_answered_like_any_other_until_the_card_passes_then_an_appeal_is_offered(
    engine, candidate, monkeypatch
):
    monkeypatch.setenv("PORTAL_ALLOW_UPLOAD_AUTO_CHECK", "1")
    with session_scope(engine) as session:
        factories.verified_candidate(session, real_name=GENUINE["name"], document_number=GENUINE["id_number"])
    app = open_identity(candidate)
    fill(app, name=GENUINE["name"], number=GENUINE["id_number"])
    assert errors(app) == [] and "证件扫描" in [s.value for s in app.subheader]  # no oracle at 信息填写
    assert "证件号已被占用申诉" not in [e.label for e in app.expander]
    upload_scan(app, image(GENUINE))
    button(app, "提交核验").click()
    app.run()
    assert_no_exception(app)
    assert any("已被其他账号实名认证" in e for e in errors(app)), texts(app)
    assert "证件号已被占用申诉" in [e.label for e in app.expander]
    candidate_id = user_id(engine, candidate)
    with session_scope(engine) as session:
        kinds = set(session.scalars(select(IdentityFlag.kind)))
        assert kinds == {"duplicate_number", "duplicate_proven"}
        assert identity.status_of(session, user_id=candidate_id) == "unverified"


# ----------------------------------------------------------------------------------------------- reviewer


@pytest.fixture
def pending_case(engine):
    """A candidate waiting for manual review and a reviewer account."""
    with session_scope(engine) as session:
        applicant = factories.actor(session, "candidate")
        identity.fill_in(
            session, actor=applicant, real_name="陈大文", document_type="passport", document_number="E12345678"
        )
        application = identity.submit_manual(session, actor=applicant, front=image(GENUINE), back=image(BLURRY))
        reviewer = factories.user(session, "reviewer")
    return applicant, application.id, reviewer.username


def open_case(reviewer: str, case_id: int):
    app = new_app(REVIEW_PAGE)
    app.run()
    login(app, reviewer, factories.PASSWORD)
    assert_no_exception(app)
    assert app.title[0].value == "待审核实名认证"
    assert "陈**" in app.dataframe[0].value.to_string()
    next(s for s in app.selectbox if s.label == "选择要审核的申请").set_value(case_id)
    app.run()
    button(app, "打开并领取").click()  # opening a case claims it for this reviewer
    app.run()
    assert_no_exception(app)
    assert "E12345678" in texts(app)  # the full number, for the reviewer who opened the case
    assert len(app.image) == 2
    return app


def test_reviewer_approves(engine, pending_case):
    applicant, case_id, reviewer = pending_case
    app = open_case(reviewer, case_id)
    button(app, "通过").click()
    app.run()
    assert_no_exception(app)
    assert "已审核通过" in texts(app)
    assert "暂无符合条件的待审核" in texts(app)  # the decided case left the queue
    with session_scope(engine) as session:
        assert identity.status_of(session, user_id=applicant.user_id) == "verified"
        titles = list(session.scalars(select(Message.title).where(Message.user_id == applicant.user_id)))
        assert titles == ["实名认证审核通过"]


def test_reviewer_rejects_with_a_reason_the_candidate_sees(engine, pending_case):
    applicant, case_id, reviewer = pending_case
    app = open_case(reviewer, case_id)
    button(app, "不通过").click()
    app.run()
    assert "请填写不通过的原因" in errors(app)
    app.selectbox(key="review_reason_pick").set_value("其他（请填写）")
    app.run()
    app.text_area(key="review_reason").input("证件反面照片模糊，请重新拍摄")
    button(app, "不通过").click()
    app.run()
    assert_no_exception(app)
    assert "已审核不通过" in texts(app)
    with session_scope(engine) as session:
        username = session.get(User, applicant.user_id).username
    seen = open_identity(username)
    assert "审核未通过" in texts(seen) and "证件反面照片模糊，请重新拍摄" in texts(seen)
    assert "撤回认证" in [b.label for b in seen.button]


def test_candidate_cannot_open_the_review_page(candidate):
    app = login(new_app(), candidate, factories.PASSWORD)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page(REVIEW_PAGE)


def test_a_verified_candidate_is_not_prompted(engine):
    with session_scope(engine) as session:
        username = factories.verified_candidate(session).username
    app = login(new_app(), username, factories.PASSWORD)
    assert_no_exception(app)
    assert "尚未完成实名认证" not in texts(app)
    assert "前往认证" not in [link.value for link in app.page_link]


def test_reviewer_sees_and_resolves_a_duplicate_flag(engine):
    with session_scope(engine) as session:
        factories.verified_candidate(session, real_name=GENUINE["name"], document_number=GENUINE["id_number"])
        intruder = factories.actor(session, "candidate")
        reviewer = factories.user(session, "reviewer").username
    with session_scope(engine) as session:
        identity.fill_in(
            session,
            actor=intruder,
            real_name=GENUINE["name"],
            document_type="resident_id",
            document_number=GENUINE["id_number"],
        )
    app = new_app(REVIEW_PAGE)
    app.run()
    login(app, reviewer, factories.PASSWORD)
    assert_no_exception(app)
    assert "重复证件号码提示（1）" in [e.label for e in app.expander]
    assert intruder.username not in texts(app), "the flags are read only when their expander is opened"
    app.session_state["review_flags"] = True  # a click on 重复证件号码提示
    app.run()
    assert intruder.username in texts(app)
    button(app, "已处理").click()
    app.run()
    assert_no_exception(app)
    assert not [e for e in app.expander if e.label.startswith("重复证件号码提示")]


def test_system_status_page_loads_the_ocr_model(engine):
    """系统状态 loads the same cached OCR engine as the identity page (it once imported a loader that did not exist)."""
    with session_scope(engine) as session:
        admin = factories.user(session, "admin").username
    app = new_app("pages/admin/health.py")
    app.run()
    login(app, admin, factories.PASSWORD)
    assert_no_exception(app)
    shown = texts(app)
    assert "OCR" in shown and "ImportError" not in shown, shown
    ocr_line = next(s.value for s in app.success if "OCR" in s.value)
    assert "正常" in ocr_line


def test_reviewer_sees_the_whole_id_image_by_default(engine, pending_case):
    """The ID images fit their column unless the reviewer zooms in (a fixed 640 px was wider than the column)."""
    applicant, case_id, reviewer = pending_case
    app = open_case(reviewer, case_id)
    zoom = app.select_slider(key="review_zoom")
    assert zoom.value == "stretch" and zoom.format_func("stretch") == "适应栏宽"
    assert len(app.image) == 2
    zoom.set_value(1200)
    app.run()
    assert_no_exception(app)
    assert len(app.image) == 2 and app.select_slider(key="review_zoom").value == 1200
