"""证件号已被占用申诉 (`appeal`) and its decision: reject, or transfer (`transfer`) the identity to the appellant.

An appeal is offered once a candidate learns that their number is verified for another account, which happens
only when a photo of the card passes the automatic check or at manual submission (flag `duplicate_proven`).
The appellant uploads the card's front and back and a 手持身份证照片 (`holding_photo`) with a short statement.

A reviewer claims the open appeal (`claim_appeal`, for `review.CLAIM_MINUTES`; the hold is kept on the
appellant's verification, `claimed_by`/`claimed_until`, the case the appeal would verify, so the queue's claim
and the appeal's are one) and, while holding it, opens the case (both accounts side by side, full values and
images; the read is access-logged for both candidates) and decides; a decision is refused while another
reviewer holds the appeal, and every decision gives the hold up. A transfer revokes the earlier verification
(`revoked`, no longer current: that account starts again at 信息填写), ends its unit binding, sets its
unconfirmed declaration data aside and tells it why; the appellant becomes verified. When the earlier account
has confirmed declaration data, a second, different reviewer must confirm the transfer (four-eyes; the
database refuses the same reviewer twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db.models import Declaration, IdentityAppeal, IdentityCheckAttempt, IdentityFlag, IdentityVerification, User
from portal.access import service as access
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core import storage
from portal.core.actor import Actor
from portal.core.crypto import decrypt_text, encrypt_text, mask_name
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.core.text import clean as clean_text
from portal.core.timeutil import fmt, utcnow
from portal.identity import policy
from portal.identity.vocab import APPEAL_STATUS_LABELS, AppealStatus, FlagKind, VerificationStatus
from portal.message import service as messages

MAX_STATEMENT = 500
OPEN = (AppealStatus.PENDING, AppealStatus.AWAITING_SECOND)
NOT_OFFERED = "当前无法提交申诉：只有在证件核验时提示“证件号码已被其他账号实名认证”后，才可申诉。"
STALE = "该申诉已被处理，请刷新列表。"
SAME_REVIEWER = "该申诉已由您做出转移决定，需由另一名审核员确认（双人复核）。"
HELD = "该申诉正由其他审核员处理，请稍后再试或选择其他申诉。"
NOT_HELD = "请先领取该申诉：只有在您的领取期内才能查看双方的完整信息和照片。"
IMAGES = (("front", "身份证人像面"), ("back", "身份证国徽面"), ("holding", "手持身份证照片"))


@dataclass(frozen=True)
class MyAppeal:
    """The appellant's view of their latest appeal."""

    id: int
    status: str
    created_at: datetime
    decided_at: datetime | None
    decision_reason: str | None

    @property
    def status_label(self) -> str:
        return APPEAL_STATUS_LABELS.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


def _duplicate_of(session: Session, row: IdentityVerification) -> IdentityVerification | None:
    """The other account's verified application with the same number."""
    return session.scalar(
        select(IdentityVerification).where(
            IdentityVerification.document_number_hash == row.document_number_hash,
            IdentityVerification.status == VerificationStatus.VERIFIED,
            IdentityVerification.user_id != row.user_id,
        )
    )


def _current(session: Session, user_id: int) -> IdentityVerification | None:
    return session.scalar(
        select(IdentityVerification).where(IdentityVerification.user_id == user_id, policy.current_verification())
    )


def appeal_offered(session: Session, *, actor: Actor) -> bool:
    """True when the candidate was told their number is taken (at the scan or manual submission) and may appeal."""
    authorize(session, actor, "candidate")
    row = _current(session, actor.user_id)
    if row is None or row.status == VerificationStatus.VERIFIED:
        return False
    told = session.scalar(
        select(IdentityFlag.id).where(
            IdentityFlag.user_id == actor.user_id,
            IdentityFlag.kind == FlagKind.DUPLICATE_PROVEN,
            IdentityFlag.document_number_hash == row.document_number_hash,
        )
    )
    return told is not None and _duplicate_of(session, row) is not None and _open_appeal(session, actor.user_id) is None


def _open_appeal(session: Session, user_id: int) -> IdentityAppeal | None:
    return session.scalar(
        select(IdentityAppeal).where(IdentityAppeal.appellant_id == user_id, IdentityAppeal.status.in_(OPEN))
    )


