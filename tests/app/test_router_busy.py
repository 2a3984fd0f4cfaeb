"""The entry point's own look-up failing at a peak (no free connection in time): 系统繁忙, not an error box."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import TimeoutError as PoolTimeout

from portal.auth import service as accounts
from portal.identity import service as identity
from tests import factories
from tests.app.helpers import assert_no_exception, errors, login, new_app


def _no_connection(*_args, **_kwargs):
    raise PoolTimeout("QueuePool limit reached, connection timed out")


@pytest.mark.parametrize(
    "look_up",
    [
        (accounts, "actor_unread_and_newest_year"),  # the entry point's look-up (who acts, unread count, year)
        (identity, "my_verification"),  # the page's own reading() block (seen at 400 users in bench load)
    ],
    ids=["entry_point", "page"],
)
def test_a_run_whose_database_look_up_times_out_says_busy_and_the_next_works(engine, monkeypatch, look_up):
    from db.engine import session_scope

    with session_scope(engine) as session:
        username = factories.user(session, "candidate").username
    app = login(new_app(), username, factories.PASSWORD)
    assert app.title[0].value == "首页"
    with monkeypatch.context() as patch:
        patch.setattr(*look_up, _no_connection)
        app.run()
        assert_no_exception(app)
        assert any("系统繁忙" in message for message in errors(app))
    app.run()
    assert_no_exception(app)
    assert app.title[0].value == "首页" and not errors(app)
