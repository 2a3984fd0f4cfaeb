"""The candidate's 信息确认 page and the unit's 申报信息 page, driven through the real app."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.models import Declaration, DeclarationEducation, PersonalDataAccess, Unit
from portal.core.actor import Actor
from portal.core.timeutil import today_local
from tests import factories
from tests.app.helpers import assert_multiselects_speak_chinese, assert_no_exception, login, new_app, open_tab, texts
from tests.declaration.conftest import YEAR, fill, open_year

CANDIDATE_PAGE = "pages/candidate/declaration.py"
UNIT_PAGE = "pages/unit/declarations.py"


@pytest.fixture
def accounts(engine):
    with session_scope(engine) as session:
        open_year(session)
        unit = factories.unit(session, name="示范页面医院")
        admin = factories.user(session, "unit_admin", unit=unit)
        candidate = factories.verified_candidate(session, real_name="页面考生")
        factories.bind(session, candidate, unit)
        return {"admin": admin.username, "admin_actor": Actor.of(admin), "candidate": candidate}


def candidate_app(accounts, page=CANDIDATE_PAGE):
    app = login(new_app(), accounts["candidate"].username, factories.PASSWORD)
    app.switch_page(page)
    app.run()
    assert_no_exception(app)
    return app


def test_confirmation_page_mirrors_the_official_layout_and_confirms(engine, accounts):
    with session_scope(engine) as session:
        fill(session, accounts["admin_actor"], accounts["candidate"].id)
    app = candidate_app(accounts)
    shown = texts(app)
    sections = [
        "基本信息",
        "报考信息",
        "学历信息",
        "专业技术职称",
        "医师资格证",
        "医师执业证",
        "护士执业证",
        "试用期单位（当前工作单位）",
    ]
    positions = [shown.index(s) for s in sections]
    assert positions == sorted(positions)
    assert "页面考生" in shown and "示范页面医院" in shown
    assert "姓名（必填）" in shown and ":red[" not in shown  # required fields are marked in plain words
    assert "未上传" in shown
    assert "联系单位" in shown
    assert "待确认" in shown
    assert "报名资格预检" in shown and "满足" in shown and ":small[:gray[依据：" in shown  # each reason's basis
    # the sections share one card; each has its heading, and its image status under its own fields
    record = next(m.value for m in app.markdown if "### 学历信息" in m.value)
    assert record.startswith("### 基本信息") and "\n\n---\n\n### 报考信息" in record
    education = record.split("### 学历信息", 1)[1].split("\n---\n", 1)[0]
    assert ":small[:gray[学历证书 — " in education, "the section's image status, small and grey, under its fields"
    assert all(f"{label} — " in education for label in ("学历学信网验证报告", "学位证书", "学位学信网验证报告"))
    assert "报名材料清单" in shown and "学历证书及学信网验证报告" in shown
    next(b for b in app.button if b.label == "确认无误").click()
    app.run()
    assert_no_exception(app)
    assert "已确认" in texts(app)
    with session_scope(engine) as session:
        assert session.scalar(select(Declaration.confirmation_status)) == "confirmed"


def test_the_upload_form_of_a_section_is_built_when_its_expander_is_opened(engine, accounts):
    with session_scope(engine) as session:
        fill(session, accounts["admin_actor"], accounts["candidate"].id)
    app = candidate_app(accounts)
    assert "上传证书图片" in [e.label for e in app.expander]
    assert not [b for b in app.button if b.label == "上传"], "no upload form while every expander is closed"
    app.session_state["upload_open_education"] = True  # a click on the 学历信息 section's 上传证书图片
    app.run()
    assert_no_exception(app)
    assert len([b for b in app.button if b.label == "上传"]) == 1, "the 学历信息 section's upload form"
    assert [w.label for w in app.selectbox if w.key == "slot_education"] == ["证书"]


def test_candidate_marks_wrong_fields(engine, accounts):
    with session_scope(engine) as session:
        fill(session, accounts["admin_actor"], accounts["candidate"].id)
    app = candidate_app(accounts)
    next(b for b in app.button if b.label == "信息有误").click()
    app.run()
    assert_multiselects_speak_chinese(app)
    app.multiselect[0].select("education.school")
    app.text_area[0].input("学校名称有误")
    next(b for b in app.button if b.label == "提交修改申请").click()
    app.run()
    assert_no_exception(app)
    assert "修改申请已提交" in texts(app)
    assert "待单位修改" in texts(app)
    with session_scope(engine) as session:
        assert session.scalar(select(Declaration.confirmation_status)) == "correction_requested"


def test_closed_window_says_so_and_offers_no_confirmation(engine, accounts):
    today = today_local()
    with session_scope(engine) as session:
        fill(session, accounts["admin_actor"], accounts["candidate"].id)
        open_year(
            session,
            year=YEAR + 1,
            entry=(today - timedelta(days=90), today - timedelta(days=40)),
            confirmation=(today - timedelta(days=60), today - timedelta(days=10)),
        )
    app = candidate_app(accounts)
    assert "已于" in texts(app) and "截止" in texts(app)
    assert not [b for b in app.button if b.label == "确认无误"]


def test_unverified_candidate_is_sent_to_identity(engine):
    with session_scope(engine) as session:
        open_year(session)
        user = factories.user(session, "candidate")
    app = login(new_app(), user.username, factories.PASSWORD)
    app.switch_page(CANDIDATE_PAGE)
    app.run()
    assert_no_exception(app)
    assert "尚未完成实名认证" in texts(app)


def test_home_card_shows_the_window_state(engine, accounts):
    app = candidate_app(accounts, "pages/candidate/home.py")
    assert "信息确认进行中" in texts(app)


def test_unit_lists_its_candidates_and_saves_a_section(engine, accounts):
    app = login(new_app(), accounts["admin"], factories.PASSWORD)
    app.switch_page(UNIT_PAGE)
    app.run()
    assert_no_exception(app)
    assert "页面考生" in app.dataframe[0].value["姓名"].tolist()
    assert app.dataframe[0].value["状态"].tolist() == ["未填报"]
    assert not app.multiselect  # the filters are drawn only while 筛选 is open
    app.session_state["declaration_filters"] = True
    app.run()
    assert_multiselects_speak_chinese(app)
    app.multiselect(key="declaration_statuses").select("confirmed")
    app.run()
    assert_no_exception(app)
    assert app.dataframe[0].value.empty and "筛选：已确认" in texts(app)
    app.session_state["declaration_filters"] = False  # closed: the choice stays in force
    app.run()
    assert not app.multiselect and app.dataframe[0].value.empty and "筛选：已确认" in texts(app)
    app.session_state["declaration_filters"] = True
    app.run()
    app.multiselect(key="declaration_statuses").unselect("confirmed")
    app.run()
    assert app.dataframe[0].value["状态"].tolist() == ["未填报"]
    assert not [b for b in app.button if (b.key or "").startswith("save_")]  # only the open tab (考生列表) runs
    open_tab(app, "declaration_tab", "逐人填报")
    cid = accounts["candidate"].id
    values = {
        "education_level": "本科",
        "study_form": "普通全日制",
        "schooling_years": "5",
        "major_type": "临床医学类",
    }
    for key, value in values.items():
        app.selectbox(key=f"education_{key}_{cid}").set_value(value)
    app.date_input(key=f"education_enrolled_on_{cid}").set_value(date(2013, 9, 1))
    app.date_input(key=f"education_graduated_on_{cid}").set_value(date(2018, 6, 30))
    app.text_input(key=f"education_school_{cid}").input("示范医科大学")
    app.text_input(key=f"education_major_{cid}").input("临床医学")
    app.text_input(key=f"education_diploma_number_{cid}").input("A0001")
    app.button(key=f"save_education_{cid}").click()
    app.run()
    assert_no_exception(app)
    assert "学历信息已保存" in texts(app)
    with session_scope(engine) as session:
        assert session.scalar(select(DeclarationEducation.school)) == "示范医科大学"
        logged = session.execute(select(PersonalDataAccess.section, PersonalDataAccess.action)).all()
        assert ("education", "edit") in logged and ("declaration", "view") in logged


def test_unit_form_shows_the_rule_message(engine, accounts):
    app = login(new_app(), accounts["admin"], factories.PASSWORD)
    app.switch_page(UNIT_PAGE)
    app.run()
    open_tab(app, "declaration_tab", "逐人填报")
    cid = accounts["candidate"].id
    for key, value in {"education_level": "本科", "study_form": "普通全日制", "schooling_years": "5",
                       "major_type": "临床医学类"}.items():  # fmt: skip
        app.selectbox(key=f"education_{key}_{cid}").set_value(value)
    app.date_input(key=f"education_enrolled_on_{cid}").set_value(date(2013, 9, 1))
    app.date_input(key=f"education_graduated_on_{cid}").set_value(date(2012, 6, 30))
    for key in ("school", "major", "diploma_number"):
        app.text_input(key=f"education_{key}_{cid}").input("示范")
    app.button(key=f"save_education_{cid}").click()
    app.run()
    assert_no_exception(app)
    assert any("学历信息·毕业时间" in e.value for e in app.error)


def test_admin_opens_an_exam_year(engine):
    with session_scope(engine) as session:
        admin = factories.user(session, "admin")
    app = login(new_app(), admin.username, factories.PASSWORD)
    app.switch_page("pages/admin/exam_years.py")
    app.run()
    assert_no_exception(app)
    assert "尚未开放任何考试年度" in texts(app)
    next(b for b in app.button if b.label == "开放年度").click()
    app.run()
    assert_no_exception(app)
    assert "年度已开放" in texts(app)
    assert "年度医师资格" in app.dataframe[0].value["年度"].tolist()[0]
    assert not [b for b in app.button if b.label == "保存修改"], "the edit form is built only when it is opened"
    app.session_state["exam_year_edit"] = True  # a click on 修改年度时间
    app.run()
    assert_no_exception(app)
    assert [b for b in app.button if b.label == "保存修改"]


def test_unit_probation_editor_leaves_empty_cells_empty(engine, accounts):
    """The 试用期 editor: an empty cell shows nothing, not Streamlit's "None"."""
    app = login(new_app(), accounts["admin"], factories.PASSWORD)
    app.switch_page(UNIT_PAGE)
    app.run()
    open_tab(app, "declaration_tab", "逐人填报")
    key = f"editor_probation_{accounts['candidate'].id}"
    editors = [e for e in app.dataframe if e.key == key]
    assert editors, "the 试用期 editor is on the page"
    for editor in editors:
        assert editor.proto.HasField("placeholder") and editor.proto.placeholder == ""


