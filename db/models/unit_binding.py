"""A candidate's binding to a work unit (绑定); history is kept (ended bindings stay)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamped


class UnitBinding(Timestamped, Base):
    """From `created_at` until `ended_at` (null while active) the candidate belongs to the unit.

    `previous_unit_id` is set when the binding came from a change of unit (更换单位); the ended binding
    keeps who ended it and why.
    """

    __tablename__ = "unit_binding"
    __table_args__ = (
        Index(
            "uq_unit_binding_active_candidate",
            "candidate_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_unit_binding_unit_active", "unit_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    previous_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    end_reason: Mapped[str | None] = mapped_column(String(200))
