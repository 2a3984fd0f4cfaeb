"""Analyst statistics (统计分析): the funnel, daily trends and verdict distributions — aggregates only.

Counts come from the snapshot's `statistics_cell` (see `portal.dashboard.snapshot`), never from rows about
people. Every table leaves this module with small-cell suppression applied:
counts of 1–4 people are shown as "<5" (0 is shown: it identifies nobody), and where a line of the table adds up
to a shown total (a column and its 合计 row; a row and its 合计 column), a single suppressed cell would be
revealed by subtraction, so the smallest other cell of that line is suppressed as well (complementary
suppression), until no line holds exactly one unknown. Rates are shown only between two shown counts.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import StatisticsCell
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.errors import ValidationFailed
from portal.dashboard import snapshot
from portal.dashboard.common import CITIES, UNKNOWN_CITY, exam_year_for
from portal.dashboard.snapshot import Snapshot

SUPPRESSED = "<5"
THRESHOLD = 5
STAGES = (
    ("registered", "注册"),
    ("verified", "实名认证"),
    ("bound", "绑定单位"),
    ("entered", "已填报"),
    ("confirmed", "已确认"),
)
DIMENSIONS = {
    "city": "市（州）",
    "unit_category": "机构类别",
    "education_level": "学历层级",
    "exam_level": "报考级别",
    "exam_category": "报考类别",
}
VERDICT_COLUMNS = (
    ("eligible", "满足"),
    ("will_be_eligible", "将满足"),
    ("not_eligible", "不满足"),
    ("undetermined", "无法判断"),
)
TOTAL = "合计"
NOT_BOUND = "未绑定单位"
NOT_ENTERED = "未填报"


# ---------------------------------------------------------------------------------------------------- snapshot


def _authorize(session: Session, actor: Actor) -> None:
    authorize(session, actor, "analyst", "admin", "system")


def refresh_statistics(session: Session, *, actor: Actor, year: int | None = None, force: bool = False) -> Snapshot:
    """Rebuild the year's snapshot when older than its maximum age (or when `force`); returns the snapshot."""
    _authorize(session, actor)
    return snapshot.refresh(session, actor=actor, year=year, force=force)


def snapshot_info(session: Session, *, actor: Actor, year: int | None = None) -> Snapshot | None:
    """When the statistics were last rebuilt (None when never)."""
    _authorize(session, actor)
    return snapshot.info(session, actor=actor, year=year)


# ---------------------------------------------------------------------------------------------------- suppression


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
            shown = [(i, j) for i, j in parts if not hidden[i][j]]
            if not shown:
                # only the total is hidden (all parts shown would reveal it): hide the smallest part
                shown = list(parts)
            candidates = [c for c in shown if not hidden[c[0]][c[1]]]
            if not candidates:
                continue
            pick = min(candidates, key=lambda c: (values[c[0]][c[1]] == 0, values[c[0]][c[1]]))
            hidden[pick[0]][pick[1]] = True
            changed = True
    return hidden