def test_undetermined_verdict_says_what_is_missing_not_days(engine, accounts):
    """无法判断 because the practice is not entered: the page names what is missing instead of 尚差 365 天."""
    from portal.declaration.entry import save_section
    from tests.declaration.conftest import EDUCATION, EXAM

    with session_scope(engine) as session:
        for section, data in (("exam", EXAM), ("education", EDUCATION)):
            save_section(
                session,
                actor=accounts["admin_actor"],
                year=YEAR,
                candidate_id=accounts["candidate"].id,
                section=section,
                data=data,
            )
    app = candidate_app(accounts)
    shown = texts(app)
    assert "无法判断" in shown, shown
    assert "实践时间尚差" not in shown
    assert "缺少以下信息，暂无法判断：" in shown


def test_the_chosen_candidate_stays_while_the_list_is_open(engine, accounts):
    with session_scope(engine) as session:
        unit = session.get(Unit, accounts["admin_actor"].unit_id)
        second = factories.verified_candidate(session, real_name="第二考生")
        factories.bind(session, second, unit)
    app = login(new_app(), accounts["admin"], factories.PASSWORD)
    app.switch_page(UNIT_PAGE)
    app.run()
    open_tab(app, "declaration_tab", "逐人填报")
    app.selectbox(key="declaration_candidate").set_value(second.id)
    app.run()
    open_tab(app, "declaration_tab", "考生列表")
    open_tab(app, "declaration_tab", "逐人填报")
    assert app.selectbox(key="declaration_candidate").value == second.id
    assert any(w.key == f"education_school_{second.id}" for w in app.text_input)
    assert not app.exception
