"""The candidate's side of a declaration (信息确认): reading one's own record, confirming it (确认无误), asking the
unit for corrections (信息有误), uploading certificate images; and the unit's read of those images.

The candidate acts inside the confirmation window of the exam year. A confirmation binds the exact content shown
(its hash); a correction request sends the unit's admins a message and sets the record to 待单位修改.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from db.models import CertificateImage, CorrectionRequest, Declaration, DeclarationConfirmation, User
from portal.access import service as access
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core import storage
from portal.core.actor import Actor
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.core.timeutil import today_local, utcnow
from portal.declaration import fields as F
from portal.declaration.exam_year import current_exam_year, get_exam_year, require_confirmation_open, window_state
from portal.declaration.record import (
    NOT_BOUND,
    DeclarationView,
    active_unit_id,
    build_view,
    find_declaration,
    load_record,
    own_view,
    resolve_corrections,
)
from portal.declaration.vocab import (
    IMAGE_SIDE_LABELS,
    IMAGE_SLOT_LABELS,
    IMAGE_SLOT_SECTIONS,
    ConfirmationStatus,
    Window,
)
from portal.identity.check.imaging import UploadRejected, sanitize_upload
from portal.message import service as messages

NOTE_MAX = 200


def my_record(session: Session, *, actor: Actor, year: int | None = None) -> DeclarationView | None:
    """The acting candidate's own record for `year` (default the current year); None when no year is open."""
    authorize(session, actor, "candidate")
    exam_year = get_exam_year(session, year=year) if year else current_exam_year(session)
    if exam_year is None:
        return None
    return own_view(session, exam_year, actor.user_id)


def confirm(
    session: Session, *, actor: Actor, year: int, expected_hash: str, today: date | None = None
) -> DeclarationView:
    """确认无误: record that the candidate confirmed exactly the content whose hash is `expected_hash`."""
    authorize(session, actor, "candidate")
    exam_year = require_confirmation_open(session, year, today)
    declaration = find_declaration(session, exam_year.id, actor.user_id, lock=True)
    if declaration is None or declaration.confirmation_status == ConfirmationStatus.NOT_ENTERED:
        raise Conflict("单位尚未填报您的申报信息，暂不能确认。")
    view = build_view(session, exam_year, actor.user_id, declaration)
    if view.missing:
        raise Conflict(f"申报信息尚不完整（缺少：{'、'.join(view.missing)}），请联系单位补充后再确认。")
    if view.content_hash != expected_hash:
        raise Conflict("申报信息刚刚被单位修改，请重新核对后再确认。")
    if declaration.confirmation_status == ConfirmationStatus.CONFIRMED and declaration.confirmed_hash == expected_hash:
        return view
    now = utcnow()
    declaration.confirmation_status = ConfirmationStatus.CONFIRMED
    declaration.confirmed_revision = declaration.revision
    declaration.confirmed_hash = view.content_hash
    declaration.confirmed_at = now
    session.add(
        DeclarationConfirmation(
            declaration_id=declaration.id,
            revision=declaration.revision,
            snapshot_hash=view.content_hash,
            confirmed_by=actor.user_id,
            created_at=now,
        )
    )
    resolve_corrections(session, declaration, now)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="declaration.confirm",
        object_type="declaration",
        object_id=declaration.id,
        summary=f"revision={declaration.revision}",
    )
    return build_view(session, exam_year, actor.user_id, declaration)


def correctable_fields(record: dict) -> dict[str, str]:
    """{field path: label} the candidate can mark as wrong (基本信息 included, to be raised with the unit)."""
    out = {"basic.unit": "基本信息·申报单位"}
    out.update({path: label for path, (label, _) in F.flatten(record).items()})
    return out


