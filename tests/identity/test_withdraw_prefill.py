"""After 撤回认证, 信息填写 comes back with the previous name and document type (the number is typed again)."""

from __future__ import annotations

from db.engine import session_scope
from portal.core.actor import Actor
from portal.identity import service as identity
from tests import factories
from tests.app.helpers import assert_no_exception, login, new_app, texts
from tests.identity.test_service import BLURRY, GENUINE, image

PAGE = "pages/candidate/identity.py"
NAME, TYPE, NUMBER = "陈大文", "hk_macau_permit", "H12345678"


def pending_candidate(engine) -> tuple[str, Actor]:
    with session_scope(engine) as session:
        user = factories.user(session, "candidate")
        actor = Actor.of(user)
        identity.fill_in(session, actor=actor, real_name=NAME, document_type=TYPE, document_number=NUMBER)
        identity.submit_manual(session, actor=actor, front=image(GENUINE), back=image(BLURRY))
        return user.username, actor


def open_page(username: str):
    app = new_app(PAGE)
    app.run()
    login(app, username, factories.PASSWORD)
    assert_no_exception(app)
    return app


def form_values(app) -> tuple[str, str, str]:
    inputs = {w.label: w for w in app.text_input}
    kind = next(s for s in app.selectbox if s.label == "证件类型")
    return inputs["真实姓名"].value, kind.value, inputs["证件编号"].value


def test_after_withdrawing_the_form_keeps_the_name_and_the_type_not_the_number(engine):
    app = open_page(pending_candidate(engine)[0])
    assert "待认证" in texts(app)
    next(b for b in app.button if b.label == "撤回认证").click()
    app.run()
    assert_no_exception(app)
    assert "已撤回认证" in texts(app)
    assert form_values(app) == (NAME, TYPE, "")
    assert NUMBER not in texts(app)


def test_a_later_visit_after_withdrawing_is_prefilled_too(engine):
    username, actor = pending_candidate(engine)
    with session_scope(engine) as session:
        identity.withdraw(session, actor=actor)
    app = open_page(username)
    assert form_values(app) == (NAME, TYPE, "")
