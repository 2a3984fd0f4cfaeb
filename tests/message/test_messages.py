"""Inbox: only the owner reads their messages; unread counts; reads are audited."""

from __future__ import annotations

import pytest

from portal.core.errors import NotFound
from portal.message import service as messages
from tests import factories


def test_inbox_unread_and_mark_read(session):
    me = factories.actor(session, "candidate")
    other = factories.actor(session, "candidate")
    first = messages.send(session, user_id=me.user_id, title="实名认证已通过", body="您的实名认证已通过。")
    messages.send(session, user_id=me.user_id, title="单位绑定成功")
    messages.send(session, user_id=other.user_id, title="别人的消息")
    assert messages.unread_count(session, actor=me) == 2
    assert [m.title for m in messages.inbox(session, actor=me)] == ["单位绑定成功", "实名认证已通过"]
    messages.mark_read(session, actor=me, message_id=first.id)
    assert messages.unread_count(session, actor=me) == 1
    assert messages.mark_all_read(session, actor=me) == 1
    assert messages.unread_count(session, actor=me) == 0
    assert messages.unread_count(session, actor=other) == 1


def test_cannot_read_someone_elses_message(session):
    me = factories.actor(session, "candidate")
    other = factories.actor(session, "candidate")
    theirs = messages.send(session, user_id=other.user_id, title="私人消息")
    with pytest.raises(NotFound):
        messages.mark_read(session, actor=me, message_id=theirs.id)
    assert messages.unread_count(session, actor=other) == 1
