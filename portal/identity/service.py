"""Real-name verification services: the candidate's verification, its states, and what other domains read.

States of a verification (one current verification per user, `is_current`):
  fill_in → unverified (auto_id_card: scan until verified; manual_*: upload front and back)
  submit_scan (verified by the automatic check) → verified
  submit_manual → pending → approve → verified / reject → rejected
  withdraw (pending or rejected) → withdrawn, no longer current: the flow restarts with fill_in.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import keep_on_rollback
from db.models import AuditEvent, IdentityCheckAttempt, IdentityFlag, IdentityVerification
from portal.access import service as access
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core import storage
from portal.core.actor import Actor
from portal.core.crypto import decrypt_text, encrypt_text, lookup_hash, mask
from portal.core.errors import Conflict, NotFound, ValidationFailed
from portal.core.timeutil import fmt, utcnow
from portal.identity import limits, policy
from portal.identity.check import numbers
from portal.identity.check.throttle import scans
from portal.identity.files import save_image
from portal.identity.vocab import DOCUMENT_TYPE_LABELS, Decision, DocumentType, FlagKind, Method, VerificationStatus
from portal.message import service as messages

DUPLICATE_MESSAGE = (
    "该证件号码已被其他账号实名认证，同一证件只能认证一个账号。"
    "如您是该证件的本人且从未注册过其他账号，可提交“证件号已被占用申诉”（本次尝试已记录）。"
)


class DuplicateNumber(Conflict):
    """The number is already verified for another account.

    The flag for reviewers is kept even when the caller's unit of work rolls back (`keep_on_rollback`).
    """

    def __init__(self, message: str = DUPLICATE_MESSAGE):
        super().__init__(message, field="document_number")


@dataclass(frozen=True)
class VerifiedIdentity:
    """What other domains may know of a verified candidate."""

    user_id: int
    real_name: str
    document_type: str
    masked_number: str
    region_code: str
    sex: str | None
    birth_date: date | None
    verified_at: datetime | None
    verification_id: int

    def document_number(self, session: Session) -> str:
        """The full number (decrypted); only for the owner or an authorised reader."""
        row = session.get(IdentityVerification, self.verification_id)
        return decrypt_text(row.document_number_enc)


@dataclass(frozen=True)
class Verification:
    """The candidate's own view of their current verification (for the 实名认证 page)."""

    id: int
    status: str
    method: str
    real_name: str
    document_type: str
    masked_number: str
    auto_attempts: int
    attempts_before_manual: int
    submitted_at: datetime | None
    decided_at: datetime | None
    decision_reason: str | None
    has_front_image: bool
    has_back_image: bool
    scan_limit: str | None = None  # why today's attempt limits stop the automatic check, if they do

    @property
    def manual_offered(self) -> bool:
        """True once the automatic check failed often enough (or a daily limit is reached): manual review offered."""
        return self.method == Method.AUTO_ID_CARD and (
            self.auto_attempts >= self.attempts_before_manual or self.scan_limit is not None
        )

    @property
    def step(self) -> int:
        """0 信息填写, 1 证件扫描 (or waiting for review), 2 认证成功."""
        return 2 if self.status == VerificationStatus.VERIFIED else 1


@dataclass(frozen=True)
class ScanOutcome:
    """The answer of one automatic check, in plain Chinese for the page."""

    decision: str
    reasons: list[str]
    messages: list[str]
    attempts: int
    manual_offered: bool
    seconds: float


@dataclass(frozen=True)
class ScanPreview:
    """What the page shows before submitting a photo: the frame guide and outline, and the quality verdict."""

    ok: bool
    messages: list[str]
    overlay_jpeg: bytes
    decoded: object = field(default=None, repr=False, compare=False)  # the photo, decoded once (check reuses it)


# Asked on most candidate page runs: built once (building a statement costs more than running it).
_CURRENT = select(IdentityVerification).where(
    IdentityVerification.user_id == bindparam("user_id"), policy.current_verification()
)


def current(session: Session, *, user_id: int) -> IdentityVerification | None:
    """The user's current verification (None when they never started or withdrew)."""
    return session.scalar(_CURRENT, {"user_id": user_id})


