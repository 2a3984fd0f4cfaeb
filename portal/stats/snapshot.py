"""The dashboards' snapshot: per-candidate facts, then pre-aggregated cells and per-unit progress.

Rebuilt by `refresh` when older than `MAX_AGE` (or on demand): stale verdicts are re-judged, then three
INSERT … SELECT statements and a few GROUP BYs rebuild the year's rows. Pages read only the small aggregate
tables, so each page's query stays fast at provincial scale; the price is that figures can be up to
`MAX_AGE` old (pages show 数据更新于 and offer 立即刷新). Derived data: rebuilding is not audited.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, func, insert, literal, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from db.engine import READ_ONLY
from db.models import (
    CorrectionRequest,
    Declaration,
    DeclarationEducation,
    DeclarationVerdict,
    IdentityVerification,
    StatisticsCell,
    StatisticsFact,
    StatisticsSnapshot,
    Unit,
    UnitBinding,
    UnitProgress,
    User,
)
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.errors import Conflict
from portal.core.timeutil import local, today_local, utcnow
from portal.declaration.vocab import ConfirmationStatus
from portal.eligibility.vocab import Verdict
from portal.identity.policy import current_verification
from portal.identity.vocab import VerificationStatus
from portal.stats import verdicts
from portal.stats.common import china_day, city_expression, exam_year_for
from portal.unit.policy import active_binding

MAX_AGE = timedelta(minutes=5)
DIMENSION_COLUMNS = ("city_code", "unit_category", "education_level", "exam_level", "exam_category")
STAGE_DATES = ("registered_on", "verified_on", "bound_on", "entered_on", "confirmed_on")
OPEN_STATUSES = (ConfirmationStatus.NOT_ENTERED, ConfirmationStatus.PENDING, ConfirmationStatus.CORRECTION_REQUESTED)
"""The statuses of a record still to be confirmed (未确认记录), in the order the dashboards list them."""
ENTERED_OPEN = (ConfirmationStatus.PENDING, ConfirmationStatus.CORRECTION_REQUESTED)
"""Open records the unit has entered: the ones whose eligibility verdicts the reviewers' dashboards count."""
VERDICTS = tuple(Verdict)


@dataclass(frozen=True)
class Snapshot:
    year: int
    built_at: datetime
    rows: int
    seconds: float


def _shown(year: int, row: StatisticsSnapshot) -> Snapshot:
    return Snapshot(year, row.built_at, row.rows, row.seconds)


def _fresh(row: StatisticsSnapshot | None, now: datetime) -> bool:
    """Built less than MAX_AGE ago (a snapshot built by another process after `now` counts as fresh)."""
    return row is not None and now - row.built_at < MAX_AGE


def info(session: Session, *, actor: Actor, year: int | None = None) -> Snapshot | None:
    """When the year's snapshot was built (None when never)."""
    authorize(session, actor, "reviewer", "analyst", "admin", "system")
    exam_year = exam_year_for(session, year)
    row = session.get(StatisticsSnapshot, exam_year.id)
    return None if row is None else _shown(exam_year.year, row)


def current(session: Session, *, actor: Actor, year: int | None = None) -> Snapshot | None:
    """The year's snapshot when younger than MAX_AGE, else None (a read: no lock taken)."""
    authorize(session, actor, "reviewer", "analyst", "admin", "system")
    exam_year = exam_year_for(session, year)
    row = session.get(StatisticsSnapshot, exam_year.id)
    return _shown(exam_year.year, row) if _fresh(row, utcnow()) else None


def refresh(session: Session, *, actor: Actor, year: int | None = None, force: bool = False) -> Snapshot:
    """Rebuild the year's snapshot when older than MAX_AGE (or when `force`); returns the snapshot in use.

    A fresh snapshot is checked without a lock, so viewers do not queue on its row. In a read-only unit of work
    (a page's look-ups, after the page rebuilt a stale snapshot in its own unit of work) nothing is rebuilt:
    the snapshot there is returned as it is.
    """
    authorize(session, actor, "reviewer", "analyst", "admin", "system")
    exam_year = exam_year_for(session, year)
    now = utcnow()
    row = session.get(StatisticsSnapshot, exam_year.id)
    if not force and _fresh(row, now):
        return _shown(exam_year.year, row)
    if session.info.get(READ_ONLY):
        if row is None:
            raise Conflict("统计数据尚未生成，请稍后刷新页面。")
        return _shown(exam_year.year, row)
    if row is not None:  # stale: lock it, then look again (another process may have just rebuilt it)
        session.refresh(row, with_for_update=True)
        if not force and _fresh(row, now):
            return _shown(exam_year.year, row)
    started = time.perf_counter()
    try:
        with session.begin_nested():
            if session.get_bind().dialect.name == "postgresql":
                # The rebuild's few large statements gain nothing from JIT compilation (about a second of
                # compiling per build at 200,000 candidates); for the rest of this unit of work only.
                session.execute(text("SET LOCAL jit = off"))
            if row is None:
                row = StatisticsSnapshot(exam_year_id=exam_year.id, built_at=now, rows=0, seconds=0.0)
                session.add(row)
                session.flush()
            since = row.built_at if local(row.built_at).date() == today_local() and row.rows else None
            verdicts.refresh(session, exam_year_id=exam_year.id, since=since)
            rows = _rebuild(session, exam_year.id)
            row.built_at, row.rows, row.seconds = now, rows, round(time.perf_counter() - started, 3)
            session.flush()
    except (IntegrityError, OperationalError) as error:
        raise Conflict("统计数据正在由他人更新，请稍后刷新页面。") from error
    return _shown(exam_year.year, row)