def my_appeal(session: Session, *, actor: Actor) -> MyAppeal | None:
    """The acting candidate's latest appeal, or None."""
    authorize(session, actor, "candidate")
    row = session.scalar(
        select(IdentityAppeal).where(IdentityAppeal.appellant_id == actor.user_id).order_by(IdentityAppeal.id.desc())
    )
    if row is None:
        return None
    return MyAppeal(row.id, row.status, row.created_at, row.decided_at, row.decision_reason)


def submit_appeal(
    session: Session, *, actor: Actor, front: bytes, back: bytes, holding: bytes, statement: str
) -> MyAppeal:
    """证件号已被占用申诉: the card's front and back, a 手持身份证照片 and a short statement, for a reviewer."""
    from portal.identity.check.imaging import UploadRejected, sanitize_upload
    from portal.identity.files import save_image

    authorize(session, actor, "candidate")
    if not appeal_offered(session, actor=actor):
        if _open_appeal(session, actor.user_id) is not None:
            raise Conflict("您已提交申诉，请等待审核结果。")
        raise Conflict(NOT_OFFERED)
    text = clean_text(statement, multiline=True).strip()
    errors: dict[str, str] = {}
    if not text:
        errors["statement"] = "请填写申诉说明"
    elif len(text) > MAX_STATEMENT:
        errors["statement"] = f"申诉说明不能超过 {MAX_STATEMENT} 字"
    clean: dict[str, bytes] = {}
    for (side, label), data in zip(IMAGES, (front, back, holding), strict=True):
        if not data:
            errors[side] = f"请上传{label}"
            continue
        try:
            clean[side] = sanitize_upload(data).jpeg_bytes
        except UploadRejected as rejected:
            errors[side] = f"{label}：{rejected.message}"
    if errors:
        raise ValidationFailed(errors)
    row = _current(session, actor.user_id)
    holder = _duplicate_of(session, row)
    appeal = IdentityAppeal(
        appellant_id=actor.user_id,
        holder_id=holder.user_id,
        verification_id=row.id,
        holder_verification_id=holder.id,
        status=AppealStatus.PENDING,
        statement_enc=encrypt_text(text),
        front_image_key=save_image(session, clean["front"]),
        back_image_key=save_image(session, clean["back"]),
        holding_image_key=save_image(session, clean["holding"]),
    )
    session.add(appeal)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="identity.appeal",
        object_type="identity_appeal",
        object_id=appeal.id,
        summary=f"holder user {holder.user_id}",
    )
    messages.send(
        session,
        user_id=actor.user_id,
        title="已收到您的证件号已被占用申诉",
        body=f"您的申诉已于 {fmt(appeal.created_at or utcnow())} 提交，审核员将核实后通知您结果。",
        category="identity",
    )
    return MyAppeal(appeal.id, appeal.status, appeal.created_at, None, None)


@dataclass(frozen=True)
class AppealRow:
    """One open appeal in the reviewers' list (masked)."""

    id: int
    status: str
    appellant: str
    holder: str
    masked_number: str
    masked_name: str
    created_at: datetime
    decided_by: str | None

    @property
    def status_label(self) -> str:
        return APPEAL_STATUS_LABELS.get(self.status, self.status)


# Built once: asked on every run of the reviewers' 申诉 list.
_APPELLANT, _HOLDER, _FIRST = (User.__table__.alias(name) for name in ("appellant", "holder", "first"))
_OPEN_APPEALS = (
    select(IdentityAppeal, _APPELLANT.c.username, _HOLDER.c.username, _FIRST.c.username, IdentityVerification)
    .join(_APPELLANT, _APPELLANT.c.id == IdentityAppeal.appellant_id)
    .join(_HOLDER, _HOLDER.c.id == IdentityAppeal.holder_id)
    .outerjoin(_FIRST, _FIRST.c.id == IdentityAppeal.decided_by)
    .join(IdentityVerification, IdentityVerification.id == IdentityAppeal.verification_id)
    .where(IdentityAppeal.status.in_(OPEN))
    .order_by(IdentityAppeal.id)
    .limit(bindparam("limit"))
)


def open_appeals(session: Session, *, actor: Actor, limit: int = 200) -> list[AppealRow]:
    """Appeals waiting for a decision (or for the second reviewer), oldest first, masked."""
    authorize(session, actor, "reviewer")
    rows = session.execute(_OPEN_APPEALS, {"limit": limit}).all()
    return [
        AppealRow(
            id=a.id,
            status=a.status,
            appellant=appellant_name,
            holder=holder_name,
            masked_number=v.document_number_masked,
            masked_name=mask_name(v.real_name),
            created_at=a.created_at,
            decided_by=first_name,
        )
        for a, appellant_name, holder_name, first_name, v in rows
    ]


