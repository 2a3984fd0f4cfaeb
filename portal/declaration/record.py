"""A declaration record (申报信息) as stored and as shown: loading it, its view, its content hash.

A record is a `Declaration` row (the exam fields) plus one table per section (`SINGLE_SECTIONS` hold one row,
`MULTIPLE_SECTIONS` an ordered list). `load_records` turns them into the plain record dict of
`portal.declaration.fields`; `build_view` adds 基本信息 (from the verified identity and the active binding,
never typed), the images, the changes since the last confirmation (or, never confirmed, since the latest
correction request) and an open correction request. `shown_status` is the status as pages show it (待单位补充 for
a record still missing sections).
`eligibility_dict` is the record as the eligibility judge takes it (the `eligibility` contract).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from db.models import (
    CertificateImage,
    CorrectionRequest,
    Declaration,
    DeclarationChange,
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
from portal.core.crypto import mask
from portal.core.errors import NotFound
from portal.core.timeutil import today_local
from portal.declaration import fields as F
from portal.declaration import rules
from portal.declaration.vocab import SHOWN_STATUS_LABELS, ChangesSince, ConfirmationStatus, ShownStatus
from portal.eligibility.service import Judgement, judge
from portal.identity.policy import verified_identity_of
from portal.unit.policy import active_binding

# section table models: section code -> model
SINGLE_SECTIONS = {
    "education": DeclarationEducation,
    "title": DeclarationTitle,
    "practice_certificate": PracticeCertificate,
    "nurse_certificate": NurseCertificate,
}
MULTIPLE_SECTIONS = {"qualification_certificate": QualificationCertificate, "probation": ProbationPeriod}
# The unit's refusal for a candidate not (or no longer) bound to it.
NOT_BOUND = "该考生未绑定本单位，无法查看或修改其申报信息。"


def active_unit_id(session: Session, *, candidate_id: int) -> int | None:
    """The unit the candidate is actively bound to, or None."""
    return session.scalar(select(UnitBinding.unit_id).where(UnitBinding.candidate_id == candidate_id, active_binding()))


def verified_identity(session: Session, candidate_id: int) -> IdentityVerification | None:
    """The candidate's current verified identity (real name, masked number, birth date), or None."""
    return session.scalar(select(IdentityVerification).where(verified_identity_of(candidate_id)))


def _row_values(row, section: F.Section) -> dict:
    return {f.key: getattr(row, f.key) for f in section.fields}


def declarations_of(session: Session, *, exam_year_id: int, candidate_ids: list[int]) -> dict[int, Declaration]:
    """The records of these candidates in one exam year, by candidate id (read in batches of 2,000 ids)."""
    declarations: dict[int, Declaration] = {}
    for start in range(0, len(candidate_ids), 2000):
        chunk = {"exam_year_id": exam_year_id, "ids": candidate_ids[start : start + 2000]}
        declarations.update({d.candidate_id: d for d in session.scalars(_DECLARATIONS_OF, chunk)})
    return declarations


_DECLARATIONS_OF = select(Declaration).where(
    Declaration.exam_year_id == bindparam("exam_year_id"),
    Declaration.candidate_id.in_(bindparam("ids", expanding=True)),
)


def load_records(session: Session, declarations: Iterable[Declaration]) -> dict[int, dict]:
    """{declaration id: record dict} for many declarations, one query per section table."""
    records = {d.id: _exam_fields(d) for d in declarations}
    ids = list(records)
    for start in range(0, len(ids), 2000):
        chunk = {"ids": ids[start : start + 2000]}
        for declaration_id, *rows in session.execute(_SINGLES, chunk):
            _put_singles(records[declaration_id], rows)
        _put_multiples(session, records, chunk)
    return records


def _exam_fields(declaration: Declaration) -> dict:
    """A record dict with the declaration's own fields (the exam) and its sections empty."""
    record = F.empty_record()
    for key in ("exam_level", "exam_category", "is_assistant_upgrading", "is_fresh_graduate"):
        record[key] = getattr(declaration, key)
    record["has_nurse_certificate"] = declaration.has_nurse_certificate
    return record


