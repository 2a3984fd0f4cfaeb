"""The analyst's statistics page, driven through the real app on the small demo data."""

from __future__ import annotations

import pytest

from portal.ops import demo
from tests.app.helpers import (
    assert_chinese_time_axes,
    assert_no_exception,
    login,
    new_app,
    open_tab,
    temporal_formats,
    texts,
)
from tests.progress.helpers import open_page, seed_small_demo


@pytest.fixture
def seeded(engine):
    seed_small_demo(engine)


def test_statistics_page_shows_aggregates_only(seeded):
    app = open_page("analyst", "pages/analyst/statistics.py")
    assert "报名进度漏斗" in texts(app)
    assert [tab.label for tab in app.tabs] == ["分维度统计", "每日趋势", "报名资格预检结论分布"]
    app.segmented_control[0].set_value("exam_category")
    app.run()
    assert_no_exception(app)
    open_tab(app, "statistics_tab", "每日趋势")
    assert temporal_formats(app), "the 每日趋势 chart has a date axis"
    assert_chinese_time_axes(app)
    assert "每日明细" in [e.label for e in app.expander]
    assert not app.dataframe, "the daily table is built only while 每日明细 is open"
    app.session_state["trend_details"] = True  # a click on 每日明细
    app.run()
    assert len(app.dataframe) == 1 and "合计" in app.dataframe[0].value.iloc[:, 0].tolist()
    open_tab(app, "statistics_tab", "报名资格预检结论分布")
    assert app.dataframe, "the verdicts table"
    for tab in ("分维度统计", "报名资格预检结论分布"):
        open_tab(app, "statistics_tab", tab)
        for frame in app.dataframe:
            text = frame.value.to_string()
            assert "138000" not in text and "139000" not in text  # no account names


def test_analyst_cannot_open_reviewer_pages(seeded):
    app = login(new_app(), "analyst", demo.DEMO_PASSWORD)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("pages/reviewer/verifications.py")  # not in the analyst's navigation at all


def _chart_rows(app) -> list[list[dict]]:
    """The data each chart draws (inline values in the chart's one layer, sent as JSON)."""
    import json

    charts = app.get("vega_lite_chart") + app.get("arrow_vega_lite_chart")
    specs = [json.loads(chart.proto.spec) for chart in charts]
    assert all(not chart.proto.data.data for chart in charts)  # nothing else drawn from a separate table
    return [[row for layer in spec["layer"] for row in layer["data"]["values"]] for spec in specs]


def test_the_charts_draw_the_tables_numbers_and_leave_suppressed_cells_out(seeded):
    app = open_page("analyst", "pages/analyst/statistics.py")
    assert_no_exception(app)
    charts = _chart_rows(app)
    assert len(charts) == 2, "the funnel, and the open tab's (分维度统计)"
    funnel = {row["环节"]: row["人数"] for row in charts[0]}
    shown = app.dataframe[0].value  # 分维度统计, its 合计 row is the province
    total = shown[shown.iloc[:, 0] == "合计"].iloc[0]
    assert funnel["注册"] == int(total["注册"]) > 0
    for tab in ("每日趋势", "报名资格预检结论分布"):
        open_tab(app, "statistics_tab", tab)
        assert_no_exception(app)
        tab_charts = _chart_rows(app)
        assert len(tab_charts) == 2, f"the funnel, and {tab}'s"
        charts += tab_charts[1:]
    for rows in charts:
        assert rows, "every chart has data on the demo"
        drawn = [row.get("人数", row.get("记录数")) for row in rows]
        assert all(isinstance(v, (int, float)) and v == v for v in drawn), "no '<5' or empty cell drawn as a bar"
