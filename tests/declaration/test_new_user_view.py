"""What a new user saw (issue 16): the changes after a correction raised from 待确认, 待单位补充 for an incomplete
record, required fields marked without markdown in labels."""

from __future__ import annotations

from sqlalchemy import select

from db.engine import session_scope
from db.models import Declaration
from portal.declaration import confirmation, entry, importer, template
from portal.declaration.entry import save_section
from tests import factories
from tests.app.helpers import assert_no_exception, login, new_app, open_tab, texts
from tests.declaration.conftest import EDUCATION, EXAM, YEAR, fill
from tests.declaration.test_pages import CANDIDATE_PAGE, UNIT_PAGE, accounts, candidate_app  # noqa: F401


def _correct_then_fix(session, world, **education):
    fill(session, world.unit_admin, world.candidate.id)
    confirmation.request_correction(
        session, actor=world.candidate_actor, year=YEAR, fields=["education.school"], note="学校名称有误"
    )
    return save_section(
        session,
        actor=world.unit_admin,
        year=YEAR,
        candidate_id=world.candidate.id,
        section="education",
        data={**EDUCATION, **education},
    )


# ---------------------------------------------------------------- 6: changes since the correction request
def test_correction_from_pending_shows_the_changes_since_the_request(session, world):
    _correct_then_fix(session, world, school="第二示范医科大学")
    view = confirmation.my_record(session, actor=world.candidate_actor)
    assert view.status == "pending" and view.confirmed_at is None
    assert [(c.label, c.old_value, c.new_value) for c in view.changes] == [
        ("学历信息·毕业学校", "示范医科大学", "第二示范医科大学")
    ]
    assert view.changes_since == "correction"


def test_changes_since_the_request_mask_certificate_numbers(session, world):
    _correct_then_fix(session, world, diploma_number="100001201805000999")
    view = confirmation.my_record(session, actor=world.candidate_actor)
    (change,) = view.changes
    assert change.label == "学历信息·毕业证号"
    assert "100001201805000123" not in change.old_value and "*" in change.old_value
    assert "100001201805000999" not in change.new_value and change.new_value.endswith("0999")


def test_changes_before_the_request_are_not_shown(session, world):
    fill(session, world.unit_admin, world.candidate.id)
    save_section(  # a change made before the candidate asked for a correction
        session,
        actor=world.unit_admin,
        year=YEAR,
        candidate_id=world.candidate.id,
        section="education",
        data={**EDUCATION, "major": "临床医学（五年制）"},
    )
    confirmation.request_correction(
        session, actor=world.candidate_actor, year=YEAR, fields=["education.school"], note=""
    )
    view = confirmation.my_record(session, actor=world.candidate_actor)
    assert view.changes == []


def test_an_imported_fix_after_a_correction_is_shown(session, world):
    from tests.declaration.test_import import number_of, rows_for

    number = number_of(session, world.candidate)
    importer.import_declarations(
        session, actor=world.unit_admin, year=YEAR, data=template.template_bytes(rows_for(number))
    )
    confirmation.request_correction(
        session, actor=world.candidate_actor, year=YEAR, fields=["education.graduated_on"], note=""
    )
    importer.import_declarations(
        session,
        actor=world.unit_admin,
        year=YEAR,
        data=template.template_bytes(rows_for(number, graduated="2018-07-01")),
    )
    view = confirmation.my_record(session, actor=world.candidate_actor)
    assert [(c.label, c.old_value, c.new_value) for c in view.changes] == [
        ("学历信息·毕业时间", "2018-06-30", "2018-07-01")
    ]