@dataclass(frozen=True)
class Side:
    """One account of an appeal case, with its full values (shown while deciding) and its check history."""

    user_id: int
    username: str
    real_name: str
    document_number: str
    status: str
    method: str
    decided_at: datetime | None
    images: dict[str, bytes | None]
    attempts: list[tuple[datetime, str, str]] = field(default_factory=list)
    confirmed_declarations: int = 0
    bound: bool = False


@dataclass(frozen=True)
class AppealCase:
    id: int
    status: str
    statement: str
    created_at: datetime
    appellant: Side
    holder: Side
    four_eyes: bool  # a second, different reviewer must confirm a transfer
    decided_by: int | None


def _load(key: str | None) -> bytes | None:
    return storage.load(key) if key and storage.exists(key) else None


def _side(session: Session, verification: IdentityVerification, images: dict[str, str | None]) -> Side:
    from portal.unit.binding import current_binding

    username = session.scalar(select(User.username).where(User.id == verification.user_id)) or ""
    attempts = session.execute(
        select(IdentityCheckAttempt.created_at, IdentityCheckAttempt.decision, IdentityCheckAttempt.reasons)
        .join(IdentityVerification, IdentityVerification.id == IdentityCheckAttempt.verification_id)
        .where(IdentityVerification.user_id == verification.user_id)
        .order_by(IdentityCheckAttempt.id)
    ).all()
    return Side(
        user_id=verification.user_id,
        username=username,
        real_name=verification.real_name,
        document_number=decrypt_text(verification.document_number_enc),
        status=verification.status,
        method=verification.method,
        decided_at=verification.decided_at,
        images={name: _load(key) for name, key in images.items()},
        attempts=[(a.created_at, a.decision, a.reasons) for a in attempts],
        confirmed_declarations=_confirmed(session, verification.user_id),
        bound=current_binding(session, candidate_id=verification.user_id) is not None,
    )


def _confirmed(session: Session, user_id: int) -> int:
    return len(
        session.scalars(
            select(Declaration.id).where(
                Declaration.candidate_id == user_id, Declaration.confirmation_status == "confirmed"
            )
        ).all()
    )


def _get(session: Session, appeal_id: int, *, lock: bool = False) -> IdentityAppeal:
    query = select(IdentityAppeal).where(IdentityAppeal.id == appeal_id)
    if lock:
        query = query.with_for_update()
    appeal = session.scalar(query)
    if appeal is None:
        raise NotFound("未找到该申诉。")
    return appeal


def _free_for(actor: Actor, now: datetime):
    """SQL: nobody else's claim runs on the row."""
    return or_(
        IdentityVerification.claimed_by.is_(None),
        IdentityVerification.claimed_by == actor.user_id,
        IdentityVerification.claimed_until < now,
    )


def _holder_of(session: Session, appeal: IdentityAppeal) -> tuple[int | None, datetime | None]:
    """(reviewer, until) of the hold on the appeal (kept on the appellant's verification)."""
    row = session.execute(
        select(IdentityVerification.claimed_by, IdentityVerification.claimed_until).where(
            IdentityVerification.id == appeal.verification_id
        )
    ).first()
    return (row.claimed_by, row.claimed_until) if row else (None, None)


def _held_by(session: Session, appeal: IdentityAppeal, actor: Actor, now: datetime) -> bool:
    reviewer, until = _holder_of(session, appeal)
    return appeal.status in OPEN and reviewer == actor.user_id and until is not None and until >= now


def _refuse_if_held_by_other(session: Session, appeal: IdentityAppeal, actor: Actor, now: datetime) -> None:
    reviewer, until = _holder_of(session, appeal)
    if reviewer not in (None, actor.user_id) and until is not None and until >= now:
        raise Conflict(HELD)


