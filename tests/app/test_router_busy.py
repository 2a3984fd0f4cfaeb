"""The entry point's own look-up failing at a peak (no free connection in time): 系统繁忙, not an error box."""

from __future__ import annotations

from sqlalchemy.exc import TimeoutError as PoolTimeout

from portal.message import service as messages
from tests import factories
from tests.app.helpers import assert_no_exception, errors, login, new_app


def test_a_run_whose_database_look_up_times_out_says_busy_and_the_next_works(engine, monkeypatch):
    from db.engine import session_scope

    with session_scope(engine) as session:
        username = factories.user(session, "candidate").username
    app = login(new_app(), username, factories.PASSWORD)
    assert app.title[0].value == "首页"

    def no_connection(*_args, **_kwargs):
        raise PoolTimeout("QueuePool limit reached, connection timed out")

    with monkeypatch.context() as patch:
        patch.setattr(messages, "unread_count", no_connection)
        app.run()
        assert_no_exception(app)
        assert any("系统繁忙" in message for message in errors(app))
    app.run()
    assert_no_exception(app)
    assert app.title[0].value == "首页" and not errors(app)


def test_a_page_whose_own_look_up_times_out_says_busy_instead_of_an_error_box(engine, monkeypatch):
    """At 400 users on two processes (`bench load`) the candidate home's own read found no free connection."""
    from db.engine import session_scope
    from portal.identity import service as identity

    with session_scope(engine) as session:
        username = factories.user(session, "candidate").username
    app = login(new_app(), username, factories.PASSWORD)
    assert app.title[0].value == "首页"

    def no_connection(*_args, **_kwargs):
        raise PoolTimeout("QueuePool limit reached, connection timed out")

    with monkeypatch.context() as patch:
        patch.setattr(identity, "my_verification", no_connection)
        app.run()
        assert_no_exception(app)
        assert any("系统繁忙" in message for message in errors(app))
    app.run()
    assert_no_exception(app)
    assert app.title[0].value == "首页" and not errors(app)