def request_correction(
    session: Session, *, actor: Actor, year: int, fields: list[str], note: str, today: date | None = None
) -> DeclarationView:
    """信息有误: mark the wrong fields with a short note; the unit's admins get a message (status 待单位修改)."""
    authorize(session, actor, "candidate")
    exam_year = require_confirmation_open(session, year, today)
    declaration = find_declaration(session, exam_year.id, actor.user_id, lock=True)
    if declaration is None or declaration.confirmation_status == ConfirmationStatus.NOT_ENTERED:
        raise Conflict("单位尚未填报您的申报信息。")
    if declaration.confirmation_status == ConfirmationStatus.CORRECTION_REQUESTED:
        raise Conflict("您已提交修改申请，请等待单位修改。")
    record = load_record(session, declaration)
    known = correctable_fields(record)
    chosen = [path for path in dict.fromkeys(fields) if path in known]
    note = (note or "").strip()
    errors = {}
    if not chosen:
        errors["fields"] = "有误的信息：请至少选择一项"
    if len(note) > NOTE_MAX:
        errors["note"] = f"说明：不能超过 {NOTE_MAX} 个字"
    if errors:
        raise ValidationFailed(errors)
    session.add(
        CorrectionRequest(
            declaration_id=declaration.id,
            revision=declaration.revision,
            fields=json.dumps(chosen, ensure_ascii=False),
            note=note,
            requested_by=actor.user_id,
        )
    )
    declaration.confirmation_status = ConfirmationStatus.CORRECTION_REQUESTED
    session.flush()
    unit_id = active_unit_id(session, candidate_id=actor.user_id) or declaration.unit_id
    admins = session.scalars(
        select(User.id).where(User.role == "unit_admin", User.unit_id == unit_id, User.is_active.is_(True))
    )
    for admin_id in admins:
        messages.send(
            session,
            user_id=admin_id,
            title="考生申请修改申报信息",
            body=f"有考生认为以下信息有误：{'、'.join(known[p] for p in chosen)}。请在“申报信息”中查看并修改。",
            category="declaration",
        )
    audit.record(
        session,
        actor=actor,
        action="declaration.request_correction",
        object_type="declaration",
        object_id=declaration.id,
        summary=f"fields={len(chosen)}",
    )
    return build_view(session, exam_year, actor.user_id, declaration)


def upload_image(
    session: Session,
    *,
    actor: Actor,
    year: int,
    slot: str,
    side: str,
    data: bytes,
    item_no: int = 1,
    today: date | None = None,
) -> int:
    """The candidate uploads a certificate image (证书A面/B面); same upload safety as the ID photos."""
    authorize(session, actor, "candidate")
    exam_year = get_exam_year(session, year=year)
    window = window_state(exam_year.confirmation_opens_on, exam_year.confirmation_closes_on, today or today_local())
    if window == Window.CLOSED:
        raise PermissionDenied(f"信息确认已于 {exam_year.confirmation_closes_on.isoformat()} 截止，不能再上传。")
    if slot not in IMAGE_SLOT_LABELS or side not in IMAGE_SIDE_LABELS or not 1 <= item_no <= 20:
        raise ValidationFailed({"slot": "证书类型不正确"})
    try:
        clean = sanitize_upload(data)
    except UploadRejected as error:
        raise ValidationFailed(
            {"image": f"{IMAGE_SLOT_LABELS[slot]}{IMAGE_SIDE_LABELS[side]}：{error.message}"}
        ) from None
    declaration = find_declaration(session, exam_year.id, actor.user_id)
    if declaration is None:
        declaration = Declaration(
            exam_year_id=exam_year.id,
            candidate_id=actor.user_id,
            unit_id=active_unit_id(session, candidate_id=actor.user_id),
        )
        session.add(declaration)
        session.flush()
    key = storage.save(clean.jpeg_bytes, kind="certificate")
    existing = session.scalar(
        select(CertificateImage).where(
            CertificateImage.declaration_id == declaration.id,
            CertificateImage.slot == slot,
            CertificateImage.item_no == item_no,
            CertificateImage.side == side,
        )
    )
    old_key = None
    if existing is None:
        existing = CertificateImage(
            declaration_id=declaration.id, slot=slot, item_no=item_no, side=side, storage_key=key
        )
        session.add(existing)
    else:
        old_key, existing.storage_key = existing.storage_key, key
    existing.uploaded_by = actor.user_id
    session.flush()
    if old_key:  # remove the replaced file only once the new key is committed
        event.listen(session, "after_commit", lambda _session: storage.delete(old_key), once=True)
    audit.record(
        session,
        actor=actor,
        action="declaration.upload_image",
        object_type="declaration",
        object_id=declaration.id,
        summary=f"slot={slot} side={side} item={item_no}",
    )
    return existing.id


def image_bytes(session: Session, *, actor: Actor, image_id: int) -> bytes:
    """A certificate image for its owner or the unit the owner is bound to (the unit's read is logged)."""
    authorize(session, actor, "candidate", "unit_admin")
    image = session.get(CertificateImage, image_id)
    declaration = session.get(Declaration, image.declaration_id) if image else None
    if declaration is None:
        raise NotFound("图片不存在。")
    if actor.role == "candidate":
        if declaration.candidate_id != actor.user_id:
            raise NotFound("图片不存在。")
    else:
        access.require_bound(
            session,
            actor=actor,
            candidate_id=declaration.candidate_id,
            section=IMAGE_SLOT_SECTIONS[image.slot],
            message=NOT_BOUND,
        )
    return storage.load(image.storage_key)
