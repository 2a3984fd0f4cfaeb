"""import-units: good, duplicate, malformed and partly bad rows, CSV and XLSX, the command line."""

from __future__ import annotations

import io
import random

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select

from db.engine import session_scope
from db.models import AuditEvent, Unit
from portal.cli import main
from portal.core.actor import SYSTEM
from portal.core.errors import ImportFileError, PermissionDenied
from portal.unit.codes import fictional_uscc
from portal.unit.importer import import_units, rejects_frame
from tests import factories

HEADER = "单位名称,机构编码,主管单位,机构类别,所属地区"
rng = random.Random(11)
CODE_A = fictional_uscc(rng, "420106")
CODE_B = fictional_uscc(rng, "420502")
CODE_C = fictional_uscc(rng, "421126")
BAD_CHECK = CODE_A[:17] + ("0" if CODE_A[17] != "0" else "1")


def csv_bytes(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def units(session) -> dict[str, Unit]:
    return {u.institution_code: u for u in session.scalars(select(Unit))}


def test_good_rows_are_imported(session):
    data = csv_bytes(
        f"武汉市第一示范医院,{CODE_A},湖北省卫生健康委员会,医院-综合医院,420106",
        f"宜昌市示范卫生院,{CODE_B},宜昌市卫生健康委员会,乡镇卫生院,420502",
    )
    result = import_units(session, actor=SYSTEM, data=data, filename="units.csv")
    assert (result.imported, result.updated, result.rejected_rows) == (2, 0, 0)
    stored = units(session)
    assert stored[CODE_A].name == "武汉市第一示范医院"
    assert stored[CODE_A].name_initials == "whsdysfyy"
    assert stored[CODE_B].category == "基层医疗卫生机构-乡镇卫生院"
    assert stored[CODE_A].status == "active"
    assert session.scalar(select(AuditEvent.summary).where(AuditEvent.action == "unit.import")) == result.summary()


def test_existing_codes_are_updated_not_duplicated(session):
    import_units(session, actor=SYSTEM, data=csv_bytes(f"旧名称医院,{CODE_A},,医院,420106"), filename="a.csv")
    result = import_units(
        session,
        actor=SYSTEM,
        data=csv_bytes(f"武汉市新名称医院,{CODE_A.lower()},新主管单位,医院-中医医院,420111"),
        filename="b.csv",
    )
    assert (result.imported, result.updated, result.rejected_rows) == (0, 1, 0)
    session.expire_all()
    unit = units(session)[CODE_A]
    assert (unit.name, unit.superior_unit, unit.category, unit.region_code) == (
        "武汉市新名称医院",
        "新主管单位",
        "医院-中医医院",
        "420111",
    )
    assert unit.name_initials == "whsxmcyy"
    assert session.scalar(select(func.count()).select_from(Unit)) == 1


def test_duplicate_rows_in_one_file_reject_the_later_one(session):
    data = csv_bytes(
        f"第一家医院,{CODE_A},,医院,420106",
        f"第二家医院,{CODE_A},,医院,420106",
    )
    result = import_units(session, actor=SYSTEM, data=data, filename="d.csv")
    assert (result.imported, result.rejected_rows) == (1, 1)
    reject = result.rejects[0]
    assert (reject.row, reject.column) == (3, "机构编码")
    assert "第 2 行重复" in reject.reason
    assert units(session)[CODE_A].name == "第一家医院"


def test_partly_bad_file_imports_only_the_good_rows(session):
    existing = factories.unit(session, name="不应被修改的医院")
    data = csv_bytes(
        f"好医院,{CODE_A},,医院,420106",  # row 2: good
        f"坏校验码医院,{BAD_CHECK},,医院,420106",  # row 3: check character
        f",{CODE_B},,医院,420106",  # row 4: no name
        f"未知类别医院,{CODE_C},,美容院,420106",  # row 5: unknown category
        f"外省医院,{fictional_uscc(rng, '110101')},,医院,110101",  # row 6: not Hubei
        f"改名企图,{existing.institution_code},,医院,999999",  # row 7: bad region -> existing unit untouched
        "",  # blank line skipped
        f"=HYPERLINK(1),{fictional_uscc(rng, '420106')},,医院,420106",  # row 9: formula
    )
    result = import_units(session, actor=SYSTEM, data=data, filename="bad.csv")
    assert (result.imported, result.updated, result.rejected_rows) == (1, 0, 6)
    got = {(r.row, r.column) for r in result.rejects}
    assert got == {(3, "机构编码"), (4, "单位名称"), (5, "机构类别"), (6, "所属地区"), (7, "所属地区"), (9, "单位名称")}
    assert all(r.reason and r.reason_en for r in result.rejects)
    session.expire_all()
    assert set(units(session)) == {CODE_A, existing.institution_code}
    assert session.get(Unit, existing.id).name == "不应被修改的医院"
    report = rejects_frame(result)
    assert list(report.columns[:3]) == ["行号", "列", "原因"]
    assert len(report) == 6


def test_xlsx_with_numeric_cells(session):
    org_code = "D2143569X"
    data = xlsx_bytes(
        [
            ["蕲春县示范村卫生室", CODE_C, "蕲春县卫生健康局", "村卫生室", 421126],
            ["组织机构代码单位", "D2143569-X", None, "其他", 420106.0],
            ["坏行", "12345", None, "医院", 420106],
        ]
    )
    result = import_units(session, actor=SYSTEM, data=data, filename="units.xlsx")
    assert (result.imported, result.rejected_rows) == (2, 1)
    assert result.rejects[0].row == 4
    stored = units(session)
    assert stored[CODE_C].region_code == "421126"
    assert org_code in stored


def test_malformed_files(session):
    with pytest.raises(ImportFileError, match="missing column"):
        import_units(session, actor=SYSTEM, data="名称,编码\n甲,乙\n".encode(), filename="x.csv")
    with pytest.raises(ImportFileError, match="XLSX"):
        import_units(session, actor=SYSTEM, data=b"not a zip", filename="x.xlsx")
    with pytest.raises(ImportFileError, match="empty"):
        import_units(session, actor=SYSTEM, data=b"", filename="x.csv")
    with pytest.raises(ImportFileError, match=".csv or .xlsx"):
        import_units(session, actor=SYSTEM, data=b"", filename="x.txt")


def test_gb18030_csv(session):
    data = csv_bytes(f"武汉市示范医院,{CODE_A},,医院,420106").decode().encode("gb18030")
    assert import_units(session, actor=SYSTEM, data=data, filename="gbk.csv").imported == 1


def test_only_admins_import(session):
    reviewer = factories.actor(session, "reviewer")
    with pytest.raises(PermissionDenied):
        import_units(session, actor=reviewer, data=csv_bytes(), filename="x.csv")


def test_command_line(engine, tmp_path):
    good = tmp_path / "units.csv"
    good.write_bytes(
        csv_bytes(
            f"武汉市示范医院,{CODE_A},,医院,420106",
            f"坏医院,{BAD_CHECK},,医院,420106",
        )
    )
    runner = CliRunner()
    result = runner.invoke(main, ["import-units", str(good)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "imported 1, updated 0, rejected 1"
    assert lines[1].startswith("row 3, 机构编码: check character should be")
    again = runner.invoke(main, ["import-units", str(good)])
    assert again.output.splitlines()[0] == "imported 0, updated 1, rejected 1"
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Unit)) == 1

    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    refused = runner.invoke(main, ["import-units", str(bad)])
    assert refused.exit_code == 2
    missing = runner.invoke(main, ["import-units", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2


def test_imported_text_loses_control_and_invisible_characters(session):
    data = csv_bytes(f"武汉\x00市示范\u202e医院\x1b[31m,{CODE_A},湖北省\u200b卫生健康委员会\x07,医院,420106")
    result = import_units(session, actor=SYSTEM, data=data, filename="units.csv")
    assert result.imported == 1, result.rejects
    unit = units(session)[CODE_A]
    assert (unit.name, unit.superior_unit) == ("武汉市示范医院[31m", "湖北省卫生健康委员会")
