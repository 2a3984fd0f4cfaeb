"""Manual review of real-name verification (人工审核): the queue with its claims, the case, 通过 / 不通过, flags.

A reviewer picks a case from the queue (oldest first, filtered, one page at a time, masked data only) and claims
it for `CLAIM_MINUTES`, so that two reviewers do not work on the same case; a decision is refused while
another reviewer's claim runs. The full number and the card images of a case are read only while the reader's
own claim on it runs (`open_case`, `service.image`; `NOT_HELD` otherwise); logging out releases every claim of
the reviewer (`release_all`).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from db.models import IdentityCheckAttempt, IdentityFlag, IdentityVerification, User
from portal.access import service as access
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core import storage
from portal.core.actor import Actor
from portal.core.crypto import decrypt_text, mask_name
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.core.paging import Page, page_bounds
from portal.core.timeutil import fmt, utcnow
from portal.identity.policy import current_verification
from portal.identity.vocab import DOCUMENT_TYPE_LABELS, FLAG_KIND_LABELS, VerificationStatus
from portal.message import service as messages

CLAIM_MINUTES = 15
DUPLICATE = "该证件号码已被其他账号实名认证，不能通过；请选择“不通过”并说明原因。"
STALE = "该申请已被处理或已被考生撤回，请刷新列表。"
CLAIMED = "该申请正由其他审核员处理，请选择其他申请。"
NOT_HELD = "请先领取该申请：只有在您的领取期内才能查看完整证件号码和证件照片。"

REJECT_REASONS = (
    "证件照片模糊，无法辨认证件信息，请在光线充足处重新拍摄上传。",
    "上传的不是所选证件类型的证件，请上传正确的证件照片。",
    "证件信息与填写的姓名或证件号码不一致，请核对后重新提交。",
    "证件已过有效期，请上传有效期内的证件。",
    "证件照片不完整（边角被遮挡或裁切），请完整拍摄证件正反面。",
    "该证件号码已被其他账号实名认证。",
)


def _pending():
    """SQL: the current verification waits for a reviewer."""
    return and_(IdentityVerification.status == VerificationStatus.PENDING, current_verification())


def _not_claimed_by_other(actor: Actor, now: datetime):
    """A decision is refused while another reviewer's claim (`claim`) runs."""
    return or_(
        IdentityVerification.claimed_by.is_(None),
        IdentityVerification.claimed_by == actor.user_id,
        IdentityVerification.claimed_until < now,
    )


def _refusal(session: Session, row: IdentityVerification, actor: Actor, now: datetime) -> Conflict:
    session.refresh(row)
    claimed = row.claimed_by not in (None, actor.user_id) and row.claimed_until is not None and row.claimed_until >= now
    if row.status == VerificationStatus.PENDING and row.is_current and claimed:
        return Conflict(CLAIMED)
    return Conflict(STALE)


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


def _queue_conditions(shape: tuple[bool, ...]) -> list:
    by_type, by_city, by_wait, unclaimed_only = shape
    conditions = [_pending()]
    if by_type:
        conditions.append(IdentityVerification.document_type == bindparam("document_type"))
    if by_city:
        conditions.append(IdentityVerification.region_code.like(bindparam("city_like")))
    if by_wait:
        conditions.append(IdentityVerification.submitted_at <= bindparam("submitted_before"))
    if unclaimed_only:
        conditions.append(
            or_(IdentityVerification.claimed_by.is_(None), IdentityVerification.claimed_until < bindparam("now"))
        )
    return conditions


