"""The entry point's own work per run: one look-up of who acts and of the unread count, a kept menu, a frozen heap."""

from __future__ import annotations

import gc

from db.engine import session_scope
from pages.components import heap
from portal.auth import service as auth
from portal.message import service as messages
from tests import factories
from tests.app.helpers import assert_no_exception, login, new_app, texts


def test_home_shows_the_unread_count_the_menu_counted_in_the_same_run(engine):
    with session_scope(engine) as session:
        username = factories.user(session, "candidate").username
    app = login(new_app(), username, factories.PASSWORD)
    assert_no_exception(app)
    assert "未读消息" not in texts(app)

    with session_scope(engine) as session:  # a message arrives between two reruns of the same browser session
        user_id = auth.load_actor(session, username=username).user_id
        messages.send(session, user_id=user_id, title="审核结果通知")
    app.run()
    assert "您有 1 条未读消息。" in texts(app)

    with session_scope(engine) as session:
        messages.mark_all_read(session, actor=auth.load_actor(session, username=username))
    app.run()
    assert_no_exception(app)
    assert "未读消息" not in texts(app)


def test_the_pages_modules_are_imported_and_frozen_once_per_process(engine):
    app = new_app()
    app.run()
    assert_no_exception(app)
    assert gc.get_freeze_count() > 0
    names = heap.page_imports()
    assert "pandas" in names and "portal.identity.service" in names and "pages.components.auth" in names
    assert "portal.identity.service" in __import__("sys").modules


def test_the_links_of_the_login_page_and_the_home_lead_to_their_pages(engine):
    with session_scope(engine) as session:
        username = factories.user(session, "candidate").username
    app = new_app()
    app.run()
    assert {link.value: link.proto.page for link in app.page_link} == {
        "没有账号？考生注册": "public_register",
        "单位未注册？机构注册": "public_unit_registration",
    }
    login(app, username, factories.PASSWORD)
    assert_no_exception(app)
    links = [(link.value, link.proto.page) for link in app.page_link]
    assert ("前往认证", "candidate_identity") in links
    assert [page for label, page in links if label == "进入"] == [
        "candidate_identity",
        "candidate_unit",
        "candidate_declaration",
    ]
    assert all(link.proto.page_script_hash for link in app.page_link)
