"""The reviewer pages follow the claim rule: logout gives the claims back, an expired claim hides the case, a full
export asks for its reason."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from db.engine import session_scope
from db.models import AuditEvent, IdentityVerification
from portal.core.timeutil import utcnow
from portal.identity import review
from portal.identity import service as identity
from tests import factories
from tests.app.helpers import assert_no_exception, errors, login, new_app, open_tab, texts
from tests.identity.test_service import BLURRY, GENUINE, image
from tests.progress.helpers import open_page, seed_small_demo

REVIEW_PAGE = "pages/reviewer/verifications.py"


def pending(engine) -> tuple[int, str, int]:
    with session_scope(engine) as session:
        applicant = factories.actor(session, "candidate")
        identity.fill_in(
            session, actor=applicant, real_name="陈大文", document_type="passport", document_number="E12345678"
        )
        application = identity.submit_manual(session, actor=applicant, front=image(GENUINE), back=image(BLURRY))
        reviewer = factories.user(session, "reviewer")
        return application.id, reviewer.username, reviewer.id


def open_case(username: str, case_id: int):
    app = new_app(REVIEW_PAGE)
    app.run()
    login(app, username, factories.PASSWORD)
    assert_no_exception(app)
    next(s for s in app.selectbox if s.label == "选择要审核的申请").set_value(case_id)
    app.run()
    next(b for b in app.button if b.label == "打开并领取").click()
    app.run()
    assert_no_exception(app)
    assert "E12345678" in texts(app)
    return app


def test_logout_gives_the_claims_back_at_once(engine):
    case_id, username, reviewer_id = pending(engine)
    app = open_case(username, case_id)
    with session_scope(engine) as session:
        assert session.get(IdentityVerification, case_id).claimed_by == reviewer_id
    next(b for b in app.sidebar.button if b.label == "退出登录").click()
    app.run()
    assert_no_exception(app)
    assert "E12345678" not in texts(app)
    with session_scope(engine) as session:
        row = session.get(IdentityVerification, case_id)
        assert row.claimed_by is None and row.claimed_until is None
        other = factories.actor(session, "reviewer")
        review.claim(session, actor=other, verification_id=case_id)  # at once, not after 15 minutes
        summaries = session.scalars(
            select(AuditEvent.summary).where(
                AuditEvent.action == "identity.release", AuditEvent.actor_id == reviewer_id
            )
        ).all()
        assert summaries == ["logout"]


def test_an_expired_claim_hides_the_opened_case(engine):
    case_id, username, _ = pending(engine)
    app = open_case(username, case_id)
    with session_scope(engine) as session:
        session.get(IdentityVerification, case_id).claimed_until = utcnow() - timedelta(minutes=1)
    app.run()
    assert_no_exception(app)
    shown = texts(app)
    assert "E12345678" not in shown and not app.image
    assert "领取已过期" in shown


def test_a_full_export_asks_for_its_reason(engine):
    seed_small_demo(engine)
    app = open_tab(open_page("reviewer", "pages/reviewer/unconfirmed.py"), "unconfirmed_tab", "按单位")
    app.selectbox(key="uc_unit").select_index(0)
    app.run()
    assert_no_exception(app)
    app.checkbox(key="uc_export_full").check()
    app.run()
    assert app.text_input(key="uc_export_reason").label.startswith("导出原因")
    next(b for b in app.button if b.label == "生成导出文件").click()
    app.run()
    assert_no_exception(app)
    assert any("导出原因" in e for e in errors(app)), errors(app)
    assert "完整信息。" not in texts(app)
    app.text_input(key="uc_export_reason").input("电话通知未确认考生")
    next(b for b in app.button if b.label == "生成导出文件").click()
    app.run()
    assert_no_exception(app)
    assert "完整信息" in texts(app)
    with session_scope(engine) as session:
        summary = session.scalar(select(AuditEvent.summary).where(AuditEvent.action == "export.full_values"))
        assert "电话通知未确认考生" in summary


def test_an_appeal_held_by_one_reviewer_is_not_opened_by_another(engine):
    from tests.identity.test_appeal_pages import world

    names = world(engine, appealed=True)
    with session_scope(engine) as session:
        other = factories.user(session, "reviewer").username
    first = new_app("pages/reviewer/appeals.py")
    first.run()
    login(first, names["reviewer"], factories.PASSWORD)
    next(b for b in first.button if b.label == "打开处理").click()
    first.run()
    assert_no_exception(first)
    assert "已由您领取" in texts(first)
    second = new_app("pages/reviewer/appeals.py")
    second.run()
    login(second, other, factories.PASSWORD)
    next(b for b in second.button if b.label == "打开处理").click()
    second.run()
    assert_no_exception(second)
    assert any("正由其他审核员处理" in e for e in errors(second)), errors(second)
    assert not second.text or "证件号码：" not in "\n".join(t.value for t in second.text)
    next(b for b in first.button if b.label == "返回列表").click()  # gives the appeal up
    first.run()
    next(b for b in second.button if b.label == "打开处理").click()
    second.run()
    assert_no_exception(second)
    assert "已由您领取" in texts(second)
