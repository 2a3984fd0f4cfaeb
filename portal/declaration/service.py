"""Declaration data (申报信息): exam years, the unit's entry, the candidate's confirmation or correction request.

The unit acts only on candidates actively bound to it and only inside the exam year's entry window; the
candidate confirms (or asks for corrections) inside the confirmation window. Every save runs the consistency
rules of `portal.declaration.rules`; every change of content bumps the record's revision, keeps the changed
fields (old and new value) and, after a confirmation, sets the record back to 待确认 and tells the candidate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from db.models import (
    CertificateImage,
    CorrectionRequest,
    Declaration,
    DeclarationChange,
    DeclarationConfirmation,
    DeclarationEducation,
    DeclarationTitle,
    ExamYear,
    IdentityVerification,
    NurseCertificate,
    PracticeCertificate,
    ProbationPeriod,
    QualificationCertificate,
    Unit,
    UnitBinding,
    User,
)
from portal.access import service as access
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core import storage
from portal.core.actor import Actor
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.core.timeutil import today_local, utcnow
from portal.declaration import fields as F
from portal.declaration import rules
from portal.message import service as messages

STATUS_LABELS = {
    "not_entered": "未填报",
    "pending": "待确认",
    "confirmed": "已确认",
    "correction_requested": "待单位修改",
}
SIDE_LABELS = {"front": "证书A面", "back": "证书B面"}
SLOT_SECTIONS = {
    "diploma": "education",
    "diploma_report": "education",
    "degree": "education",
    "degree_report": "education",
    "title": "title",
    "qualification": "qualification_certificate",
    "practice": "practice_certificate",
    "first_registration": "practice_certificate",
    "nurse": "nurse_certificate",
}
SLOT_LABELS = {
    "diploma": "学历证书",
    "diploma_report": "学历学信网验证报告",
    "degree": "学位证书",
    "degree_report": "学位学信网验证报告",
    "title": "专业技术资格证",
    "qualification": "医师资格证",
    "practice": "医师执业证",
    "first_registration": "首次注册时间证明",
    "nurse": "护士执业证",
}
NOTE_MAX = 200

# section table models: (model, section code)
_SINGLE = {
    "education": DeclarationEducation,
    "title": DeclarationTitle,
    "practice_certificate": PracticeCertificate,
    "nurse_certificate": NurseCertificate,
}
_MULTIPLE = {"qualification_certificate": QualificationCertificate, "probation": ProbationPeriod}


# ----------------------------------------------------------------------------------------------------
# Exam years and windows


def _window(opens: date, closes: date, today: date) -> str:
    return "before" if today < opens else "closed" if today > closes else "open"


def current_exam_year(session: Session) -> ExamYear | None:
    """The newest exam year (the one pages default to), or None when no year is open yet."""
    return session.scalar(select(ExamYear).order_by(ExamYear.year.desc()).limit(1))


def get_exam_year(session: Session, *, year: int) -> ExamYear:
    """The exam year `year`; NotFound when it was never opened."""
    found = session.scalar(select(ExamYear).where(ExamYear.year == year))
    if found is None:
        raise NotFound(f"{year}年度尚未开放。")
    return found


def exam_years(session: Session, *, actor: Actor) -> list[ExamYear]:
    """All exam years, newest first (any signed-in role)."""
    authorize(session, actor, "admin", "unit_admin", "candidate", "reviewer", "analyst", "system")
    return list(session.scalars(select(ExamYear).order_by(ExamYear.year.desc())))


def _check_windows(year: int, entry: tuple[date, date], confirmation: tuple[date, date]) -> None:
    errors = {}
    if not 2000 <= year <= 2100:
        errors["year"] = "年度：应为 2000–2100 之间的年份"
    if entry[1] < entry[0]:
        errors["entry_closes_on"] = "填报截止日期：不能早于填报开始日期"
    if confirmation[1] < confirmation[0]:
        errors["confirmation_closes_on"] = "确认截止日期：不能早于确认开始日期"
    if errors:
        raise ValidationFailed(errors)


def open_exam_year(
    session: Session,
    *,
    actor: Actor,
    year: int,
    entry_opens_on: date,
    entry_closes_on: date,
    confirmation_opens_on: date,
    confirmation_closes_on: date,
    cutoff_on: date | None = None,
    name: str | None = None,
) -> ExamYear:
    """Open an exam year with its entry and confirmation windows (admin); cut-off defaults to 31 August."""
    authorize(session, actor, "admin", "system")
    _check_windows(year, (entry_opens_on, entry_closes_on), (confirmation_opens_on, confirmation_closes_on))
    if session.scalar(select(ExamYear.id).where(ExamYear.year == year)) is not None:
        raise Conflict(f"{year}年度已经开放，请直接修改其时间。")
    row = ExamYear(
        year=year,
        name=(name or f"{year}年度医师资格").strip()[:64],
        entry_opens_on=entry_opens_on,
        entry_closes_on=entry_closes_on,
        confirmation_opens_on=confirmation_opens_on,
        confirmation_closes_on=confirmation_closes_on,
        cutoff_on=cutoff_on or date(year, 8, 31),
        created_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="declaration.open_year", object_type="exam_year", object_id=year)
    return row


def update_exam_year(
    session: Session,
    *,
    actor: Actor,
    year: int,
    entry_opens_on: date,
    entry_closes_on: date,
    confirmation_opens_on: date,
    confirmation_closes_on: date,
    cutoff_on: date,
) -> ExamYear:
    """Change the windows or the cut-off of an exam year (admin)."""
    authorize(session, actor, "admin", "system")
    row = get_exam_year(session, year=year)
    _check_windows(year, (entry_opens_on, entry_closes_on), (confirmation_opens_on, confirmation_closes_on))
    row.entry_opens_on, row.entry_closes_on = entry_opens_on, entry_closes_on
    row.confirmation_opens_on, row.confirmation_closes_on = confirmation_opens_on, confirmation_closes_on
    row.cutoff_on = cutoff_on
    audit.record(session, actor=actor, action="declaration.update_year", object_type="exam_year", object_id=year)
    return row


@dataclass(frozen=True)
class WindowState:
    """Where today stands in an exam year's window: `state` before | open | closed | none; `text` in Chinese."""

    state: str
    text: str
    year: int | None = None


