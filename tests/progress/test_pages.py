"""The reviewers' season dashboards (单位绑定情况, 未确认记录), driven through the real app on the small demo data."""

from __future__ import annotations

import pytest

from db.engine import session_scope
from tests.app.helpers import assert_no_exception, login, new_app, open_tab, texts
from tests.progress.helpers import open_page, seed_small_demo


@pytest.fixture
def seeded(engine):
    seed_small_demo(engine)


def test_unit_binding_status_section(seeded):
    app = open_page("reviewer", "pages/reviewer/units.py")
    assert any(m.label == "已绑定考生" for m in app.metric)
    assert app.dataframe


def test_binding_filters_stay_in_force_with_their_menu_closed_and_another_tab_opened(seeded):
    app = open_page("reviewer", "pages/reviewer/units.py")
    everywhere = list(app.dataframe[0].value["所属地区"])
    app.session_state["bs_filters"] = True  # a click on 筛选与排序
    app.run()
    app.selectbox(key="bs_city").select("420500")
    app.run()
    assert_no_exception(app)
    yichang = list(app.dataframe[0].value["所属地区"])
    assert yichang and all(region.startswith("宜昌市") for region in yichang) and len(yichang) < len(everywhere)
    app.session_state["bs_filters"] = False  # closed: its widgets are not drawn, the choice stays in force
    app.run()
    assert_no_exception(app)
    assert not [s for s in app.selectbox if s.key == "bs_city"]
    assert list(app.dataframe[0].value["所属地区"]) == yichang
    assert "筛选：宜昌市" in texts(app)
    open_tab(app, "reviewer_units_tab", "机构注册审核")
    open_tab(app, "reviewer_units_tab", "单位绑定情况")
    assert list(app.dataframe[0].value["所属地区"]) == yichang


def test_unconfirmed_records_page(seeded):
    app = open_page("reviewer", "pages/reviewer/unconfirmed.py")
    assert "报名资格预检" in texts(app)
    assert any(m.label == "未填报" for m in app.metric)
    next(b for b in app.button if b.label == "立即刷新").click()
    app.run()
    assert_no_exception(app)


def test_pages_without_an_exam_year_explain_instead_of_failing(engine):
    from tests import factories

    with session_scope(engine) as session:
        reviewer = factories.user(session, "reviewer").username
        analyst = factories.user(session, "analyst").username
    for username, page in (
        (reviewer, "pages/reviewer/unconfirmed.py"),
        (reviewer, "pages/reviewer/units.py"),
        (analyst, "pages/analyst/statistics.py"),
    ):
        app = login(new_app(), username, factories.PASSWORD)
        app.switch_page(page)
        app.run()
        assert_no_exception(app)
        assert "尚未设置考试年度" in texts(app)


def test_unconfirmed_candidates_export_masked_then_full(seeded):
    app = open_tab(open_page("reviewer", "pages/reviewer/unconfirmed.py"), "unconfirmed_tab", "按单位")
    units = app.selectbox(key="uc_unit")
    units.select_index(0)
    app.run()
    assert_no_exception(app)
    next(b for b in app.button if b.label == "生成导出文件").click()
    app.run()
    assert_no_exception(app)
    assert "已脱敏" in texts(app)
    app.checkbox(key="uc_export_full").check()
    app.run()
    app.text_input(key="uc_export_reason").input("电话通知未确认考生")  # a full export states its reason
    next(b for b in app.button if b.label == "生成导出文件").click()
    app.run()
    assert_no_exception(app)
    assert "完整信息。" in texts(app)


def test_unit_binding_status_on_demo_data_then_approving_a_registration_returns_to_it(seeded):
    """Every reviewer's first tab on a fresh demo: dates where dates belong, counts where counts belong; approving
    the demo 机构注册 reruns the page onto that same tab without 系统繁忙."""
    from pages.components.ui import BUSY

    app = open_page("reviewer", "pages/reviewer/units.py")
    assert BUSY not in texts(app)
    frame = app.dataframe[0].value
    assert frame["最近更换确认码"].str.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$").all(), frame["最近更换确认码"]
    assert sorted(frame["近30天确认码错误"].tolist())[-1] == 7  # the demo unit whose code someone keeps guessing
    open_tab(app, "reviewer_units_tab", "机构注册审核")
    assert not [f for f in app.dataframe if "最近更换确认码" in f.value.columns]  # only the open tab runs
    next(b for b in app.button if b.label == "通过" and b.key.startswith("reg_approve_")).click()
    app.run()
    assert_no_exception(app)
    assert "已通过「十堰市郧阳区示范乡镇卫生院」的机构注册。" in texts(app)
    assert BUSY not in texts(app)
    assert app.session_state["reviewer_units_tab"] == "机构注册审核"  # the page stays on the tab acted in
    open_tab(app, "reviewer_units_tab", "单位绑定情况")
    after = app.dataframe[0].value
    assert "十堰市郧阳区示范乡镇卫生院" in after["单位名称"].tolist()
    assert after["最近更换确认码"].str.match(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2})?$").all()


def test_the_unit_filters_stay_while_the_region_tab_is_open(seeded):
    """Only the open tab runs; what the reviewer chose under 按单位 is still there after a look at 按地区."""
    app = open_tab(open_page("reviewer", "pages/reviewer/unconfirmed.py"), "unconfirmed_tab", "按单位")
    app.text_input(key="uc_query").input("武汉")
    app.toggle(key="uc_open").set_value(False)
    app.run()
    shown = app.selectbox(key="uc_unit").options
    open_tab(app, "unconfirmed_tab", "按地区")
    assert not [w for w in app.text_input if w.key == "uc_query"]
    app.run()  # a rerun on 按地区 (a click there) keeps them too
    open_tab(app, "unconfirmed_tab", "按单位")
    assert app.text_input(key="uc_query").value == "武汉"
    assert app.toggle(key="uc_open").value is False
    assert app.selectbox(key="uc_unit").options == shown
    assert not app.warning and not app.exception  # no "value set via the Session State API" warning