def _suppressed_frame(
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


def numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """The same frame with '<5' cells as missing values (for charts: suppressed cells are never drawn)."""
    out = frame.copy()
    for column in out.columns[1:]:
        out[column] = pd.to_numeric(out[column].where(out[column] != SUPPRESSED), errors="coerce")
    return out


# ---------------------------------------------------------------------------------------------------- queries


def _column(dimension: str) -> str:
    return "city_code" if dimension == "city" else dimension


def _label(dimension: str, value: str) -> str:
    if dimension == "city":
        return CITIES.get(value, UNKNOWN_CITY)
    if dimension == "unit_category":
        return value or NOT_BOUND
    return value or NOT_ENTERED


def _group_key(dimension: str, value: str) -> str:
    if dimension == "unit_category":
        return (value or "").split("-", 1)[0]
    return value or ""


def _order(dimension: str, keys: list[str]) -> list[str]:
    if dimension == "city":
        order = list(CITIES)
        return sorted(keys, key=lambda k: (k == "", order.index(k) if k in order else len(order), k))
    return sorted(keys, key=lambda k: (k == "", k))


STAGE_KEYS = [key for key, _ in STAGES]


def _cells(session: Session, year_id: int, dimension: str):
    cell = StatisticsCell
    return session.execute(
        select(
            cell.value, cell.verdict, cell.registered, cell.verified, cell.bound, cell.entered, cell.confirmed
        ).where(cell.exam_year_id == year_id, cell.dimension == dimension)
    ).all()


def funnel(session: Session, *, actor: Actor, year: int | None = None, by: str | None = None) -> pd.DataFrame:
    """注册 → 实名认证 → 绑定单位 → 已填报 → 已确认, overall (by=None) or by a dimension, suppressed, with rates."""
    _authorize(session, actor)
    if by is not None and by not in DIMENSIONS:
        raise ValidationFailed({"by": "统计维度不正确"})
    exam_year = exam_year_for(session, year)
    stage_labels = [label for _, label in STAGES]
    grouped: dict[str, list[int]] = {}
    for value, _verdict, *numbers in _cells(session, exam_year.id, "overall" if by is None else _column(by)):
        current = grouped.setdefault("" if by is None else _group_key(by, value), [0] * len(STAGES))
        for index, number in enumerate(numbers):
            current[index] += int(number)
    if by is None:
        values = grouped.get("", [0] * len(STAGES))
        record = {"范围": "全省"}
        for column, value in zip(stage_labels, values, strict=True):
            record[column] = SUPPRESSED if 0 < value < THRESHOLD else value
        return _with_rates(pd.DataFrame([record]).astype(object))
    keys = _order(by, list(grouped))
    frame = _suppressed_frame(
        [_label(by, key) for key in keys], DIMENSIONS[by], stage_labels, [grouped[k] for k in keys]
    )
    return _with_rates(frame)


def _with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    def rate(numerator, denominator):
        if SUPPRESSED in (numerator, denominator) or not denominator:
            return "—"
        return f"{numerator / denominator:.1%}"

    frame = frame.copy()
    frame["认证率"] = [rate(v, r) for v, r in zip(frame["实名认证"], frame["注册"], strict=True)]
    frame["确认率"] = [rate(c, e) for c, e in zip(frame["已确认"], frame["已填报"], strict=True)]
    return frame


def daily_trend(session: Session, *, actor: Actor, year: int | None = None, days: int | None = None) -> pd.DataFrame:
    """Per China day: new registrations, verifications, bindings, entered and confirmed records (suppressed)."""
    _authorize(session, actor)
    exam_year = exam_year_for(session, year)
    per_day = {value: [int(n) for n in numbers] for value, _verdict, *numbers in _cells(session, exam_year.id, "day")}
    dates = sorted(per_day)
    if days is not None and dates:
        last = date.fromisoformat(dates[-1])
        dates = [d for d in dates if date.fromisoformat(d) > last - timedelta(days=days)]
    return _suppressed_frame(dates, "日期", [label for _, label in STAGES], [per_day[d] for d in dates])


def verdict_distribution(session: Session, *, actor: Actor, year: int | None = None, by: str = "city") -> pd.DataFrame:
    """报名资格预检 verdicts of the entered records by a dimension, with a 合计 column (suppressed)."""
    _authorize(session, actor)
    if by not in DIMENSIONS:
        raise ValidationFailed({"by": "统计维度不正确"})
    exam_year = exam_year_for(session, year)
    index = {key: i for i, (key, _) in enumerate(VERDICT_COLUMNS)}
    grouped: dict[str, list[int]] = {}
    for value, verdict, _registered, _verified, _bound, entered, _confirmed in _cells(
        session, exam_year.id, _column(by)
    ):
        if verdict not in index or not entered:
            continue
        grouped.setdefault(_group_key(by, value), [0] * len(VERDICT_COLUMNS))[index[verdict]] += int(entered)
    keys = _order(by, list(grouped))
    values = [[*grouped[k], sum(grouped[k])] for k in keys]
    return _suppressed_frame(
        [_label(by, k) for k in keys],
        DIMENSIONS[by],
        [label for _, label in VERDICT_COLUMNS] + [TOTAL],
        values,
        total_column=True,
    )
