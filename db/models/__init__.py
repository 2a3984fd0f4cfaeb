"""All models, imported here so that `Base.metadata` knows every table (Alembic and tests rely on it)."""

from db.base import Base
from db.models.account import ROLES, User
from db.models.audit import AuditEvent
from db.models.message import Message
from db.models.unit import Unit

__all__ = ["Base", "ROLES", "AuditEvent", "Message", "Unit", "User"]
