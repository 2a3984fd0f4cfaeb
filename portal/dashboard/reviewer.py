"""Reviewer dashboards: the verification queue with claims, unit binding status, unconfirmed records, reminders.

Every list is computed by aggregate SQL and returned one page at a time (`Page`); nothing loads a whole table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db.models import (
    Declaration,
    DeclarationVerdict,
    IdentityFlag,
    IdentityVerification,
    StatisticsCell,
    Unit,
    UnitBinding,
    UnitCodeAttempt,
    UnitProgress,
    UnitRegistration,
    User,
)
from portal.access import service as access
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.crypto import decrypt_text, mask, mask_name
from portal.core.errors import Conflict, NotFound, ValidationFailed
from portal.core.text import clean, like_escape
from portal.core.timeutil import fmt, utcnow
from portal.dashboard import snapshot
from portal.dashboard.common import Page, city_name, city_prefix, exam_year_for, page_bounds
from portal.identity.service import DOCUMENT_TYPE_LABELS
from portal.message import service as messages
from portal.unit import regions

CLAIM_MINUTES = 15
STALE = "该申请已被处理或已被考生撤回，请刷新列表。"
OPEN_STATUSES = ("not_entered", "pending", "correction_requested")
STATUS_LABELS = {
    "not_entered": "未填报",
    "pending": "待确认",
    "correction_requested": "待单位修改",
    "confirmed": "已确认",
}
VERDICT_KEYS = ("eligible", "will_be_eligible", "not_eligible", "undetermined")
MAX_REMINDERS = 5000

# ---------------------------------------------------------------------------------------------------- queue


@dataclass(frozen=True)
class QueueRow:
    """One pending verification in the queue (masked personal data only)."""

    id: int
    user_id: int
    masked_name: str
    document_type: str
    method: str
    masked_number: str
    region_code: str
    submitted_at: datetime | None
    flags: int
    claimed_by: str | None  # reviewer's username while the claim runs
    claimed_until: datetime | None

    @property
    def document_label(self) -> str:
        return DOCUMENT_TYPE_LABELS.get(self.document_type, self.document_type)


def _pending():
    return and_(IdentityVerification.status == "pending", IdentityVerification.is_current.is_(True))


def verification_queue(
    session: Session,
    *,
    actor: Actor,
    document_type: str | None = None,
    city_code: str | None = None,
    min_wait_hours: int | None = None,
    unclaimed_only: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """待审核实名认证, oldest first, filtered by document type, city (from the region code) and waiting time."""
    authorize(session, actor, "reviewer")
    limit, offset = page_bounds(page, page_size)
    now = utcnow()
    conditions = [_pending()]
    if document_type:
        if document_type not in DOCUMENT_TYPE_LABELS:
            raise ValidationFailed({"document_type": "证件类型不正确"})
        conditions.append(IdentityVerification.document_type == document_type)
    if city_code:
        conditions.append(IdentityVerification.region_code.like(city_prefix(city_code)))
    if min_wait_hours:
        conditions.append(IdentityVerification.submitted_at <= now - timedelta(hours=min_wait_hours))
    if unclaimed_only:
        conditions.append(or_(IdentityVerification.claimed_by.is_(None), IdentityVerification.claimed_until < now))
    total = session.scalar(select(func.count()).select_from(IdentityVerification).where(*conditions)) or 0
    page_rows = list(
        session.scalars(
            select(IdentityVerification)
            .where(*conditions)
            .order_by(IdentityVerification.submitted_at, IdentityVerification.id)
            .limit(limit)
            .offset(offset)
        )
    )
    # Flags and claimers only for the rows of this page (never for the whole queue).
    users = [row.user_id for row in page_rows] or [0]
    flags = dict(
        session.execute(
            select(IdentityFlag.user_id, func.count())
            .where(IdentityFlag.user_id.in_(users), IdentityFlag.resolved_at.is_(None))
            .group_by(IdentityFlag.user_id)
        ).all()
    )
    claimers = {row.claimed_by for row in page_rows if row.claimed_by is not None} or {0}
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_(claimers))).all())
    rows = [(row, flags.get(row.user_id, 0), names.get(row.claimed_by)) for row in page_rows]
    out = []
    for row, flag_count, claimer_name in rows:
        active = row.claimed_by is not None and row.claimed_until is not None and row.claimed_until >= now
        out.append(
            QueueRow(
                id=row.id,
                user_id=row.user_id,
                masked_name=mask_name(row.real_name),
                document_type=row.document_type,
                method=row.method,
                masked_number=row.document_number_masked,
                region_code=row.region_code or "",
                submitted_at=row.submitted_at,
                flags=flag_count or 0,
                claimed_by=claimer_name if active else None,
                claimed_until=row.claimed_until if active else None,
            )
        )
    return Page(out, total, page, page_size)


def queue_summary(session: Session, *, actor: Actor) -> dict[str, int]:
    """Pending count per document type, plus 'total' and 'flags' (open duplicate-number flags)."""
    authorize(session, actor, "reviewer")
    counts = dict(
        session.execute(
            select(IdentityVerification.document_type, func.count())
            .where(_pending())
            .group_by(IdentityVerification.document_type)
        ).all()
    )
    counts["total"] = sum(counts.values())
    counts["flags"] = (
        session.scalar(select(func.count()).select_from(IdentityFlag).where(IdentityFlag.resolved_at.is_(None))) or 0
    )
    return counts


def claim(session: Session, *, actor: Actor, verification_id: int) -> datetime:
    """Claim a pending case for `CLAIM_MINUTES` (renews one's own claim); refuses a case another reviewer holds.

    One conditional UPDATE decides the race: only a row that is unclaimed, claimed by this reviewer or whose
    claim has expired is changed, so of two reviewers claiming at once exactly one gets rowcount 1.
    """
    authorize(session, actor, "reviewer")
    now = utcnow()
    until = now + timedelta(minutes=CLAIM_MINUTES)
    try:
        result = session.execute(
            update(IdentityVerification)
            .where(
                IdentityVerification.id == verification_id,
                _pending(),
                or_(
                    IdentityVerification.claimed_by.is_(None),
                    IdentityVerification.claimed_by == actor.user_id,
                    IdentityVerification.claimed_until < now,
                ),
            )
            .values(claimed_by=actor.user_id, claimed_until=until)
            .execution_options(synchronize_session=False)
        )
    except OperationalError as error:  # SQLite: another writer won the lock first
        raise Conflict("该申请正由其他审核员处理，请稍后再试或选择其他申请。") from error
    if result.rowcount != 1:
        raise _claim_refusal(session, verification_id, now)
    audit.record(
        session,
        actor=actor,
        action="identity.claim",
        object_type="identity_verification",
        object_id=verification_id,
        summary=f"until={until.isoformat(timespec='minutes')}",
    )
    return until


def _claim_refusal(session: Session, verification_id: int, now: datetime) -> Exception:
    row = session.execute(
        select(
            IdentityVerification.status,
            IdentityVerification.is_current,
            IdentityVerification.claimed_until,
            User.username,
        )
        .outerjoin(User, User.id == IdentityVerification.claimed_by)
        .where(IdentityVerification.id == verification_id)
    ).first()
    if row is None:
        return NotFound("未找到该认证申请。")
    if row.status != "pending" or not row.is_current:
        return Conflict(STALE)
    return Conflict(f"该申请正由审核员 {row.username} 处理（锁定至 {fmt(row.claimed_until)}），请选择其他申请。")


def release(session: Session, *, actor: Actor, verification_id: int) -> bool:
    """Give up one's claim on a case (e.g. 返回列表); True when a claim was released."""
    authorize(session, actor, "reviewer")
    result = session.execute(
        update(IdentityVerification)
        .where(IdentityVerification.id == verification_id, IdentityVerification.claimed_by == actor.user_id)
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        audit.record(
            session,
            actor=actor,
            action="identity.release",
            object_type="identity_verification",
            object_id=verification_id,
        )
    return bool(result.rowcount)


@dataclass(frozen=True)
class AutoCheck:
    """What the automatic ID card check read on its last run and why it failed (reviewers only)."""

    decision: str
    reasons: list[str]
    extracted: dict


def auto_check(session: Session, *, actor: Actor, verification_id: int) -> AutoCheck | None:
    """The last automatic check's reading of a case the reviewer holds (None when it never ran or kept nothing)."""
    authorize(session, actor, "reviewer")
    row = session.get(IdentityVerification, verification_id)
    if row is None:
        raise NotFound("未找到该认证申请。")
    if row.claimed_by != actor.user_id:
        raise Conflict("请先打开（领取）该申请。")
    if not row.check_summary_enc:
        return None
    try:
        data = json.loads(decrypt_text(row.check_summary_enc))
    except (ValueError, TypeError):
        return None
    return AutoCheck(str(data.get("decision", "")), list(data.get("reasons") or []), dict(data.get("extracted") or {}))


REJECT_REASONS = (
    "证件照片模糊，无法辨认证件信息，请在光线充足处重新拍摄上传。",
    "上传的不是所选证件类型的证件，请上传正确的证件照片。",
    "证件信息与填写的姓名或证件号码不一致，请核对后重新提交。",
    "证件已过有效期，请上传有效期内的证件。",
    "证件照片不完整（边角被遮挡或裁切），请完整拍摄证件正反面。",
    "该证件号码已被其他账号实名认证。",
)

# ---------------------------------------------------------------------------------------------------- units


@dataclass(frozen=True)
class UnitStatusRow:
    unit_id: int
    name: str
    institution_code: str
    region_code: str
    category: str
    status: str
    bound: int
    verified_unbound_in_region: int
    code_rotated_at: datetime | None
    failed_attempts: int
    last_failed_at: datetime | None


UNIT_SORTS = {
    "bound": "已绑定考生",
    "verified_unbound": "本地区已认证未绑定",
    "failed_attempts": "确认码错误次数",
    "code_rotated_at": "最近更换确认码",
    "name": "单位名称",
}


def _refreshed(session: Session, actor: Actor, year: int | None):
    """The exam year, with the snapshot rebuilt first when it is older than its maximum age."""
    exam_year = exam_year_for(session, year)
    snapshot.refresh(session, actor=actor, year=exam_year.year)
    return exam_year


def _unit_filters(city_code: str | None, category: str | None, query: str) -> list:
    conditions = []
    if city_code:
        conditions.append(Unit.region_code.like(city_prefix(city_code)))
    if category:
        conditions.append(or_(Unit.category == category, Unit.category.like(category + "-%")))
    query = clean(query, max_length=100)
    if query:
        text = like_escape(query)
        conditions.append(
            or_(
                Unit.name.like(f"%{text}%", escape="\\"),
                Unit.institution_code.like(f"{text.upper()}%", escape="\\"),
                Unit.name_initials.like(f"{text.lower()}%", escape="\\"),
            )
        )
    return conditions


def unit_binding_status(
    session: Session,
    *,
    actor: Actor,
    year: int | None = None,
    city_code: str | None = None,
    category: str | None = None,
    query: str = "",
    sort: str = "bound",
    descending: bool = True,
    attempt_days: int = 30,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """单位绑定情况 per unit: bound candidates and verified-but-unbound candidates of its county (snapshot), last
    code rotation and wrong confirmation codes in the last `attempt_days` days (live)."""
    authorize(session, actor, "reviewer")
    limit, offset = page_bounds(page, page_size)
    if sort not in UNIT_SORTS:
        raise ValidationFailed({"sort": "排序方式不正确"})
    exam_year = _refreshed(session, actor, year)
    attempts = (
        select(UnitCodeAttempt.unit_id, func.count().label("n"), func.max(UnitCodeAttempt.created_at).label("last_at"))
        .where(UnitCodeAttempt.created_at >= utcnow() - timedelta(days=attempt_days))
        .group_by(UnitCodeAttempt.unit_id)
        .subquery()
    )
    conditions = _unit_filters(city_code, category, query)
    total = session.scalar(select(func.count()).select_from(Unit).where(*conditions)) or 0
    progress = and_(UnitProgress.unit_id == Unit.id, UnitProgress.exam_year_id == exam_year.id)
    columns = {
        "bound": func.coalesce(UnitProgress.bound, 0),
        "verified_unbound": func.coalesce(UnitProgress.verified_unbound_in_region, 0),
        "failed_attempts": func.coalesce(attempts.c.n, 0),
        "code_rotated_at": Unit.code_rotated_at,
        "name": Unit.name,
    }
    order = columns[sort].desc() if descending else columns[sort].asc()
    rows = session.execute(
        select(Unit, columns["bound"], columns["verified_unbound"], columns["failed_attempts"], attempts.c.last_at)
        .outerjoin(UnitProgress, progress)
        .outerjoin(attempts, attempts.c.unit_id == Unit.id)
        .where(*conditions)
        .order_by(order, Unit.id)
        .limit(limit)
        .offset(offset)
    )
    return Page(
        [
            UnitStatusRow(
                unit.id,
                unit.name,
                unit.institution_code,
                unit.region_code,
                unit.category,
                unit.status,
                int(n_bound),
                int(n_unbound),
                int(n_attempts),
                unit.code_rotated_at,
                last_at,
            )
            for unit, n_bound, n_unbound, n_attempts, last_at in rows
        ],
        total,
        page,
        page_size,
    )


def binding_totals(session: Session, *, actor: Actor, year: int | None = None) -> dict[str, int]:
    """Province-wide: units, active units, bound candidates, verified-but-unbound candidates, pending 机构注册."""
    authorize(session, actor, "reviewer")
    exam_year = _refreshed(session, actor, year)
    units = dict(session.execute(select(Unit.status, func.count()).group_by(Unit.status)).all())
    verified, bound = session.execute(
        select(
            func.coalesce(func.sum(StatisticsCell.verified), 0), func.coalesce(func.sum(StatisticsCell.bound), 0)
        ).where(StatisticsCell.exam_year_id == exam_year.id, StatisticsCell.dimension == "overall")
    ).one()
    registrations = (
        session.scalar(select(func.count()).select_from(UnitRegistration).where(UnitRegistration.status == "pending"))
        or 0
    )
    return {
        "units": sum(units.values()),
        "active_units": units.get("active", 0),
        "bound": int(bound),
        "verified_unbound": int(verified) - int(bound),
        "pending_registrations": registrations,
    }


# ---------------------------------------------------------------------------------------------------- unconfirmed


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
        counts={s: int(getattr(values, s) or 0) for s in (*OPEN_STATUSES, "confirmed")},
        oldest={s: getattr(values, f"oldest_{s}") for s in OPEN_STATUSES},
        verdicts={v: int(getattr(values, f"v_{v}") or 0) for v in VERDICT_KEYS},
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
    exam_year = _refreshed(session, actor, year)
    progress = UnitProgress
    conditions = [progress.exam_year_id == exam_year.id, *_unit_filters(city_code, None, query)]
    if only_open:
        conditions.append(progress.open_total > 0)
    sort_columns = {
        "open_total": progress.open_total,
        "not_entered": progress.not_entered,
        "pending": progress.pending,
        "correction_requested": progress.correction_requested,
        "oldest": progress.oldest_open,
        "name": Unit.name,
    }
    column = sort_columns[sort]
    if sort == "oldest":  # "longest waiting first" is the oldest timestamp first
        order = column.asc() if descending else column.desc()
    else:
        order = column.desc() if descending else column.asc()
    base = select(Unit, progress).join(progress, progress.unit_id == Unit.id).where(*conditions)
    total = (
        session.scalar(
            select(func.count()).select_from(progress).join(Unit, progress.unit_id == Unit.id).where(*conditions)
        )
        or 0
    )
    rows = session.execute(base.order_by(order, Unit.id).limit(limit).offset(offset))
    return Page(
        [_row_from(str(unit.id), unit.name, unit.region_code, row) for unit, row in rows], total, page, page_size
    )


def unconfirmed_by_city(session: Session, *, actor: Actor, year: int | None = None) -> list[UnconfirmedRow]:
    """未确认记录 per prefecture-level city (of the bound unit's region code), plus the oldest waits (snapshot)."""
    authorize(session, actor, "reviewer")
    exam_year = _refreshed(session, actor, year)
    p = UnitProgress
    sums = [func.sum(getattr(p, s)).label(s) for s in (*OPEN_STATUSES, "confirmed")]
    mins = [func.min(getattr(p, f"oldest_{s}")).label(f"oldest_{s}") for s in OPEN_STATUSES]
    votes = [func.sum(getattr(p, f"v_{v}")).label(f"v_{v}") for v in VERDICT_KEYS]
    rows = session.execute(
        select(p.city_code, *sums, *mins, *votes).where(p.exam_year_id == exam_year.id).group_by(p.city_code)
    )
    out = [_row_from(row.city_code, city_name(row.city_code), row.city_code, row) for row in rows]
    return sorted(out, key=lambda r: (r.key == "", r.key))


def verdict_counts(session: Session, *, actor: Actor, year: int | None = None) -> dict[str, int]:
    """Province-wide: eligibility verdicts of the open entered records (待确认 / 待单位修改) of bound candidates."""
    authorize(session, actor, "reviewer")
    exam_year = _refreshed(session, actor, year)
    p = UnitProgress
    row = session.execute(
        select(*[func.coalesce(func.sum(getattr(p, f"v_{v}")), 0) for v in VERDICT_KEYS]).where(
            p.exam_year_id == exam_year.id
        )
    ).one()
    return {v: int(n) for v, n in zip(VERDICT_KEYS, row, strict=True)}


def snapshot_time(session: Session, *, actor: Actor, year: int | None = None) -> datetime | None:
    """When the figures of the per-unit tables were computed."""
    found = snapshot.info(session, actor=actor, year=year)
    return found.built_at if found else None


def refresh_now(session: Session, *, actor: Actor, year: int | None = None) -> datetime:
    """立即刷新: rebuild the per-unit figures now (audited, as it is a reviewer's action)."""
    authorize(session, actor, "reviewer")
    built = snapshot.refresh(session, actor=actor, year=year, force=True)
    audit.record(session, actor=actor, action="dashboard.refresh", object_type="exam_year", object_id=built.year)
    return built.built_at


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
    state = func.coalesce(Declaration.confirmation_status, "not_entered")
    since = case(
        (state == "not_entered", UnitBinding.created_at),
        else_=func.coalesce(Declaration.updated_at, Declaration.created_at),
    )
    conditions = [UnitBinding.unit_id == unit_id, UnitBinding.ended_at.is_(None)]
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
        .outerjoin(
            IdentityVerification,
            and_(
                IdentityVerification.user_id == UnitBinding.candidate_id,
                IdentityVerification.is_current.is_(True),
                IdentityVerification.status == "verified",
            ),
        )
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


def export_open_records(
    session: Session,
    *,
    actor: Actor,
    unit_id: int,
    full_values: bool = False,
    year: int | None = None,
    status: str | None = None,
) -> list[dict[str, str]]:
    """Rows for the export of a unit's open records: masked, unless the reviewer explicitly asks for full values.

    Full values (name, document number, mobile) are written to the audit log, and every exported candidate's
    access log shows the export.
    """
    authorize(session, actor, "reviewer")
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
            .outerjoin(
                IdentityVerification,
                and_(
                    IdentityVerification.user_id == User.id,
                    IdentityVerification.is_current.is_(True),
                    IdentityVerification.status == "verified",
                ),
            )
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
                "状态": STATUS_LABELS[row.status],
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
        summary=f"open records rows={len(rows)}",
    )
    return rows


REMINDER_TEXT = {
    "not_entered": "您的医师资格考试申报信息尚未由单位填报，请联系所在单位尽快填报。",
    "pending": "您的医师资格考试申报信息已由单位填报，请尽快登录「医师资格考试信息确认」核对并确认。",
    "correction_requested": "您提出的申报信息修改尚待单位处理，单位修改后请再次登录确认。",
}


def remind_candidates(
    session: Session, *, actor: Actor, candidate_ids: list[int], year: int | None = None, note: str = ""
) -> int:
    """Send each listed candidate whose record is still open a reminder fitting its status; returns how many."""
    authorize(session, actor, "reviewer")
    ids = sorted(set(candidate_ids))
    if not ids:
        raise ValidationFailed({"candidates": "请选择要提醒的考生"})
    if len(ids) > MAX_REMINDERS:
        raise ValidationFailed({"candidates": f"一次最多提醒 {MAX_REMINDERS} 人"})
    exam_year = exam_year_for(session, year)
    note = (note or "").strip()[:300]
    state = func.coalesce(Declaration.confirmation_status, "not_entered")
    sent = 0
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        rows = session.execute(
            select(UnitBinding.candidate_id, state)
            .outerjoin(
                Declaration,
                and_(Declaration.candidate_id == UnitBinding.candidate_id, Declaration.exam_year_id == exam_year.id),
            )
            .where(UnitBinding.candidate_id.in_(chunk), UnitBinding.ended_at.is_(None), state.in_(OPEN_STATUSES))
        ).all()
        for candidate_id, status in rows:
            body = REMINDER_TEXT[status] + (f"\n审核员留言：{note}" if note else "")
            messages.send(
                session,
                user_id=candidate_id,
                title=f"{exam_year.name}：申报信息待处理提醒",
                body=body,
                category="reminder",
            )
            sent += 1
    audit.record(
        session,
        actor=actor,
        action="dashboard.remind_candidates",
        object_type="exam_year",
        object_id=exam_year.year,
        summary=f"selected={len(ids)} sent={sent}",
    )
    return sent


def remind_units(
    session: Session, *, actor: Actor, unit_ids: list[int], year: int | None = None, note: str = ""
) -> int:
    """Message the active unit_admin accounts of each listed unit with its open-record counts; returns messages sent."""
    authorize(session, actor, "reviewer")
    ids = sorted(set(unit_ids))
    if not ids:
        raise ValidationFailed({"units": "请选择要提醒的单位"})
    if len(ids) > MAX_REMINDERS:
        raise ValidationFailed({"units": f"一次最多提醒 {MAX_REMINDERS} 个单位"})
    exam_year = exam_year_for(session, year)
    note = (note or "").strip()[:300]
    counts = _live_unit_counts(session, exam_year.id, ids)
    admins = session.execute(
        select(User.id, User.unit_id).where(User.role == "unit_admin", User.is_active.is_(True), User.unit_id.in_(ids))
    ).all()
    sent = 0
    for user_id, unit_id in admins:
        row = counts.get(unit_id)
        if row is None or not any(row.get(s) for s in OPEN_STATUSES):
            continue
        body = (
            f"贵单位 {exam_year.name} 申报信息尚有：未填报 {row['not_entered']} 条，待考生确认 {row['pending']} 条，"
            f"待单位修改 {row['correction_requested']} 条。请在截止日期前完成填报和修改，并提醒考生及时确认。"
            + (f"\n审核员留言：{note}" if note else "")
        )
        messages.send(
            session, user_id=user_id, title=f"{exam_year.name}：未确认记录提醒", body=body, category="reminder"
        )
        sent += 1
    audit.record(
        session,
        actor=actor,
        action="dashboard.remind_units",
        object_type="exam_year",
        object_id=exam_year.year,
        summary=f"units={len(ids)} messages={sent}",
    )
    return sent


def _live_unit_counts(session: Session, exam_year_id: int, unit_ids: list[int]) -> dict[int, dict[str, int]]:
    """Open records per status of a few units, counted live (for the text of a reminder)."""
    state = func.coalesce(Declaration.confirmation_status, "not_entered")
    rows = session.execute(
        select(UnitBinding.unit_id, state, func.count())
        .outerjoin(
            Declaration,
            and_(Declaration.candidate_id == UnitBinding.candidate_id, Declaration.exam_year_id == exam_year_id),
        )
        .where(UnitBinding.unit_id.in_(unit_ids), UnitBinding.ended_at.is_(None))
        .group_by(UnitBinding.unit_id, state)
    )
    counts: dict[int, dict[str, int]] = {}
    for unit_id, status, number in rows:
        counts.setdefault(unit_id, {s: 0 for s in (*OPEN_STATUSES, "confirmed")})[status] = number
    return counts


def region_label(code: str) -> str:
    """'武汉市武昌区' for a county code ('' stays '')."""
    return regions.name_of(code) if code else ""
