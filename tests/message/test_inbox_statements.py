"""消息's statements are built once and bound per call: two users in a row each read their own inbox, in both
shapes (all messages, only the unread ones), with the limit bound too."""

from __future__ import annotations

from portal.message import service as messages
from tests import factories


def test_two_users_in_a_row_each_read_their_own_inbox_in_both_shapes(session):
    me = factories.actor(session, "candidate")
    other = factories.actor(session, "reviewer")
    mine = [messages.send(session, user_id=me.user_id, title=f"我的消息{n}") for n in range(3)]
    theirs = [messages.send(session, user_id=other.user_id, title=f"审核员消息{n}") for n in range(2)]
    messages.mark_read(session, actor=me, message_id=mine[0].id)
    for _ in range(2):  # the statements built by the first round answer the second
        assert [m.title for m in messages.inbox(session, actor=me)] == ["我的消息2", "我的消息1", "我的消息0"]
        assert [m.title for m in messages.inbox(session, actor=other)] == ["审核员消息1", "审核员消息0"]
        assert [m.title for m in messages.inbox(session, actor=me, unread_only=True)] == ["我的消息2", "我的消息1"]
        assert len(messages.inbox(session, actor=other, unread_only=True)) == 2
        assert [m.id for m in messages.inbox(session, actor=me, limit=1)] == [mine[2].id]
        assert [m.id for m in messages.inbox(session, actor=other, unread_only=True, limit=1)] == [theirs[1].id]
        assert len(messages.inbox(session, actor=me, limit=200)) == 3
        assert messages.unread_count(session, actor=me) == 2
        assert messages.unread_count(session, actor=other) == 2
    messages.mark_all_read(session, actor=other)
    assert messages.inbox(session, actor=other, unread_only=True) == []
    assert len(messages.inbox(session, actor=me, unread_only=True)) == 2
    assert messages.unread_count(session, actor=other) == 0