def _rebuild(session: Session, year_id: int) -> int:
    for model in (StatisticsFact, StatisticsCell, UnitProgress):
        session.execute(delete(model).where(model.exam_year_id == year_id))
    session.execute(_facts_insert(session, year_id))
    fact = StatisticsFact
    where = fact.exam_year_id == year_id
    stage_counts = [
        func.count().label("registered"),
        func.count(fact.verified_on).label("verified"),
        func.count(fact.bound_on).label("bound"),
        func.count(fact.entered_on).label("entered"),
        func.count(fact.confirmed_on).label("confirmed"),
    ]
    cell_columns = [
        "exam_year_id",
        "dimension",
        "value",
        "verdict",
        "registered",
        "verified",
        "bound",
        "entered",
        "confirmed",
    ]
    session.execute(
        insert(StatisticsCell).from_select(
            cell_columns,
            select(literal(year_id), literal("overall"), literal(""), fact.verdict, *stage_counts)
            .where(where)
            .group_by(fact.verdict),
        )
    )
    for name in DIMENSION_COLUMNS:
        column = getattr(fact, name)
        session.execute(
            insert(StatisticsCell).from_select(
                cell_columns,
                select(literal(year_id), literal(name), column, fact.verdict, *stage_counts)
                .where(where)
                .group_by(column, fact.verdict),
            )
        )
    per_day: dict[str, list[int]] = {}
    for index, name in enumerate(STAGE_DATES):
        column = getattr(fact, name)
        for day, count in session.execute(
            select(column, func.count()).where(where, column.is_not(None)).group_by(column)
        ):
            per_day.setdefault(str(day), [0] * len(STAGE_DATES))[index] = int(count)
    if per_day:
        session.execute(
            insert(StatisticsCell),
            [
                {
                    "exam_year_id": year_id,
                    "dimension": "day",
                    "value": day,
                    "verdict": "",
                    **dict(zip(("registered", "verified", "bound", "entered", "confirmed"), counts, strict=True)),
                }
                for day, counts in per_day.items()
            ],
        )
    session.execute(_progress_insert(year_id))
    return session.scalar(select(func.count()).select_from(fact).where(where)) or 0