def _give_up(session: Session, appeal: IdentityAppeal, actor: Actor) -> int:
    return session.execute(
        update(IdentityVerification)
        .where(IdentityVerification.id == appeal.verification_id, IdentityVerification.claimed_by == actor.user_id)
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def claim_appeal(session: Session, *, actor: Actor, appeal_id: int) -> datetime:
    """Hold an open appeal for `review.CLAIM_MINUTES` (renews one's own hold); refused while another holds it."""
    from portal.identity.review import CLAIM_MINUTES

    authorize(session, actor, "reviewer")
    appeal = _get(session, appeal_id)
    if appeal.status not in OPEN:
        raise Conflict(STALE)
    now = utcnow()
    until = now + timedelta(minutes=CLAIM_MINUTES)
    try:
        result = session.execute(
            update(IdentityVerification)
            .where(IdentityVerification.id == appeal.verification_id, _free_for(actor, now))
            .values(claimed_by=actor.user_id, claimed_until=until)
            .execution_options(synchronize_session=False)
        )
    except OperationalError as error:  # SQLite: another writer won the lock first
        raise Conflict(HELD) from error
    if result.rowcount != 1:
        raise Conflict(HELD)
    audit.record(
        session,
        actor=actor,
        action="identity.appeal_claim",
        object_type="identity_appeal",
        object_id=appeal.id,
        summary=f"until={until.isoformat(timespec='minutes')}",
    )
    return until


def release_appeal(session: Session, *, actor: Actor, appeal_id: int) -> bool:
    """Give up one's hold on an appeal (返回列表); True when a hold was released."""
    authorize(session, actor, "reviewer")
    appeal = _get(session, appeal_id)
    released = bool(_give_up(session, appeal, actor))
    if released:
        audit.record(
            session, actor=actor, action="identity.appeal_release", object_type="identity_appeal", object_id=appeal.id
        )
    return released


def open_appeal(session: Session, *, actor: Actor, appeal_id: int) -> AppealCase:
    """Both accounts side by side with full values and images, for deciding (logged for both candidates).

    Only for the reviewer holding the open appeal (`claim_appeal`); otherwise `NOT_HELD`.
    """
    authorize(session, actor, "reviewer")
    appeal = _get(session, appeal_id)
    if not _held_by(session, appeal, actor, utcnow()):
        raise PermissionDenied(NOT_HELD)
    mine = session.get(IdentityVerification, appeal.verification_id)
    theirs = session.get(IdentityVerification, appeal.holder_verification_id)
    appellant = _side(
        session,
        mine,
        {"front": appeal.front_image_key, "back": appeal.back_image_key, "holding": appeal.holding_image_key},
    )
    holder = _side(session, theirs, {"front": theirs.front_image_key, "back": theirs.back_image_key})
    for user_id in (appeal.appellant_id, appeal.holder_id):
        access.record(session, actor=actor, candidate_id=user_id, section="identity", action="view")
    return AppealCase(
        id=appeal.id,
        status=appeal.status,
        statement=decrypt_text(appeal.statement_enc),
        created_at=appeal.created_at,
        appellant=appellant,
        holder=holder,
        four_eyes=holder.confirmed_declarations > 0,
        decided_by=appeal.decided_by,
    )


def _reason(reason: str) -> str:
    text = clean_text(reason, multiline=True).strip()
    if not text:
        raise ValidationFailed({"reason": "请填写处理原因"})
    if len(text) > 500:
        raise ValidationFailed({"reason": "原因不能超过 500 字"})
    return text


def reject_appeal(session: Session, *, actor: Actor, appeal_id: int, reason: str) -> None:
    """申诉不成立: the appellant is told why; nothing else changes."""
    authorize(session, actor, "reviewer")
    text = _reason(reason)
    appeal = _get(session, appeal_id, lock=True)
    if appeal.status not in OPEN:
        raise Conflict(STALE)
    now = utcnow()
    _refuse_if_held_by_other(session, appeal, actor, now)
    _give_up(session, appeal, actor)
    appeal.status = AppealStatus.REJECTED
    appeal.decision_reason = text
    appeal.decided_at = now
    if appeal.decided_by is None:
        appeal.decided_by = actor.user_id
    elif appeal.decided_by != actor.user_id:
        appeal.second_reviewer_id = actor.user_id
    session.flush()
    messages.send(
        session,
        user_id=appeal.appellant_id,
        title="证件号已被占用申诉未通过",
        body=f"您的申诉未通过审核（{fmt(now)}）。原因：{text}",
        category="identity",
    )
    access.record(session, actor=actor, candidate_id=appeal.appellant_id, section="identity", action="review")
    audit.record(
        session, actor=actor, action="identity.appeal_reject", object_type="identity_appeal", object_id=appeal.id
    )


def transfer(session: Session, *, actor: Actor, appeal_id: int, reason: str) -> str:
    """申诉成立: transfer the identity, or record the first of two decisions (four-eyes). Returns the new status."""
    authorize(session, actor, "reviewer")
    text = _reason(reason)
    appeal = _get(session, appeal_id, lock=True)
    if appeal.status not in OPEN:
        raise Conflict(STALE)
    now = utcnow()
    _refuse_if_held_by_other(session, appeal, actor, now)
    if appeal.status == AppealStatus.AWAITING_SECOND:
        if appeal.decided_by == actor.user_id:
            raise Conflict(SAME_REVIEWER)
        appeal.second_reviewer_id = actor.user_id
    elif _confirmed(session, appeal.holder_id) > 0:
        appeal.status = AppealStatus.AWAITING_SECOND
        appeal.decided_by = actor.user_id
        appeal.first_decided_at = now
        appeal.decision_reason = text
        _give_up(session, appeal, actor)  # the second reviewer may take it at once
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="identity.appeal_transfer_first",
            object_type="identity_appeal",
            object_id=appeal.id,
            summary="holder has confirmed declaration data: a second reviewer must confirm",
        )
        return appeal.status
    else:
        appeal.decided_by = actor.user_id
    _carry_out(session, appeal, actor=actor, reason=text, now=now)
    return appeal.status


