"""The unit's pre-filled template (含本单位考生的模板): its bound candidates with their current values, keyed by an
opaque 考生编号 instead of the full 证件号码 (which the unit never sees), so the unit edits and re-imports.

考生编号 is `B<binding id>-<signature>`: the signature is a keyed hash (HMAC-SHA256 under `PORTAL_SECRET_KEY`) of the
unit and the binding, so a key is accepted only in an import by the unit whose candidate it names, only while
that binding is active, and cannot be made up or changed into another candidate's. A new secret key (rotate-key)
invalidates the keys of templates downloaded before; the unit downloads the template again.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import IdentityVerification, Unit, UnitBinding
from portal.access import service as access
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.crypto import lookup_hash
from portal.core.errors import NotFound
from portal.declaration import fields as F
from portal.declaration import template
from portal.declaration.exam_year import get_exam_year
from portal.declaration.record import declarations_of, load_records
from portal.identity.policy import verified_identity_of
from portal.unit.policy import active_binding

_SIGNATURE_CHARS = 16
_KEY = re.compile(r"B(\d{1,12})-([0-9A-F]{16})")


def _signature(unit_id: int, binding_id: int) -> str:
    return lookup_hash(f"declaration-row:{unit_id}:{binding_id}")[:_SIGNATURE_CHARS].upper()


def row_key(unit_id: int, binding_id: int) -> str:
    """The 考生编号 of the candidate of `binding_id` in a template of `unit_id`."""
    return f"B{binding_id}-{_signature(unit_id, binding_id)}"


def parse_row_key(value, unit_id: int) -> int | None:
    """The binding id a 考生编号 names when it was made for `unit_id`, else None (malformed, forged, other unit)."""
    match = _KEY.fullmatch(str(value or "").strip().upper())
    if match is None:
        return None
    binding_id = int(match.group(1))
    return binding_id if match.group(2) == _signature(unit_id, binding_id) else None


def _cell(field: F.Field, value):
    """A stored value as the importer reads it back: dates as dates, 学制 as a number, 是/否, text."""
    if value is None:
        return None
    if field.kind == "date" or isinstance(value, date):
        return value
    if field.kind == "int":
        return int(value)
    return F.display(field, value)


def _section_rows(sheet: template.Sheet, record: dict, lead: list) -> list[list]:
    fields = [field for _, field in sheet.columns_for(keyed=True) if field is not None]
    if sheet.code == "exam":
        return [lead + [_cell(field, record.get(field.key)) for field in fields]]
    section = sheet.section
    value = record.get(section.record_key)
    if section.multiple:
        return [lead + [_cell(field, item.get(field.key)) for field in fields] for item in value or []]
    if sheet.code == "nurse_certificate":
        has = record.get("has_nurse_certificate")
        if has is None:
            return []
        if not has:
            return [lead + ["是"] + [None] * len(fields)]
        return [lead + ["否"] + [_cell(field, (value or {}).get(field.key)) for field in fields]]
    if not value:
        return []
    return [lead + [_cell(field, value.get(field.key)) for field in fields]]


def unit_template(session: Session, *, actor: Actor, year: int, unit_id: int | None = None) -> bytes:
    """The template pre-filled with the unit's actively bound, verified candidates and their record of `year`.

    A unit_admin gets their own unit's; the system (command line) names the unit with `unit_id`. Every candidate
    in the file is logged as an export of their declaration data.
    """
    authorize(session, actor, "unit_admin", "system")
    if actor.role == "unit_admin":
        unit_id = actor.unit_id
    if unit_id is None or session.get(Unit, unit_id) is None:
        raise NotFound("单位不存在。")
    exam_year = get_exam_year(session, year=year)
    bound = list(
        session.execute(
            select(
                UnitBinding.id,
                UnitBinding.candidate_id,
                IdentityVerification.real_name,
                IdentityVerification.document_number_masked,
            )
            .join(IdentityVerification, verified_identity_of(UnitBinding.candidate_id))
            .where(UnitBinding.unit_id == unit_id, active_binding())
            .order_by(UnitBinding.candidate_id)
        )
    )
    ids = [row[1] for row in bound]
    declarations = declarations_of(session, exam_year_id=exam_year.id, candidate_ids=ids)
    records = load_records(session, declarations.values())
    rows: dict[str, list[list]] = {sheet.code: [] for sheet in template.SHEETS}
    for binding_id, candidate_id, real_name, masked in bound:
        declaration = declarations.get(candidate_id)
        record = records[declaration.id] if declaration else F.empty_record()
        lead = [row_key(unit_id, binding_id), masked, real_name]
        for sheet in template.SHEETS:
            rows[sheet.code] += _section_rows(sheet, record, lead)
    access.record_many(session, actor=actor, candidate_ids=ids, section="declaration", action="export")
    audit.record(
        session,
        actor=actor,
        action="declaration.template_export",
        object_type="exam_year",
        object_id=year,
        summary=f"unit={unit_id} candidates={len(ids)}",
    )
    return template.template_bytes(rows, keyed=True)
