"""Bounded reading of uploaded spreadsheets (XLSX and CSV) for every importer.

An XLSX file is a zip archive: before openpyxl sees it, the archive's member count, each member's and the total
uncompressed size and the compression ratio are checked against the directory (a zip bomb is refused without
inflating anything). Parsing is read-only (streaming); rows, columns and the length of each cell are capped while
iterating, and every text cell loses its control and invisible format characters (`strip_controls`: the importers'
bulk inserts bypass the ORM's before_flush net). CSV files are bounded and cleaned the same way. Every refusal is an
`ImportFileError` with a Chinese message for the page and an English one for the command line.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator

from portal.core.errors import ImportFileError
from portal.core.text import strip_controls

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # the file as uploaded
MAX_MEMBERS = 200  # entries in the XLSX archive (a workbook of a few sheets has about 10-20)
MAX_MEMBER_BYTES = 24 * 1024 * 1024  # one entry, uncompressed (a sheet of 10,000 records is about 20 MB)
MAX_TOTAL_BYTES = 96 * 1024 * 1024  # all entries, uncompressed
MAX_RATIO = 100  # uncompressed / compressed, for entries over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_ROWS = 100_000  # data rows per sheet (header not counted)
MAX_COLUMNS = 100  # cells right of column MAX_COLUMNS + 1 are never read; data in that column is refused
MAX_CELL = 2000  # characters in one cell

_UNREADABLE = ("文件不是可读取的 XLSX 文件。", "not a readable XLSX file")


def _mb(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


def check_size(data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES) -> None:
    if len(data) > max_bytes:
        raise ImportFileError(
            f"文件超过 {_mb(max_bytes)}，请分批导入。", english=f"the file is larger than {_mb(max_bytes)}"
        )


def check_xlsx_archive(data: bytes) -> None:
    """Refuse an XLSX whose zip directory announces too many members, too much data or a bomb's ratio."""
    check_size(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ImportFileError(_UNREADABLE[0], english=f"{_UNREADABLE[1]} ({type(error).__name__})") from None
    if len(members) > MAX_MEMBERS:
        raise ImportFileError(
            f"文件结构异常（压缩包内文件超过 {MAX_MEMBERS} 个），已拒绝导入。",
            english=f"the XLSX archive has more than {MAX_MEMBERS} members",
        )
    total = 0
    for member in members:
        size = member.file_size
        total += size
        ratio_too_high = size > RATIO_FLOOR and size > MAX_RATIO * max(member.compress_size, 1)
        if size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES or ratio_too_high:
            raise ImportFileError(
                "文件解压后过大或压缩比异常（可能是恶意文件），已拒绝导入；请删除多余内容或分批导入。",
                english=(
                    f"the XLSX archive member {member.filename!r} inflates to {size} bytes "
                    f"(ratio {size / max(member.compress_size, 1):.0f}); limits are {_mb(MAX_MEMBER_BYTES)} "
                    f"per member, {_mb(MAX_TOTAL_BYTES)} in all and ratio {MAX_RATIO}"
                ),
            )


def open_xlsx(data: bytes):
    """A read-only (streaming) openpyxl workbook, after the archive check."""
    from openpyxl import load_workbook

    check_xlsx_archive(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable file is an input error
        raise ImportFileError(_UNREADABLE[0], english=f"{_UNREADABLE[1]} ({type(error).__name__})") from None


def _too_many_rows(max_rows: int, where: str) -> ImportFileError:
    return ImportFileError(f"{where}超过 {max_rows} 行，请分批导入。", english=f"more than {max_rows} data rows")


def _check_row(values, row: int, *, max_columns: int, max_cell: int, where: str) -> tuple:
    values = tuple(values)
    if len(values) > max_columns:
        if any(v not in (None, "") for v in values[max_columns:]):
            raise ImportFileError(
                f"{where}第{row}行超过 {max_columns} 列。", english=f"row {row} has more than {max_columns} columns"
            )
        values = values[:max_columns]
    # Bulk inserts bypass the ORM's before_flush net: control and invisible format characters go here instead.
    values = tuple(strip_controls(v) if isinstance(v, str) else v for v in values)
    for column, value in enumerate(values, start=1):
        if isinstance(value, str) and len(value) > max_cell:
            raise ImportFileError(
                f"{where}第{row}行第{column}列内容过长（超过 {max_cell} 个字符）。",
                english=f"row {row}, column {column} is longer than {max_cell} characters",
            )
    return values


def xlsx_rows(
    worksheet,
    *,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    max_cell: int = MAX_CELL,
    where: str = "",
) -> Iterator[tuple]:
    """The worksheet's rows (header first) as value tuples, streamed and bounded."""
    limit = max_rows + 1  # the header row
    rows = worksheet.iter_rows(max_row=limit + 1, max_col=max_columns + 1, values_only=True)
    for number, values in enumerate(rows, start=1):
        if number > limit:
            if values and any(v not in (None, "") for v in values):
                raise _too_many_rows(max_rows, where)
            continue
        yield _check_row(values or (), number, max_columns=max_columns, max_cell=max_cell, where=where)


def csv_rows(
    data: bytes,
    *,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    max_cell: int = MAX_CELL,
) -> Iterator[list[str]]:
    """The CSV file's rows (header first) as lists of text, bounded like `xlsx_rows`."""
    check_size(data)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(
            "CSV 文件编码无法识别（请用 UTF-8 保存）。", english="the CSV file is neither UTF-8 nor GB18030 text"
        )
    reader = csv.reader(io.StringIO(text))
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise ImportFileError(
                f"CSV 文件第{number + 1}行无法读取（内容过长或引号不成对）。",
                english=f"CSV row {number + 1} cannot be read (field too long or unbalanced quotes)",
            ) from None
        number += 1
        if number > max_rows + 1:
            if any(cell.strip() for cell in row):
                raise _too_many_rows(max_rows, "")
            continue
        yield list(_check_row(row, number, max_columns=max_columns, max_cell=max_cell, where=""))
