"""The unit's entry (信息填报): saving a section of a bound candidate's record, the unit's list, its export.

The unit acts only on candidates actively bound to it and only inside the exam year's entry window. Every save
runs the consistency rules of `portal.declaration.rules`; every change of content bumps the record's revision,
keeps the changed fields (old and new value) and, after a confirmation, sets the record back to 待确认 and tells
the candidate.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, bindparam, delete, func, select
from sqlalchemy.orm import Session, aliased

from db.models import CorrectionRequest, Declaration, DeclarationChange, IdentityVerification, UnitBinding
from portal.access import service as access
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.errors import PermissionDenied, ValidationFailed
from portal.core.kept import Kept
from portal.core.timeutil import today_local, utcnow
from portal.declaration import fields as F
from portal.declaration import rules
from portal.declaration.exam_year import get_exam_year, require_entry_open
from portal.declaration.record import (
    MULTIPLE_SECTIONS,
    NOT_BOUND,
    SINGLE_SECTIONS,
    DeclarationView,
    build_view,
    eligibility_dict,
    find_declaration,
    load_record,
    load_records,
    resolve_corrections,
    shown_status,
    verified_identity,
)
from portal.declaration.vocab import SHOWN_STATUS_LABELS, ConfirmationStatus
from portal.eligibility.service import judge
from portal.eligibility.vocab import VERDICT_LABELS
from portal.identity.policy import verified_identity_of
from portal.message import service as messages
from portal.unit.policy import active_binding, is_bound

# The candidate's message when the unit changes a record they had confirmed or asked to correct (import as well).
CHANGE_NOTICE_TITLES = {
    ConfirmationStatus.CONFIRMED: "单位修改了您已确认的申报信息，请重新确认",
    ConfirmationStatus.CORRECTION_REQUESTED: "单位已根据您的反馈修改申报信息，请重新核对",
}
_CHANGE_NOTICE_BODIES = {
    ConfirmationStatus.CONFIRMED: "请到“医师资格考试信息确认”查看修改内容（修改项、原值、新值），核对无误后重新确认。",
    ConfirmationStatus.CORRECTION_REQUESTED: "请到“医师资格考试信息确认”核对修改后的信息。",
}


def _write_sections(session: Session, declaration: Declaration, record: dict, codes: Iterable[str]) -> None:
    """Replace the rows of the sections `codes` with the record's values."""
    for code in codes:
        if code == "exam":
            for key in ("exam_level", "exam_category", "is_assistant_upgrading", "is_fresh_graduate"):
                setattr(declaration, key, record.get(key))
            continue
        section = F.SECTIONS_BY_CODE[code]
        if code == "nurse_certificate":
            declaration.has_nurse_certificate = record.get("has_nurse_certificate")
        if code in SINGLE_SECTIONS:
            model = SINGLE_SECTIONS[code]
            session.execute(delete(model).where(model.declaration_id == declaration.id))
            values = record.get(section.record_key)
            if values:
                session.add(model(declaration_id=declaration.id, **values))
        else:
            model = MULTIPLE_SECTIONS[code]
            session.execute(delete(model).where(model.declaration_id == declaration.id))
            for position, values in enumerate(record.get(section.record_key) or [], start=1):
                session.add(model(declaration_id=declaration.id, position=position, **values))
    session.flush()


def diff(old: dict, new: dict) -> list[tuple[str, str, str, str]]:
    """(path, label, old shown value, new shown value) of every field that differs."""
    before, after = F.flatten(old), F.flatten(new)
    out = []
    for path in list(before) + [p for p in after if p not in before]:
        label, old_value = before.get(path, (None, ""))
        label2, new_value = after.get(path, (None, ""))
        if old_value != new_value:
            out.append((path, label or label2, old_value, new_value))
    return out


def _notify_candidate_of_change(session: Session, declaration: Declaration, previous_status: str) -> None:
    if previous_status in CHANGE_NOTICE_TITLES:
        messages.send(
            session,
            user_id=declaration.candidate_id,
            title=CHANGE_NOTICE_TITLES[previous_status],
            body=_CHANGE_NOTICE_BODIES[previous_status],
            category="declaration",
        )


def _after_unit_change(session: Session, declaration: Declaration, actor: Actor, changes: list) -> None:
    """Bump the revision, keep the changed fields, move the status, resolve corrections, tell the candidate."""
    now = utcnow()
    declaration.revision += 1
    declaration.updated_at = now
    declaration.updated_by = actor.user_id
    session.add_all(
        DeclarationChange(
            declaration_id=declaration.id,
            revision=declaration.revision,
            field=path,
            label=label[:120],
            old_value=old[:300],
            new_value=new[:300],
            changed_by=actor.user_id,
            created_at=now,
        )
        for path, label, old, new in changes
    )
    previous = declaration.confirmation_status
    declaration.confirmation_status = ConfirmationStatus.PENDING
    if previous == ConfirmationStatus.CORRECTION_REQUESTED:
        resolve_corrections(session, declaration, now)
    _notify_candidate_of_change(session, declaration, previous)
    session.flush()