def confirmation_window(session: Session, *, today: date | None = None) -> WindowState:
    """The confirmation window of the current exam year, for the home page card and the 信息确认 page."""
    row = current_exam_year(session)
    if row is None:
        return WindowState("none", "本年度信息确认尚未开放。")
    today = today or today_local()
    state = _window(row.confirmation_opens_on, row.confirmation_closes_on, today)
    text = {
        "before": f"{row.name}信息确认将于 {row.confirmation_opens_on.isoformat()} 开放。",
        "open": f"{row.name}信息确认进行中，截止 {row.confirmation_closes_on.isoformat()}。",
        "closed": f"{row.name}信息确认已于 {row.confirmation_closes_on.isoformat()} 截止。",
    }[state]
    return WindowState(state, text, row.year)


def entry_window(session: Session, *, year: int, today: date | None = None) -> WindowState:
    """The unit's entry window of exam year `year`."""
    row = get_exam_year(session, year=year)
    state = _window(row.entry_opens_on, row.entry_closes_on, today or today_local())
    text = {
        "before": f"{row.name}信息填报将于 {row.entry_opens_on.isoformat()} 开放。",
        "open": f"{row.name}信息填报进行中，截止 {row.entry_closes_on.isoformat()}。",
        "closed": f"{row.name}信息填报已于 {row.entry_closes_on.isoformat()} 截止。",
    }[state]
    return WindowState(state, text, row.year)


