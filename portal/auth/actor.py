"""The acting user that every service call receives, and the role checks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from db.models import User
from portal.errors import PermissionDenied

ROLE_LABELS = {
    "candidate": "考生",
    "unit_admin": "单位管理员",
    "reviewer": "审核员",
    "analyst": "统计分析",
    "admin": "系统管理员",
    "system": "系统",
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user, or the system itself (command line, scheduled jobs)."""

    user_id: int | None
    role: str
    username: str
    unit_id: int | None = None
    display_name: str = ""

    @property
    def is_system(self) -> bool:
        return self.role == "system"

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.role, user.username, user.unit_id, user.display_name)


SYSTEM = Actor(user_id=None, role="system", username="system", display_name="系统")


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
