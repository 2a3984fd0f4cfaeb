"""Spreadsheet entry: good, bad and mixed files; only bad records rejected, nothing half-saved; the commands."""

from __future__ import annotations

from datetime import timedelta

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from db.engine import session_scope
from db.models import Declaration, DeclarationEducation, Message, ProbationPeriod
from portal.cli import main
from portal.core.errors import PermissionDenied
from portal.core.timeutil import today_local
from portal.declaration import confirmation, importer, template
from portal.declaration.importer import NOT_BOUND_HERE
from tests import factories
from tests.declaration.conftest import YEAR


def rows_for(number, name="测试考生", *, graduated="2018-06-30", probation_end=None, study_form="普通全日制"):
    return {
        "exam": [[number, name, "执业医师", "临床", "否", "是"]],
        "education": [
            [
                number,
                "本科",
                study_form,
                "2013-09-01",
                graduated,
                "示范医科大学",
                5,
                "临床医学类",
                "临床医学",
                "A123",
                None,
            ]
        ],
        "nurse_certificate": [[number, "是"]],
        "probation": [[number, "测试示范医院", "住院医师", "2018-07-15", probation_end, "王老师"]],
    }


def merge(*parts):
    out = {}
    for part in parts:
        for code, rows in part.items():
            out.setdefault(code, []).extend(rows)
    return out


def number_of(session, candidate):
    from portal.identity.service import verified_identity

    return verified_identity(session, user_id=candidate.id).document_number(session)


@pytest.fixture
def two(session, world):
    second = factories.verified_candidate(session, real_name="第二考生")
    factories.bind(session, second, world.unit)
    return number_of(session, world.candidate), number_of(session, second), second


def run(session, world, rows, **kwargs):
    return importer.import_declarations(
        session, actor=world.unit_admin, year=YEAR, data=template.template_bytes(rows), **kwargs
    )


def test_good_file_creates_complete_pending_records(session, world, two):
    first, second, _ = two
    result = run(session, world, merge(rows_for(first), rows_for(second, "第二考生")))
    assert (result.imported, result.updated, result.rejected, result.errors) == (2, 0, 0, [])
    view = confirmation.my_record(session, actor=world.candidate_actor)
    assert view.status == "pending" and view.missing == []
    assert view.record["has_nurse_certificate"] is False
    assert view.record["probation"][0]["supervisor_name"] == "王老师"
    # importing the same file again changes nothing
    again = run(session, world, merge(rows_for(first), rows_for(second, "第二考生")))
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 2)


def test_bad_file_reports_row_column_reason_and_saves_nothing(session, world, two):
    first, second, _ = two
    elsewhere = factories.verified_candidate(session)
    factories.bind(session, elsewhere, world.other_unit)
    bad = rows_for(first)
    bad["education"][0][2] = "函授班"
    rows = merge(
        bad, rows_for(second, "别人的名字"), rows_for(number_of(session, elsewhere)), rows_for("420106199001011234")
    )
    result = run(session, world, rows)
    assert (result.imported, result.rejected) == (0, 4)
    found = {(e.sheet, e.row, e.column, e.reason) for e in result.errors}
    assert ("学历信息", 2, "学习形式", "“函授班”不在可选范围内") in found
    assert ("基本信息", 3, "姓名", "与该证件号码实名认证的姓名不一致") in found
    # A number verified on the portal (bound elsewhere) and one never verified get the same answer (no probing).
    assert ("基本信息", 4, "证件号码", NOT_BOUND_HERE) in found
    assert ("基本信息", 5, "证件号码", NOT_BOUND_HERE) in found
    assert session.scalar(select(func.count()).select_from(Declaration)) == 0


def test_mixed_file_saves_good_records_and_none_of_a_bad_record(session, world, two):
    first, second, second_user = two
    rows = merge(rows_for(first), rows_for(second, "第二考生", probation_end="2018-07-01"))
    result = run(session, world, rows)
    assert (result.imported, result.rejected) == (1, 1)
    assert ("试用期单位（当前工作单位）", 3, "工作结束时间", "应晚于工作开始时间") in {
        (e.sheet, e.row, e.column, e.reason) for e in result.errors
    }
    # the second candidate's good rows on other sheets are reported as not imported, not half-saved
    assert ("学历信息", 3, "", "同一考生的其他行有误，本行未导入") in {
        (e.sheet, e.row, e.column, e.reason) for e in result.errors
    }
    saved = session.scalars(select(Declaration.candidate_id)).all()
    assert saved == [world.candidate.id]
    assert session.scalar(select(func.count()).select_from(DeclarationEducation)) == 1
    assert session.scalar(select(func.count()).select_from(ProbationPeriod)) == 1


