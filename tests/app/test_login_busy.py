"""A database that does not answer during a login: a clear Chinese message, never Streamlit's error box."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from portal.auth import login as login_rules
from tests import factories
from tests.app.helpers import assert_no_exception, errors, login, new_app


def test_a_login_the_database_cannot_answer_says_busy(engine, monkeypatch):  # noqa: ARG001
    from db.engine import session_scope

    with session_scope(engine) as session:
        username = factories.user(session, "candidate").username

    def locked(*_args, **_kwargs):
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    with monkeypatch.context() as patch:
        patch.setattr(login_rules, "authenticate", locked)
        app = login(new_app(), username, factories.PASSWORD)
        assert_no_exception(app)
        assert any("系统繁忙" in message for message in errors(app))
        assert any(w.label == "密码" for w in app.text_input)  # still on the login form, nothing lost

    app = login(new_app(), username, factories.PASSWORD)
    assert_no_exception(app)
    assert app.title[0].value == "首页"  # the next try logs in
