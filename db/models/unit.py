"""Work units (工作单位)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamped

UNIT_STATUSES = ("pending", "active", "suspended")


class Unit(Timestamped, Base):
    """A medical or health institution whose staff enter candidates' declaration data."""

    __tablename__ = "unit"
    __table_args__ = (CheckConstraint(f"status IN {UNIT_STATUSES!r}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    institution_code: Mapped[str] = mapped_column(String(32), unique=True)
    superior_unit: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(64), default="")
    region_code: Mapped[str] = mapped_column(String(6), default="", index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    confirmation_code_hash: Mapped[str | None] = mapped_column(String(128))
    code_rotated_at: Mapped[datetime | None] = mapped_column(DateTime)