# The queue's statements, built once per shape of the call (which filters apply), the values bound: the
# reviewer's queue reruns with the same ones, and building a statement costs more than SQLite takes to answer.
# The queue's size is a statement of its own, not a window over the page: at national scale the count reads only
# a small index (index-only) and the page walks the waiting order and stops after one page, while a window count
# made the database read and sort every waiting application first (165 ms p95 at 1,000,000 candidates, 10 ms
# with the count apart).
@functools.cache
def _queue_statement(shape: tuple[bool, ...]) -> Select:
    return (
        select(IdentityVerification)
        .where(*_queue_conditions(shape))
        .order_by(IdentityVerification.submitted_at, IdentityVerification.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


@functools.cache
def _queue_count(shape: tuple[bool, ...]) -> Select:
    return select(func.count()).select_from(IdentityVerification).where(*_queue_conditions(shape))


_OPEN_FLAGS_OF = (
    select(IdentityFlag.user_id, func.count())
    .where(IdentityFlag.user_id.in_(bindparam("users", expanding=True)), IdentityFlag.resolved_at.is_(None))
    .group_by(IdentityFlag.user_id)
)
_USERNAMES = select(User.id, User.username).where(User.id.in_(bindparam("ids", expanding=True)))


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
    if document_type and document_type not in DOCUMENT_TYPE_LABELS:
        raise ValidationFailed({"document_type": "证件类型不正确"})
    values = {"now": now, "limit": limit, "offset": offset}
    if document_type:
        values["document_type"] = document_type
    if city_code:
        from portal.stats.common import city_prefix  # deferred: stats reads identity's tables, not the reverse

        values["city_like"] = city_prefix(city_code)
    if min_wait_hours:
        values["submitted_before"] = now - timedelta(hours=min_wait_hours)
    shape = (bool(document_type), bool(city_code), bool(min_wait_hours), unclaimed_only)
    total = session.scalar(_queue_count(shape), values) or 0
    page_rows = session.scalars(_queue_statement(shape), values).all() if total > offset else []
    # Flags and claimers only for the rows of this page (never for the whole queue).
    flags = {}
    if page_rows:
        users = {"users": [row.user_id for row in page_rows]}
        flags = dict(session.execute(_OPEN_FLAGS_OF, users).all())
    claimers = {row.claimed_by for row in page_rows if row.claimed_by is not None}
    names = dict(session.execute(_USERNAMES, {"ids": list(claimers)}).all()) if claimers else {}
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


_PENDING_BY_TYPE = (
    select(IdentityVerification.document_type, func.count())
    .where(_pending())
    .group_by(IdentityVerification.document_type)
)
_OPEN_FLAGS = select(func.count()).select_from(IdentityFlag).where(IdentityFlag.resolved_at.is_(None))


def queue_summary(session: Session, *, actor: Actor) -> dict[str, int]:
    """Pending count per document type, plus 'total' and 'flags' (open duplicate-number flags)."""
    authorize(session, actor, "reviewer")
    counts = dict(session.execute(_PENDING_BY_TYPE).all())
    counts["total"] = sum(counts.values())
    counts["flags"] = session.scalar(_OPEN_FLAGS) or 0
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
    if row.status != VerificationStatus.PENDING or not row.is_current:
        return Conflict(STALE)
    return Conflict(f"该申请正由审核员 {row.username} 处理（锁定至 {fmt(row.claimed_until)}），请选择其他申请。")


def _holds(row: IdentityVerification, actor: Actor, now: datetime) -> bool:
    """The actor's own claim on this pending, current case runs."""
    return (
        row.status == VerificationStatus.PENDING
        and bool(row.is_current)
        and row.claimed_by == actor.user_id
        and row.claimed_until is not None
        and row.claimed_until >= now
    )


def _require_held(row: IdentityVerification, actor: Actor) -> None:
    """Refuse a reviewer's full read of a case unless their own claim on it runs (also for `service.image`)."""
    if not _holds(row, actor, utcnow()):
        raise PermissionDenied(NOT_HELD)


def claim_until(session: Session, *, actor: Actor, verification_id: int) -> datetime | None:
    """Until when the acting reviewer holds the case, or None (not theirs, expired, decided): pages re-check it."""
    authorize(session, actor, "reviewer")
    row = session.get(IdentityVerification, verification_id)
    if row is None:
        return None
    session.refresh(row)
    return row.claimed_until if _holds(row, actor, utcnow()) else None


def release_all(session: Session, *, actor: Actor, why: str = "logout") -> int:
    """Give up every claim the reviewer holds (at logout), so other reviewers can take the cases at once.

    Returns how many were released; each release is audited (`identity.release`, summary `why`).
    """
    authorize(session, actor, "reviewer")
    held = list(
        session.scalars(
            update(IdentityVerification)
            .where(IdentityVerification.claimed_by == actor.user_id)
            .values(claimed_by=None, claimed_until=None)
            .returning(IdentityVerification.id)
            .execution_options(synchronize_session=False)
        )
    )
    for verification_id in sorted(held):
        audit.record(
            session,
            actor=actor,
            action="identity.release",
            object_type="identity_verification",
            object_id=verification_id,
            summary=why[:100],
        )
    return len(held)


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
class Case:
    """A case opened by a reviewer: full number and images."""

    id: int
    user_id: int
    username: str
    status: str
    real_name: str
    document_type: str
    document_number: str
    method: str
    auto_attempts: int
    submitted_at: datetime | None
    front_image: bytes | None
    back_image: bytes | None
    attempts: list[tuple[datetime, str, str]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FlagSummary:
    """A duplicate-number attempt for reviewers (no number shown)."""

    id: int
    user_id: int
    username: str
    other_user_id: int | None
    other_username: str | None
    kind: str
    created_at: datetime


def open_case(session: Session, *, actor: Actor, verification_id: int) -> Case:
    """The case the reviewer holds (`claim`), with the full number and the images (logged for the candidate).

    Refused (`NOT_HELD`) unless the reviewer's own claim on the pending case runs.
    """
    authorize(session, actor, "reviewer")
    row = session.get(IdentityVerification, verification_id)
    if row is None:
        raise NotFound("未找到该认证申请。")
    session.refresh(row)
    _require_held(row, actor)
    username = session.scalar(select(User.username).where(User.id == row.user_id)) or ""
    attempts = session.execute(
        select(IdentityCheckAttempt.created_at, IdentityCheckAttempt.decision, IdentityCheckAttempt.reasons)
        .where(IdentityCheckAttempt.verification_id == row.id)
        .order_by(IdentityCheckAttempt.id)
    ).all()
    flags = session.execute(
        select(IdentityFlag.created_at, User.username, IdentityFlag.kind)
        .outerjoin(User, User.id == IdentityFlag.other_user_id)
        .where(IdentityFlag.user_id == row.user_id, IdentityFlag.resolved_at.is_(None))
        .order_by(IdentityFlag.id)
    ).all()
    access.record(session, actor=actor, candidate_id=row.user_id, section="identity", action="view")
    return Case(
        id=row.id,
        user_id=row.user_id,
        username=username,
        status=row.status,
        real_name=row.real_name,
        document_type=row.document_type,
        document_number=decrypt_text(row.document_number_enc),
        method=row.method,
        auto_attempts=row.auto_attempts or 0,
        submitted_at=row.submitted_at,
        front_image=_load(row.front_image_key),
        back_image=_load(row.back_image_key),
        attempts=[(a.created_at, a.decision, a.reasons) for a in attempts],
        flags=[
            f"{fmt(created)} {FLAG_KIND_LABELS.get(kind, kind)}" + (f"（已认证账号 {other}）" if other else "")
            for created, other, kind in flags
        ],
    )


def _load(key: str | None) -> bytes | None:
    if not key or not storage.exists(key):
        return None
    return storage.load(key)


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


def _verified_elsewhere(session: Session, row: IdentityVerification) -> int | None:
    """The other account for which this application's number is already verified, if any."""
    return session.scalar(
        select(IdentityVerification.user_id).where(
            IdentityVerification.document_number_hash == row.document_number_hash,
            IdentityVerification.status == VerificationStatus.VERIFIED,
            IdentityVerification.user_id != row.user_id,
        )
    )


def _decide(session: Session, row: IdentityVerification, actor: Actor, now, *, status: str, reason) -> None:
    """Record the decision only if the case is still pending, current and not claimed by someone else."""
    result = session.execute(
        update(IdentityVerification)
        .where(
            IdentityVerification.id == row.id,
            _pending(),
            _not_claimed_by_other(actor, now),
        )
        .values(
            status=status,
            decided_at=now,
            reviewer_id=actor.user_id,
            decision_reason=reason,
            claimed_by=None,
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise _refusal(session, row, actor, now)
    session.refresh(row)


def approve(session: Session, *, actor: Actor, verification_id: int) -> None:
    """通过: the pending application becomes verified and the candidate gets a message."""
    authorize(session, actor, "reviewer")
    row = session.get(IdentityVerification, verification_id)
    if row is None:
        raise NotFound("未找到该认证申请。")
    if row.status != VerificationStatus.PENDING or not row.is_current:
        raise Conflict(STALE)
    if _verified_elsewhere(session, row) is not None:
        raise Conflict(DUPLICATE)
    now = utcnow()
    try:
        with session.begin_nested():
            _decide(session, row, actor, now, status=VerificationStatus.VERIFIED, reason=None)
    except IntegrityError as error:
        raise Conflict(DUPLICATE) from error
    messages.send(
        session,
        user_id=row.user_id,
        title="实名认证审核通过",
        body=f"您的实名认证已于 {fmt(now)} 人工审核通过，现在可以绑定工作单位。",
        category="identity",
    )
    access.record(session, actor=actor, candidate_id=row.user_id, section="identity", action="review")
    audit.record(
        session,
        actor=actor,
        action="identity.approve",
        object_type="identity_verification",
        object_id=row.id,
        summary=f"method={row.method}",
    )


def reject(session: Session, *, actor: Actor, verification_id: int, reason: str) -> None:
    """不通过 with a reason: the candidate sees the reason in 消息 and on the page."""
    authorize(session, actor, "reviewer")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "请填写不通过的原因"})
    if len(reason) > 500:
        raise ValidationFailed({"reason": "原因不能超过 500 字"})
    row = session.get(IdentityVerification, verification_id)
    if row is None:
        raise NotFound("未找到该认证申请。")
    now = utcnow()
    _decide(session, row, actor, now, status=VerificationStatus.REJECTED, reason=reason)
    messages.send(
        session,
        user_id=row.user_id,
        title="实名认证审核未通过",
        body=f"您的实名认证未通过人工审核（{fmt(now)}）。原因：{reason}\n请撤回认证后重新提交。",
        category="identity",
    )
    access.record(session, actor=actor, candidate_id=row.user_id, section="identity", action="review")
    audit.record(
        session,
        actor=actor,
        action="identity.reject",
        object_type="identity_verification",
        object_id=row.id,
        summary=f"method={row.method}",
    )


def open_flags(session: Session, *, actor: Actor, limit: int = 200) -> list[FlagSummary]:
    """Unresolved flags (a second account tried a verified number), newest first."""
    authorize(session, actor, "reviewer")
    other = User.__table__.alias("other_user")
    rows = session.execute(
        select(IdentityFlag, User.username, other.c.username)
        .join(User, User.id == IdentityFlag.user_id)
        .outerjoin(other, other.c.id == IdentityFlag.other_user_id)
        .where(IdentityFlag.resolved_at.is_(None))
        .order_by(IdentityFlag.id.desc())
        .limit(limit)
    )
    return [
        FlagSummary(
            id=flag.id,
            user_id=flag.user_id,
            username=username,
            other_user_id=flag.other_user_id,
            other_username=other_username,
            kind=flag.kind,
            created_at=flag.created_at,
        )
        for flag, username, other_username in rows
    ]


def resolve_flag(session: Session, *, actor: Actor, flag_id: int) -> None:
    """Mark a flag as dealt with."""
    authorize(session, actor, "reviewer")
    result = session.execute(
        update(IdentityFlag)
        .where(IdentityFlag.id == flag_id, IdentityFlag.resolved_at.is_(None))
        .values(resolved_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("该提示已处理。")
    audit.record(session, actor=actor, action="identity.resolve_flag", object_type="identity_flag", object_id=flag_id)