def _require_entry_open(session: Session, year: int, today: date | None) -> ExamYear:
    window = entry_window(session, year=year, today=today)
    if window.state != "open":
        raise PermissionDenied(f"不在信息填报时间内：{window.text}")
    return get_exam_year(session, year=year)


def _require_confirmation_open(session: Session, year: int, today: date | None) -> ExamYear:
    row = get_exam_year(session, year=year)
    state = _window(row.confirmation_opens_on, row.confirmation_closes_on, today or today_local())
    if state == "before":
        raise PermissionDenied(f"信息确认将于 {row.confirmation_opens_on.isoformat()} 开放，请届时再来。")
    if state == "closed":
        raise PermissionDenied(f"信息确认已于 {row.confirmation_closes_on.isoformat()} 截止。")
    return row


# ----------------------------------------------------------------------------------------------------
# Bindings and identity (read directly, to stay independent of the unit domain)


def active_unit_id(session: Session, *, candidate_id: int) -> int | None:
    """The unit the candidate is actively bound to, or None."""
    return session.scalar(
        select(UnitBinding.unit_id).where(UnitBinding.candidate_id == candidate_id, UnitBinding.ended_at.is_(None))
    )


def _verified(session: Session, candidate_id: int) -> IdentityVerification | None:
    return session.scalar(
        select(IdentityVerification).where(
            IdentityVerification.user_id == candidate_id,
            IdentityVerification.is_current.is_(True),
            IdentityVerification.status == "verified",
        )
    )


def _require_bound_to_unit(session: Session, actor: Actor, candidate_id: int) -> None:
    authorize(session, actor, "unit_admin")
    if actor.unit_id is None or active_unit_id(session, candidate_id=candidate_id) != actor.unit_id:
        raise PermissionDenied("该考生未绑定本单位，无法查看或修改其申报信息。")


# ----------------------------------------------------------------------------------------------------
# Loading records


def _row_values(row, section: F.Section) -> dict:
    return {f.key: getattr(row, f.key) for f in section.fields}


def load_records(session: Session, declarations: Iterable[Declaration]) -> dict[int, dict]:
    """{declaration id: record dict} for many declarations, one query per section table."""
    declarations = list(declarations)
    records: dict[int, dict] = {}
    for d in declarations:
        record = F.empty_record()
        for key in ("exam_level", "exam_category", "is_assistant_upgrading", "is_fresh_graduate"):
            record[key] = getattr(d, key)
        record["has_nurse_certificate"] = d.has_nurse_certificate
        records[d.id] = record
    ids = list(records)
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        for code, model in _SINGLE.items():
            section = F.SECTIONS_BY_CODE[code]
            for row in session.scalars(select(model).where(model.declaration_id.in_(chunk))):
                records[row.declaration_id][section.record_key] = _row_values(row, section)
        for code, model in _MULTIPLE.items():
            section = F.SECTIONS_BY_CODE[code]
            query = select(model).where(model.declaration_id.in_(chunk)).order_by(model.declaration_id, model.position)
            for row in session.scalars(query):
                records[row.declaration_id][section.record_key].append(_row_values(row, section))
    return records


def load_record(session: Session, declaration: Declaration) -> dict:
    """The record dict of one declaration."""
    return load_records(session, [declaration])[declaration.id]


@dataclass(frozen=True)
class Basic:
    """基本信息: from the verified identity and the active binding, never typed."""

    real_name: str
    masked_number: str
    unit_name: str
    birth_date: date | None
    number_hash: str


def _basic(session: Session, candidate_id: int) -> Basic:
    identity = _verified(session, candidate_id)
    unit_id = active_unit_id(session, candidate_id=candidate_id)
    unit_name = session.scalar(select(Unit.name).where(Unit.id == unit_id)) if unit_id else None
    return Basic(
        real_name=identity.real_name if identity else "（未实名认证）",
        masked_number=identity.document_number_masked if identity else "",
        unit_name=unit_name or "（未绑定单位）",
        birth_date=identity.birth_date if identity else None,
        number_hash=identity.document_number_hash if identity else "",
    )