def verified_identity(session: Session, *, user_id: int) -> VerifiedIdentity | None:
    """The candidate's verified identity, or None when not (yet) verified."""
    row = current(session, user_id=user_id)
    if row is None or row.status != VerificationStatus.VERIFIED:
        return None
    return VerifiedIdentity(
        user_id=row.user_id,
        real_name=row.real_name,
        document_type=row.document_type,
        masked_number=row.document_number_masked,
        region_code=row.region_code,
        sex=row.sex,
        birth_date=row.birth_date,
        verified_at=row.decided_at,
        verification_id=row.id,
    )


def status_of(session: Session, *, user_id: int) -> str:
    """unverified / pending / verified / rejected for the user's current verification."""
    row = current(session, user_id=user_id)
    return VerificationStatus.UNVERIFIED if row is None else row.status


def my_verification(session: Session, *, actor: Actor) -> Verification | None:
    """The acting candidate's current verification, or None before 信息填写 (or after a withdrawal)."""
    authorize(session, actor, "candidate")
    row = current(session, user_id=actor.user_id)
    return None if row is None else _view(row, session)


def _view(row: IdentityVerification, session: Session | None = None) -> Verification:
    limited = None
    if session is not None and row.status == VerificationStatus.UNVERIFIED and row.method == Method.AUTO_ID_CARD:
        limited = limits.scan_refusal(session, row)
    return Verification(
        id=row.id,
        status=row.status,
        method=row.method,
        real_name=row.real_name,
        document_type=row.document_type,
        masked_number=row.document_number_masked,
        auto_attempts=row.auto_attempts or 0,
        attempts_before_manual=policy.auto_check_attempts(),
        submitted_at=row.submitted_at,
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
        has_front_image=bool(row.front_image_key),
        has_back_image=bool(row.back_image_key),
        scan_limit=limited,
    )


def fill_in(
    session: Session, *, actor: Actor, real_name: str, document_type: str, document_number: str
) -> Verification:
    """信息填写: validate name, type and number; resident ID goes to the scan, other documents to manual review.

    A number verified for another account is answered like any other (flagged for reviewers, `limits.note_try`);
    the candidate learns it is taken only when a photo of the card passes the check or at manual submission.
    """
    authorize(session, actor, "candidate")
    name = re.sub(r"\s+", " ", (real_name or "").strip())
    number = numbers.normalize(document_number)
    errors: dict[str, str] = {}
    if document_type not in DOCUMENT_TYPE_LABELS:
        errors["document_type"] = "请选择证件类型"
    problem = policy.name_problem(document_type, name)
    if problem:
        errors["real_name"] = problem
    if document_type in DOCUMENT_TYPE_LABELS:
        problem = numbers.validate_document_number(document_type, number)
        if problem:
            errors["document_number"] = problem
    if errors:
        raise ValidationFailed(errors)

    row = current(session, user_id=actor.user_id)
    if row is not None and row.status == VerificationStatus.PENDING:
        raise Conflict("您的实名认证正在人工审核中，如需修改请先撤回认证。")
    if row is not None and row.status == VerificationStatus.VERIFIED:
        raise Conflict("您已完成实名认证，无需重复认证。")
    if row is not None and row.status == VerificationStatus.REJECTED:
        raise Conflict("您的实名认证未通过审核，请先撤回认证后重新填写。")

    number_hash = lookup_hash(number)
    limits.note_try(session, actor=actor, number_hash=number_hash)

    method = policy.initial_method(document_type)
    details = _details(document_type, number)
    if row is None:
        row = IdentityVerification(
            user_id=actor.user_id, is_current=True, auto_attempts=0, status=VerificationStatus.UNVERIFIED
        )
        session.add(row)
    elif row.method == Method.MANUAL_ID_CARD and document_type == DocumentType.RESIDENT_ID:
        method = Method.MANUAL_ID_CARD  # manual review was already offered; keep it
    row.real_name = name
    row.document_type = document_type
    row.document_number_enc = encrypt_text(number)
    row.document_number_hash = number_hash
    row.document_number_masked = mask(number)
    row.method = method
    row.region_code, row.sex, row.birth_date = details
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise Conflict("您已有一份进行中的实名认证申请，请刷新页面后继续。") from error
    audit.record(
        session,
        actor=actor,
        action="identity.fill_in",
        object_type="identity_verification",
        object_id=row.id,
        summary=f"document_type={document_type} method={method}",
    )
    return _view(row, session)


