"""Import declaration records from the XLSX template (`portal.declaration.template`), in bulk.

Rows are keyed by 证件号码: the candidate is found through the keyed hash of the number (a verified
identity) and must be actively bound to the importing unit. A row of the unit's pre-filled template is keyed by
its 考生编号 instead (`portal.declaration.prefill`; its masked 证件号码 is not read), accepted only for a candidate
actively bound to the importing unit. A record spans several sheets and is all-or-nothing:
when any of a candidate's rows is bad, none of them is saved and every bad row is reported with its sheet, row,
column and reason. Good records are written with a handful of bulk statements (no query per row).

Changes (field, old, new) are kept only for records the candidate had confirmed before or asked to correct,
since the candidate is shown only what changed after their last confirmation (never confirmed: after their latest
correction request).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from db.models import (
    CorrectionRequest,
    Declaration,
    DeclarationChange,
    IdentityVerification,
    Message,
    PersonalDataAccess,
    Unit,
    UnitBinding,
)
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core import sheets
from portal.core.actor import Actor
from portal.core.crypto import lookup_hash
from portal.core.errors import ImportFileError, NotFound
from portal.core.text import is_ascii_document_number, normalize_document_number
from portal.core.timeutil import today_local, utcnow
from portal.declaration import fields as F
from portal.declaration import rules
from portal.declaration.entry import CHANGE_NOTICE_TITLES, diff
from portal.declaration.exam_year import require_entry_open
from portal.declaration.prefill import parse_row_key
from portal.declaration.record import MULTIPLE_SECTIONS, SINGLE_SECTIONS, load_records
from portal.declaration.template import KEY, NAME, NONE_COLUMN, NUMBER, SHEETS_BY_TITLE, Sheet
from portal.declaration.vocab import ConfirmationStatus
from portal.identity.policy import current_verification
from portal.identity.vocab import VerificationStatus
from portal.unit.policy import active_binding

CHUNK = 1000
NOT_ASCII = "证件号码只能包含半角数字 0-9 和英文字母（末位可为 X）"


NOT_BOUND_HERE = "本单位没有使用该证件号码完成实名认证并绑定的考生，不能导入"
KEY_NOT_HERE = "考生编号无效，或不是本单位已绑定考生的编号，不能导入（请重新下载含本单位考生的模板）"
TWICE = "同一考生在文件中既以证件号码又以考生编号出现，请只保留一种"
_KEYED = "key:"  # prefix of the pending entries of rows keyed by 考生编号


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    reason: str

    def line(self) -> str:
        return f"{self.sheet} 第{self.row}行 {self.column or '-'}：{self.reason}"


@dataclass
class ImportResult:
    imported: int = 0  # new records
    updated: int = 0  # existing records whose content changed
    unchanged: int = 0
    rejected: int = 0  # candidates (records) rejected
    errors: list[RowError] = field(default_factory=list)

    def summary(self) -> str:
        return f"imported {self.imported}, updated {self.updated}, unchanged {self.unchanged}, rejected {self.rejected}"


@dataclass
class _Pending:
    """What the file says about one candidate (by 证件号码, or by 考生编号: `number` is then `key:<考生编号>`)."""

    number: str
    rows: list[tuple[str, int]] = field(default_factory=list)  # (sheet title, row)
    sections: dict = field(default_factory=dict)  # code -> typed value (dict, list or None for 无此信息)
    item_rows: dict = field(default_factory=dict)  # code -> [row of item 1, row of item 2, ...]
    section_row: dict = field(default_factory=dict)  # code -> row (single sections)
    name: str | None = None
    name_row: int = 0
    errors: list[RowError] = field(default_factory=list)


def _value(cell):
    if isinstance(cell, str):
        return cell.strip()
    return cell


def _header(value) -> str:
    return str(value or "").strip().rstrip("*＊").strip()


def _number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_document_number(str(value))  # NFKC: a full-width ４２０１… is the same candidate as 4201…


def read(data: bytes) -> dict[str, _Pending]:
    """Parse the workbook into one `_Pending` per 证件号码 (type, choice and required-field errors included)."""
    workbook = sheets.open_xlsx(data)  # archive checked before parsing; read-only (streaming)
    found = [title for title in workbook.sheetnames if title in SHEETS_BY_TITLE]
    if not found:
        raise ImportFileError(
            "文件中没有模板的工作表（如“学历信息”）。", english="no sheet of the declaration template found"
        )
    pending: dict[str, _Pending] = {}
    for title in found:
        sheet = SHEETS_BY_TITLE[title]
        rows = sheets.xlsx_rows(workbook[title], where=f"工作表“{title}”")
        header = next(rows, None)
        if header is None:
            continue
        columns = _columns(sheet, [_header(h) for h in header])
        for row_number, values in enumerate(rows, start=2):
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            _read_row(sheet, columns, row_number, [_value(v) for v in values], pending)
    workbook.close()
    return pending


def _columns(sheet: Sheet, headers: list[str]) -> dict[str, int]:
    if NUMBER not in headers and KEY not in headers:
        raise ImportFileError(
            f"工作表“{sheet.title}”缺少“{NUMBER}”列。", english=f"sheet {sheet.title!r} has no {NUMBER!r} column"
        )
    known = {header for header, _ in sheet.columns_for(keyed=True)}
    return {header: index for index, header in enumerate(headers) if header in known}


def _read_row(sheet: Sheet, columns: dict[str, int], row: int, values: list, pending: dict[str, _Pending]) -> None:
    def cell(header):
        index = columns.get(header)
        return values[index] if index is not None and index < len(values) else None

    row_key = str(cell(KEY) or "").strip().upper()
    number = f"{_KEYED}{row_key}" if row_key else _number(cell(NUMBER))  # with a key, the masked number is unread
    if not row_key and (not number or not is_ascii_document_number(number)):
        key = f"__row_{sheet.title}_{row}"
        item = pending.setdefault(key, _Pending(key))
        item.rows.append((sheet.title, row))
        item.errors.append(RowError(sheet.title, row, NUMBER, "必填" if not number else NOT_ASCII))
        return
    item = pending.setdefault(number, _Pending(number))
    item.rows.append((sheet.title, row))
    code, section = sheet.code, sheet.section
    labels = {f.key: f.label for f in section.fields}

    def report(errors: dict[str, str]):
        for path, reason in errors.items():
            key = path.rsplit(".", 1)[-1]
            column = labels.get(key, "")
            item.errors.append(RowError(sheet.title, row, column, reason.split("：", 1)[-1]))

    raw = {f.key: cell(f.label) for f in section.fields}
    if code == "exam":
        if "exam" in item.sections:
            item.errors.append(RowError(sheet.title, row, NUMBER, "同一证件号码在本表出现多次"))
            return
        name = cell(NAME)
        item.name, item.name_row = (str(name).strip() if name else None), row
    if section.multiple:
        values_, errors = F.clean(section, raw, prefix=f"{code}[{len(item.item_rows.get(code, [])) + 1}]")
        report(errors)
        item.sections.setdefault(code, []).append(values_)
        item.item_rows.setdefault(code, []).append(row)
        return
    if code in item.sections:
        item.errors.append(RowError(sheet.title, row, NUMBER, "同一证件号码在本表出现多次"))
        return
    item.section_row[code] = row
    if code == "nurse_certificate":
        try:
            none = F.parse_bool(cell(NONE_COLUMN))
        except ValueError:
            item.errors.append(RowError(sheet.title, row, NONE_COLUMN, "应为“是”或“否”"))
            return
        if none:
            item.sections[code] = None
            return
    values_, errors = F.clean(section, raw)
    report(errors)
    item.sections[code] = values_


def _new_record(old: dict, sections: dict) -> dict:
    new = {**old}
    for code, value in sections.items():
        if code == "exam":
            new.update(value)
        elif code == "nurse_certificate":
            new["nurse_certificate"] = value
            new["has_nurse_certificate"] = value is not None
        else:
            new[F.SECTIONS_BY_CODE[code].record_key] = value
    return new


def _rule_errors(item: _Pending, problems: dict[str, str]) -> None:
    """Map rule errors (field paths) to the sheet, row and column they came from."""
    for path, reason in problems.items():
        match = re.fullmatch(r"(\w+)(?:\[(\d+)\])?\.(\w+)", path)
        code, index, key = match.groups()
        section = F.SECTIONS_BY_CODE[code]
        title = section.label
        if index:
            rows = item.item_rows.get(code, [])
            row = rows[int(index) - 1] if int(index) <= len(rows) else 0
        else:
            row = item.section_row.get(code, 0)
        if not row:  # the value came from the database, the clash from this file: point at the first row
            title, row = item.rows[0]
        column = section.field(key).label if key != "none" else NONE_COLUMN
        item.errors.append(RowError(title, row, column, reason.split("：", 1)[-1]))


def import_declarations(
    session: Session,
    *,
    actor: Actor,
    year: int,
    data: bytes,
    unit_id: int | None = None,
    today: date | None = None,
) -> ImportResult:
    """Create or update declaration records of `year` from the XLSX template, for the acting unit.

    A unit_admin imports for their own unit; the system (command line) names the unit with `unit_id`.
    """
    authorize(session, actor, "unit_admin", "system")
    if actor.role == "unit_admin":
        unit_id = actor.unit_id
    if unit_id is None or session.get(Unit, unit_id) is None:
        raise NotFound("单位不存在。")
    today = today or today_local()
    exam_year = require_entry_open(session, year, today)
    pending = read(data)
    result = ImportResult()

    # candidates by the keyed hash of their number, and their active binding
    by_hash = {lookup_hash(number): number for number in pending if not number.startswith(("__row_", _KEYED))}
    identities: dict[str, tuple[int, str, date | None]] = {}
    hashes = list(by_hash)
    for start in range(0, len(hashes), CHUNK):
        query = select(
            IdentityVerification.document_number_hash,
            IdentityVerification.user_id,
            IdentityVerification.real_name,
            IdentityVerification.birth_date,
        ).where(
            IdentityVerification.document_number_hash.in_(hashes[start : start + CHUNK]),
            IdentityVerification.status == VerificationStatus.VERIFIED,
            current_verification(),
        )
        for number_hash, user_id, real_name, birth in session.execute(query):
            identities[by_hash[number_hash]] = (user_id, real_name, birth)
    identities.update(_keyed_identities(session, unit_id, [k for k in pending if k.startswith(_KEYED)]))
    user_ids = [value[0] for value in identities.values()]
    bound: dict[int, int] = {}
    for start in range(0, len(user_ids), CHUNK):
        query = select(UnitBinding.candidate_id, UnitBinding.unit_id).where(
            UnitBinding.candidate_id.in_(user_ids[start : start + CHUNK]), active_binding()
        )
        bound.update(dict(session.execute(query).all()))
    existing: dict[int, Declaration] = {}
    for start in range(0, len(user_ids), CHUNK):
        query = select(Declaration).where(
            Declaration.exam_year_id == exam_year.id, Declaration.candidate_id.in_(user_ids[start : start + CHUNK])
        )
        existing.update({d.candidate_id: d for d in session.scalars(query)})
    old_records = load_records(session, existing.values())

    accepted: list[tuple[int, _Pending, dict, dict, list]] = []  # (candidate, item, old, new, changes)
    seen: set[int] = set()
    for number, item in pending.items():
        first_sheet, first_row = item.rows[0]
        identity = identities.get(number)
        if not number.startswith("__row_"):
            if identity is None or bound.get(identity[0]) != unit_id:
                # One answer whether or not the number is verified on the portal (no probing through imports).
                if number.startswith(_KEYED):
                    item.errors.append(RowError(first_sheet, first_row, KEY, KEY_NOT_HERE))
                else:
                    item.errors.append(RowError(first_sheet, first_row, NUMBER, NOT_BOUND_HERE))
            elif identity[0] in seen:
                item.errors.append(
                    RowError(first_sheet, first_row, KEY if number.startswith(_KEYED) else NUMBER, TWICE)
                )
            elif item.name and item.name != identity[1]:
                item.errors.append(RowError("基本信息", item.name_row, NAME, "与该证件号码实名认证的姓名不一致"))
        if identity is not None:
            seen.add(identity[0])
        if not item.errors:
            declaration = existing.get(identity[0])
            old = old_records[declaration.id] if declaration else F.empty_record()
            new = _new_record(old, item.sections)
            problems = rules.check(new, birth_date=identity[2], today=today)
            if problems:
                _rule_errors(item, problems)
            else:
                accepted.append((identity[0], item, old, new, diff(old, new)))
        if item.errors:
            result.rejected += 1
            reported = {(e.sheet, e.row) for e in item.errors}
            result.errors += item.errors
            result.errors += [
                RowError(sheet, row, "", "同一考生的其他行有误，本行未导入")
                for sheet, row in item.rows
                if (sheet, row) not in reported
            ]
    result.errors.sort(
        key=lambda e: (list(SHEETS_BY_TITLE).index(e.sheet) if e.sheet in SHEETS_BY_TITLE else 99, e.row)
    )
    _write(session, actor, exam_year.id, unit_id, existing, accepted, result)
    audit.record(
        session,
        actor=actor,
        action="declaration.import",
        object_type="exam_year",
        object_id=year,
        summary=f"unit={unit_id} {result.summary()}",
    )
    return result


def _keyed_identities(session: Session, unit_id: int, keys: list[str]) -> dict[str, tuple[int, str, date | None]]:
    """{pending key: (candidate, real name, birth date)} of the rows keyed by a valid 考生编号 of `unit_id` whose
    binding is still active and whose candidate is verified."""
    bindings = {k: parse_row_key(k.removeprefix(_KEYED), unit_id) for k in keys}
    wanted = [b for b in bindings.values() if b is not None]
    candidates: dict[int, int] = {}
    for start in range(0, len(wanted), CHUNK):
        query = select(UnitBinding.id, UnitBinding.candidate_id).where(
            UnitBinding.id.in_(wanted[start : start + CHUNK]), UnitBinding.unit_id == unit_id, active_binding()
        )
        candidates.update(dict(session.execute(query).all()))
    people: dict[int, tuple[int, str, date | None]] = {}
    user_ids = list(candidates.values())
    for start in range(0, len(user_ids), CHUNK):
        query = select(
            IdentityVerification.user_id, IdentityVerification.real_name, IdentityVerification.birth_date
        ).where(
            IdentityVerification.user_id.in_(user_ids[start : start + CHUNK]),
            IdentityVerification.status == VerificationStatus.VERIFIED,
            current_verification(),
        )
        people.update({user_id: (user_id, name, birth) for user_id, name, birth in session.execute(query)})
    return {
        k: people[candidates[b]]
        for k, b in bindings.items()
        if b is not None and b in candidates and candidates[b] in people
    }


def _write(session, actor, exam_year_id, unit_id, existing, accepted, result) -> None:
    now = utcnow()
    new_candidates = [c for c, *_ in accepted if c not in existing]
    if new_candidates:
        session.execute(
            insert(Declaration),
            [
                {
                    "exam_year_id": exam_year_id,
                    "candidate_id": c,
                    "unit_id": unit_id,
                    "confirmation_status": ConfirmationStatus.NOT_ENTERED,
                    "revision": 0,
                    "created_at": now,
                }
                for c in new_candidates
            ],
        )
        for start in range(0, len(new_candidates), CHUNK):
            query = select(Declaration).where(
                Declaration.exam_year_id == exam_year_id,
                Declaration.candidate_id.in_(new_candidates[start : start + CHUNK]),
            )
            existing.update({d.candidate_id: d for d in session.scalars(query)})
    changed = [(c, item, old, new, changes) for c, item, old, new, changes in accepted if changes]
    ids = [existing[c].id for c, *_ in changed if existing[c].confirmed_revision is None and c not in new_candidates]
    corrected: set[int] = set()  # never confirmed, but the candidate asked for a correction: keep the changes
    for start in range(0, len(ids), CHUNK):
        corrected.update(
            session.scalars(
                select(CorrectionRequest.declaration_id).where(
                    CorrectionRequest.declaration_id.in_(ids[start : start + CHUNK])
                )
            )
        )
    result.unchanged = len(accepted) - len(changed)
    result.imported = sum(1 for c, *_ in changed if c in new_candidates)
    result.updated = len(changed) - result.imported

    replaced: dict[str, list[int]] = defaultdict(list)
    for c, item, *_ in changed:
        for code in item.sections:
            if code != "exam":
                replaced[code].append(existing[c].id)
    for code, ids in replaced.items():
        model = SINGLE_SECTIONS.get(code) or MULTIPLE_SECTIONS[code]
        for start in range(0, len(ids), CHUNK):
            session.execute(delete(model).where(model.declaration_id.in_(ids[start : start + CHUNK])))
    section_rows: dict[str, list[dict]] = defaultdict(list)
    declaration_updates, change_rows, messages, accesses, reopened = [], [], [], [], []
    for c, item, _old, new, changes in changed:
        declaration = existing[c]
        for code in item.sections:
            if code == "exam":
                continue
            section = F.SECTIONS_BY_CODE[code]
            value = new[section.record_key]
            if code in MULTIPLE_SECTIONS:
                section_rows[code] += [
                    {"declaration_id": declaration.id, "position": position, **values}
                    for position, values in enumerate(value, start=1)
                ]
            elif value:
                section_rows[code].append({"declaration_id": declaration.id, **value})
        revision = declaration.revision + 1
        previous = declaration.confirmation_status
        declaration_updates.append(
            {
                "id": declaration.id,
                "unit_id": unit_id,
                "exam_level": new["exam_level"],
                "exam_category": new["exam_category"],
                "is_assistant_upgrading": new["is_assistant_upgrading"],
                "is_fresh_graduate": new["is_fresh_graduate"],
                "has_nurse_certificate": new["has_nurse_certificate"],
                "revision": revision,
                "confirmation_status": ConfirmationStatus.PENDING,
                "updated_at": now,
                "updated_by": actor.user_id,
            }
        )
        if declaration.confirmed_revision is not None or declaration.id in corrected:
            change_rows += [
                {
                    "declaration_id": declaration.id,
                    "revision": revision,
                    "field": path,
                    "label": label[:120],
                    "old_value": old_value[:300],
                    "new_value": new_value[:300],
                    "changed_by": actor.user_id,
                    "created_at": now,
                }
                for path, label, old_value, new_value in changes
            ]
        if previous in CHANGE_NOTICE_TITLES:
            messages.append(
                {
                    "user_id": c,
                    "category": "declaration",
                    "title": CHANGE_NOTICE_TITLES[previous],
                    "body": "请到“医师资格考试信息确认”查看修改内容并重新确认。",
                    "created_at": now,
                }
            )
        if previous == ConfirmationStatus.CORRECTION_REQUESTED:
            reopened.append((declaration.id, revision))
        if actor.user_id != c:
            accesses.append(
                {
                    "candidate_id": c,
                    "reader_id": actor.user_id,
                    "reader_role": actor.role,
                    "reader_unit_id": unit_id,
                    "section": "declaration",
                    "action": "edit",
                    "created_at": now,
                }
            )
    for code, rows in section_rows.items():
        model = SINGLE_SECTIONS.get(code) or MULTIPLE_SECTIONS[code]
        for start in range(0, len(rows), 5000):
            session.execute(insert(model), rows[start : start + 5000])
    if declaration_updates:
        session.execute(update(Declaration), declaration_updates)
    for model, rows in ((DeclarationChange, change_rows), (Message, messages), (PersonalDataAccess, accesses)):
        for start in range(0, len(rows), 5000):
            session.execute(insert(model), rows[start : start + 5000])
    for declaration_id, revision in reopened:
        session.execute(
            update(CorrectionRequest)
            .where(CorrectionRequest.declaration_id == declaration_id, CorrectionRequest.resolved_at.is_(None))
            .values(resolved_at=now, resolved_revision=revision)
        )
    session.flush()
    session.expire_all()
