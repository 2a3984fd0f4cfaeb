"""Send, list and read messages."""

from __future__ import annotations

import functools

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from db.models import Message
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core.actor import ACCOUNT_ROLES, Actor
from portal.core.errors import NotFound
from portal.core.timeutil import utcnow

ALL_ROLES = ACCOUNT_ROLES


def send(session: Session, *, user_id: int, title: str, body: str = "", category: str = "system") -> Message:
    """Put a message in one user's inbox (called by other services, which audit their own change)."""
    message = Message(user_id=user_id, title=title[:200], body=body, category=category)
    session.add(message)
    session.flush()
    return message


# The inbox's statements, built once per shape (all messages or only the unread ones), the values bound: asked
# on every run of 消息.
@functools.cache
def _inbox_statement(unread_only: bool) -> Select:
    query = select(Message).where(Message.user_id == bindparam("user_id"))
    if unread_only:
        query = query.where(Message.read_at.is_(None))
    return query.order_by(Message.id.desc()).limit(bindparam("limit"))


def inbox(session: Session, *, actor: Actor, unread_only: bool = False, limit: int = 200) -> list[Message]:
    """The acting user's messages, newest first."""
    authorize(session, actor, *ALL_ROLES)
    return list(session.scalars(_inbox_statement(unread_only), {"user_id": actor.user_id, "limit": limit}))


# Built once: the menu's 消息 count, asked on page runs whose login check did not bring it along.
_UNREAD_COUNT = (
    select(func.count()).select_from(Message).where(Message.user_id == bindparam("user_id"), Message.read_at.is_(None))
)


def unread_count(session: Session, *, actor: Actor) -> int:
    """How many of the acting user's messages are unread."""
    authorize(session, actor, *ALL_ROLES)
    return session.scalar(_UNREAD_COUNT, {"user_id": actor.user_id}) or 0


def mark_read(session: Session, *, actor: Actor, message_id: int) -> None:
    """Mark one of the acting user's messages as read."""
    authorize(session, actor, *ALL_ROLES)
    message = session.get(Message, message_id)
    if message is None or message.user_id != actor.user_id:
        raise NotFound("消息不存在。")
    if message.read_at is None:
        message.read_at = utcnow()
        audit.record(session, actor=actor, action="message.read", object_type="message", object_id=message.id)


def mark_all_read(session: Session, *, actor: Actor) -> int:
    """Mark all of the acting user's messages as read; returns how many changed."""
    authorize(session, actor, *ALL_ROLES)
    result = session.execute(
        update(Message).where(Message.user_id == actor.user_id, Message.read_at.is_(None)).values(read_at=utcnow())
    )
    if result.rowcount:
        audit.record(
            session,
            actor=actor,
            action="message.read_all",
            object_type="user",
            object_id=actor.user_id,
            summary=f"{result.rowcount} messages",
        )
    return result.rowcount