def _details(document_type: str, number: str) -> tuple[str, str | None, date | None]:
    """Region, sex and birth date encoded in an 18-character number (resident ID, HMT residence permit)."""
    if document_type in policy.ENCODES_DETAILS:
        return number[:6], numbers.sex(number), numbers.birth_date(number)
    return "", None, None


def _refuse_if_verified_elsewhere(session: Session, *, actor: Actor, number_hash: str) -> None:
    other = session.scalar(
        select(IdentityVerification.user_id).where(
            IdentityVerification.document_number_hash == number_hash,
            IdentityVerification.status == VerificationStatus.VERIFIED,
            IdentityVerification.user_id != actor.user_id,
        )
    )
    if other is None:
        return
    # The flag and its audit record stay even though the caller's unit of work is rolled back by the refusal.
    keep_on_rollback(
        session,
        IdentityFlag,
        {
            "user_id": actor.user_id,
            "kind": FlagKind.DUPLICATE_PROVEN,  # the candidate now knows; an appeal (appeal.py) is offered
            "document_number_hash": number_hash,
            "other_user_id": other,
        },
    )
    keep_on_rollback(
        session,
        AuditEvent,
        {
            "actor_id": actor.user_id,
            "actor_role": actor.role,
            "action": "identity.duplicate_flagged",
            "object_type": "user",
            "object_id": str(actor.user_id),
            "summary": f"number already verified for user {other}",
        },
    )
    session.flush()
    raise DuplicateNumber()


def _own_current(session: Session, actor: Actor, *, lock: bool = False) -> IdentityVerification:
    query = select(IdentityVerification).where(
        IdentityVerification.user_id == actor.user_id, policy.current_verification()
    )
    if lock:
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        raise NotFound("请先填写实名认证信息。")
    return row


def submit_scan(
    session: Session,
    *,
    actor: Actor,
    image: bytes,
    engine=None,
    capture_token: str | None = None,
    measures: dict | None = None,
    result=None,
) -> ScanOutcome:
    """证件扫描: run the automatic check on a photo of the ID card front and record the attempt.

    A live capture carries its one-time `capture_token`; an upload (no token) goes to manual review unless the
    capture policy lets uploads through the automatic check (portal.identity.capture). `result` is the
    CheckResult of this photo when it was already checked off the page (portal.identity.workers).
    """
    from portal.identity import capture
    from portal.identity.check.imaging import UploadRejected, sanitize_upload
    from portal.identity.check.pipeline import check_id_card, messages_zh

    authorize(session, actor, "candidate")
    row = _own_current(session, actor, lock=True)
    if row.status != VerificationStatus.UNVERIFIED or row.method != Method.AUTO_ID_CARD:
        raise Conflict(_not_scannable(row))
    refusal = limits.scan_refusal(session, row)
    if refusal:
        raise Conflict(refusal)
    if result is None:  # a check run off the page was counted when it was queued (scan page: reserve_scan)
        reserve_scan(session, actor=actor)
    if capture_token is not None:
        capture.consume_token(session, actor=actor, token=capture_token, measures=measures)
    try:
        clean = sanitize_upload(image)
        if capture_token is None and not capture.uploads_auto_checked():
            return capture.upload_to_manual_review(session, actor=actor, row=row, clean_jpeg=clean.jpeg_bytes)
        if result is None:
            result = check_id_card(
                image, name=row.real_name, id_number=decrypt_text(row.document_number_enc), engine=engine
            )
    except UploadRejected as rejected:
        raise ValidationFailed({"image": rejected.message}) from None

    session.add(
        IdentityCheckAttempt(
            verification_id=row.id,
            decision=result.decision,
            reasons=",".join(result.reasons)[:200],
            seconds=round(result.seconds, 3),
        )
    )
    if result.decision == Decision.VERIFIED:
        _refuse_if_verified_elsewhere(session, actor=actor, number_hash=row.document_number_hash)
        row.front_image_key = save_image(session, clean.jpeg_bytes)
        now = utcnow()
        row.status = VerificationStatus.VERIFIED
        row.submitted_at = row.submitted_at or now
        row.decided_at = now
        row.decision_reason = None
        _flush_verified(session)
        messages.send(
            session,
            user_id=actor.user_id,
            title="实名认证成功",
            body=f"您的身份证已通过自动核验（{fmt(now)}），现在可以绑定工作单位。",
            category="identity",
        )
    else:
        row.auto_attempts = (row.auto_attempts or 0) + 1
        # What the check read and why it failed, for the reviewer of a later manual review (encrypted).
        reading = {
            "decision": result.decision,
            "reasons": list(result.reasons),
            "extracted": dict(result.extracted),
            "signals": dict(result.signals),  # presentation-attack measurements (photocopy, screen, printout)
        }
        row.check_summary_enc = encrypt_text(json.dumps(reading, ensure_ascii=False, default=str))
        session.flush()
    audit.record(
        session,
        actor=actor,
        action="identity.scan",
        object_type="identity_verification",
        object_id=row.id,
        summary=f"decision={result.decision} reasons={','.join(result.reasons)} attempt={row.auto_attempts} "
        f"channel={'upload' if capture_token is None else 'live'}",
    )
    return ScanOutcome(
        decision=result.decision,
        reasons=list(result.reasons),
        messages=messages_zh(result),
        attempts=row.auto_attempts,
        manual_offered=result.decision != Decision.VERIFIED
        and (
            policy.manual_review_offered(row.method, row.auto_attempts) or limits.scan_refusal(session, row) is not None
        ),
        seconds=result.seconds,
    )