def content_hash(record: dict, basic: Basic) -> str:
    """SHA-256 of the canonical snapshot (基本信息 and every field as shown) of a record."""
    snapshot = {
        "basic": {"real_name": basic.real_name, "number": basic.number_hash, "unit": basic.unit_name},
        "record": {path: value for path, (_, value) in F.flatten(record).items()},
    }
    canonical = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old_value: str
    new_value: str
    changed_at: datetime


@dataclass(frozen=True)
class Correction:
    fields: list[str]
    labels: list[str]
    note: str
    requested_at: datetime


@dataclass
class DeclarationView:
    """A record as a page shows it."""

    declaration_id: int | None
    year: int
    candidate_id: int
    status: str
    basic: Basic
    record: dict
    missing: list[str]
    content_hash: str
    revision: int = 0
    confirmed_at: datetime | None = None
    images: dict[tuple[str, int, str], int] = field(default_factory=dict)  # (slot, item_no, side) -> image id
    changes: list[Change] = field(default_factory=list)  # since the last confirmation
    correction: Correction | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def _declaration(session: Session, exam_year_id: int, candidate_id: int, *, lock: bool = False) -> Declaration | None:
    """The record; `lock` takes its row lock so that a unit edit and a confirmation cannot interleave."""
    query = select(Declaration).where(
        Declaration.exam_year_id == exam_year_id, Declaration.candidate_id == candidate_id
    )
    if lock:
        # Wait for whoever holds the row and read it as they committed it.
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def _view(session: Session, year: ExamYear, candidate_id: int, declaration: Declaration | None) -> DeclarationView:
    basic = _basic(session, candidate_id)
    record = load_record(session, declaration) if declaration else F.empty_record()
    view = DeclarationView(
        declaration_id=declaration.id if declaration else None,
        year=year.year,
        candidate_id=candidate_id,
        status=declaration.confirmation_status if declaration else "not_entered",
        basic=basic,
        record=record,
        missing=rules.missing(record),
        content_hash=content_hash(record, basic),
        revision=declaration.revision if declaration else 0,
        confirmed_at=declaration.confirmed_at if declaration else None,
    )
    if declaration is None:
        return view
    for image in session.scalars(select(CertificateImage).where(CertificateImage.declaration_id == declaration.id)):
        view.images[(image.slot, image.item_no, image.side)] = image.id
    if declaration.confirmed_revision is not None:
        query = (
            select(DeclarationChange)
            .where(
                DeclarationChange.declaration_id == declaration.id,
                DeclarationChange.revision > declaration.confirmed_revision,
            )
            .order_by(DeclarationChange.id)
        )
        latest: dict[str, Change] = {}
        for row in session.scalars(query):
            first = latest.get(row.field)
            old = first.old_value if first else (row.old_value or "")
            latest[row.field] = Change(row.field, row.label, old, row.new_value or "", row.created_at)
        view.changes = [c for c in latest.values() if c.old_value != c.new_value]
    open_request = session.scalar(
        select(CorrectionRequest).where(
            CorrectionRequest.declaration_id == declaration.id, CorrectionRequest.resolved_at.is_(None)
        )
    )
    if open_request is not None:
        paths = json.loads(open_request.fields)
        view.correction = Correction(
            paths, [F.field_label(p) for p in paths], open_request.note, open_request.created_at
        )
    return view


