"""Bulk import of work units from CSV or XLSX (`python -m portal import-units FILE`, admin 单位导入 page).

Header row: 单位名称, 机构编码, 主管单位, 机构类别, 所属地区 (any order; other columns are ignored). Rows are
upserted by 机构编码. Every row is checked first; a rejected row changes nothing, the others are written in
bulk (one query per 500 codes to find existing units, one multi-row INSERT and one executemany UPDATE).
Row numbers are the spreadsheet's: the header is row 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Unit
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core import sheets
from portal.core.actor import Actor
from portal.core.errors import Conflict, ImportFileError
from portal.core.export import FORMULA_PREFIXES, to_csv_bytes
from portal.core.pinyin import initials
from portal.core.timeutil import utcnow
from portal.unit import categories, codes, regions

COLUMNS = {
    "单位名称": "name",
    "机构编码": "institution_code",
    "主管单位": "superior_unit",
    "机构类别": "category",
    "所属地区": "region_code",
}
MAX_ROWS = 100_000
CHUNK = 500

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Reject:
    """One problem of one rejected row."""

    row: int
    column: str
    reason: str  # Chinese, for the page and the rejects report
    reason_en: str  # English, for the command line
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportResult:
    imported: int = 0
    updated: int = 0
    rejected_rows: int = 0
    rejects: list[Reject] = field(default_factory=list)
    total_rows: int = 0

    def summary(self) -> str:
        return f"imported {self.imported}, updated {self.updated}, rejected {self.rejected_rows}"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    text = str(value).strip()
    return "" if text.lower() == "nan" else text


def _rows_from_csv(data: bytes) -> Iterator[list[str]]:
    for row in sheets.csv_rows(data, max_rows=MAX_ROWS):
        yield [_cell(value) for value in row]


def _rows_from_xlsx(data: bytes) -> Iterator[list[str]]:
    workbook = sheets.open_xlsx(data)  # archive checked before parsing; read-only (streaming)
    try:
        for row in sheets.xlsx_rows(workbook.worksheets[0], max_rows=MAX_ROWS):
            yield [_cell(value) for value in row]
    finally:
        workbook.close()


def read_rows(data: bytes, filename: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {field: text}) for each non-empty data row."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw = _rows_from_xlsx(data)
    elif name.endswith(".csv"):
        raw = _rows_from_csv(data)
    else:
        raise ImportFileError("文件须为 CSV 或 XLSX 格式。", english="the file must be .csv or .xlsx")
    header = None
    for number, row in enumerate(raw, start=1):
        if header is None:
            if not any(row):
                continue
            header = {cell.strip().lstrip("\ufeff"): index for index, cell in enumerate(row) if cell}
            missing = [column for column in COLUMNS if column not in header]
            if missing:
                raise ImportFileError(
                    f"表头缺少列：{'、'.join(missing)}（应为 {'、'.join(COLUMNS)}）。",
                    english=f"missing column(s) {', '.join(missing)} in the header row (expected {', '.join(COLUMNS)})",
                )
            continue
        if not any(row):
            continue
        if number > MAX_ROWS + 1:
            raise ImportFileError(f"文件超过 {MAX_ROWS} 行，请分批导入。", english=f"more than {MAX_ROWS} rows")
        yield (
            number,
            {
                fieldname: (row[header[column]] if header[column] < len(row) else "").strip()
                for column, fieldname in COLUMNS.items()
            },
        )
    if header is None:
        raise ImportFileError("文件为空（没有表头）。", english="the file is empty (no header row)")


def _check_text(value: str, column: str, *, required: bool, limit: int) -> tuple[str, str] | None:
    if required and not value:
        return "missing", f"{column}不能为空。"
    if len(value) > limit:
        return f"longer than {limit} characters", f"{column}最多 {limit} 字。"
    if value.startswith(FORMULA_PREFIXES):
        return "must not start with = + - @", f"{column}不能以 = + - @ 开头。"
    return None


def check_row(values: dict[str, str]) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """The normalised row and its problems as (column, English, Chinese)."""
    problems: list[tuple[str, str, str]] = []
    clean = dict(values)
    for column, limit, required in (("单位名称", 200, True), ("主管单位", 200, False)):
        problem = _check_text(values[COLUMNS[column]], column, required=required, limit=limit)
        if problem:
            problems.append((column, *problem))
    code = codes.normalise(values["institution_code"])
    clean["institution_code"] = code
    problem = codes.problem(code)
    if problem:
        problems.append(("机构编码", *problem))
    category = categories.normalise(values["category"])
    if category is None:
        if values["category"]:
            problems.append(("机构类别", f"unknown category {values['category']!r}", "机构类别不在机构类别目录中。"))
        else:
            problems.append(("机构类别", "missing", "机构类别不能为空。"))
    clean["category"] = category or ""
    region = regions.normalise(values["region_code"])
    clean["region_code"] = region
    problem = regions.problem(region)
    if problem:
        problems.append(("所属地区", *problem))
    return clean, problems


def import_units(
    session: Session,
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    on_progress: Progress | None = None,
) -> ImportResult:
    """Create or update units from a CSV/XLSX file; bad rows are reported and skipped."""
    authorize(session, actor, "admin", "system")
    progress = on_progress or (lambda fraction, text: None)
    result = ImportResult()
    good: dict[str, tuple[int, dict[str, str]]] = {}
    progress(0.05, "读取文件")
    for number, values in read_rows(data, filename):
        result.total_rows += 1
        clean, problems = check_row(values)
        code = clean["institution_code"]
        if not problems and code in good:
            first = good[code][0]
            problems.append(("机构编码", f"duplicate of row {first}", f"机构编码与第 {first} 行重复。"))
        if problems:
            result.rejected_rows += 1
            result.rejects += [Reject(number, column, zh, en, dict(values)) for column, en, zh in problems]
            continue
        good[code] = (number, clean)
    progress(0.4, f"已检查 {result.total_rows} 行")

    existing: dict[str, Unit] = {}
    all_codes = list(good)
    for start in range(0, len(all_codes), CHUNK):
        chunk = all_codes[start : start + CHUNK]
        for row in session.execute(
            select(
                Unit.id, Unit.institution_code, Unit.name, Unit.superior_unit, Unit.category, Unit.region_code
            ).where(Unit.institution_code.in_(chunk))
        ):
            existing[row.institution_code] = row
    progress(0.6, "写入数据库")

    now = utcnow()
    inserts, updates = [], []
    for code, (_, clean) in good.items():
        row = existing.get(code)
        if row is None:
            inserts.append(
                {
                    "name": clean["name"],
                    "name_initials": initials(clean["name"]),
                    "institution_code": code,
                    "superior_unit": clean["superior_unit"],
                    "category": clean["category"],
                    "region_code": clean["region_code"],
                    "status": "active",
                    "created_at": now,
                }
            )
            continue
        result.updated += 1
        changed = {key: clean[key] for key in ("name", "superior_unit", "category", "region_code")}
        if any(getattr(row, key) != value for key, value in changed.items()):
            changed["name_initials"] = initials(clean["name"])
            updates.append({"id": row.id, **changed, "updated_at": now})
    try:
        with session.begin_nested():
            for start in range(0, len(inserts), 5000):
                session.execute(insert(Unit), inserts[start : start + 5000])
            if updates:
                session.execute(update(Unit), updates)
    except IntegrityError:
        raise Conflict("导入期间有相同机构编码的单位被创建，请重新导入。") from None
    result.imported = len(inserts)
    audit.record(
        session,
        actor=actor,
        action="unit.import",
        object_type="unit",
        summary=result.summary(),
    )
    progress(1.0, "完成")
    return result


def rejects_frame(result: ImportResult) -> pd.DataFrame:
    """The rejects report: row, column, reason and the row's values."""
    return pd.DataFrame(
        [
            {
                "行号": reject.row,
                "列": reject.column,
                "原因": reject.reason,
                **{column: reject.values.get(key, "") for column, key in COLUMNS.items()},
            }
            for reject in result.rejects
        ],
        columns=["行号", "列", "原因", *COLUMNS],
    )


def rejects_csv(result: ImportResult) -> bytes:
    """The rejects report as CSV (UTF-8 with BOM, formulas neutralised)."""
    return to_csv_bytes(rejects_frame(result))


def template_xlsx() -> bytes:
    """An empty import template with the header row and one example row (fictional)."""
    from portal.core.export import to_xlsx_bytes

    example = pd.DataFrame(
        [["武汉市示范医院（示例）", "12420106AY4CL12THU", "武汉市卫生健康委员会", "医院-综合医院", "420106"]],
        columns=list(COLUMNS),
    )
    return to_xlsx_bytes({"单位": example})
