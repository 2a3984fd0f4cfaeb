"""Uploaded spreadsheets are bounded before parsing: zip bombs, huge cells, too many columns and bad CSV are refused
with a clear message, and the peak memory of any upload stays under 500 MB (measured in a fresh process)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from portal.core import sheets
from portal.core.errors import ImportFileError
from portal.declaration import importer as declaration_importer
from portal.declaration import template
from portal.unit import importer as unit_importer

ROOT = Path(__file__).resolve().parents[2]
PEAK_LIMIT_MB = 500
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

MEASURE = r"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))  # keep a regression from swamping the machine
from portal.core.errors import ImportFileError
kind, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
try:
    if kind == "declaration":
        from portal.declaration.importer import read
        read(data)
    else:
        from portal.unit.importer import read_rows
        list(read_rows(data, "units.xlsx"))
    outcome = {"refused": False}
except ImportFileError as error:
    outcome = {"refused": True, "message": error.message, "english": error.english}
except MemoryError:
    outcome = {"refused": False, "memory_error": True}
# Peak memory of this process. getrusage's ru_maxrss starts from the parent's size at fork on Linux (a 1 GB
# pytest process would make every child look 1 GB), so the peak is read from this process's own VmHWM.
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")]
outcome["peak_mb"] = int(hwm[0].split()[1]) / 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(outcome))
"""


def _measure(kind: str, path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, kind, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _with_first_sheet(base: bytes, path: Path, header: list[str], chunks) -> None:
    """Rewrite `base` with its first worksheet replaced: a header cell, then one inline string streamed from chunks."""
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info.filename))
                continue
            with target.open(info.filename, "w", force_zip64=True) as out:
                cells = "".join(
                    f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{title}</t></is></c>' for i, title in enumerate(header)
                )
                out.write(
                    f'<worksheet xmlns="{NS}"><sheetData><row r="1">{cells}</row>'
                    '<row r="2"><c r="A2" t="inlineStr"><is><t>'.encode()
                )
                for chunk in chunks:
                    out.write(chunk)
                out.write(b"</t></is></c></row></sheetData></worksheet>")


def _units_base() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(list(unit_importer.COLUMNS))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _bases():
    return {
        "declaration": (template.template_bytes(), ["证件号码"]),
        "unit": (_units_base(), list(unit_importer.COLUMNS)),
    }


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    """The probe's bomb: ~1.5 MB on disk, one inline string of 1.5 GB of 'A'."""
    folder = tmp_path_factory.mktemp("bombs")
    paths = {}
    for kind, (base, header) in _bases().items():
        paths[kind] = folder / f"{kind}.xlsx"
        _with_first_sheet(base, paths[kind], header, (b"A" * (1 << 20) for _ in range(1500)))
    return paths


@pytest.mark.parametrize("kind", ["declaration", "unit"])
def test_xlsx_bomb_is_refused_before_parsing_with_peak_memory_under_500_mb(bombs, kind):
    path = bombs[kind]
    assert path.stat().st_size < 3 * 1024 * 1024
    outcome = _measure(kind, path)
    assert outcome["refused"], outcome
    assert "压缩比异常" in outcome["message"] and "inflates to" in outcome["english"]
    assert outcome["peak_mb"] <= PEAK_LIMIT_MB, outcome


@pytest.mark.parametrize("kind", ["declaration", "unit"])
def test_largest_archive_that_passes_the_zip_check_stays_under_500_mb(tmp_path, kind):
    """An inline string just under the per-member limit and the ratio limit is parsed, then refused for its length."""
    base, header = _bases()[kind]
    rng = np.random.default_rng(15)
    size = sheets.MAX_MEMBER_BYTES - (1 << 20)
    chunks = (rng.integers(0, 2, 1 << 20, dtype=np.uint8).__add__(97).tobytes() for _ in range(size >> 20))
    path = tmp_path / f"{kind}.xlsx"
    _with_first_sheet(base, path, header, chunks)
    assert path.stat().st_size < sheets.MAX_UPLOAD_BYTES
    outcome = _measure(kind, path)
    assert outcome["refused"], outcome
    assert "内容过长" in outcome["message"] and f"longer than {sheets.MAX_CELL}" in outcome["english"]
    assert outcome["peak_mb"] <= PEAK_LIMIT_MB, outcome
    print(kind, outcome["peak_mb"])


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_unit_import_caps_cell_length_and_columns_in_xlsx_and_csv():
    header = list(unit_importer.COLUMNS)
    long_cell = _xlsx([header, ["甲" * (sheets.MAX_CELL + 1), "A1", "", "", ""]])
    with pytest.raises(ImportFileError) as error:
        list(unit_importer.read_rows(long_cell, "u.xlsx"))
    assert error.value.message == f"第2行第1列内容过长（超过 {sheets.MAX_CELL} 个字符）。"
    wide = _xlsx([header, ["单位", "A1", "", "", ""] + [""] * (sheets.MAX_COLUMNS - 5) + ["x"]])
    with pytest.raises(ImportFileError) as error:
        list(unit_importer.read_rows(wide, "u.xlsx"))
    assert error.value.message == f"第2行超过 {sheets.MAX_COLUMNS} 列。"
    huge_field = (",".join(header) + "\n" + '"' + "x" * 200_000 + '",A1,,,\n').encode()
    with pytest.raises(ImportFileError) as error:
        list(unit_importer.read_rows(huge_field, "u.csv"))
    assert "第2行无法读取" in error.value.message
    too_big = b"x" * (sheets.MAX_UPLOAD_BYTES + 1)
    with pytest.raises(ImportFileError) as error:
        list(unit_importer.read_rows(too_big, "u.csv"))
    assert error.value.message == "文件超过 50 MB，请分批导入。"


def test_declaration_import_names_the_sheet_of_an_overlong_cell_in_chinese_and_english():
    rows = {"exam": [["420106199001011234", "测" * (sheets.MAX_CELL + 1), "执业医师", "临床", "否", "是"]]}
    with pytest.raises(ImportFileError) as error:
        declaration_importer.read(template.template_bytes(rows))
    title = template.SHEETS[0].title
    assert error.value.message == f"工作表“{title}”第2行第2列内容过长（超过 {sheets.MAX_CELL} 个字符）。"
    assert str(error.value) == f"row 2, column 2 is longer than {sheets.MAX_CELL} characters"
