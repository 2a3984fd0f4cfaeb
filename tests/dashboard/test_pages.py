"""The reviewer and analyst pages, driven through the real app on the small demo data."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.models import IdentityVerification, User
from portal.ops import demo
from tests.app.helpers import assert_no_exception, login, new_app, texts


@pytest.fixture
def seeded(engine):
    with session_scope(engine) as session:
        demo.seed_demo(session, candidates=40, units=6)


def open_page(username: str, page: str):
    app = login(new_app(), username, demo.DEMO_PASSWORD)
    app.switch_page(page)
    app.run()
    assert_no_exception(app)
    return app


def test_verification_queue_opens_claims_and_rejects(engine, seeded):
    app = open_page("reviewer", "pages/reviewer/verifications.py")
    assert "待审核" in texts(app) or app.metric
    assert app.dataframe, "the queue is shown as a table"
    pick = next(s for s in app.selectbox if s.label == "选择要审核的申请")
    pick.select_index(0)
    app.run()
    next(b for b in app.button if b.label == "打开并领取").click()
    app.run()
    assert_no_exception(app)
    assert "已由您领取" in texts(app)
    case_id = app.session_state["review_case"].id
    with session_scope(engine) as session:
        holder = session.scalar(select(IdentityVerification.claimed_by).where(IdentityVerification.id == case_id))
        reviewer_id = session.scalar(select(User.id).where(User.username == "reviewer"))
    assert holder == reviewer_id
    next(s for s in app.selectbox if s.label == "不通过原因").select_index(0)
    app.run()
    next(b for b in app.button if b.label == "不通过").click()
    app.run()
    assert_no_exception(app)
    assert "已审核不通过" in texts(app)
    with session_scope(engine) as session:
        status = session.scalar(select(IdentityVerification.status).where(IdentityVerification.id == case_id))
    assert status == "rejected"


def test_unit_binding_status_section(seeded):
    app = open_page("reviewer", "pages/reviewer/units.py")
    assert any(m.label == "已绑定考生" for m in app.metric)
    assert app.dataframe


def test_unconfirmed_records_page(seeded):
    app = open_page("reviewer", "pages/reviewer/unconfirmed.py")
    assert "报名资格预检" in texts(app)
    assert any(m.label == "未填报" for m in app.metric)
    next(b for b in app.button if b.label == "立即刷新").click()
    app.run()
    assert_no_exception(app)


def test_statistics_page_shows_aggregates_only(seeded):
    app = open_page("analyst", "pages/analyst/statistics.py")
    shown = texts(app)
    assert "报名进度漏斗" in shown and "每日趋势" in shown
    for frame in app.dataframe:
        text = frame.value.to_string()
        assert "138000" not in text and "139000" not in text  # no account names
    app.segmented_control[0].set_value("exam_category")
    app.run()
    assert_no_exception(app)


def test_analyst_cannot_open_reviewer_pages(seeded):
    app = login(new_app(), "analyst", demo.DEMO_PASSWORD)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("pages/reviewer/verifications.py")  # not in the analyst's navigation at all


def test_pages_without_an_exam_year_explain_instead_of_failing(engine):
    from tests import factories

    with session_scope(engine) as session:
        reviewer = factories.user(session, "reviewer").username
        analyst = factories.user(session, "analyst").username
    for username, page in (
        (reviewer, "pages/reviewer/unconfirmed.py"),
        (reviewer, "pages/reviewer/units.py"),
        (analyst, "pages/analyst/statistics.py"),
    ):
        app = login(new_app(), username, factories.PASSWORD)
        app.switch_page(page)
        app.run()
        assert_no_exception(app)
        assert "尚未设置考试年度" in texts(app)


def test_unconfirmed_candidates_export_masked_then_full(seeded):
    app = open_page("reviewer", "pages/reviewer/unconfirmed.py")
    units = app.selectbox(key="uc_unit")
    units.select_index(0)
    app.run()
    assert_no_exception(app)
    next(b for b in app.button if b.label == "生成导出文件").click()
    app.run()
    assert_no_exception(app)
    assert "已脱敏" in texts(app)
    app.checkbox(key="uc_export_full").check()
    next(b for b in app.button if b.label == "生成导出文件").click()
    app.run()
    assert_no_exception(app)
    assert "完整信息" in texts(app)
