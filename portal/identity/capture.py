"""Capture channel policy of 身份证（自动核验）: which photos may go to the automatic check.

A photo reaches the automatic check through one of two channels:
- live: taken by the card scanner on the 证件扫描 page (pages/components/card_scanner). Every page view gets a
  one-time capture token (`issue_token`); the capture carries it back and `consume_token` accepts it once, for
  the same account, within TOKEN_MINUTES. A replayed or hand-crafted request is refused.
- upload: a file chosen by the candidate. A file can be drawn by a program, so by default it goes to manual
  review (`upload_to_manual_review`); PORTAL_ALLOW_UPLOAD_AUTO_CHECK=1 lets uploads through the automatic check
  too (offices that scan cards at a counter).

Token: "<user id>.<issued, unix seconds>.<random nonce, hex>.<HMAC>", the HMAC keyed by PORTAL_SECRET_KEY over
the other parts. Nothing is stored when a token is issued; a used token's HMAC is stored (identity_capture_use,
unique), kept even when the caller's unit of work rolls back, so it can never be used twice.
"""

from __future__ import annotations

import hmac
import logging
import math
import re
import secrets
import time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import keep_on_rollback
from db.models import IdentityCaptureUse, IdentityVerification
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.crypto import lookup_hash
from portal.core.errors import Conflict, PermissionDenied
from portal.identity import files, policy
from portal.identity.vocab import Method, VerificationStatus

log = logging.getLogger(__name__)

TOKEN_MINUTES = policy.CAPTURE_TOKEN_MINUTES
MANUAL_REVIEW = "manual_review"  # ScanOutcome.decision of an upload sent to manual review
_TOKEN = re.compile(r"^(\d{1,12})\.(\d{1,12})\.([0-9a-f]{32})\.([0-9a-f]{64})$")
INVALID = "拍摄凭证无效，请刷新页面后重新拍摄。"
EXPIRED = "拍摄凭证已过期，请重新拍摄。"
REPLAYED = "这张照片已经提交过，请重新拍摄后再提交。"
UPLOAD_TO_MANUAL = (
    "上传的照片不能用于身份证自动核验，已为您转为身份证（人工审核）："
    "已保存这张人像面照片，请再上传身份证国徽面照片后提交审核。"
)
# What the scanner may report about its shot (numbers only; anything else is dropped).
MEASURE_NAMES = ("brightness", "glare", "sharpness", "edges", "auto", "width", "height")


class CaptureRefused(PermissionDenied):
    """The capture token is missing, forged, expired, for another account, or already used."""


def _mac(user_id: int, issued: int, nonce: str) -> str:
    return lookup_hash(f"identity-capture|{user_id}|{issued}|{nonce}")


def issue_token(session: Session, *, actor: Actor) -> str:
    """A fresh one-time token for one view of the 证件扫描 page (nothing is stored until it is used)."""
    user = authorize(session, actor, "candidate")
    issued = int(time.time())
    nonce = secrets.token_hex(16)
    return f"{user.id}.{issued}.{nonce}.{_mac(user.id, issued, nonce)}"


uploads_auto_checked = policy.uploads_auto_checked


def consume_token(session: Session, *, actor: Actor, token: str, measures: dict | None = None) -> None:
    """Accept a live capture's token once; raise CaptureRefused otherwise. The use is kept on rollback."""
    user = authorize(session, actor, "candidate")
    match = _TOKEN.match(token or "")
    if match is None:
        raise CaptureRefused(INVALID)
    user_id, issued, nonce, mac = int(match[1]), int(match[2]), match[3], match[4]
    if not hmac.compare_digest(mac, _mac(user_id, issued, nonce)) or user_id != user.id:
        log.warning("capture token refused: bad signature or other account (user %s)", user.id)
        raise CaptureRefused(INVALID)
    age = time.time() - issued
    if age > TOKEN_MINUTES * 60 or age < -60:
        raise CaptureRefused(EXPIRED)
    used = session.scalar(select(IdentityCaptureUse.id).where(IdentityCaptureUse.token_hash == mac))
    if used is not None:
        log.warning("capture token replayed (user %s)", user.id)
        raise CaptureRefused(REPLAYED)
    keep_on_rollback(session, IdentityCaptureUse, {"user_id": user.id, "token_hash": mac})
    try:
        session.flush()
    except IntegrityError:  # the same token in a concurrent request: the unique index decides
        raise CaptureRefused(REPLAYED) from None
    audit.record(
        session,
        actor=actor,
        action="identity.capture",
        object_type="user_account",
        object_id=user.id,
        summary=f"live capture {describe(measures)}".strip(),
    )


def describe(measures: dict | None) -> str:
    """The scanner's measures as a short `name=value` list (numbers only, for the audit trail)."""
    parts = []
    for name in MEASURE_NAMES:
        value = (measures or {}).get(name)
        if isinstance(value, bool):
            parts.append(f"{name}={int(value)}")
        elif isinstance(value, int | float) and math.isfinite(value):
            parts.append(f"{name}={round(float(value), 3):g}")
    return " ".join(parts)


def _to_manual(session: Session, *, actor: Actor, row: IdentityVerification, reason: str) -> None:
    if row.status != VerificationStatus.UNVERIFIED or row.method != Method.AUTO_ID_CARD:
        raise Conflict("当前申请不能改为人工审核。")
    row.method = Method.MANUAL_ID_CARD
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="identity.switch_to_manual",
        object_type="identity_verification",
        object_id=row.id,
        summary=reason,
    )


def choose_manual_review(session: Session, *, actor: Actor):
    """身份证（人工审核） without a camera: the scanner found none (or no permission), the candidate chose it."""
    from portal.identity import service

    authorize(session, actor, "candidate")
    row = service._own_current(session, actor, lock=True)
    _to_manual(session, actor=actor, row=row, reason="no camera: chosen by the candidate")
    return service._view(row)


def upload_to_manual_review(session: Session, *, actor: Actor, row: IdentityVerification, clean_jpeg: bytes):
    """An uploaded front photo under the default policy: keep it as the front image, go to manual review."""
    from portal.identity import service

    _to_manual(session, actor=actor, row=row, reason="uploaded photo: manual review by policy")
    row.front_image_key = files.save_image(session, clean_jpeg)
    session.flush()
    return service.ScanOutcome(
        decision=MANUAL_REVIEW,
        reasons=["upload"],
        messages=[UPLOAD_TO_MANUAL],
        attempts=row.auto_attempts or 0,
        manual_offered=True,
        seconds=0.0,
    )
