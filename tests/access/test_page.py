"""授权访问消息 page: authorisations, the access log newest first with unread badges, mark as read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from db.engine import session_scope
from db.models import PersonalDataAccess, UnitBinding
from portal.access import service as access
from portal.core.actor import Actor
from portal.core.errors import PermissionDenied
from portal.core.timeutil import utcnow
from tests import factories
from tests.app.helpers import assert_no_exception, login, new_app, texts

PAGE = "pages/candidate/access_log.py"


def open_page(username: str):
    app = login(new_app(), username, factories.PASSWORD)
    app.switch_page(PAGE)
    app.run()
    assert_no_exception(app)
    return app


def unread(engine, candidate_id: int) -> int:
    with session_scope(engine) as session:
        rows = session.scalars(select(PersonalDataAccess).where(PersonalDataAccess.candidate_id == candidate_id))
        return sum(1 for row in rows if row.read_at_candidate is None)


def test_empty_log_explains_what_will_appear(engine):
    with session_scope(engine) as session:
        username = factories.user(session, "candidate").username
    app = open_page(username)
    assert app.title[0].value == "授权访问消息"
    assert "暂无访问记录" in texts(app)
    assert "目前没有工作单位获授权" in texts(app)


def test_log_shows_readers_authorisations_and_unread_counts_then_marks_read(engine):
    with session_scope(engine) as session:
        unit = factories.unit(session, name="武汉市某医院")
        candidate = factories.user(session, "candidate")
        factories.bind(session, candidate, unit)
        unit_admin = factories.actor(session, "unit_admin", unit=unit)
        reviewer = factories.actor(session, "reviewer")
        candidate_id, username = candidate.id, candidate.username
    with session_scope(engine) as session:
        access.require_bound(session, actor=unit_admin, candidate_id=candidate_id, section="education")
        access.require_bound(session, actor=reviewer, candidate_id=candidate_id, section="identity", action="review")
        rows = list(session.scalars(select(PersonalDataAccess).order_by(PersonalDataAccess.id)))
        rows[0].created_at = datetime(2026, 3, 2, 2, 0)
        rows[1].created_at = datetime(2026, 3, 4, 2, 0)

    app = open_page(username)
    shown = texts(app)
    assert "武汉市某医院** 自" in shown  # the active authorisation
    assert "访问记录（未读 2）" in shown
    assert "武汉市某医院 1 条未读" in shown and "省级审核员 1 条未读" in shown
    sentences = [m.value for m in app.markdown if "于 2026-03-0" in m.value]
    assert "武汉市某医院 于 2026-03-02 查看了您的学历信息" in sentences[1]
    assert "省级审核员 于 2026-03-04 审核了您的实名认证信息" in sentences[0]  # newest first
    assert unit_admin.display_name not in shown

    next(b for b in app.button if b.label == "标为已读").click()
    app.run()
    assert_no_exception(app)
    assert unread(engine, candidate_id) == 1
    assert "访问记录（未读 1）" in texts(app)

    next(b for b in app.button if b.label == "全部标为已读").click()
    app.run()
    assert_no_exception(app)
    assert unread(engine, candidate_id) == 0
    assert "未读" not in app.subheader[-1].value


def test_ended_binding_shows_in_history_and_the_refused_attempt_in_the_log(engine):
    with session_scope(engine) as session:
        unit = factories.unit(session, name="宜昌市某医院", region_code="420502")
        candidate = factories.user(session, "candidate")
        factories.bind(session, candidate, unit)
        unit_admin = factories.actor(session, "unit_admin", unit=unit)
        candidate_id, username = candidate.id, candidate.username
    with session_scope(engine) as session:
        binding = session.scalar(select(UnitBinding).where(UnitBinding.candidate_id == candidate_id))
        binding.ended_at = utcnow()
        binding.end_reason = "考生解绑单位"
    try:
        with session_scope(engine) as session:
            access.require_bound(session, actor=unit_admin, candidate_id=candidate_id, section="basic")
    except PermissionDenied:
        pass

    app = open_page(username)
    shown = texts(app)
    assert "目前没有工作单位获授权" in shown
    assert "已结束的授权（1）" in [e.label for e in app.expander]
    assert "原因：考生解绑单位" in shown
    assert "尝试查看您的基本信息" in shown and "被拒绝" in shown


def test_other_roles_cannot_open_the_page(engine):
    with session_scope(engine) as session:
        reviewer = Actor.of(factories.user(session, "reviewer"))
    app = login(new_app(), reviewer.username, factories.PASSWORD)
    try:
        app.switch_page(PAGE)
    except ValueError:
        return
    raise AssertionError("a reviewer must not have the candidate's access log page")