def _parse_section(code: str, data) -> tuple[object, dict[str, str]]:
    """Typed values of one section from form data: a dict, a list of dicts, or {"none": True} for 护士执业证."""
    section = F.SECTIONS_BY_CODE.get(code)
    if section is None:
        raise ValidationFailed({"section": "未知的信息栏目"})
    if section.multiple:
        items, errors = [], {}
        for index, raw in enumerate(data or [], start=1):
            values, item_errors = F.clean(section, raw, prefix=f"{code}[{index}]")
            items.append(values)
            errors.update(item_errors)
        return items, errors
    if code == "nurse_certificate" and data is not None and data.get("none"):
        return None, {}
    if data is None:
        if code in ("exam", "education"):
            return None, {code: f"{section.label}：不能删除"}
        return None, {}
    return F.clean(section, data)


def _replace(record: dict, code: str, value) -> dict:
    new = {**record}
    if code == "exam":
        new.update(value or {})
    elif code == "nurse_certificate":
        new["nurse_certificate"] = value
        new["has_nurse_certificate"] = value is not None
    else:
        new[F.SECTIONS_BY_CODE[code].record_key] = value
    return new


def save_section(
    session: Session,
    *,
    actor: Actor,
    year: int,
    candidate_id: int,
    section: str,
    data,
    today: date | None = None,
) -> DeclarationView:
    """Save one section of a bound candidate's record (unit_admin, inside the entry window).

    `data`: a dict of field values; for 医师资格证 and 试用期 a list of dicts (the whole list); for 护士执业证
    `{"none": True}` records 无此信息; None removes an optional section.
    """
    authorize(session, actor, "unit_admin")
    access.require_bound(
        session,
        actor=actor,
        candidate_id=candidate_id,
        section=section if section != "exam" else "declaration",
        action="edit",
        message=NOT_BOUND,
    )
    exam_year = require_entry_open(session, year, today)
    identity = verified_identity(session, candidate_id)
    if identity is None:
        raise ValidationFailed({"basic": "该考生尚未完成实名认证，暂不能填报申报信息。"})
    value, errors = _parse_section(section, data)
    if errors:
        raise ValidationFailed(errors)
    declaration = find_declaration(session, exam_year.id, candidate_id, lock=True)
    old = load_record(session, declaration) if declaration else F.empty_record()
    new = _replace(old, section, value)
    problems = rules.check(new, birth_date=identity.birth_date, today=today or today_local())
    if problems:
        raise ValidationFailed(problems)
    if declaration is None:
        declaration = Declaration(exam_year_id=exam_year.id, candidate_id=candidate_id, unit_id=actor.unit_id)
        session.add(declaration)
        session.flush()
    declaration.unit_id = actor.unit_id
    changes = diff(old, new)
    if changes:
        _write_sections(session, declaration, new, [section])
        _after_unit_change(session, declaration, actor, changes)
        audit.record(
            session,
            actor=actor,
            action="declaration.save",
            object_type="declaration",
            object_id=declaration.id,
            summary=f"section={section} fields={len(changes)} revision={declaration.revision}",
        )
    return build_view(session, exam_year, candidate_id, declaration)


def unit_record(
    session: Session, *, actor: Actor, year: int, candidate_id: int, log_access: bool = True
) -> DeclarationView:
    """A bound candidate's record for the unit's forms (logged as a view of the declaration).

    `log_access` False only for a page re-drawing a record it has just logged as opened (checked, not logged).
    """
    authorize(session, actor, "unit_admin")
    if log_access:
        access.require_bound(session, actor=actor, candidate_id=candidate_id, section="declaration", message=NOT_BOUND)
    elif not is_bound(session, candidate_id=candidate_id, unit_id=actor.unit_id):
        raise PermissionDenied(NOT_BOUND)
    exam_year = get_exam_year(session, year=year)
    return build_view(session, exam_year, candidate_id, find_declaration(session, exam_year.id, candidate_id))


@dataclass(frozen=True)
class CandidateRow:
    candidate_id: int
    real_name: str
    masked_number: str
    status: str
    missing: list[str]
    updated_at: datetime | None
    correction_note: str
    correction_fields: list[str]
    verdict_code: str | None = None  # a Verdict value, None when not judged (not entered)

    @property
    def shown_status(self) -> str:
        """The status as the list shows it (待单位补充 while sections are missing)."""
        return shown_status(self.status, self.missing)

    @property
    def status_label(self) -> str:
        return SHOWN_STATUS_LABELS[self.shown_status]

    @property
    def verdict(self) -> str | None:
        """The verdict's label (满足/将满足/不满足/无法判断), None when not judged."""
        return VERDICT_LABELS[self.verdict_code] if self.verdict_code else None


