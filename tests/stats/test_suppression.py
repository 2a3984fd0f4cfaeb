"""Small-cell suppression as pure functions: no database."""

from __future__ import annotations

import pandas as pd

from portal.stats.suppression import (
    SUPPRESSED,
    TOTAL,
    numeric,
    shown,
    suppressed_frame,
    suppression_mask,
    with_rates,
)


def test_suppression_hides_a_complement_where_subtraction_would_reveal():
    # one column: 3 is primary; 10 (smallest other) must go too, else 25 - 12 - 10 = 3
    hidden = suppression_mask([[3], [10], [12], [25]])
    assert hidden == [[True], [True], [False], [False]]
    # rows add up to a total column as well
    hidden = suppression_mask([[2, 9, 11], [8, 7, 15], [10, 16, 26]], total_row=True, total_column=True)
    for row in hidden[:-1]:
        assert sum(row) != 1
    for column in zip(*hidden, strict=True):
        assert sum(column) != 1
    assert suppression_mask([[0], [6], [6]]) == [[False], [False], [False]]  # zero identifies nobody


def test_a_table_gets_a_total_row_and_hides_what_subtraction_would_reveal():
    frame = suppressed_frame(["武汉市", "宜昌市", "襄阳市"], "市（州）", ["注册"], [[12], [3], [9]])
    assert list(frame["市（州）"]) == ["武汉市", "宜昌市", "襄阳市", TOTAL]
    # 宜昌 3 is primary; 襄阳 9 (the smallest other) goes too, else 24 - 12 - 9 = 3
    assert list(frame["注册"]) == [12, SUPPRESSED, SUPPRESSED, 24]


def test_a_count_alone_is_shown_unless_it_is_one_to_four_people():
    assert [shown(n) for n in (0, 1, 4, 5)] == [0, SUPPRESSED, SUPPRESSED, 5]


def test_rates_only_between_two_shown_counts():
    frame = pd.DataFrame(
        [
            {"注册": 10, "实名认证": 8, "已填报": 6, "已确认": SUPPRESSED},
            {"注册": 0, "实名认证": 0, "已填报": 0, "已确认": 0},
        ]
    ).astype(object)
    rated = with_rates(frame)
    assert list(rated["认证率"]) == ["80.0%", "—"]  # no rate of nobody
    assert list(rated["确认率"]) == ["—", "—"]  # a suppressed count gives no rate


def test_charts_leave_suppressed_cells_out():
    frame = pd.DataFrame([{"日期": "2026-05-01", "注册": 7, "已确认": SUPPRESSED}]).astype(object)
    drawn = numeric(frame)
    assert drawn.loc[0, "注册"] == 7 and pd.isna(drawn.loc[0, "已确认"])
