"""Declaration data (申报信息): exam years, one record per candidate and year, its sections, confirmations.

Certificate numbers (毕业证号, 学历认证报告编号, 证书编号/编码) identify a person: they are stored encrypted
(`EncryptedText`) and never appear in logs or audit summaries. Certificate images are stored through
`portal.core.storage` (encrypted); only their keys are here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
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
from db.types import EncryptedText

CONFIRMATION_STATUSES = ("not_entered", "pending", "confirmed", "correction_requested")
IMAGE_SIDES = ("front", "back")
IMAGE_SLOTS = (
    "diploma",  # 学历证书
    "diploma_report",  # 学历 学信网验证报告
    "degree",  # 学位证书
    "degree_report",  # 学位 学信网验证报告
    "title",  # 专业技术资格证
    "qualification",  # 医师资格证 (item_no = position of the certificate)
    "practice",  # 医师执业证
    "first_registration",  # 首次注册时间证明
    "nurse",  # 护士执业证
)


class ExamYear(Timestamped, Base):
    """One exam year (年度, e.g. 2026年度医师资格) with its entry and confirmation windows (China dates, inclusive)."""

    __tablename__ = "exam_year"
    __table_args__ = (
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("entry_closes_on >= entry_opens_on", name="entry_window"),
        CheckConstraint("confirmation_closes_on >= confirmation_opens_on", name="confirmation_window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(64))
    entry_opens_on: Mapped[date] = mapped_column(Date)
    entry_closes_on: Mapped[date] = mapped_column(Date)
    confirmation_opens_on: Mapped[date] = mapped_column(Date)
    confirmation_closes_on: Mapped[date] = mapped_column(Date)
    cutoff_on: Mapped[date] = mapped_column(Date)  # eligibility cut-off, default 31 August of `year`
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class Declaration(Timestamped, Base):
    """A candidate's record for one exam year, entered by the unit and confirmed by the candidate.

    `revision` grows with every change of content; `confirmed_revision` is the revision the candidate confirmed
    (with `confirmed_hash`, the SHA-256 of the canonical snapshot, and `confirmed_at`).
    `has_nurse_certificate`: None not answered yet, False 无此信息, True a certificate is entered.
    """

    __tablename__ = "declaration"
    __table_args__ = (
        UniqueConstraint("exam_year_id", "candidate_id", name="uq_declaration_year_candidate"),
        CheckConstraint(f"confirmation_status IN {CONFIRMATION_STATUSES!r}", name="confirmation_status"),
        CheckConstraint("revision >= 0", name="revision"),
        CheckConstraint(
            "(confirmed_at IS NULL) = (confirmed_hash IS NULL)",
            name="confirmed_pair",
        ),
        CheckConstraint(
            "confirmation_status <> 'confirmed' OR confirmed_hash IS NOT NULL",
            name="confirmed_has_hash",
        ),
        Index("ix_declaration_year_unit_status", "exam_year_id", "unit_id", "confirmation_status"),
        Index("ix_declaration_year_updated", "exam_year_id", "updated_at"),  # records changed since (verdicts)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_year_id: Mapped[int] = mapped_column(ForeignKey("exam_year.id", ondelete="RESTRICT"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    confirmation_status: Mapped[str] = mapped_column(String(24), default="not_entered")
    exam_level: Mapped[str | None] = mapped_column(String(16))
    exam_category: Mapped[str | None] = mapped_column(String(16))
    is_assistant_upgrading: Mapped[bool | None] = mapped_column(Boolean)
    is_fresh_graduate: Mapped[bool | None] = mapped_column(Boolean)
    has_nurse_certificate: Mapped[bool | None] = mapped_column(Boolean)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_revision: Mapped[int | None] = mapped_column(Integer)
    confirmed_hash: Mapped[str | None] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Set when the candidate's verification was revoked by an appeal (转移) before they confirmed: kept, not used.
    set_aside_at: Mapped[datetime | None] = mapped_column(DateTime)


class DeclarationEducation(Base):
    """学历信息 (one per declaration)."""

    __tablename__ = "declaration_education"
    __table_args__ = (
        CheckConstraint("graduated_on > enrolled_on", name="graduation_after_enrolment"),
        CheckConstraint("schooling_years BETWEEN 1 AND 11", name="schooling_years"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), unique=True)
    education_level: Mapped[str] = mapped_column(String(16))
    study_form: Mapped[str] = mapped_column(String(32))
    enrolled_on: Mapped[date] = mapped_column(Date)
    graduated_on: Mapped[date] = mapped_column(Date)
    school: Mapped[str] = mapped_column(String(100))
    schooling_years: Mapped[int] = mapped_column(Integer)
    major_type: Mapped[str] = mapped_column(String(32))
    major: Mapped[str] = mapped_column(String(64))
    diploma_number: Mapped[str] = mapped_column(EncryptedText)
    degree_report_number: Mapped[str | None] = mapped_column(EncryptedText)


class DeclarationTitle(Base):
    """专业技术职称 (at most one per declaration)."""

    __tablename__ = "declaration_title"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), unique=True)
    series: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16))
    specialty: Mapped[str] = mapped_column(String(64))
    obtained_by: Mapped[str] = mapped_column(String(16))
    route: Mapped[str | None] = mapped_column(String(16))
    approved_on: Mapped[date] = mapped_column(Date)
    certificate_number: Mapped[str | None] = mapped_column(EncryptedText)
    is_provincial_line: Mapped[bool | None] = mapped_column(Boolean)
    is_grassroots_senior: Mapped[bool | None] = mapped_column(Boolean)
    appointed_on: Mapped[date | None] = mapped_column(Date)


class QualificationCertificate(Base):
    """医师资格证 (several per declaration, e.g. 执业助理医师 then 执业医师), in `position` order."""

    __tablename__ = "declaration_qualification_certificate"
    __table_args__ = (
        UniqueConstraint("declaration_id", "position", name="uq_qualification_certificate_position"),
        CheckConstraint("position >= 1", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    issued_on: Mapped[date] = mapped_column(Date)
    certificate_code: Mapped[str] = mapped_column(EncryptedText)


class PracticeCertificate(Base):
    """医师执业证 (at most one per declaration)."""

    __tablename__ = "declaration_practice_certificate"
    __table_args__ = (
        CheckConstraint("first_registered_on IS NULL OR first_registered_on <= issued_on", name="first_registration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), unique=True)
    practice_level: Mapped[str] = mapped_column(String(16))
    practice_category: Mapped[str] = mapped_column(String(16))
    issued_on: Mapped[date] = mapped_column(Date)
    issuer: Mapped[str] = mapped_column(String(100))
    practice_location: Mapped[str] = mapped_column(String(100))
    practice_scope: Mapped[str] = mapped_column(String(64))
    certificate_code: Mapped[str] = mapped_column(EncryptedText)
    first_registered_on: Mapped[date | None] = mapped_column(Date)


class NurseCertificate(Base):
    """护士执业证 (at most one; `declaration.has_nurse_certificate` False records 无此信息)."""

    __tablename__ = "declaration_nurse_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), unique=True)
    certificate_code: Mapped[str] = mapped_column(EncryptedText)
    issued_on: Mapped[date] = mapped_column(Date)
    issuer: Mapped[str | None] = mapped_column(String(100))


class ProbationPeriod(Base):
    """试用期单位（当前工作单位）: one period of probation (several institutions add up), in `position` order."""

    __tablename__ = "declaration_probation"
    __table_args__ = (
        UniqueConstraint("declaration_id", "position", name="uq_probation_position"),
        CheckConstraint("work_ended_on IS NULL OR work_ended_on > work_started_on", name="end_after_start"),
        CheckConstraint("position >= 1", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    institution: Mapped[str] = mapped_column(String(200))
    post: Mapped[str] = mapped_column(String(64))
    work_started_on: Mapped[date] = mapped_column(Date)
    work_ended_on: Mapped[date | None] = mapped_column(Date)
    supervisor_name: Mapped[str] = mapped_column(String(64))


class CertificateImage(Timestamped, Base):
    """One uploaded certificate image (证书A面 = front, 证书B面 = back); the file is in private storage."""

    __tablename__ = "declaration_certificate_image"
    __table_args__ = (
        UniqueConstraint("declaration_id", "slot", "item_no", "side", name="uq_certificate_image_slot"),
        CheckConstraint(f"slot IN {IMAGE_SLOTS!r}", name="slot"),
        CheckConstraint(f"side IN {IMAGE_SIDES!r}", name="side"),
        CheckConstraint("item_no >= 1", name="item_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), index=True)
    slot: Mapped[str] = mapped_column(String(24))
    item_no: Mapped[int] = mapped_column(Integer, default=1)
    side: Mapped[str] = mapped_column(String(8))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class DeclarationChange(Timestamped, Base):
    """One changed field (label, old and new value as shown, both encrypted) at a revision of the record."""

    __tablename__ = "declaration_change"
    __table_args__ = (
        Index("ix_declaration_change_declaration_revision", "declaration_id", "revision"),
        CheckConstraint("revision >= 1", name="revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(80))
    label: Mapped[str] = mapped_column(String(120))
    # Encrypted like the numbers they may hold (diploma, report and certificate numbers).
    old_value: Mapped[str | None] = mapped_column(EncryptedText)
    new_value: Mapped[str | None] = mapped_column(EncryptedText)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class DeclarationConfirmation(Timestamped, Base):
    """Each 确认无误 of a candidate: the snapshot hash of exactly what was confirmed, at which revision."""

    __tablename__ = "declaration_confirmation"
    __table_args__ = (UniqueConstraint("declaration_id", "revision", name="uq_declaration_confirmation_revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    snapshot_hash: Mapped[str] = mapped_column(String(64))
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class CorrectionRequest(Timestamped, Base):
    """信息有误: the fields the candidate marked wrong and a short note; resolved by the unit's next change."""

    __tablename__ = "declaration_correction_request"
    __table_args__ = (
        Index(
            "uq_correction_request_open",
            "declaration_id",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
        CheckConstraint("length(fields) > 0", name="fields_present"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    fields: Mapped[str] = mapped_column(Text)  # JSON list of field keys, e.g. ["education.graduated_on"]
    note: Mapped[str] = mapped_column(String(500), default="")
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_revision: Mapped[int | None] = mapped_column(Integer)
