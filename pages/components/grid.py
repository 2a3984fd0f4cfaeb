"""Tables as Arrow, built straight from the rows a page already holds.

`st.dataframe` sends the browser an Arrow table. Given a pandas frame, a page first builds the frame from its rows
and Streamlit then converts it (pandas → Arrow): for a 50-row page of ten columns about 1.7 ms of server CPU on
every rerun, more than the page's own queries (README, "Load"). Built with pyarrow a column at a time, the same
table costs a fifth of that. Exports turn the table into a pandas frame only when a download is pressed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

Frame = pa.Table | pd.DataFrame


def arrow(rows: Iterable[Mapping], columns: Sequence[str] | None = None) -> pa.Table:
    """The rows as a table with `columns` (default: every key, in the order first seen). A column mixing kinds
    (a count or the text "<5") is shown as text, as Streamlit shows such a pandas column."""
    rows = list(rows)
    names = list(columns) if columns is not None else list(dict.fromkeys(k for row in rows for k in row))
    return pa.table({name: _column([row.get(name) for row in rows]) for name in names})


def _column(values: list) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def to_pandas(frame: Frame) -> pd.DataFrame:
    """A pandas frame of `frame` (for exports): whole numbers stay whole when some cells are empty."""
    if isinstance(frame, pa.Table):
        return frame.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    return frame


def size(frame: Frame) -> int:
    return frame.num_rows if isinstance(frame, pa.Table) else len(frame)


def matching(frame: Frame, query: str) -> Frame:
    """The rows with `query` in the text of any of their cells."""
    if isinstance(frame, pd.DataFrame):
        mask = frame.astype(str).apply(lambda col: col.str.contains(query, regex=False)).any(axis=1)
        return frame[mask]
    keep = pa.array([False] * frame.num_rows)
    for column in frame.columns:
        text = pc.cast(column, pa.string()) if column.type != pa.null() else None
        if text is not None:
            keep = pc.or_(keep, pc.fill_null(pc.match_substring(text, query), False))
    return frame.filter(keep)


def as_text(frame: pd.DataFrame) -> pa.Table:
    """`frame` with every cell as its text (the statistics' counts beside a suppressed "<5"), as Arrow: the text
    `DataFrame.astype(str)` gives, missing cells left empty, without pandas' own conversion (about a millisecond
    per table, most of it building a Series per column)."""
    plain = frame.to_numpy(dtype=object).T.tolist() if len(frame) else [[] for _ in frame.columns]
    return pa.table(
        {
            str(name): pa.array(_texts(frame, name, dtype, values), pa.string())
            for name, dtype, values in zip(frame.columns, frame.dtypes, plain, strict=True)
        }
    )


def _texts(frame: pd.DataFrame, name, dtype, values: list) -> list[str | None]:
    if isinstance(dtype, np.dtype) and dtype.kind in "Obiuf":  # objects, booleans, numbers
        return [None if v is None or v != v else str(v) for v in values]  # v != v: NaN
    # dates, pandas' own dtypes: as pandas writes them (a missing value stays missing)
    return [v if isinstance(v, str) else None for v in frame[name].astype(str).tolist()]
