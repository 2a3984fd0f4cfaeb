"""The analyst's statistics page, driven through the real app on the small demo data."""

from __future__ import annotations

import pytest

from portal.ops import demo
from tests.app.helpers import assert_chinese_time_axes, assert_no_exception, login, new_app, temporal_formats, texts
from tests.progress.helpers import open_page, seed_small_demo


@pytest.fixture
def seeded(engine):
    seed_small_demo(engine)


def test_statistics_page_shows_aggregates_only(seeded):
    app = open_page("analyst", "pages/analyst/statistics.py")
    shown = texts(app)
    assert "报名进度漏斗" in shown and "每日趋势" in shown
    for frame in app.dataframe:
        text = frame.value.to_string()
        assert "138000" not in text and "139000" not in text  # no account names
    assert temporal_formats(app), "the 每日趋势 chart has a date axis"
    assert_chinese_time_axes(app)
    app.segmented_control[0].set_value("exam_category")
    app.run()
    assert_no_exception(app)


def test_analyst_cannot_open_reviewer_pages(seeded):
    app = login(new_app(), "analyst", demo.DEMO_PASSWORD)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("pages/reviewer/verifications.py")  # not in the analyst's navigation at all
