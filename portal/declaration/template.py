"""The XLSX template for declaration data: one sheet per section, headed with the Chinese labels, rows keyed
by 证件号码, choice lists as data validation (lists on a hidden sheet 选项).

Sheet 基本信息 holds the record-wide answers (报考级别, 报考类别, 是否执业助理医师报考执业医师, 是否应届生) next to
证件号码 and 姓名 (姓名 is only checked against the verified identity, never stored). Sheets of sections that allow
several items (医师资格证, 试用期单位) take one row per item; a candidate's rows there replace all of their items.
In 护士执业证, 无此信息 = 是 records that the candidate has none.

The pre-filled template of a unit (`portal.declaration.prefill`, `keyed=True`) starts every sheet with 考生编号 (an
opaque key the importer accepts in place of 证件号码, for that unit's own candidates only), 证件号码 (masked, to
read, not to import) and 姓名, then the candidate's current values; a row with 考生编号 left empty is keyed by the
full 证件号码 as in the blank template (a new candidate).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from portal.declaration import fields as F

NUMBER = "证件号码"
NAME = "姓名"
KEY = "考生编号"
NONE_COLUMN = F.NONE_LABEL
CHOICES_SHEET = "选项"
VALIDATION_ROWS = 20_000


@dataclass(frozen=True)
class Sheet:
    code: str  # section code ("exam" for 基本信息)
    title: str
    section: F.Section

    @property
    def columns(self) -> list[tuple[str, F.Field | None]]:
        """(header, field) in order; field None for 证件号码 / 姓名 / 无此信息."""
        return self.columns_for(keyed=False)

    def columns_for(self, *, keyed: bool) -> list[tuple[str, F.Field | None]]:
        """The columns of the blank template, or (`keyed`) of the pre-filled one: 考生编号, 证件号码, 姓名 first."""
        out: list[tuple[str, F.Field | None]]
        if keyed:
            out = [(KEY, None), (NUMBER, None), (NAME, None)]
        else:
            out = [(NUMBER, None)]
            if self.code == "exam":
                out.append((NAME, None))
        if self.code == "nurse_certificate":
            out.append((NONE_COLUMN, None))
        out += [(field.label, field) for field in self.section.fields]
        return out


SHEETS: tuple[Sheet, ...] = (
    Sheet("exam", "基本信息", F.EXAM),
    *(Sheet(section.code, section.label, section) for section in F.SECTIONS[1:]),
)
SHEETS_BY_TITLE = {sheet.title: sheet for sheet in SHEETS}

_RED = Font(bold=True, color="C00000")
_BOLD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="F2F2F2")


def _choice_lists() -> dict[tuple[str, ...], str]:
    """Every distinct choice list -> its column letter on the hidden sheet."""
    lists: dict[tuple[str, ...], str] = {("是", "否"): ""}
    for sheet in SHEETS:
        for _, field in sheet.columns:
            if field is not None and field.choices:
                lists.setdefault(field.choices, "")
    return {values: get_column_letter(index) for index, values in enumerate(lists, start=1)}


def build(rows: dict[str, list[list]] | None = None, *, keyed: bool = False) -> Workbook:
    """The template workbook; `rows` (sheet code -> list of row values in column order) pre-fills it; `keyed`:
    the columns of the pre-filled template (考生编号, masked 证件号码, 姓名 first)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    lists = _choice_lists()
    hidden = workbook.create_sheet(CHOICES_SHEET)
    for values, letter in lists.items():
        for index, value in enumerate(values, start=1):
            hidden[f"{letter}{index}"] = value
    hidden.sheet_state = "hidden"
    for sheet in SHEETS:
        ws = workbook.create_sheet(sheet.title, index=len(workbook.sheetnames) - 1)
        for column, (header, field) in enumerate(sheet.columns_for(keyed=keyed), start=1):
            cell = ws.cell(row=1, column=column, value=header)
            required = (header == NUMBER and not keyed) or (field is not None and field.required)
            cell.font = _RED if required else _BOLD
            cell.fill = _FILL
            hint = "必填" if required else "选填"
            if field is not None and field.kind == "date":
                hint += "；日期，如 2025-06-30"
            elif field is not None and field.kind == "bool" or header == NONE_COLUMN:
                hint += "；填“是”或“否”"
            elif header == NUMBER and keyed:
                hint = "已绑定考生：部分隐去，仅供核对，导入时不读取；新考生：留空考生编号，填写完整证件号码"
            elif header == NUMBER:
                hint += "；考生实名认证的证件号码，按文本填写"
            elif header == KEY:
                hint = "系统生成，请勿修改；只对本单位已绑定的考生有效。新考生留空，填写完整证件号码"
            elif header == NAME and keyed:
                hint = "仅供核对；基本信息表中须与实名认证的姓名一致"
            cell.comment = Comment(hint, "系统")
            letter = get_column_letter(column)
            ws.column_dimensions[letter].width = max(12, 2 * len(header) + 4)
            choices = (
                ("是", "否")
                if (field is not None and field.kind == "bool") or header == NONE_COLUMN
                else field and field.choices
            )
            if choices:
                source = lists[tuple(choices)]
                validation = DataValidation(
                    type="list",
                    formula1=f"'{CHOICES_SHEET}'!${source}$1:${source}${len(choices)}",
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle="请从列表中选择",
                    error=f"{header}：请从下拉列表中选择",
                )
                validation.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
                ws.add_data_validation(validation)
            if field is not None and field.kind == "date":
                ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
            if header in (NUMBER, KEY) or (field is not None and field.kind == "text"):
                ws.column_dimensions[letter].number_format = "@"  # keep long numbers as text
        ws.freeze_panes = "B2"
        for values in (rows or {}).get(sheet.code, []):
            ws.append(list(values))
    return workbook


def template_bytes(rows: dict[str, list[list]] | None = None, *, keyed: bool = False) -> bytes:
    """The template (optionally pre-filled) as XLSX bytes, for a download button."""
    buffer = io.BytesIO()
    build(rows, keyed=keyed).save(buffer)
    return buffer.getvalue()


def write(path: str | Path, rows: dict[str, list[list]] | None = None, *, keyed: bool = False) -> None:
    """Write the template to `path`."""
    build(rows, keyed=keyed).save(str(path))