def _put_singles(record: dict, rows) -> None:
    """The one-row sections' rows (each None when not entered, in the order of SINGLE_SECTIONS) into `record`."""
    for code, row in zip(SINGLE_SECTIONS, rows, strict=True):
        if row is not None:
            section = F.SECTIONS_BY_CODE[code]
            record[section.record_key] = _row_values(row, section)


def _put_multiples(session: Session, records: dict[int, dict], chunk: dict) -> None:
    """The list sections of the declarations `chunk["ids"]` into their records, one query per table."""
    for code, query in _MULTIPLE_QUERIES.items():
        section = F.SECTIONS_BY_CODE[code]
        for row in session.scalars(query, chunk):
            records[row.declaration_id][section.record_key].append(_row_values(row, section))


# A record's sections, one query per table, built once: a candidate's 信息确认 reads them on every run.
_IDS = bindparam("ids", expanding=True)
# The one-row sections together: one statement, each section's row (or None) beside its declaration's id.
_SINGLES = select(Declaration.id, *SINGLE_SECTIONS.values()).where(Declaration.id.in_(_IDS))
for _model in SINGLE_SECTIONS.values():
    _SINGLES = _SINGLES.outerjoin(_model, _model.declaration_id == Declaration.id)
_MULTIPLE_QUERIES = {
    code: select(model).where(model.declaration_id.in_(_IDS)).order_by(model.declaration_id, model.position)
    for code, model in MULTIPLE_SECTIONS.items()
}


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
    verified: bool = False  # the candidate has a current verified identity (实名认证 passed)


# 基本信息 in one statement (a candidate's 信息确认 asks on every run): the current verified identity, if any,
# beside the name of the unit the candidate is bound to, if any.
_BASIC = (
    select(
        IdentityVerification,
        select(Unit.name)
        .join(UnitBinding, UnitBinding.unit_id == Unit.id)
        .where(UnitBinding.candidate_id == User.id, active_binding())
        .scalar_subquery(),
    )
    .select_from(User)
    .outerjoin(IdentityVerification, verified_identity_of(User.id))
    .where(User.id == bindparam("candidate_id"))
)


def _basic(session: Session, candidate_id: int) -> Basic:
    identity, unit_name = session.execute(_BASIC, {"candidate_id": candidate_id}).one_or_none() or (None, None)
    return _basic_of(identity, unit_name)


def _basic_of(identity: IdentityVerification | None, unit_name: str | None) -> Basic:
    return Basic(
        real_name=identity.real_name if identity else "（未实名认证）",
        masked_number=identity.document_number_masked if identity else "",
        unit_name=unit_name or "（未绑定单位）",
        birth_date=identity.birth_date if identity else None,
        number_hash=identity.document_number_hash if identity else "",
        verified=identity is not None,
    )


def content_hash(record: dict, basic: Basic) -> str:
    """SHA-256 of the canonical snapshot (基本信息 and every field as shown) of a record."""
    snapshot = {
        "basic": {"real_name": basic.real_name, "number": basic.number_hash, "unit": basic.unit_name},
        "record": {path: value for path, (_, value) in F.flatten(record).items()},
    }
    canonical = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def shown_status(status: str, missing: list[str]) -> str:
    """The `ShownStatus` of a record: 待单位补充 while an entered record (待确认) still misses sections."""
    if status == ConfirmationStatus.PENDING and missing:
        return ShownStatus.INCOMPLETE
    return ShownStatus(status)


def can_confirm(status: str, missing: list[str]) -> bool:
    """Whether the candidate may press 确认无误: entered, complete, not confirmed yet."""
    return status in (ConfirmationStatus.PENDING, ConfirmationStatus.CORRECTION_REQUESTED) and not missing


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
    changes: list[Change] = field(default_factory=list)  # since `changes_since`
    changes_since: str | None = None  # a ChangesSince: the last confirmation, else the latest correction request
    correction: Correction | None = None

    @property
    def shown_status(self) -> str:
        return shown_status(self.status, self.missing)

    @property
    def status_label(self) -> str:
        return SHOWN_STATUS_LABELS[self.shown_status]

    @property
    def can_confirm(self) -> bool:
        return can_confirm(self.status, self.missing)


