"""Exports never carry a live formula into a spreadsheet."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from portal.core.export import escape_cell, safe_frame, to_csv_bytes, to_xlsx_bytes

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "=cmd|' /C calc'!A0"]


def test_csv_neutralises_formulas():
    frame = pd.DataFrame({"单位名称": HOSTILE, "n": range(len(HOSTILE))})
    text = to_csv_bytes(frame).decode("utf-8-sig")
    for line in text.splitlines()[1:]:
        assert line.startswith("'") or line.startswith("\"'"), line


def test_xlsx_cells_are_text_not_formulas():
    frame = pd.DataFrame({"名称": HOSTILE})
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes({"s": frame})))
    cells = [row[0] for row in book["s"].iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(c, str) and c.startswith("'") for c in cells)
    assert all(cell.data_type != "f" for row in book["s"].iter_rows() for cell in row)


def test_plain_values_are_untouched():
    frame = pd.DataFrame({"名称": ["武汉市第一医院", "a-b"], "数量": [-3, 5]})
    safe = safe_frame(frame)
    assert safe["名称"].tolist() == ["武汉市第一医院", "a-b"]
    assert safe["数量"].tolist() == [-3, 5]


@given(st.text())
def test_no_escaped_cell_starts_like_a_formula(value):
    escaped = escape_cell(value)
    assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert escaped.removeprefix("'") == value or escaped == value