class _Summaries:
    """What the unit's list shows of each record (what is missing, the verdict), kept per record revision.

    A record changes only with its revision, and every change sets `updated_at` too (`_after_unit_change`, the
    importer; the stored verdicts of `portal.stats.verdicts` rely on the same), so a record's summary is a pure
    function of (id, revision, updated_at) and the verdict's cut-off and day: the list reloads and judges only
    the records that changed since the last run instead of every bound candidate's on every run. Bounded: the
    oldest half is dropped when full.
    """

    LIMIT = 100_000

    def __init__(self) -> None:
        self._kept: Kept[tuple, tuple[tuple[str, ...], str | None]] = Kept(self.LIMIT)

    def get(self, key: tuple) -> tuple[tuple[str, ...], str | None] | None:
        return self._kept.get(key)

    def put(self, key: tuple, value: tuple[list[str], str | None]) -> tuple[tuple[str, ...], str | None]:
        return self._kept.put(key, (tuple(value[0]), value[1]))


_summaries = _Summaries()


def _summary_key(d: Declaration, cutoff: date, as_of: date, with_verdict: bool) -> tuple:
    return (d.id, d.revision, d.updated_at, d.confirmation_status, cutoff, as_of, with_verdict)


# Built once: the unit's 申报信息 list asks on every run. Each bound candidate with their verified identity, their
# record of the year and its open correction request (the newest, should there ever be two), in one statement.
_OPEN = aliased(CorrectionRequest)
_OPEN_REQUEST_ID = (
    select(func.max(_OPEN.id))
    .where(_OPEN.declaration_id == Declaration.id, _OPEN.resolved_at.is_(None))
    .correlate(Declaration)
    .scalar_subquery()
)
_UNIT_LIST = (
    select(
        UnitBinding.candidate_id,
        IdentityVerification.real_name,
        IdentityVerification.document_number_masked,
        Declaration,
        CorrectionRequest,
    )
    .outerjoin(IdentityVerification, verified_identity_of(UnitBinding.candidate_id))
    .outerjoin(
        Declaration,
        and_(
            Declaration.candidate_id == UnitBinding.candidate_id,
            Declaration.exam_year_id == bindparam("exam_year_id"),
        ),
    )
    .outerjoin(CorrectionRequest, CorrectionRequest.id == _OPEN_REQUEST_ID)
    .where(UnitBinding.unit_id == bindparam("unit_id"), active_binding())
    .order_by(UnitBinding.candidate_id)
)


def unit_candidates(
    session: Session, *, actor: Actor, year: int, with_verdict: bool = True, today: date | None = None
) -> list[CandidateRow]:
    """The unit's actively bound candidates with the status of their record for `year` (names masked no further)."""
    authorize(session, actor, "unit_admin")
    exam_year = get_exam_year(session, year=year)
    bound = session.execute(_UNIT_LIST, {"unit_id": actor.unit_id, "exam_year_id": exam_year.id}).all()
    ids = [row[0] for row in bound]
    declarations = {row[0]: row[3] for row in bound if row[3] is not None}
    requests = {row[3].id: row[4] for row in bound if row[4] is not None}
    as_of = today or today_local()
    keys = {d.id: _summary_key(d, exam_year.cutoff_on, as_of, with_verdict) for d in declarations.values()}
    summaries = {declaration_id: _summaries.get(key) for declaration_id, key in keys.items()}
    records = load_records(session, [d for d in declarations.values() if summaries[d.id] is None])
    for d in declarations.values():
        if summaries[d.id] is None:
            verdict = None
            if with_verdict and d.confirmation_status != ConfirmationStatus.NOT_ENTERED:
                verdict = judge(eligibility_dict(records[d.id]), year=year, cutoff=exam_year.cutoff_on, as_of=as_of)
            summaries[d.id] = _summaries.put(
                keys[d.id], (rules.missing(records[d.id]), verdict.verdict if verdict else None)
            )
    empty_missing = rules.missing(F.empty_record())
    # The list shows each candidate's name, masked number and record status: a read of their data by the unit.
    access.record_many(session, actor=actor, candidate_ids=ids, section="declaration", action="view")
    out = []
    for candidate_id, real_name, masked, _, _ in bound:
        d = declarations.get(candidate_id)
        missing, verdict_code = summaries[d.id] if d else (empty_missing, None)
        request = requests.get(d.id) if d else None
        out.append(
            CandidateRow(
                candidate_id=candidate_id,
                real_name=real_name or "（未实名认证）",
                masked_number=masked or "",
                status=d.confirmation_status if d else ConfirmationStatus.NOT_ENTERED,
                missing=list(missing),
                updated_at=d.updated_at if d else None,
                correction_note=request.note if request else "",
                correction_fields=[F.field_label(p) for p in json.loads(request.fields)] if request else [],
                verdict_code=verdict_code,
            )
        )
    return out


def record_export(session: Session, *, actor: Actor, year: int, candidate_ids: list[int]) -> None:
    """Log that the unit exported the listed candidates' declaration status (one access record each)."""
    authorize(session, actor, "unit_admin")
    bound = set(
        session.scalars(select(UnitBinding.candidate_id).where(UnitBinding.unit_id == actor.unit_id, active_binding()))
    )
    for candidate_id in candidate_ids:
        if candidate_id in bound:
            access.record(session, actor=actor, candidate_id=candidate_id, section="declaration", action="export")
    audit.record(
        session,
        actor=actor,
        action="declaration.export",
        object_type="exam_year",
        object_id=year,
        summary=f"{len(candidate_ids)} candidates",
    )