def _not_scannable(row: IdentityVerification) -> str:
    if row.status == VerificationStatus.VERIFIED:
        return "您已完成实名认证。"
    if row.status == VerificationStatus.PENDING:
        return "您的申请正在人工审核中，请等待审核结果。"
    if row.status == VerificationStatus.REJECTED:
        return "您的申请未通过审核，请先撤回认证后重新开始。"
    return "当前证件类型需人工审核，请上传证件照片。"


def preview_scan(session: Session, *, actor: Actor, image: bytes) -> ScanPreview:
    """The photo with the frame guide and the card outline, and the quality verdict (no OCR, no data), judged on a
    small copy. It holds the decoded photo: a check of the same bytes while the page keeps it does not decode again."""
    from portal.identity.check.imaging import UploadRejected, sanitize_upload
    from portal.identity.check.quality import preview

    reserve_scan(session, actor=actor)
    try:
        clean = sanitize_upload(image)
    except UploadRejected as rejected:
        raise ValidationFailed({"image": rejected.message}) from None
    ok, shown, overlay = preview(clean.preview_bgr())
    return ScanPreview(ok=ok, messages=shown, overlay_jpeg=overlay, decoded=clean)


def reserve_scan(session: Session, *, actor: Actor) -> None:
    """Count one image step (a preview or a check) against SCANS_PER_MINUTE; refused (Conflict) past it."""
    authorize(session, actor, "candidate")
    if not scans.take((actor.user_id, actor.username), policy.SCANS_PER_MINUTE):
        raise Conflict(policy.scans_per_minute_reached())


def switch_to_manual(session: Session, *, actor: Actor) -> Verification:
    """身份证（人工审核）: offered after the configured number of failed automatic checks."""
    authorize(session, actor, "candidate")
    row = _own_current(session, actor, lock=True)
    if row.status != VerificationStatus.UNVERIFIED or row.method != Method.AUTO_ID_CARD:
        raise Conflict(_not_scannable(row) if row.method == Method.AUTO_ID_CARD else "您已选择人工审核。")
    limited = limits.scan_refusal(session, row)
    if not policy.manual_review_offered(row.method, row.auto_attempts or 0) and limited is None:
        raise Conflict(policy.manual_review_not_yet())
    row.method = Method.MANUAL_ID_CARD
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="identity.switch_to_manual",
        object_type="identity_verification",
        object_id=row.id,
        summary=f"after {row.auto_attempts} automatic attempts" + (" (daily limit)" if limited else ""),
    )
    return _view(row)


