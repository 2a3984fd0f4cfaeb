"""The acting user that every service call receives, and the roles (one enum, its Chinese labels beside it)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CANDIDATE = "candidate"
    UNIT_ADMIN = "unit_admin"
    REVIEWER = "reviewer"
    ANALYST = "analyst"
    ADMIN = "admin"
    SYSTEM = "system"


ROLE_LABELS: dict[str, str] = {
    Role.CANDIDATE: "考生",
    Role.UNIT_ADMIN: "单位管理员",
    Role.REVIEWER: "审核员",
    Role.ANALYST: "统计分析",
    Role.ADMIN: "系统管理员",
    Role.SYSTEM: "系统",
}

# The roles a person's account can have (the system actor is not an account).
ACCOUNT_ROLES: tuple[str, ...] = tuple(role.value for role in Role if role is not Role.SYSTEM)


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
        return self.role == Role.SYSTEM

    @classmethod
    def of(cls, user) -> Actor:
        """The actor of an account row (anything with id, role, username, unit_id and display_name)."""
        return cls(user.id, user.role, user.username, user.unit_id, user.display_name)


SYSTEM = Actor(user_id=None, role=Role.SYSTEM.value, username="system", display_name="系统")
