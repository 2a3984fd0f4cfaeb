"""The unit's pre-filled template (issue 16, 9): its bound candidates with masked numbers and an opaque row key,
their current values; edited and re-imported, it changes exactly what was edited. A key works only for the unit
whose candidate it names."""

from __future__ import annotations

import io

import openpyxl
from click.testing import CliRunner
from sqlalchemy import func, select

from db.engine import session_scope
from db.models import PersonalDataAccess, UnitBinding
from portal.cli import main
from portal.declaration import confirmation, importer, prefill, template
from portal.declaration.record import find_declaration, load_record
from tests import factories
from tests.app.helpers import login, new_app, open_tab
from tests.declaration.conftest import YEAR, fill
from tests.declaration.test_import import number_of, rows_for, two  # noqa: F401
from tests.declaration.test_pages import UNIT_PAGE, accounts  # noqa: F401


def workbook_of(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def cells(workbook) -> list:
    return [v for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def record_of(session, candidate_id):
    from portal.declaration.exam_year import get_exam_year

    year = get_exam_year(session, year=YEAR)
    return load_record(session, find_declaration(session, year.id, candidate_id))


def set_cell(data: bytes, sheet: str, header: str, value, row: int = 2) -> bytes:
    workbook = workbook_of(data)
    ws = workbook[sheet]
    column = [c.value for c in ws[1]].index(header) + 1
    ws.cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_filled_template_holds_masked_numbers_keys_and_current_values(session, world):
    fill(session, world.unit_admin, world.candidate.id)
    number = number_of(session, world.candidate)
    data = prefill.unit_template(session, actor=world.unit_admin, year=YEAR)
    workbook = workbook_of(data)
    basic = workbook["基本信息"]
    header = [c.value for c in basic[1]]
    assert header[:3] == [template.KEY, template.NUMBER, template.NAME]
    row = dict(zip(header, [c.value for c in basic[2]], strict=False))
    assert row[template.NAME] == "测试考生"
    assert row[template.NUMBER].count("*") == 10 and row[template.NUMBER] != number
    assert row[template.KEY] and number not in row[template.KEY]
    assert row["报考级别"] == "执业医师"
    education = dict(
        zip([c.value for c in workbook["学历信息"][1]], [c.value for c in workbook["学历信息"][2]], strict=True)
    )
    assert education["毕业学校"] == "示范医科大学" and education[template.KEY] == row[template.KEY]
    assert not [v for v in cells(workbook) if number in str(v)]  # the full number is nowhere in the file
    exported = session.scalar(
        select(func.count()).select_from(PersonalDataAccess).where(PersonalDataAccess.action == "export")
    )
    assert exported == 1


def test_round_trip_changes_exactly_the_edited_value(session, world, two):  # noqa: F811
    first, second, second_user = two
    importer.import_declarations(
        session,
        actor=world.unit_admin,
        year=YEAR,
        data=template.template_bytes(
            {code: rows_for(first)[code] + rows_for(second, "第二考生")[code] for code in rows_for(first)}
        ),
    )
    confirmation.confirm(
        session,
        actor=world.candidate_actor,
        year=YEAR,
        expected_hash=confirmation.my_record(session, actor=world.candidate_actor).content_hash,
    )
    before = {c: record_of(session, c) for c in (world.candidate.id, second_user.id)}
    data = prefill.unit_template(session, actor=world.unit_admin, year=YEAR)
    unchanged = importer.import_declarations(session, actor=world.unit_admin, year=YEAR, data=data)
    assert (unchanged.unchanged, unchanged.updated, unchanged.rejected, unchanged.errors) == (2, 0, 0, [])
    keys = [c.value for c in workbook_of(data)["学历信息"]["A"]]
    binding = _binding(session, world.candidate.id)
    row = 1 + next(i for i, k in enumerate(keys) if i and prefill.parse_row_key(k, world.unit.id) == binding)
    edited = set_cell(data, "学历信息", "毕业学校", "湖北示范医学院", row=row)
    result = importer.import_declarations(session, actor=world.unit_admin, year=YEAR, data=edited)
    assert (result.updated, result.unchanged, result.rejected, result.errors) == (1, 1, 0, [])
    after = {c: record_of(session, c) for c in (world.candidate.id, second_user.id)}
    assert after[second_user.id] == before[second_user.id]
    expected = {**before[world.candidate.id]}
    expected["education"] = {**expected["education"], "school": "湖北示范医学院"}
    assert after[world.candidate.id] == expected
    view = confirmation.my_record(session, actor=world.candidate_actor)
    assert [(c.label, c.old_value, c.new_value) for c in view.changes] == [
        ("学历信息·毕业学校", "示范医科大学", "湖北示范医学院")
    ]


def _binding(session, candidate_id):
    return session.scalar(select(UnitBinding.id).where(UnitBinding.candidate_id == candidate_id))


def test_a_key_of_another_units_candidate_is_refused_with_a_row_message(session, world):
    stranger = factories.verified_candidate(session, real_name="别处考生")
    factories.bind(session, stranger, world.other_unit)
    fill(session, world.other_admin, stranger.id)
    theirs = prefill.unit_template(session, actor=world.other_admin, year=YEAR)
    edited = set_cell(theirs, "学历信息", "毕业学校", "篡改医学院")
    result = importer.import_declarations(session, actor=world.unit_admin, year=YEAR, data=edited)
    assert result.rejected == 1 and result.updated == 0
    assert any(e.column == template.KEY and e.reason == importer.KEY_NOT_HERE for e in result.errors)
    assert record_of(session, stranger.id)["education"]["school"] == "示范医科大学"


def test_a_forged_key_is_refused(session, world):
    fill(session, world.unit_admin, world.candidate.id)
    data = prefill.unit_template(session, actor=world.unit_admin, year=YEAR)
    key = workbook_of(data)["基本信息"]["A2"].value
    forged = key[:-1] + ("0" if key[-1] != "0" else "1")
    for sheet in ("基本信息", "学历信息", "护士执业证", "试用期单位（当前工作单位）"):
        data = set_cell(data, sheet, template.KEY, forged)
    result = importer.import_declarations(session, actor=world.unit_admin, year=YEAR, data=data)
    assert result.rejected == 1
    assert prefill.parse_row_key(forged, world.unit.id) is None
    assert prefill.parse_row_key("not a key", world.unit.id) is None


def test_the_same_candidate_by_key_and_by_number_is_refused(session, world):
    fill(session, world.unit_admin, world.candidate.id)
    number = number_of(session, world.candidate)
    data = prefill.unit_template(session, actor=world.unit_admin, year=YEAR)
    workbook = workbook_of(data)
    ws = workbook["基本信息"]
    ws.append([None, number, "测试考生", "执业医师", "临床", "否", "是"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = importer.import_declarations(session, actor=world.unit_admin, year=YEAR, data=buffer.getvalue())
    assert result.rejected == 1 and result.unchanged == 1


def test_blank_template_is_unchanged_and_keyed_by_number(session, world):
    workbook = workbook_of(template.template_bytes())
    assert [c.value for c in workbook["基本信息"][1]][:2] == [template.NUMBER, template.NAME]
    assert template.KEY not in cells(workbook)


def test_cli_writes_the_filled_template_for_a_unit(engine, tmp_path):
    with session_scope(engine) as session:
        from tests.declaration.conftest import open_year

        open_year(session)
        unit = factories.unit(session)
        admin = factories.user(session, "unit_admin", unit=unit)
        candidate = factories.verified_candidate(session, real_name="命令考生")
        factories.bind(session, candidate, unit)
        from portal.core.actor import Actor

        fill(session, Actor.of(admin), candidate.id)
        code = unit.institution_code
    out = tmp_path / "filled.xlsx"
    result = CliRunner().invoke(main, ["declarations-template", str(out), "--unit", code, "--year", str(YEAR)])
    assert result.exit_code == 0, result.output
    basic = openpyxl.load_workbook(out)["基本信息"]
    assert basic["A1"].value == template.KEY and basic["C2"].value == "命令考生"
    bad = CliRunner().invoke(main, ["declarations-template", str(out), "--unit", code])
    assert bad.exit_code == 2
    blank = CliRunner().invoke(main, ["declarations-template", str(tmp_path / "blank.xlsx")])
    assert blank.exit_code == 0
    assert openpyxl.load_workbook(tmp_path / "blank.xlsx")["基本信息"]["A1"].value == template.NUMBER


def test_unit_page_offers_both_templates(engine, accounts, monkeypatch):  # noqa: F811
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import app_test

    managers = []  # AppTest's media file manager of each run: the deferred download is registered there

    def recording(*args, **kwargs):
        managers.append(MediaFileManager(*args, **kwargs))
        return managers[-1]

    monkeypatch.setattr(app_test, "MediaFileManager", recording)
    with session_scope(engine) as session:
        fill(session, accounts["admin_actor"], accounts["candidate"].id)
    app = login(new_app(), accounts["admin"], factories.PASSWORD)
    app.switch_page(UNIT_PAGE)
    app.run()
    open_tab(app, "declaration_tab", "表格导入")
    buttons = {d.proto.label: d.proto for d in app.get("download_button")}
    assert "下载空白模板" in buttons and "下载含本单位考生的模板" in buttons
    # The filled template is built only when pressed (Streamlit's deferred download): run it as the browser would.
    manager = managers[-1]
    url = manager.execute_deferred(buttons["下载含本单位考生的模板"].deferred_file_id)
    data = manager.read_file(url.rsplit("/", 1)[-1].split(".")[0]).content
    basic = workbook_of(data)["基本信息"]
    assert basic["A1"].value == template.KEY and basic["C2"].value == "页面考生"
    with session_scope(engine) as session:
        actions = session.scalars(select(PersonalDataAccess.action)).all()
        assert "export" in actions