def submit_manual(session: Session, *, actor: Actor, front: bytes, back: bytes) -> Verification:
    """Submit the front and back images for manual review; the verification becomes 待认证."""
    from portal.identity.check.imaging import UploadRejected, sanitize_upload

    authorize(session, actor, "candidate")
    row = _own_current(session, actor, lock=True)
    if row.status != VerificationStatus.UNVERIFIED or row.method == Method.AUTO_ID_CARD:
        if row.status == VerificationStatus.UNVERIFIED:
            raise Conflict(policy.manual_review_not_yet())
        raise Conflict(_not_scannable(row))
    errors: dict[str, str] = {}
    clean = {}
    for side, data in (("front", front), ("back", back)):
        label = "证件正面" if side == "front" else "证件反面"
        if not data:
            if side == "front" and row.front_image_key:  # kept from an upload sent to manual review
                continue
            errors[side] = f"请上传{label}照片"
            continue
        try:
            clean[side] = sanitize_upload(data).jpeg_bytes
        except UploadRejected as rejected:
            errors[side] = f"{label}：{rejected.message}"
    if errors:
        raise ValidationFailed(errors)
    _refuse_if_verified_elsewhere(session, actor=actor, number_hash=row.document_number_hash)
    if "front" in clean:
        row.front_image_key = save_image(session, clean["front"])
    row.back_image_key = save_image(session, clean["back"])
    row.status = VerificationStatus.PENDING
    row.submitted_at = utcnow()
    row.decided_at = None
    row.decision_reason = None
    row.reviewer_id = None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="identity.submit_manual",
        object_type="identity_verification",
        object_id=row.id,
        summary=f"document_type={row.document_type} method={row.method}",
    )
    return _view(row)


def withdraw(session: Session, *, actor: Actor) -> None:
    """撤回认证: a pending or rejected verification is withdrawn; the flow restarts at 信息填写."""
    authorize(session, actor, "candidate")
    row = _own_current(session, actor)
    result = session.execute(
        update(IdentityVerification)
        .where(
            IdentityVerification.id == row.id,
            policy.current_verification(),
            IdentityVerification.status.in_(policy.WITHDRAWABLE),
        )
        .values(status=VerificationStatus.WITHDRAWN, is_current=False)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(row)
        if row.status == VerificationStatus.VERIFIED:
            raise Conflict("您的实名认证已审核通过，不能撤回。")
        raise Conflict("只有待认证或审核未通过的申请可以撤回。")
    session.refresh(row)
    audit.record(
        session,
        actor=actor,
        action="identity.withdraw",
        object_type="identity_verification",
        object_id=row.id,
        summary="withdrawn by the candidate",
    )


def withdrawn_details(session: Session, *, actor: Actor) -> tuple[str, str] | None:
    """Name and document type of the candidate's last withdrawn verification (信息填写 starts from them), or None."""
    authorize(session, actor, "candidate")
    last = session.execute(
        select(IdentityVerification.real_name, IdentityVerification.document_type)
        .where(
            IdentityVerification.user_id == actor.user_id, IdentityVerification.status == VerificationStatus.WITHDRAWN
        )
        .order_by(IdentityVerification.id.desc())
        .limit(1)
    ).first()
    return None if last is None else (last.real_name, last.document_type)


def image(session: Session, *, actor: Actor, verification_id: int, side: str) -> bytes | None:
    """One stored image of a verification ("front" or "back"): for its owner, and for the reviewer holding its claim."""
    from portal.identity.review import _require_held  # deferred: the one claim rule lives in review.py

    user = authorize(session, actor, "candidate", "reviewer")
    row = session.get(IdentityVerification, verification_id)
    if row is None or (actor.role == "candidate" and row.user_id != user.id):
        raise NotFound("未找到该认证申请。")
    if actor.role == "reviewer":
        session.refresh(row)
        _require_held(row, actor)
    if side not in ("front", "back"):
        raise ValidationFailed({"side": "图片类别无效"})
    key = row.front_image_key if side == "front" else row.back_image_key
    if not key or not storage.exists(key):
        return None
    access.record(session, actor=actor, candidate_id=row.user_id, section="identity", action="view")
    return storage.load(key)


def _flush_verified(session: Session) -> None:
    """Flush a change to status 'verified'; the unique index on verified numbers is the last line of defence."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise Conflict("该证件号码已被其他账号实名认证，不能重复认证。") from error