def _facts_insert(session: Session, year_id: int):
    identity = and_(
        IdentityVerification.user_id == User.id,
        current_verification(),
        IdentityVerification.status == VerificationStatus.VERIFIED,
    )
    binding = and_(UnitBinding.candidate_id == User.id, active_binding())
    declaration = and_(Declaration.candidate_id == User.id, Declaration.exam_year_id == year_id)
    status = func.coalesce(Declaration.confirmation_status, ConfirmationStatus.NOT_ENTERED)
    entered = status.in_((*ENTERED_OPEN, ConfirmationStatus.CONFIRMED))
    unit_city = city_expression(Unit.region_code)
    city = case(
        (and_(Unit.id.is_not(None), unit_city != ""), unit_city),
        (IdentityVerification.id.is_not(None), city_expression(IdentityVerification.region_code)),
        else_=literal(""),
    )
    requested = (
        select(func.min(CorrectionRequest.created_at))
        .where(CorrectionRequest.declaration_id == Declaration.id, CorrectionRequest.resolved_at.is_(None))
        .correlate(Declaration)
        .scalar_subquery()
    )
    changed = func.coalesce(Declaration.updated_at, Declaration.created_at)
    waiting = case(
        (UnitBinding.id.is_(None), None),
        (status == ConfirmationStatus.NOT_ENTERED, UnitBinding.created_at),
        (status == ConfirmationStatus.PENDING, changed),
        (status == ConfirmationStatus.CORRECTION_REQUESTED, func.coalesce(requested, changed)),
        else_=None,
    )
    query = (
        select(
            literal(year_id),
            User.id,
            china_day(session, User.created_at),
            china_day(
                session,
                func.coalesce(
                    IdentityVerification.decided_at, IdentityVerification.submitted_at, IdentityVerification.created_at
                ),
            ),
            china_day(session, UnitBinding.created_at),
            case((entered, china_day(session, Declaration.created_at))),
            case(
                (
                    status == ConfirmationStatus.CONFIRMED,
                    china_day(session, func.coalesce(Declaration.confirmed_at, Declaration.created_at)),
                )
            ),
            status,
            city,
            func.coalesce(Unit.category, ""),
            case((entered, func.coalesce(DeclarationEducation.education_level, "")), else_=""),
            case((entered, func.coalesce(Declaration.exam_level, "")), else_=""),
            case((entered, func.coalesce(Declaration.exam_category, "")), else_=""),
            case((entered, func.coalesce(DeclarationVerdict.verdict, "")), else_=""),
            UnitBinding.unit_id,
            func.coalesce(IdentityVerification.region_code, ""),
            waiting,
        )
        .select_from(User)
        .outerjoin(IdentityVerification, identity)
        .outerjoin(UnitBinding, binding)
        .outerjoin(Unit, Unit.id == UnitBinding.unit_id)
        .outerjoin(Declaration, declaration)
        .outerjoin(DeclarationEducation, DeclarationEducation.declaration_id == Declaration.id)
        .outerjoin(DeclarationVerdict, DeclarationVerdict.declaration_id == Declaration.id)
        .where(User.role == "candidate")
    )
    columns = [
        "exam_year_id",
        "candidate_id",
        "registered_on",
        "verified_on",
        "bound_on",
        "entered_on",
        "confirmed_on",
        "declaration_status",
        "city_code",
        "unit_category",
        "education_level",
        "exam_level",
        "exam_category",
        "verdict",
        "unit_id",
        "identity_region",
        "waiting_since",
    ]
    return insert(StatisticsFact).from_select(columns, query)


def _progress_insert(year_id: int):
    fact = StatisticsFact
    state = fact.declaration_status

    def count(value):
        return func.sum(case((state == value, 1), else_=0))

    def oldest(value):
        return func.min(case((state == value, fact.waiting_since)))

    def votes(value):
        return func.sum(case((and_(state.in_(ENTERED_OPEN), fact.verdict == value), 1), else_=0))

    per_unit = (
        select(
            fact.unit_id.label("unit_id"),
            func.count().label("bound"),
            *[count(s).label(s) for s in (*OPEN_STATUSES, "confirmed")],
            *[oldest(s).label(f"oldest_{s}") for s in OPEN_STATUSES],
            func.min(case((state.in_(OPEN_STATUSES), fact.waiting_since))).label("oldest_open"),
            *[votes(v).label(f"v_{v}") for v in VERDICTS],
        )
        .where(fact.exam_year_id == year_id, fact.unit_id.is_not(None))
        .group_by(fact.unit_id)
        .subquery()
    )
    unbound = (
        select(fact.identity_region.label("region"), func.count().label("n"))
        .where(fact.exam_year_id == year_id, fact.verified_on.is_not(None), fact.bound_on.is_(None))
        .group_by(fact.identity_region)
        .subquery()
    )

    def zero(column):
        return func.coalesce(column, 0)

    open_total = zero(per_unit.c.not_entered) + zero(per_unit.c.pending) + zero(per_unit.c.correction_requested)
    query = (
        select(
            literal(year_id),
            Unit.id,
            city_expression(Unit.region_code),
            zero(per_unit.c.bound),
            *[zero(per_unit.c[s]) for s in (*OPEN_STATUSES, "confirmed")],
            open_total,
            *[per_unit.c[f"oldest_{s}"] for s in OPEN_STATUSES],
            per_unit.c.oldest_open,
            *[zero(per_unit.c[f"v_{v}"]) for v in VERDICTS],
            zero(unbound.c.n),
        )
        .select_from(Unit)
        .outerjoin(per_unit, per_unit.c.unit_id == Unit.id)
        .outerjoin(unbound, unbound.c.region == Unit.region_code)
    )
    columns = [
        "exam_year_id",
        "unit_id",
        "city_code",
        "bound",
        *OPEN_STATUSES,
        "confirmed",
        "open_total",
        *[f"oldest_{s}" for s in OPEN_STATUSES],
        "oldest_open",
        *[f"v_{v}" for v in VERDICTS],
        "verified_unbound_in_region",
    ]
    return insert(UnitProgress).from_select(columns, query)
