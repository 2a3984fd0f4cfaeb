"""Dashboards: stored eligibility verdicts of declarations and the analysts' statistics snapshot.

`declaration_verdict` caches the 报名资格预检 verdict of each declaration (re-judged when the record's revision,
the exam year's cut-off or, for 将满足, the day changes), so that dashboards count verdicts with one GROUP BY.
`statistics_fact` holds one row per candidate and exam year with only what the aggregates need (no names, no
numbers); it is rebuilt in one INSERT … SELECT when older than a few minutes (`statistics_snapshot`), and the
small `statistics_cell` and `unit_progress` tables are aggregated from it, so every dashboard reads a few
thousand rows at most.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base

VERDICTS = ("eligible", "will_be_eligible", "not_eligible", "undetermined")


class DeclarationVerdict(Base):
    """The last eligibility verdict of one declaration, with what it was judged on."""

    __tablename__ = "declaration_verdict"
    __table_args__ = (
        CheckConstraint(f"verdict IN {VERDICTS!r}", name="verdict"),
        Index("ix_declaration_verdict_year_verdict", "exam_year_id", "verdict"),
        # the stale-verdict check's ranges: another cut-off, 将满足 judged on an earlier day
        Index("ix_declaration_verdict_year_cutoff", "exam_year_id", "cutoff_on"),
        Index("ix_declaration_verdict_year_verdict_judged", "exam_year_id", "verdict", "judged_on"),
    )

    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), primary_key=True)
    exam_year_id: Mapped[int] = mapped_column(ForeignKey("exam_year.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    cutoff_on: Mapped[date] = mapped_column(Date)
    judged_on: Mapped[date] = mapped_column(Date)
    verdict: Mapped[str] = mapped_column(String(24))


class StatisticsSnapshot(Base):
    """When the statistics facts of an exam year were last rebuilt."""

    __tablename__ = "statistics_snapshot"

    exam_year_id: Mapped[int] = mapped_column(ForeignKey("exam_year.id", ondelete="CASCADE"), primary_key=True)
    built_at: Mapped[datetime] = mapped_column(DateTime)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)


class StatisticsFact(Base):
    """One candidate's progress in one exam year, reduced to the dimensions analysts count by.

    `city_code` is the prefecture (e.g. 420100) of the bound unit, else of the verified document's region when
    it is in Hubei, else ''. Dates are China dates of each step; null when the step is not reached.
    """

    __tablename__ = "statistics_fact"
    __table_args__ = (
        Index("ix_statistics_fact_year_city", "exam_year_id", "city_code"),
        Index("ix_statistics_fact_year_registered", "exam_year_id", "registered_on"),
    )

    exam_year_id: Mapped[int] = mapped_column(ForeignKey("exam_year.id", ondelete="CASCADE"), primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    registered_on: Mapped[date | None] = mapped_column(Date)
    verified_on: Mapped[date | None] = mapped_column(Date)
    bound_on: Mapped[date | None] = mapped_column(Date)
    entered_on: Mapped[date | None] = mapped_column(Date)
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    declaration_status: Mapped[str] = mapped_column(String(24), default="")
    city_code: Mapped[str] = mapped_column(String(6), default="")
    unit_category: Mapped[str] = mapped_column(String(64), default="")
    education_level: Mapped[str] = mapped_column(String(16), default="")
    exam_level: Mapped[str] = mapped_column(String(16), default="")
    exam_category: Mapped[str] = mapped_column(String(16), default="")
    verdict: Mapped[str] = mapped_column(String(24), default="")
    unit_id: Mapped[int | None] = mapped_column(Integer)
    identity_region: Mapped[str] = mapped_column(String(6), default="")
    waiting_since: Mapped[datetime | None] = mapped_column(DateTime)


class StatisticsCell(Base):
    """Pre-aggregated counts of one exam year's snapshot: per dimension value and verdict, the candidates who
    reached each step (dimension 'day': the steps reached on that China day, `value` the ISO date)."""

    __tablename__ = "statistics_cell"

    exam_year_id: Mapped[int] = mapped_column(ForeignKey("exam_year.id", ondelete="CASCADE"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    verdict: Mapped[str] = mapped_column(String(24), primary_key=True)
    registered: Mapped[int] = mapped_column(Integer, default=0)
    verified: Mapped[int] = mapped_column(Integer, default=0)
    bound: Mapped[int] = mapped_column(Integer, default=0)
    entered: Mapped[int] = mapped_column(Integer, default=0)
    confirmed: Mapped[int] = mapped_column(Integer, default=0)


class UnitProgress(Base):
    """Per unit and exam year in the snapshot: bound candidates, records by status with the oldest wait of each
    open status, verdicts of the open entered records, verified-but-unbound candidates of the unit's county."""

    __tablename__ = "unit_progress"
    __table_args__ = (Index("ix_unit_progress_year_city", "exam_year_id", "city_code"),)

    exam_year_id: Mapped[int] = mapped_column(ForeignKey("exam_year.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), default="")
    bound: Mapped[int] = mapped_column(Integer, default=0)
    not_entered: Mapped[int] = mapped_column(Integer, default=0)
    pending: Mapped[int] = mapped_column(Integer, default=0)
    correction_requested: Mapped[int] = mapped_column(Integer, default=0)
    confirmed: Mapped[int] = mapped_column(Integer, default=0)
    open_total: Mapped[int] = mapped_column(Integer, default=0, index=True)
    oldest_not_entered: Mapped[datetime | None] = mapped_column(DateTime)
    oldest_pending: Mapped[datetime | None] = mapped_column(DateTime)
    oldest_correction_requested: Mapped[datetime | None] = mapped_column(DateTime)
    oldest_open: Mapped[datetime | None] = mapped_column(DateTime)
    v_eligible: Mapped[int] = mapped_column(Integer, default=0)
    v_will_be_eligible: Mapped[int] = mapped_column(Integer, default=0)
    v_not_eligible: Mapped[int] = mapped_column(Integer, default=0)
    v_undetermined: Mapped[int] = mapped_column(Integer, default=0)
    verified_unbound_in_region: Mapped[int] = mapped_column(Integer, default=0)
