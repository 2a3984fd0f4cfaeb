"""未确认记录: open declaration records (未填报 / 待确认 / 待单位修改) per unit and per city with their oldest waits and
eligibility verdicts (from the snapshot), the candidates behind one unit's figures, and their export.

Every list is computed by aggregate SQL and returned one page at a time (`Page`); nothing loads a whole table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Select, and_, bindparam, case, func, select
from sqlalchemy.orm import Session

from db.models import Declaration, DeclarationVerdict, IdentityVerification, Unit, UnitBinding, UnitProgress, User
from portal.access import service as access
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.crypto import decrypt_text, mask, mask_name
from portal.core.errors import ValidationFailed
from portal.core.paging import Page, page_bounds
from portal.core.text import clean
from portal.core.timeutil import fmt
from portal.declaration.vocab import CONFIRMATION_STATUS_LABELS, ConfirmationStatus
from portal.identity.policy import verified_identity_of
from portal.progress.common import refreshed, unit_filter_clauses, unit_filter_values
from portal.stats.common import city_name, exam_year_for
from portal.stats.snapshot import OPEN_STATUSES, VERDICTS
from portal.unit.policy import active_binding


@dataclass(frozen=True)
class UnconfirmedRow:
    """Open records of one unit (or one city): counts per status, the oldest waiting since, verdict counts."""

    key: str  # unit id as text, or city code
    name: str
    region_code: str
    counts: dict[str, int]  # not_entered, pending, correction_requested, confirmed
    oldest: dict[str, datetime | None]  # per open status: since when the oldest record waits
    verdicts: dict[str, int]  # eligible, will_be_eligible, not_eligible, undetermined (open entered records)

    @property
    def open_total(self) -> int:
        return sum(self.counts.get(s, 0) for s in OPEN_STATUSES)


UNCONFIRMED_SORTS = {
    "open_total": "未确认合计",
    "not_entered": "未填报",
    "pending": "待确认",
    "correction_requested": "待单位修改",
    "oldest": "等待最久",
    "name": "名称",
}


def _row_from(key: str, name: str, region: str, values) -> UnconfirmedRow:
    """An UnconfirmedRow from a UnitProgress row or a result row with the same names.

    未填报 waits since the binding, 待确认 since the unit's last change, 待单位修改 since the candidate's request.
    """
    return UnconfirmedRow(
        key=key,
        name=name,
        region_code=region,
        counts={s: int(getattr(values, s) or 0) for s in (*OPEN_STATUSES, ConfirmationStatus.CONFIRMED)},
        oldest={s: getattr(values, f"oldest_{s}") for s in OPEN_STATUSES},
        verdicts={v: int(getattr(values, f"v_{v}") or 0) for v in VERDICTS},
    )


def unconfirmed_by_unit(
    session: Session,
    *,
    actor: Actor,
    year: int | None = None,
    city_code: str | None = None,
    query: str = "",
    only_open: bool = True,
    sort: str = "open_total",
    descending: bool = True,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """未确认记录 per unit (current bindings, snapshot): 未填报 / 待确认 / 待单位修改, oldest wait, verdict counts."""
    authorize(session, actor, "reviewer")
    limit, offset = page_bounds(page, page_size)
    if sort not in UNCONFIRMED_SORTS:
        raise ValidationFailed({"sort": "排序方式不正确"})
    exam_year = refreshed(session, actor, year)
    shape, values = unit_filter_values(city_code, None, query)
    values = {**values, "exam_year_id": exam_year.id}
    # The count on its own (not a window over the page): at national scale the page walks the sort's index and
    # stops after one page, which a count over the whole match would prevent.
    total = session.scalar(_by_unit_count(shape, only_open), values) or 0
    statement = _by_unit_statement(sort, descending, shape, only_open)
    rows = session.execute(statement, {**values, "limit": limit, "offset": offset}).all() if total > offset else []
    shown = [_row_from(str(row.id), row.name, row.region_code, row.UnitProgress) for row in rows]
    return Page(shown, total, page, page_size)


# 未确认记录's lists are asked on every run of the page: each statement is built once per shape of the call
# (sort, direction, which filters apply), the values bound.
_P = UnitProgress
_SORT_COLUMNS = {
    "open_total": _P.open_total,
    "not_entered": _P.not_entered,
    "pending": _P.pending,
    "correction_requested": _P.correction_requested,
    "oldest": _P.oldest_open,
    "name": Unit.name,
}


def _by_unit_conditions(shape: tuple[bool, ...], only_open: bool) -> list:
    conditions = [_P.exam_year_id == bindparam("exam_year_id"), *unit_filter_clauses(shape)]
    return [*conditions, _P.open_total > 0] if only_open else conditions


@cache
def _by_unit_statement(sort: str, descending: bool, shape: tuple[bool, ...], only_open: bool) -> Select:
    column = _SORT_COLUMNS[sort]
    if sort == "oldest":  # "longest waiting first" is the oldest timestamp first
        order = column.asc() if descending else column.desc()
    else:
        order = column.desc() if descending else column.asc()
    return (
        select(Unit.id, Unit.name, Unit.region_code, _P)
        .join(_P, _P.unit_id == Unit.id)
        .where(*_by_unit_conditions(shape, only_open))
        .order_by(order, Unit.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


@cache
def _by_unit_count(shape: tuple[bool, ...], only_open: bool) -> Select:
    return (
        select(func.count())
        .select_from(_P)
        .join(Unit, _P.unit_id == Unit.id)
        .where(*_by_unit_conditions(shape, only_open))
    )


def unconfirmed_by_city(session: Session, *, actor: Actor, year: int | None = None) -> list[UnconfirmedRow]:
    """未确认记录 per prefecture-level city (of the bound unit's region code), plus the oldest waits (snapshot)."""
    authorize(session, actor, "reviewer")
    exam_year = refreshed(session, actor, year)
    rows = session.execute(_BY_CITY, {"exam_year_id": exam_year.id})
    out = [_row_from(row.city_code, city_name(row.city_code), row.city_code, row) for row in rows]
    return sorted(out, key=lambda r: (r.key == "", r.key))


# Asked on every run of 未确认记录: built once, the exam year bound.
_BY_CITY = (
    select(
        _P.city_code,
        *[func.sum(getattr(_P, s)).label(s) for s in (*OPEN_STATUSES, ConfirmationStatus.CONFIRMED)],
        *[func.min(getattr(_P, f"oldest_{s}")).label(f"oldest_{s}") for s in OPEN_STATUSES],
        *[func.sum(getattr(_P, f"v_{v}")).label(f"v_{v}") for v in VERDICTS],
    )
    .where(_P.exam_year_id == bindparam("exam_year_id"))
    .group_by(_P.city_code)
)


def verdict_totals(by_city: list[UnconfirmedRow]) -> dict[str, int]:
    """Province-wide verdict counts from the per-city rows (the same sums as `verdict_counts`, without a query)."""
    return {v: sum(row.verdicts[v] for row in by_city) for v in VERDICTS}


def verdict_counts(session: Session, *, actor: Actor, year: int | None = None) -> dict[str, int]:
    """Province-wide: eligibility verdicts of the open entered records (待确认 / 待单位修改) of bound candidates."""
    authorize(session, actor, "reviewer")
    exam_year = refreshed(session, actor, year)
    row = session.execute(_VERDICT_COUNTS, {"exam_year_id": exam_year.id}).one()
    return {v: int(n) for v, n in zip(VERDICTS, row, strict=True)}


_VERDICT_COUNTS = select(*[func.coalesce(func.sum(getattr(_P, f"v_{v}")), 0) for v in VERDICTS]).where(
    _P.exam_year_id == bindparam("exam_year_id")
)


@dataclass(frozen=True)
class OpenRecord:
    """One candidate's open record in a unit (masked name and mobile only)."""

    candidate_id: int
    masked_name: str
    masked_mobile: str
    status: str
    since: datetime | None
    verdict: str | None


def unconfirmed_candidates(
    session: Session,
    *,
    actor: Actor,
    unit_id: int,
    year: int | None = None,
    status: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """The open records of one unit, longest waiting first (each listed candidate's access log gets a view)."""
    authorize(session, actor, "reviewer")
    limit, offset = page_bounds(page, page_size)
    if status is not None and status not in OPEN_STATUSES:
        raise ValidationFailed({"status": "状态不正确"})
    exam_year = exam_year_for(session, year)
    state = func.coalesce(Declaration.confirmation_status, ConfirmationStatus.NOT_ENTERED)
    since = case(
        (state == ConfirmationStatus.NOT_ENTERED, UnitBinding.created_at),
        else_=func.coalesce(Declaration.updated_at, Declaration.created_at),
    )
    conditions = [UnitBinding.unit_id == unit_id, active_binding()]
    conditions.append(state == status if status else state.in_(OPEN_STATUSES))
    base = (
        select(
            UnitBinding.candidate_id,
            IdentityVerification.real_name,
            User.mobile,
            state.label("state"),
            since.label("since"),
            DeclarationVerdict.verdict,
        )
        .select_from(UnitBinding)
        .join(User, User.id == UnitBinding.candidate_id)
        .outerjoin(IdentityVerification, verified_identity_of(UnitBinding.candidate_id))
        .outerjoin(
            Declaration,
            and_(Declaration.candidate_id == UnitBinding.candidate_id, Declaration.exam_year_id == exam_year.id),
        )
        .outerjoin(DeclarationVerdict, DeclarationVerdict.declaration_id == Declaration.id)
        .where(*conditions)
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(since.asc(), UnitBinding.candidate_id).limit(limit).offset(offset)).all()
    for row in rows:
        access.record(session, actor=actor, candidate_id=row.candidate_id, section="declaration", action="view")
    return Page(
        [
            OpenRecord(
                row.candidate_id,
                mask_name(row.real_name) or "（未实名认证）",
                mask(row.mobile or "", keep_start=3, keep_end=4),
                row.state,
                row.since,
                row.verdict,
            )
            for row in rows
        ],
        total,
        page,
        page_size,
    )


EXPORT_PAGES = 10  # at most 5,000 rows in one export
EXPORT_REASON_MAX = 200  # the stated reason of a full export, kept in the audit log


def export_open_records(
    session: Session,
    *,
    actor: Actor,
    unit_id: int,
    full_values: bool = False,
    year: int | None = None,
    status: str | None = None,
    reason: str = "",
) -> list[dict[str, str]]:
    """Rows for the export of a unit's open records: masked, unless the reviewer explicitly asks for full values.

    Full values (name, document number, mobile) need a stated `reason` (导出原因), which is written with the
    export to the audit log; every exported candidate's access log shows the export.
    """
    authorize(session, actor, "reviewer")
    reason = clean(reason, max_length=EXPORT_REASON_MAX)
    if full_values and not reason:
        raise ValidationFailed({"reason": "导出完整信息须填写导出原因"})
    records: list[OpenRecord] = []
    for number in range(1, EXPORT_PAGES + 1):
        page = unconfirmed_candidates(
            session, actor=actor, unit_id=unit_id, year=year, status=status, page=number, page_size=500
        )
        records += page.rows
        if number >= page.pages:
            break
    full: dict[int, tuple[str, str, str]] = {}
    if full_values and records:
        ids = [row.candidate_id for row in records]
        for candidate_id, real_name, number_enc, mobile in session.execute(
            select(User.id, IdentityVerification.real_name, IdentityVerification.document_number_enc, User.mobile)
            .outerjoin(IdentityVerification, verified_identity_of(User.id))
            .where(User.id.in_(ids))
        ):
            full[candidate_id] = (real_name or "", decrypt_text(number_enc) if number_enc else "", mobile or "")
    rows = []
    for row in records:
        access.record(session, actor=actor, candidate_id=row.candidate_id, section="declaration", action="export")
        name, number, mobile = full.get(row.candidate_id, (row.masked_name, "", row.masked_mobile))
        rows.append(
            {
                "姓名": name,
                **({"证件号码": number} if full_values else {}),
                "手机号": mobile,
                "状态": CONFIRMATION_STATUS_LABELS[row.status],
                "等待起始": fmt(row.since),
                "预检结论": row.verdict or "",
            }
        )
    audit.record(
        session,
        actor=actor,
        action="export.full_values" if full_values else "export.masked",
        object_type="unit",
        object_id=unit_id,
        summary=f"open records rows={len(rows)}" + (f"; reason={reason}" if full_values else ""),
    )
    return rows