def _carry_out(session: Session, appeal: IdentityAppeal, *, actor: Actor, reason: str, now: datetime) -> None:
    from portal.unit.binding import end_for_revoked_identity

    mine = session.get(IdentityVerification, appeal.verification_id)
    if not mine.is_current or mine.status == VerificationStatus.VERIFIED:
        raise Conflict("申诉人的认证申请已变化（可能已撤回），不能转移，请驳回该申诉。")
    revoked = session.execute(
        update(IdentityVerification)
        .where(
            IdentityVerification.id == appeal.holder_verification_id,
            IdentityVerification.status == VerificationStatus.VERIFIED,
        )
        .values(
            status=VerificationStatus.REVOKED, is_current=False, decision_reason=reason[:500], reviewer_id=actor.user_id
        )
        .execution_options(synchronize_session=False)
    )
    if revoked.rowcount != 1:
        raise Conflict("原账号的认证已变化，请刷新后重新处理。")
    session.flush()
    _give_up(session, appeal, actor)
    session.refresh(mine)
    mine.status = VerificationStatus.VERIFIED
    mine.decided_at = now
    mine.submitted_at = mine.submitted_at or appeal.created_at
    mine.reviewer_id = actor.user_id
    mine.decision_reason = None
    mine.front_image_key = mine.front_image_key or appeal.front_image_key
    mine.back_image_key = mine.back_image_key or appeal.back_image_key
    session.flush()
    appeal.status = AppealStatus.TRANSFERRED
    appeal.decided_at = now
    appeal.decision_reason = appeal.decision_reason or reason
    session.flush()
    end_for_revoked_identity(
        session, actor=actor, candidate_id=appeal.holder_id, reason="实名认证已被撤销（证件号申诉）"
    )
    set_aside = session.execute(
        update(Declaration)
        .where(
            Declaration.candidate_id == appeal.holder_id,
            Declaration.confirmation_status != "confirmed",
            Declaration.set_aside_at.is_(None),
        )
        .values(set_aside_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    messages.send(
        session,
        user_id=appeal.holder_id,
        title="您的实名认证已被撤销",
        body=(
            f"经审核员核实（{fmt(now)}），您账号所认证的证件已由证件持有人本人申诉认证，您的实名认证已被撤销，"
            f"工作单位绑定已解除，未确认的申报信息已暂停使用。原因：{reason}\n如有异议，请使用本人证件重新认证或联系审核员。"
        ),
        category="identity",
    )
    messages.send(
        session,
        user_id=appeal.appellant_id,
        title="证件号已被占用申诉成立",
        body=f"您的申诉已通过审核（{fmt(now)}），实名认证成功，现在可以绑定工作单位。",
        category="identity",
    )
    for user_id in (appeal.appellant_id, appeal.holder_id):
        access.record(session, actor=actor, candidate_id=user_id, section="identity", action="review")
    audit.record(
        session,
        actor=actor,
        action="identity.appeal_transfer",
        object_type="identity_appeal",
        object_id=appeal.id,
        summary=(
            f"verification {appeal.holder_verification_id} revoked, {appeal.verification_id} verified; "
            f"declarations set aside={set_aside}; second reviewer={appeal.second_reviewer_id or '-'}"
        ),
    )