def test_candidate_page_shows_the_change_table_after_a_correction_from_pending(engine, accounts):  # noqa: F811
    with session_scope(engine) as session:
        fill(session, accounts["admin_actor"], accounts["candidate"].id)
    app = candidate_app(accounts)
    next(b for b in app.button if b.label == "信息有误").click()
    app.run()
    app.multiselect[0].select("education.school")
    next(b for b in app.button if b.label == "提交修改申请").click()
    app.run()
    assert_no_exception(app)
    with session_scope(engine) as session:
        save_section(
            session,
            actor=accounts["admin_actor"],
            year=YEAR,
            candidate_id=accounts["candidate"].id,
            section="education",
            data={**EDUCATION, "school": "第二示范医科大学"},
        )
    app = candidate_app(accounts)
    tables = [d.value for d in app.dataframe if "修改项" in d.value.columns]
    assert tables, texts(app)
    assert tables[0].to_dict("records") == [
        {"修改项": "学历信息·毕业学校", "原值": "示范医科大学", "新值": "第二示范医科大学"}
    ]
    assert "自您提交修改申请后" in texts(app)


# ---------------------------------------------------------------- 7: 待单位补充
def _partial(session, admin_actor, candidate_id):
    for section, data in (("exam", EXAM), ("education", EDUCATION)):
        save_section(session, actor=admin_actor, year=YEAR, candidate_id=candidate_id, section=section, data=data)


def test_an_incomplete_record_is_shown_as_waiting_for_the_unit(session, world):
    _partial(session, world.unit_admin, world.candidate.id)
    view = confirmation.my_record(session, actor=world.candidate_actor)
    assert view.shown_status == "incomplete" and view.status_label == "待单位补充"
    assert view.can_confirm is False
    (row,) = entry.unit_candidates(session, actor=world.unit_admin, year=YEAR)
    assert row.status_label == "待单位补充" and row.missing
    fill(session, world.unit_admin, world.candidate.id)
    view = confirmation.my_record(session, actor=world.candidate_actor)
    assert view.status_label == "待确认" and view.can_confirm is True


def test_candidate_page_offers_no_confirmation_for_an_incomplete_record(engine, accounts):  # noqa: F811
    with session_scope(engine) as session:
        _partial(session, accounts["admin_actor"], accounts["candidate"].id)
    app = candidate_app(accounts)
    shown = texts(app)
    assert "待单位补充" in shown and "待确认" not in shown
    assert "试用期单位（当前工作单位）" in shown and "护士执业证（或选择“无此信息”）" in shown
    assert not [b for b in app.button if b.label == "确认无误"]
    assert [b for b in app.button if b.label == "信息有误"]
    with session_scope(engine) as session:
        assert session.scalar(select(Declaration.confirmation_status)) == "pending"


def test_unit_list_shows_waiting_for_the_unit(engine, accounts):  # noqa: F811
    with session_scope(engine) as session:
        _partial(session, accounts["admin_actor"], accounts["candidate"].id)
    app = login(new_app(), accounts["admin"], factories.PASSWORD)
    app.switch_page(UNIT_PAGE)
    app.run()
    assert_no_exception(app)
    assert app.dataframe[0].value["状态"].tolist() == ["待单位补充"]
    assert [m for m in app.metric if m.label == "待单位补充"][0].value == "1"


# ---------------------------------------------------------------- 11: required marks without markdown in labels
def test_unit_form_labels_hold_no_markdown(engine, accounts):  # noqa: F811
    app = login(new_app(), accounts["admin"], factories.PASSWORD)
    app.switch_page(UNIT_PAGE)
    app.run()
    open_tab(app, "declaration_tab", "逐人填报")
    labels = [w.label for kind in ("selectbox", "text_input", "date_input") for w in getattr(app, kind)]
    assert labels and not [label for label in labels if ":red[" in label or "[*]" in label]
    assert "毕业学校（必填）" in labels and "学历认证报告编号" in labels


def test_candidate_page_marks_required_fields_without_markdown(engine, accounts):  # noqa: F811
    with session_scope(engine) as session:
        fill(session, accounts["admin_actor"], accounts["candidate"].id)
    app = candidate_app(accounts)
    shown = texts(app)
    assert ":red[" not in shown
    assert "姓名（必填）" in shown
