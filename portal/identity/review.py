"""Manual review of real-name verification (人工审核): the reviewers' list, the case, 通过 / 不通过, flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import IdentityCheckAttempt, IdentityFlag, IdentityVerification, User
from portal.access import service as access
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core import storage
from portal.core.actor import Actor
from portal.core.crypto import decrypt_text, mask_name
from portal.core.errors import Conflict, NotFound, ValidationFailed
from portal.core.timeutil import fmt, utcnow
from portal.message import service as messages

DECISION_LABELS = {"verified": "通过", "retake": "需重拍", "mismatch": "信息不一致", "unreadable": "无法识别"}
REASON_LABELS = {
    "blurry": "模糊",
    "glare": "反光",
    "too_dark": "过暗",
    "not_in_frame": "未完整入框",
    "too_small": "证件过小",
    "unclear": "未看清",
    "name_mismatch": "姓名不一致",
    "number_mismatch": "号码不一致",
    "invalid_number": "号码无效",
}
DUPLICATE = "该证件号码已被其他账号实名认证，不能通过；请选择“不通过”并说明原因。"
STALE = "该申请已被处理或已被考生撤回，请刷新列表。"
CLAIMED = "该申请正由其他审核员处理，请选择其他申请。"


def _not_claimed_by_other(actor: Actor, now: datetime):
    """A decision is refused while another reviewer's claim (portal.dashboard.reviewer.claim) runs."""
    return or_(
        IdentityVerification.claimed_by.is_(None),
        IdentityVerification.claimed_by == actor.user_id,
        IdentityVerification.claimed_until < now,
    )


def _refusal(session: Session, row: IdentityVerification, actor: Actor, now: datetime) -> Conflict:
    session.refresh(row)
    claimed = row.claimed_by not in (None, actor.user_id) and row.claimed_until is not None and row.claimed_until >= now
    if row.status == "pending" and row.is_current and claimed:
        return Conflict(CLAIMED)
    return Conflict(STALE)


@dataclass(frozen=True)
class CaseSummary:
    """One line of the reviewers' list (masked personal data only)."""

    id: int
    user_id: int
    username: str
    masked_name: str
    document_type: str
    method: str
    masked_number: str
    submitted_at: datetime | None
    flags: int


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


def pending_cases(session: Session, *, actor: Actor, limit: int = 200, offset: int = 0) -> list[CaseSummary]:
    """Applications waiting for manual review, oldest first (masked data only)."""
    authorize(session, actor, "reviewer")
    flags = (
        select(func.count(IdentityFlag.id))
        .where(IdentityFlag.user_id == IdentityVerification.user_id, IdentityFlag.resolved_at.is_(None))
        .correlate(IdentityVerification)
        .scalar_subquery()
    )
    rows = session.execute(
        select(IdentityVerification, User.username, flags)
        .join(User, User.id == IdentityVerification.user_id)
        .where(IdentityVerification.status == "pending", IdentityVerification.is_current.is_(True))
        .order_by(IdentityVerification.submitted_at, IdentityVerification.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        CaseSummary(
            id=row.id,
            user_id=row.user_id,
            username=username,
            masked_name=mask_name(row.real_name),
            document_type=row.document_type,
            method=row.method,
            masked_number=row.document_number_masked,
            submitted_at=row.submitted_at,
            flags=flag_count or 0,
        )
        for row, username, flag_count in rows
    ]


def pending_count(session: Session, *, actor: Actor) -> int:
    """How many applications wait for manual review."""
    authorize(session, actor, "reviewer")
    return (
        session.scalar(
            select(func.count()).where(
                IdentityVerification.status == "pending", IdentityVerification.is_current.is_(True)
            )
        )
        or 0
    )


def open_case(session: Session, *, actor: Actor, verification_id: int) -> Case:
    """A case for the reviewer with the full number and the images (the access is logged for the candidate)."""
    authorize(session, actor, "reviewer")
    row = session.get(IdentityVerification, verification_id)
    if row is None:
        raise NotFound("未找到该认证申请。")
    username = session.scalar(select(User.username).where(User.id == row.user_id)) or ""
    attempts = session.execute(
        select(IdentityCheckAttempt.created_at, IdentityCheckAttempt.decision, IdentityCheckAttempt.reasons)
        .where(IdentityCheckAttempt.verification_id == row.id)
        .order_by(IdentityCheckAttempt.id)
    ).all()
    flags = session.execute(
        select(IdentityFlag.created_at, User.username)
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
        flags=[f"{fmt(created)} 尝试填写已被账号 {other or '（已删除）'} 认证的证件号码" for created, other in flags],
    )


def _load(key: str | None) -> bytes | None:
    if not key or not storage.exists(key):
        return None
    return storage.load(key)


def _verified_elsewhere(session: Session, row: IdentityVerification) -> int | None:
    """The other account for which this application's number is already verified, if any."""
    return session.scalar(
        select(IdentityVerification.user_id).where(
            IdentityVerification.document_number_hash == row.document_number_hash,
            IdentityVerification.status == "verified",
            IdentityVerification.user_id != row.user_id,
        )
    )


def _decide(session: Session, row: IdentityVerification, actor: Actor, now, *, status: str, reason) -> None:
    """Record the decision only if the case is still pending, current and not claimed by someone else."""
    result = session.execute(
        update(IdentityVerification)
        .where(
            IdentityVerification.id == row.id,
            IdentityVerification.status == "pending",
            IdentityVerification.is_current.is_(True),
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
    if row.status != "pending" or not row.is_current:
        raise Conflict(STALE)
    if _verified_elsewhere(session, row) is not None:
        raise Conflict(DUPLICATE)
    now = utcnow()
    try:
        with session.begin_nested():
            _decide(session, row, actor, now, status="verified", reason=None)
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
    _decide(session, row, actor, now, status="rejected", reason=reason)
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