def find_declaration(
    session: Session, exam_year_id: int, candidate_id: int, *, lock: bool = False
) -> Declaration | None:
    """The record; `lock` takes its row lock so that a unit edit and a confirmation cannot interleave."""
    query = _DECLARATION
    if lock:
        # Wait for whoever holds the row and read it as they committed it.
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query, {"exam_year_id": exam_year_id, "candidate_id": candidate_id})


# Built once: asked on every run of a candidate's 信息确认.
_DECLARATION = select(Declaration).where(
    Declaration.exam_year_id == bindparam("exam_year_id"), Declaration.candidate_id == bindparam("candidate_id")
)
_IMAGES = select(CertificateImage.slot, CertificateImage.item_no, CertificateImage.side, CertificateImage.id).where(
    CertificateImage.declaration_id == bindparam("declaration_id")
)
# The newest correction request: what changed since it was made (never confirmed), and whether it is still open
# (requests are resolved all together, so an older one is never open while the newest is resolved).
_NEWEST_REQUEST = (
    select(CorrectionRequest)
    .where(CorrectionRequest.declaration_id == bindparam("declaration_id"))
    .order_by(CorrectionRequest.id.desc())
    .limit(1)
)


def build_view(session: Session, year: ExamYear, candidate_id: int, declaration: Declaration | None) -> DeclarationView:
    """The record of `candidate_id` for `year` as pages show it (`declaration` None: not entered yet)."""
    basic = _basic(session, candidate_id)
    if declaration is None:
        return _view(session, year, candidate_id, None, basic, F.empty_record(), None)
    record = load_record(session, declaration)
    newest = session.scalar(_NEWEST_REQUEST, {"declaration_id": declaration.id})
    return _view(session, year, candidate_id, declaration, basic, record, newest)


# A candidate's own record as 信息确认 shows it, asked on every run of that page: 基本信息 (as `_BASIC`), the
# year's declaration with its one-row sections and its newest correction request, all in one statement.
_NEWER = aliased(CorrectionRequest)
_NEWEST_REQUEST_ID = (
    select(func.max(_NEWER.id)).where(_NEWER.declaration_id == Declaration.id).correlate(Declaration).scalar_subquery()
)
_OWN_RECORD = (
    _BASIC.add_columns(Declaration, *SINGLE_SECTIONS.values(), CorrectionRequest)
    .outerjoin(
        Declaration,
        and_(Declaration.candidate_id == User.id, Declaration.exam_year_id == bindparam("exam_year_id")),
    )
    .outerjoin(CorrectionRequest, CorrectionRequest.id == _NEWEST_REQUEST_ID)
)
for _model in SINGLE_SECTIONS.values():
    _OWN_RECORD = _OWN_RECORD.outerjoin(_model, _model.declaration_id == Declaration.id)


def own_view(session: Session, year: ExamYear, candidate_id: int) -> DeclarationView:
    """`build_view` of the candidate's own record of `year`, read in three statements instead of seven."""
    found = session.execute(_OWN_RECORD, {"candidate_id": candidate_id, "exam_year_id": year.id}).one_or_none()
    if found is None:  # no such account: as build_view answers it
        return build_view(session, year, candidate_id, None)
    identity, unit_name, declaration, *singles, newest = found
    basic = _basic_of(identity, unit_name)
    if declaration is None:
        return _view(session, year, candidate_id, None, basic, F.empty_record(), None)
    record = _exam_fields(declaration)
    _put_singles(record, singles)
    _put_multiples(session, {declaration.id: record}, {"ids": [declaration.id]})
    return _view(session, year, candidate_id, declaration, basic, record, newest)


