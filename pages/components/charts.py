"""Bar and line charts as plain Vega-Lite specifications, drawn by `st.vega_lite_chart`.

Altair, and `st.bar_chart` which is built on it, look every encoding up in Vega-Lite's JSON schema and validate
the whole chart against it on every run: the four charts of 统计分析 cost about 70 ms of CPU per rerun, more than
everything else on the page (README, "Load"). Here a chart is a small dict with its data inline (one row per bar
or point, built without pandas, sent as JSON inside the chart's one layer). The charts keep what users saw: axis
titles in Chinese, numeric Chinese dates (Vega's default tick labels are English: "Fri 06", "Nov 22"), tooltips.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Sequence

import pyarrow as pa
import streamlit as st

from pages.components.grid import Frame, size


def records(frame: Frame, columns: Sequence[str] | None = None) -> list[dict]:
    """The rows of `frame` (only `columns`, when given: what the chart draws) as plain values (dates as ISO text),
    missing values left out of their row. Read a column at a time (pandas' row-wise `to_dict` is slow)."""
    names = list(_names(frame) if columns is None else columns)
    values = [[_plain(v) for v in _values(frame, name)] for name in names]
    return [
        {name: column[i] for name, column in zip(names, values, strict=True) if not _missing(column[i])}
        for i in range(size(frame))
    ]


def _names(frame: Frame) -> list[str]:
    return frame.column_names if isinstance(frame, pa.Table) else list(frame.columns)


def _values(frame: Frame, name: str) -> list:
    return frame.column(name).to_pylist() if isinstance(frame, pa.Table) else frame[name].tolist()


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def long_form(
    frame: Frame,
    *,
    keep: str,
    columns: Sequence[str],
    series: str,
    value: str,
    without: Collection = (),
) -> list[dict]:
    """`frame`'s `columns` stacked into one `value` named by `series` (one row per bar), except the rows whose
    `keep` is in `without` (a 合计 row).

    Only numbers are drawn: missing cells and text in a count column (a suppressed "<5") are left out. Read a
    column at a time: pandas' row-wise `to_dict` costs more than the rest of a chart.
    """
    keys = [_plain(k) for k in _values(frame, keep)]
    values = [_values(frame, c) for c in columns]
    out = []
    for i, key in enumerate(keys):
        if key in without:
            continue
        out += [{keep: key, series: c, value: v[i]} for c, v in zip(columns, values, strict=True) if _drawn(v[i])]
    return out


def _drawn(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and not math.isnan(value)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _chart(rows: Sequence[dict], mark: dict, encoding: dict) -> None:
    # The rows inside the chart's one layer, not at the top of the spec: Streamlit turns top-level inline values
    # into a pandas frame and then an Arrow table on every run (a third of a chart's cost); a layer's values
    # go to the browser as the JSON they are, and Vega-Lite draws the same chart.
    layer = {"data": {"values": rows}, "mark": mark, "encoding": encoding}
    st.vega_lite_chart(spec={"layer": [layer]}, width="stretch")


def _field(name: str, kind: str, **extra) -> dict:
    return {"field": name, "type": kind, "title": name, **extra}


def bars(
    rows: Sequence[dict],
    *,
    category: str,
    value: str,
    series: str | None = None,
    series_sort: Sequence[str] | None = None,
    horizontal: bool = True,
    sort: str | Sequence[str] | None = None,
    normalize: bool = False,
    overlay: bool = False,
    value_title: str | None = None,
) -> None:
    """One bar per `category` of long-form `rows`, stacked by `series` when given (its share with `normalize`;
    the later series drawn over the earlier with `overlay`)."""
    category_axis, value_axis = ("y", "x") if horizontal else ("x", "y")
    value_encoding = _field(value, "quantitative")
    if value_title:
        value_encoding["title"] = value_title
    if normalize:
        value_encoding["stack"] = "normalize"
    elif overlay:  # one series is part of the other (已确认 of 注册): drawn over it, not stacked on it
        value_encoding["stack"] = None
    order = {} if sort is None else {"sort": sort if isinstance(sort, str) else list(sort)}
    encoding = {
        # Chinese labels read across, not rotated (Vega turns crowded ones by 270°).
        category_axis: _field(category, "nominal", **order, **({} if horizontal else {"axis": {"labelAngle": 0}})),
        value_axis: value_encoding,
        "tooltip": [
            _field(category, "nominal"),
            *([_field(series, "nominal")] if series else []),
            _field(value, "quantitative"),
        ],
    }
    if series:
        encoding["color"] = _field(series, "nominal", **({"sort": list(series_sort)} if series_sort else {}))
    _chart(rows, {"type": "bar"}, encoding)


def daily_lines(
    rows: Sequence[dict], *, day: str, value: str, series: str, series_sort: Sequence[str] | None = None
) -> None:
    """A line per `series` over the days of long-form `rows`, with numeric Chinese dates."""
    encoding = {
        "x": _field(day, "temporal", axis={"format": "%m月%d日"}),
        "y": _field(value, "quantitative"),
        "color": _field(series, "nominal", **({"sort": list(series_sort)} if series_sort else {})),
        "tooltip": [
            _field(day, "temporal", format="%Y年%m月%d日"),
            _field(series, "nominal"),
            _field(value, "quantitative"),
        ],
    }
    _chart(rows, {"type": "line", "point": True}, encoding)