def test_rules_run_on_imported_rows(session, world, two):
    first, _, _ = two
    result = run(session, world, rows_for(first, graduated="2013-06-30"))
    assert result.rejected == 1
    assert any(e.column == "毕业时间" and "入学时间" in e.reason for e in result.errors)


def test_import_after_confirmation_sets_back_to_pending_with_the_diff(session, world, two):
    first, _, _ = two
    run(session, world, rows_for(first))
    view = confirmation.my_record(session, actor=world.candidate_actor)
    confirmation.confirm(session, actor=world.candidate_actor, year=YEAR, expected_hash=view.content_hash)
    result = run(session, world, {"education": rows_for(first, graduated="2018-07-01")["education"]})
    assert (result.updated, result.rejected) == (1, 0)
    view = confirmation.my_record(session, actor=world.candidate_actor)
    assert view.status == "pending"
    assert [(c.label, c.old_value, c.new_value) for c in view.changes] == [
        ("学历信息·毕业时间", "2018-06-30", "2018-07-01")
    ]
    assert session.scalar(select(Message.title).where(Message.user_id == world.candidate.id)).startswith("单位修改")


def test_import_outside_the_entry_window_is_refused(session, world, two):
    first, _, _ = two
    with pytest.raises(PermissionDenied):
        run(session, world, rows_for(first), today=today_local() + timedelta(days=61))


def test_template_has_a_sheet_per_section_with_chinese_headers_and_validation(tmp_path):
    path = tmp_path / "t.xlsx"
    result = CliRunner().invoke(main, ["declarations-template", str(path)])
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[:7] == [
        "基本信息",
        "学历信息",
        "专业技术职称",
        "医师资格证",
        "医师执业证",
        "护士执业证",
        "试用期单位（当前工作单位）",
    ]
    education = workbook["学历信息"]
    assert [c.value for c in education[1]][:5] == ["证件号码", "学历层级", "学习形式", "入学时间", "毕业时间"]
    formulas = [v.formula1 for v in education.data_validations.dataValidation]
    assert any("选项" in f for f in formulas)
    assert workbook["选项"].sheet_state == "hidden"


def test_import_command(engine, tmp_path):
    with session_scope(engine) as session:
        from tests.declaration.conftest import open_year

        open_year(session)
        unit = factories.unit(session)
        candidate = factories.verified_candidate(session)
        factories.bind(session, candidate, unit)
        number, code = number_of(session, candidate), unit.institution_code
    path = tmp_path / "in.xlsx"
    template.write(path, merge(rows_for(number), rows_for("420106199001011234")))
    result = CliRunner().invoke(main, ["import-declarations", str(path), "--year", str(YEAR), "--unit", code])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "imported 1, updated 0, unchanged 0, rejected 1"
    assert f"基本信息 第3行 证件号码：{NOT_BOUND_HERE}" in result.output
    bad = CliRunner().invoke(main, ["import-declarations", str(path), "--year", "2099", "--unit", code])
    assert bad.exit_code == 2 and "2099" in bad.stderr
    (tmp_path / "junk.xlsx").write_bytes(b"not a workbook")
    junk = CliRunner().invoke(
        main, ["import-declarations", str(tmp_path / "junk.xlsx"), "--year", "2026", "--unit", code]
    )
    assert junk.exit_code == 2 and "not a readable XLSX" in junk.stderr


def test_unit_admin_imports_only_for_their_own_unit(session, world, two):
    first, _, _ = two
    result = importer.import_declarations(
        session,
        actor=world.other_admin,
        year=YEAR,
        data=template.template_bytes(rows_for(first)),
        unit_id=world.unit.id,
    )
    assert result.rejected == 1 and result.imported == 0


def test_imported_text_loses_control_and_invisible_characters(session, world, two):
    first, _, _ = two
    rows = rows_for(first)
    rows["education"][0][5] = "示范\ufeff医科\u202e大学\u2066"  # openpyxl itself refuses to write C0 controls
    rows["probation"][0][5] = "王\u200b老师\u200f"
    result = run(session, world, rows)
    assert (result.imported, result.errors) == (1, [])
    view = confirmation.my_record(session, actor=world.candidate_actor)
    assert view.record["education"]["school"] == "示范医科大学"
    assert view.record["probation"][0]["supervisor_name"] == "王老师"
