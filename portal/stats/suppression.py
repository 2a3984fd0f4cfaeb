"""Small-cell suppression of the analysts' tables: pure functions over counts, testable without a database.

Counts of 1–4 people are shown as "<5" (0 is shown: it identifies nobody), and where a line of the table adds up
to a shown total (a column and its 合计 row; a row and its 合计 column), a single suppressed cell would be
revealed by subtraction, so the smallest other cell of that line is suppressed as well (complementary
suppression), until no line holds exactly one unknown. Rates are shown only between two shown counts.
"""

from __future__ import annotations

import pandas as pd

SUPPRESSED = "<5"
THRESHOLD = 5
TOTAL = "合计"


def shown(value: int) -> int | str:
    """A count as shown on its own: '<5' for 1–4 people."""
    return SUPPRESSED if 0 < value < THRESHOLD else value


def suppression_mask(
    values: list[list[int]], *, total_row: bool = True, total_column: bool = False
) -> list[list[bool]]:
    """Which cells to hide: 1–4 (primary), then complementary cells until no additive line has one unknown.

    `values` holds the group rows and, when `total_row`, a last row of column totals; with `total_column`, each
    row's last cell is the total of its other cells.
    """
    hidden = [[0 < v < THRESHOLD for v in row] for row in values]
    n_rows = len(values)
    n_cols = len(values[0]) if values else 0
    lines: list[tuple[list[tuple[int, int]], tuple[int, int] | None]] = []
    if total_row and n_rows > 1:
        for j in range(n_cols):
            lines.append(([(i, j) for i in range(n_rows - 1)], (n_rows - 1, j)))
    if total_column and n_cols > 1:
        for i in range(n_rows):
            lines.append(([(i, j) for j in range(n_cols - 1)], (i, n_cols - 1)))
    changed = True
    while changed:
        changed = False
        for parts, total in lines:
            unknown = sum(hidden[i][j] for i, j in parts) + (1 if total and hidden[total[0]][total[1]] else 0)
            if unknown != 1:
                continue
            visible = [(i, j) for i, j in parts if not hidden[i][j]]
            if not visible:
                # only the total is hidden (all parts shown would reveal it): hide the smallest part
                visible = list(parts)
            candidates = [c for c in visible if not hidden[c[0]][c[1]]]
            if not candidates:
                continue
            pick = min(candidates, key=lambda c: (values[c[0]][c[1]] == 0, values[c[0]][c[1]]))
            hidden[pick[0]][pick[1]] = True
            changed = True
    return hidden


def suppressed_frame(
    labels: list[str], label_column: str, columns: list[str], values: list[list[int]], *, total_column: bool = False
) -> pd.DataFrame:
    """A display frame (label column + counts as int or '<5'), with a 合计 row appended and suppression applied."""
    totals = [sum(row[j] for row in values) for j in range(len(columns))]
    matrix = [list(row) for row in values] + [totals]
    hidden = suppression_mask(matrix, total_row=True, total_column=total_column)
    records = []
    for label, row, mask in zip([*labels, TOTAL], matrix, hidden, strict=True):
        record = {label_column: label}
        for column, value, hide in zip(columns, row, mask, strict=True):
            record[column] = SUPPRESSED if hide else int(value)
        records.append(record)
    return pd.DataFrame(records, columns=[label_column, *columns]).astype(object)


def with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """The funnel frame with 认证率 and 确认率, each shown only between two shown counts."""

    def rate(numerator, denominator):
        if SUPPRESSED in (numerator, denominator) or not denominator:
            return "—"
        return f"{numerator / denominator:.1%}"

    frame = frame.copy()
    frame["认证率"] = [rate(v, r) for v, r in zip(frame["实名认证"], frame["注册"], strict=True)]
    frame["确认率"] = [rate(c, e) for c, e in zip(frame["已确认"], frame["已填报"], strict=True)]
    return frame


def numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """The same frame with '<5' cells as missing values (for charts: suppressed cells are never drawn)."""
    out = frame.copy()
    for column in out.columns[1:]:
        out[column] = pd.to_numeric(out[column].where(out[column] != SUPPRESSED), errors="coerce")
    return out
