"""Analyst statistics on a hand-built dataset: the funnel by dimension, suppressed, with no personal data."""

from __future__ import annotations

import pytest

from portal.stats import service as analyst
from portal.stats.suppression import SUPPRESSED
from tests import factories
from tests.progress.helpers import small_world


@pytest.fixture
def world(session):
    return small_world(session)


def test_analyst_funnel_and_suppression(session, world):
    ana = factories.actor(session, "analyst")
    analyst.refresh_statistics(session, actor=ana, force=True)
    overall = analyst.funnel(session, actor=ana).iloc[0]
    assert (overall["注册"], overall["实名认证"], overall["绑定单位"], overall["已填报"]) == (8, 7, 6, 5)
    assert overall["已确认"] == SUPPRESSED  # one person
    by_city = analyst.funnel(session, actor=ana, by="city").set_index("市（州）")
    assert by_city.loc["武汉市", "注册"] == 5  # c1–c4 by unit, c7 by document region
    assert by_city.loc["宜昌市", "注册"] == SUPPRESSED
    # 武汉 5 and 宜昌 <5 add up to the shown total of 8 with 未知地区 (c8): that cell is hidden too
    assert by_city.loc["未知地区", "注册"] == SUPPRESSED
    assert by_city.loc["合计", "注册"] == 8
    frame = analyst.funnel(session, actor=ana, by="exam_category")
    text = frame.to_string()
    for person in world["people"].values():
        assert person.username not in text
    verdicts = analyst.verdict_distribution(session, actor=ana, by="city")
    assert set(verdicts.columns) >= {"满足", "不满足", "无法判断", "合计"}
