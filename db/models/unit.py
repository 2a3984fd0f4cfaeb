"""Work units (工作单位), their registration requests (机构注册), name changes and confirmation-code failures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamped
from portal.core.pinyin import column_default as _initials_default

UNIT_STATUSES = ("pending", "active", "suspended")
REQUEST_STATUSES = ("pending", "approved", "rejected")


class Unit(Timestamped, Base):
    """A medical or health institution whose staff enter candidates' declaration data."""

    __tablename__ = "unit"
    __table_args__ = (CheckConstraint(f"status IN {UNIT_STATUSES!r}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # Pinyin initials of the name, lower case (武汉市第一医院 -> "whsdyyy"), for LIKE searches.
    name_initials: Mapped[str] = mapped_column(String(200), default=_initials_default, server_default="", index=True)
    institution_code: Mapped[str] = mapped_column(String(32), unique=True)
    superior_unit: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(64), default="")
    region_code: Mapped[str] = mapped_column(String(6), default="", index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    confirmation_code_hash: Mapped[str | None] = mapped_column(String(128))
    code_rotated_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class UnitRegistration(Timestamped, Base):
    """机构注册: a unit's responsible person asks for the unit (and their unit_admin account) to be admitted.

    The account is created disabled at submission (`user_id`); approval activates it and the unit.
    At most one pending request per institution code.
    """

    __tablename__ = "unit_registration"
    __table_args__ = (
        CheckConstraint(f"status IN {REQUEST_STATUSES!r}", name="status"),
        Index(
            "uq_unit_registration_pending_code",
            "institution_code",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_unit_registration_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    institution_code: Mapped[str] = mapped_column(String(32))
    superior_unit: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(64), default="")
    region_code: Mapped[str] = mapped_column(String(6), default="")
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_mobile: Mapped[str] = mapped_column(String(20), default="")
    # Set when the request concerns a unit already on the roster (e.g. imported) or once approved.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    created_unit: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))


class UnitNameChange(Timestamped, Base):
    """A unit_admin's request to rename their unit; a reviewer approves or rejects it."""

    __tablename__ = "unit_name_change"
    __table_args__ = (
        CheckConstraint(f"status IN {REQUEST_STATUSES!r}", name="status"),
        Index(
            "uq_unit_name_change_pending_unit",
            "unit_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    old_name: Mapped[str] = mapped_column(String(200))
    new_name: Mapped[str] = mapped_column(String(200))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))


class UnitCodeAttempt(Timestamped, Base):
    """One wrong confirmation code entered by a candidate for a unit (reviewers watch units with many)."""

    __tablename__ = "unit_code_attempt"
    __table_args__ = (Index("ix_unit_code_attempt_unit_created", "unit_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)


class UnitCodeLockout(Base):
    """Per candidate: wrong codes in a row and, after too many, until when binding is refused."""

    __tablename__ = "unit_code_lockout"

    candidate_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime)