# ----------------------------------------------------------------------------------------------------
# Writing records


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
        if code in _SINGLE:
            model = _SINGLE[code]
            session.execute(delete(model).where(model.declaration_id == declaration.id))
            values = record.get(section.record_key)
            if values:
                session.add(model(declaration_id=declaration.id, **values))
        else:
            model = _MULTIPLE[code]
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
    if previous_status == "confirmed":
        messages.send(
            session,
            user_id=declaration.candidate_id,
            title="单位修改了您已确认的申报信息，请重新确认",
            body="请到“医师资格考试信息确认”查看修改内容（修改项、原值、新值），核对无误后重新确认。",
            category="declaration",
        )
    elif previous_status == "correction_requested":
        messages.send(
            session,
            user_id=declaration.candidate_id,
            title="单位已根据您的反馈修改申报信息，请重新核对",
            body="请到“医师资格考试信息确认”核对修改后的信息。",
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
    declaration.confirmation_status = "pending"
    if previous == "correction_requested":
        for request in session.scalars(
            select(CorrectionRequest).where(
                CorrectionRequest.declaration_id == declaration.id, CorrectionRequest.resolved_at.is_(None)
            )
        ):
            request.resolved_at = now
            request.resolved_revision = declaration.revision
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
    _require_bound_to_unit(session, actor, candidate_id)
    exam_year = _require_entry_open(session, year, today)
    identity = _verified(session, candidate_id)
    if identity is None:
        raise ValidationFailed({"basic": "该考生尚未完成实名认证，暂不能填报申报信息。"})
    value, errors = _parse_section(section, data)
    if errors:
        raise ValidationFailed(errors)
    declaration = _declaration(session, exam_year.id, candidate_id, lock=True)
    old = load_record(session, declaration) if declaration else F.empty_record()
    new = _replace(old, section, value)
    problems = rules.check(new, birth_date=identity.birth_date, today=today or today_local())
    if problems:
        raise ValidationFailed(problems)
    access.record(
        session,
        actor=actor,
        candidate_id=candidate_id,
        section=section if section != "exam" else "declaration",
        action="edit",
    )
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
    return _view(session, exam_year, candidate_id, declaration)


def unit_record(
    session: Session, *, actor: Actor, year: int, candidate_id: int, log_access: bool = True
) -> DeclarationView:
    """A bound candidate's record for the unit's forms (logged as a view of the declaration).

    `log_access` False only for a page re-drawing a record it has just logged as opened.
    """
    _require_bound_to_unit(session, actor, candidate_id)
    exam_year = get_exam_year(session, year=year)
    if log_access:
        access.record(session, actor=actor, candidate_id=candidate_id, section="declaration", action="view")
    return _view(session, exam_year, candidate_id, _declaration(session, exam_year.id, candidate_id))


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
    verdict: str | None = None  # label 满足/将满足/不满足/无法判断, None when not judged

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def unit_candidates(
    session: Session, *, actor: Actor, year: int, with_verdict: bool = True, today: date | None = None
) -> list[CandidateRow]:
    """The unit's actively bound candidates with the status of their record for `year` (names masked no further)."""
    authorize(session, actor, "unit_admin")
    exam_year = get_exam_year(session, year=year)
    bound = list(
        session.execute(
            select(
                UnitBinding.candidate_id, IdentityVerification.real_name, IdentityVerification.document_number_masked
            )
            .outerjoin(
                IdentityVerification,
                (IdentityVerification.user_id == UnitBinding.candidate_id)
                & IdentityVerification.is_current.is_(True)
                & (IdentityVerification.status == "verified"),
            )
            .where(UnitBinding.unit_id == actor.unit_id, UnitBinding.ended_at.is_(None))
            .order_by(UnitBinding.candidate_id)
        )
    )
    ids = [row[0] for row in bound]
    declarations: dict[int, Declaration] = {}
    for start in range(0, len(ids), 2000):
        query = select(Declaration).where(
            Declaration.exam_year_id == exam_year.id, Declaration.candidate_id.in_(ids[start : start + 2000])
        )
        declarations.update({d.candidate_id: d for d in session.scalars(query)})
    records = load_records(session, declarations.values())
    requests = {
        r.declaration_id: r
        for r in session.scalars(
            select(CorrectionRequest).where(
                CorrectionRequest.declaration_id.in_([d.id for d in declarations.values()] or [0]),
                CorrectionRequest.resolved_at.is_(None),
            )
        )
    }
    verdicts = {}
    if with_verdict:
        from portal.eligibility.service import judge

        for d in declarations.values():
            if d.confirmation_status != "not_entered":
                verdict = judge(
                    _eligibility_dict(records[d.id]),
                    year=year,
                    cutoff=exam_year.cutoff_on,
                    as_of=today or today_local(),
                )
                verdicts[d.candidate_id] = verdict.label
    out = []
    for candidate_id, real_name, masked in bound:
        d = declarations.get(candidate_id)
        record = records[d.id] if d else F.empty_record()
        request = requests.get(d.id) if d else None
        out.append(
            CandidateRow(
                candidate_id=candidate_id,
                real_name=real_name or "（未实名认证）",
                masked_number=masked or "",
                status=d.confirmation_status if d else "not_entered",
                missing=rules.missing(record),
                updated_at=d.updated_at if d else None,
                correction_note=request.note if request else "",
                correction_fields=[F.field_label(p) for p in json.loads(request.fields)] if request else [],
                verdict=verdicts.get(candidate_id),
            )
        )
    return out


def record_export(session: Session, *, actor: Actor, year: int, candidate_ids: list[int]) -> None:
    """Log that the unit exported the listed candidates' declaration status (one access record each)."""
    authorize(session, actor, "unit_admin")
    bound = set(
        session.scalars(
            select(UnitBinding.candidate_id).where(UnitBinding.unit_id == actor.unit_id, UnitBinding.ended_at.is_(None))
        )
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


# ----------------------------------------------------------------------------------------------------
# The candidate's side


def my_record(session: Session, *, actor: Actor, year: int | None = None) -> DeclarationView | None:
    """The acting candidate's own record for `year` (default the current year); None when no year is open."""
    authorize(session, actor, "candidate")
    exam_year = get_exam_year(session, year=year) if year else current_exam_year(session)
    if exam_year is None:
        return None
    return _view(session, exam_year, actor.user_id, _declaration(session, exam_year.id, actor.user_id))


def confirm(
    session: Session, *, actor: Actor, year: int, expected_hash: str, today: date | None = None
) -> DeclarationView:
    """确认无误: record that the candidate confirmed exactly the content whose hash is `expected_hash`."""
    authorize(session, actor, "candidate")
    exam_year = _require_confirmation_open(session, year, today)
    declaration = _declaration(session, exam_year.id, actor.user_id, lock=True)
    if declaration is None or declaration.confirmation_status == "not_entered":
        raise Conflict("单位尚未填报您的申报信息，暂不能确认。")
    view = _view(session, exam_year, actor.user_id, declaration)
    if view.missing:
        raise Conflict(f"申报信息尚不完整（缺少：{'、'.join(view.missing)}），请联系单位补充后再确认。")
    if view.content_hash != expected_hash:
        raise Conflict("申报信息刚刚被单位修改，请重新核对后再确认。")
    if declaration.confirmation_status == "confirmed" and declaration.confirmed_hash == expected_hash:
        return view
    now = utcnow()
    declaration.confirmation_status = "confirmed"
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
    for request in session.scalars(
        select(CorrectionRequest).where(
            CorrectionRequest.declaration_id == declaration.id, CorrectionRequest.resolved_at.is_(None)
        )
    ):
        request.resolved_at = now
        request.resolved_revision = declaration.revision
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="declaration.confirm",
        object_type="declaration",
        object_id=declaration.id,
        summary=f"revision={declaration.revision}",
    )
    return _view(session, exam_year, actor.user_id, declaration)


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
    exam_year = _require_confirmation_open(session, year, today)
    declaration = _declaration(session, exam_year.id, actor.user_id, lock=True)
    if declaration is None or declaration.confirmation_status == "not_entered":
        raise Conflict("单位尚未填报您的申报信息。")
    if declaration.confirmation_status == "correction_requested":
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
    declaration.confirmation_status = "correction_requested"
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
    return _view(session, exam_year, actor.user_id, declaration)


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
    from portal.identity.imaging import UploadRejected, sanitize_upload

    authorize(session, actor, "candidate")
    exam_year = get_exam_year(session, year=year)
    if _window(exam_year.confirmation_opens_on, exam_year.confirmation_closes_on, today or today_local()) == "closed":
        raise PermissionDenied(f"信息确认已于 {exam_year.confirmation_closes_on.isoformat()} 截止，不能再上传。")
    if slot not in SLOT_LABELS or side not in SIDE_LABELS or not 1 <= item_no <= 20:
        raise ValidationFailed({"slot": "证书类型不正确"})
    try:
        clean = sanitize_upload(data)
    except UploadRejected as error:
        raise ValidationFailed({"image": f"{SLOT_LABELS[slot]}{SIDE_LABELS[side]}：{error.message}"}) from None
    declaration = _declaration(session, exam_year.id, actor.user_id)
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
        _require_bound_to_unit(session, actor, declaration.candidate_id)
        access.record(
            session,
            actor=actor,
            candidate_id=declaration.candidate_id,
            section=SLOT_SECTIONS[image.slot],
            action="view",
        )
    return storage.load(image.storage_key)


# ----------------------------------------------------------------------------------------------------
# Eligibility pre-check (报名资格预检)


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def _eligibility_dict(record: dict) -> dict:
    education = record.get("education")
    practice = record.get("practice_certificate")
    return {
        "exam_level": record.get("exam_level"),
        "exam_category": record.get("exam_category"),
        "is_assistant_upgrading": record.get("is_assistant_upgrading"),
        "is_fresh_graduate": record.get("is_fresh_graduate"),
        "education": None
        if not education
        else {
            k: _iso(education.get(k))
            for k in ("education_level", "major_type", "major", "enrolled_on", "graduated_on", "schooling_years")
        },
        "probation": [
            {"work_started_on": _iso(p.get("work_started_on")), "work_ended_on": _iso(p.get("work_ended_on"))}
            for p in record.get("probation") or []
        ],
        "qualification_certificates": [
            {"level": q.get("level"), "category": q.get("category"), "issued_on": _iso(q.get("issued_on"))}
            for q in record.get("qualification_certificates") or []
        ],
        "practice_certificate": None
        if not practice
        else {
            "practice_level": practice.get("practice_level"),
            "practice_category": practice.get("practice_category"),
            "issued_on": _iso(practice.get("issued_on")),
        },
    }


def eligibility_record(session: Session, *, declaration_id: int) -> dict:
    """The declaration as the dict `portal.eligibility.service.judge` takes (the `eligibility` contract)."""
    declaration = session.get(Declaration, declaration_id)
    if declaration is None:
        raise NotFound("申报信息不存在。")
    return _eligibility_dict(load_record(session, declaration))


def eligibility_verdict(session: Session, *, declaration_id: int, as_of: date | None = None):
    """The 报名资格预检 verdict of a declaration (advisory; the formal review decides)."""
    from portal.eligibility.service import judge

    declaration = session.get(Declaration, declaration_id)
    if declaration is None:
        raise NotFound("申报信息不存在。")
    exam_year = session.get(ExamYear, declaration.exam_year_id)
    record = eligibility_record(session, declaration_id=declaration_id)
    return judge(record, year=exam_year.year, cutoff=exam_year.cutoff_on, as_of=as_of or today_local())


def status_counts(session: Session, *, year: int) -> dict[str, int]:
    """How many records of `year` are in each confirmation status (no personal data)."""
    exam_year = get_exam_year(session, year=year)
    rows = session.execute(
        select(Declaration.confirmation_status, func.count())
        .where(Declaration.exam_year_id == exam_year.id)
        .group_by(Declaration.confirmation_status)
    )
    return {status: count for status, count in rows}
