"""Tables sent as Arrow (pages/components/grid): what the browser is sent matches what pandas would have shown."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from pages.components import grid
from portal.core.export import to_csv_bytes


def test_rows_become_typed_columns_and_a_mixed_column_becomes_text():
    table = grid.arrow(
        [{"单位": "武汉市第一医院", "人数": 12, "错误": None}, {"单位": "宜昌市医院", "人数": None, "错误": "<5"}]
    )
    assert table.column_names == ["单位", "人数", "错误"]
    assert pa.types.is_integer(table.schema.field("人数").type)  # 12, not 12.0, beside an empty cell
    assert table.column("人数").to_pylist() == [12, None]
    assert table.column("错误").to_pylist() == [None, "<5"]
    mixed = grid.arrow([{"n": 3}, {"n": "<5"}])
    assert mixed.column("n").to_pylist() == ["3", "<5"]  # as Streamlit shows a mixed pandas column


def test_named_columns_stay_when_there_are_no_rows():
    table = grid.arrow([], ["姓名", "状态"])
    assert table.column_names == ["姓名", "状态"] and table.num_rows == 0 and grid.size(table) == 0


def test_filter_finds_text_in_any_cell_and_exports_keep_whole_numbers():
    table = grid.arrow([{"账号": "13800000001", "ID": 1}, {"账号": "unit_admin", "ID": None}, {"账号": "x", "ID": 21}])
    assert grid.matching(table, "unit").column("账号").to_pylist() == ["unit_admin"]
    assert grid.matching(table, "1").column("ID").to_pylist() == [1, 21]  # numbers match by their text too
    csv = to_csv_bytes(grid.to_pandas(table)).decode("utf-8-sig").splitlines()
    assert csv == ["账号,ID", "13800000001,1", "unit_admin,", "x,21"]


def test_statistics_tables_as_text_like_pandas_with_missing_cells_empty():
    frame = pd.DataFrame(
        {
            "注册": [120, "<5", None],
            "比例": [0.5, np.nan, 1.0],
            "日期": pd.to_datetime(["2026-12-01", "2026-12-02", None]),
        }
    )
    shown = grid.as_text(frame).to_pydict()
    assert shown == {
        "注册": ["120", "<5", None],
        "比例": ["0.5", None, "1.0"],
        "日期": ["2026-12-01", "2026-12-02", None],
    }