def _view(
    session: Session,
    year: ExamYear,
    candidate_id: int,
    declaration: Declaration | None,
    basic: Basic,
    record: dict,
    newest: CorrectionRequest | None,
) -> DeclarationView:
    """The view of a record read already (its newest correction request too); adds its images and changes."""
    view = DeclarationView(
        declaration_id=declaration.id if declaration else None,
        year=year.year,
        candidate_id=candidate_id,
        status=declaration.confirmation_status if declaration else ConfirmationStatus.NOT_ENTERED,
        basic=basic,
        record=record,
        missing=rules.missing(record),
        content_hash=content_hash(record, basic),
        revision=declaration.revision if declaration else 0,
        confirmed_at=declaration.confirmed_at if declaration else None,
    )
    if declaration is None:
        return view
    for slot, item_no, side, image_id in session.execute(_IMAGES, {"declaration_id": declaration.id}):
        view.images[(slot, item_no, side)] = image_id
    baseline, since = declaration.confirmed_revision, ChangesSince.CONFIRMATION
    if baseline is None:  # never confirmed: what changed since the candidate last said 信息有误
        baseline, since = (newest.revision if newest else None), ChangesSince.CORRECTION
    if baseline is not None:
        view.changes, view.changes_since = _changes_after(session, declaration.id, baseline), since
    open_request = newest if newest is not None and newest.resolved_at is None else None
    if open_request is not None:
        paths = json.loads(open_request.fields)
        view.correction = Correction(
            paths, [F.field_label(p) for p in paths], open_request.note, open_request.created_at
        )
    return view


def _shown(path: str, value: str) -> str:
    return mask(value) if value and F.is_sensitive(path) else value


# Asked on every run of 信息确认 for a record confirmed once (or corrected): built once.
_CHANGES_AFTER = (
    select(DeclarationChange)
    .where(
        DeclarationChange.declaration_id == bindparam("declaration_id"),
        DeclarationChange.revision > bindparam("revision"),
    )
    .order_by(DeclarationChange.id)
)


def _changes_after(session: Session, declaration_id: int, revision: int) -> list[Change]:
    """The net change of each field after `revision` (first old value, last new value), certificate numbers
    masked; fields changed and changed back are left out."""
    latest: dict[str, tuple[str, str, str, datetime]] = {}
    for row in session.scalars(_CHANGES_AFTER, {"declaration_id": declaration_id, "revision": revision}):
        first = latest.get(row.field)
        old = first[1] if first else (row.old_value or "")
        latest[row.field] = (row.label, old, row.new_value or "", row.created_at)
    return [
        Change(path, label, _shown(path, old), _shown(path, new), at)
        for path, (label, old, new, at) in latest.items()
        if old != new
    ]


def open_corrections(session: Session, declaration: Declaration):
    """The candidate's correction requests of this record not yet resolved (at most one in practice)."""
    return session.scalars(
        select(CorrectionRequest).where(
            CorrectionRequest.declaration_id == declaration.id, CorrectionRequest.resolved_at.is_(None)
        )
    )


def resolve_corrections(session: Session, declaration: Declaration, now: datetime) -> None:
    """Mark the open correction requests resolved by the record's current revision (changed or confirmed)."""
    for request in open_corrections(session, declaration):
        request.resolved_at = now
        request.resolved_revision = declaration.revision


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def eligibility_dict(record: dict) -> dict:
    """The record dict as `portal.eligibility.service.judge` takes it (dates as ISO strings)."""
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
    return eligibility_dict(load_record(session, declaration))


def eligibility_verdict(
    session: Session, *, declaration_id: int, as_of: date | None = None, record: dict | None = None
) -> Judgement:
    """The 报名资格预检 verdict of a declaration (advisory; the formal review decides).

    `record`: the declaration's record as `load_record` gave it (a `DeclarationView.record`), when the caller
    has just read it in this unit of work; otherwise it is read here.
    """
    declaration = session.get(Declaration, declaration_id)
    if declaration is None:
        raise NotFound("申报信息不存在。")
    exam_year = session.get(ExamYear, declaration.exam_year_id)
    loaded = (
        eligibility_dict(record) if record is not None else eligibility_record(session, declaration_id=declaration_id)
    )
    return judge(loaded, year=exam_year.year, cutoff=exam_year.cutoff_on, as_of=as_of or today_local())
