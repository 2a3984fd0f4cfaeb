"""Access log of personal data (授权访问消息): who other than the candidate read what, and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamped

ACCESS_ACTIONS = ("view", "edit", "export", "review", "view_denied")


class PersonalDataAccess(Timestamped, Base):
    """One read of a candidate's personal data by someone else (role and unit, not the staff member).

    `action` "view_denied" is a refused attempt (e.g. a unit whose binding has ended); `read_at_candidate`
    is when the candidate marked the entry as read in 授权访问消息.
    """

    __tablename__ = "personal_data_access"
    __table_args__ = (
        CheckConstraint(f"action IN {ACCESS_ACTIONS!r}", name="action"),
        Index("ix_personal_data_access_candidate", "candidate_id", "created_at"),
        Index("ix_personal_data_access_reader", "reader_id", "created_at"),  # a list's repeated views
        Index(
            "ix_personal_data_access_unread",
            "candidate_id",
            sqlite_where=text("read_at_candidate IS NULL"),
            postgresql_where=text("read_at_candidate IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    reader_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reader_role: Mapped[str] = mapped_column(String(16))
    reader_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    section: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    read_at_candidate: Mapped[datetime | None] = mapped_column(DateTime)
