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
    UniqueConstraint,
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
VERIFICATION_STATUSES = ("unverified", "pending", "verified", "rejected", "withdrawn", "revoked")
APPEAL_STATUSES = ("pending", "awaiting_second", "transferred", "rejected")


QUEUE_PREDICATE = "status = 'pending' AND is_current IS true"  # the reviewers' queue, as its queries say it


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
        # 待审核实名认证 at national scale: the queue's counts read only these small indexes (index-only once
        # vacuumed), its pages walk the waiting order.
        Index(
            "ix_identity_verification_queue_filters",
            "document_type",
            "region_code",
            "submitted_at",
            sqlite_where=text(QUEUE_PREDICATE),
            postgresql_where=text(QUEUE_PREDICATE),
        ),
        Index(
            "ix_identity_verification_queue_order",
            "submitted_at",
            "id",
            sqlite_where=text(QUEUE_PREDICATE),
            postgresql_where=text(QUEUE_PREDICATE),
        ),
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


class IdentityNumberTry(Base):
    """One account entered one number on one (China) day: the count of distinct accounts per number and day."""

    __tablename__ = "identity_number_try"
    __table_args__ = (UniqueConstraint("document_number_hash", "tried_on", "user_id", name="uq_identity_number_try"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_number_hash: Mapped[str] = mapped_column(String(64))
    tried_on: Mapped[date] = mapped_column(Date)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)


class IdentityAppeal(Timestamped, Base):
    """证件号已被占用申诉 (`appeal`): an account claims a number already verified for another account (`holder`).

    Decided by a reviewer: `rejected`, or `transferred` (the holder's verification becomes `revoked`, the
    appellant's becomes `verified`). When the holder had confirmed declaration data a second, different reviewer
    must confirm the transfer (`awaiting_second` until then). Statement and images are encrypted at rest.
    """

    __tablename__ = "identity_appeal"
    __table_args__ = (
        CheckConstraint(f"status IN {APPEAL_STATUSES!r}", name="status"),
        CheckConstraint("second_reviewer_id IS NULL OR second_reviewer_id <> decided_by", name="four_eyes"),
        Index(
            "uq_identity_appeal_open_appellant",
            "appellant_id",
            unique=True,
            sqlite_where=text("status IN ('pending', 'awaiting_second')"),
            postgresql_where=text("status IN ('pending', 'awaiting_second')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appellant_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    verification_id: Mapped[int] = mapped_column(ForeignKey("identity_verification.id", ondelete="CASCADE"))
    holder_verification_id: Mapped[int] = mapped_column(ForeignKey("identity_verification.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    statement_enc: Mapped[str] = mapped_column(Text)
    front_image_key: Mapped[str] = mapped_column(String(80))
    back_image_key: Mapped[str] = mapped_column(String(80))
    holding_image_key: Mapped[str] = mapped_column(String(80))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    second_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    first_decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
