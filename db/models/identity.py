"""Real-name verification (实名认证): applications, automatic check attempts, duplicate-number flags."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamped

DOCUMENT_TYPES = (
    "resident_id",
    "hk_macau_permit",
    "taiwan_permit",
    "hmt_residence_permit",
    "foreign_permanent_residence",
    "passport",
)
METHODS = ("auto_id_card", "manual_id_card", "manual_other")
VERIFICATION_STATUSES = ("unverified", "pending", "verified", "rejected", "withdrawn")


class IdentityVerification(Timestamped, Base):
    """One application for real-name verification; a user has at most one current application.

    The document number is stored encrypted (`document_number_enc`) with a keyed hash for look-ups
    (`document_number_hash`); a number can be verified for one account only (partial unique index).
    """

    __tablename__ = "identity_verification"
    __table_args__ = (
        CheckConstraint(f"document_type IN {DOCUMENT_TYPES!r}", name="document_type"),
        CheckConstraint(f"method IN {METHODS!r}", name="method"),
        CheckConstraint(f"status IN {VERIFICATION_STATUSES!r}", name="status"),
        Index(
            "uq_identity_verification_current_user",
            "user_id",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
        Index(
            "uq_identity_verification_verified_number",
            "document_number_hash",
            unique=True,
            sqlite_where=text("status = 'verified'"),
            postgresql_where=text("status = 'verified'"),
        ),
        Index("ix_identity_verification_status_submitted", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    real_name: Mapped[str] = mapped_column(String(64))
    document_type: Mapped[str] = mapped_column(String(32))
    document_number_enc: Mapped[str] = mapped_column(String(255))
    document_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    document_number_masked: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(16), default="auto_id_card")
    status: Mapped[str] = mapped_column(String(16), default="unverified")
    region_code: Mapped[str] = mapped_column(String(6), default="")
    sex: Mapped[str | None] = mapped_column(String(2))
    birth_date: Mapped[date | None] = mapped_column(Date)
    auto_attempts: Mapped[int] = mapped_column(Integer, default=0)
    front_image_key: Mapped[str | None] = mapped_column(String(80))
    back_image_key: Mapped[str | None] = mapped_column(String(80))
    check_summary_enc: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)


class IdentityCheckAttempt(Timestamped, Base):
    """One run of the automatic ID card check (decision and reasons only, no personal data)."""

    __tablename__ = "identity_check_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    verification_id: Mapped[int] = mapped_column(ForeignKey("identity_verification.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[str] = mapped_column(String(200), default="")
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class IdentityFlag(Timestamped, Base):
    """Something reviewers should look at, e.g. a second account trying an already verified number."""

    __tablename__ = "identity_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32), default="duplicate_number")
    document_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    other_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
