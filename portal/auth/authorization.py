"""The gate every service passes first: does this actor have one of the roles, and is the account active."""

from __future__ import annotations

from sqlalchemy.orm import Session

from db.models import User
from portal.core.actor import Actor
from portal.core.errors import PermissionDenied


def authorize(session: Session, actor: Actor, *roles: str) -> User | None:
    """Refuse unless `actor` has one of `roles` and, for a person, is an active account."""
    if actor.is_system:
        if "system" in roles:
            return None
        raise PermissionDenied()
    if actor.role not in roles:
        raise PermissionDenied()
    user = session.get(User, actor.user_id)
    if user is None or not user.is_active or user.role != actor.role:
        raise PermissionDenied("账号已停用或不存在，请重新登录。")
    return user
