"""Analyst statistics (统计分析): the funnel, daily trends and verdict distributions — aggregates only.

Counts come from the snapshot's `statistics_cell` (see `portal.stats.snapshot`), never from rows about
people. Every table leaves this module with small-cell suppression applied (`portal.stats.suppression`).
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from db.models import StatisticsCell, StatisticsSnapshot
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.errors import ValidationFailed
from portal.core.kept import Kept
from portal.eligibility.vocab import VERDICT_LABELS
from portal.stats import snapshot
from portal.stats.common import CITIES, UNKNOWN_CITY, exam_year_for
from portal.stats.snapshot import Snapshot
from portal.stats.suppression import TOTAL, shown, suppressed_frame, with_rates

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
VERDICT_COLUMNS = tuple(VERDICT_LABELS.items())
NOT_BOUND = "未绑定单位"
NOT_ENTERED = "未填报"


def _authorize(session: Session, actor: Actor) -> None:
    authorize(session, actor, "analyst", "admin", "system")


def refresh_statistics(session: Session, *, actor: Actor, year: int | None = None, force: bool = False) -> Snapshot:
    """Rebuild the year's snapshot when older than its maximum age (or when `force`); returns the snapshot."""
    _authorize(session, actor)
    return snapshot.refresh(session, actor=actor, year=year, force=force)


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


_CELLS = select(
    StatisticsCell.value,
    StatisticsCell.verdict,
    StatisticsCell.registered,
    StatisticsCell.verified,
    StatisticsCell.bound,
    StatisticsCell.entered,
    StatisticsCell.confirmed,
).where(StatisticsCell.exam_year_id == bindparam("year_id"), StatisticsCell.dimension == bindparam("dimension"))


def _cells(session: Session, year_id: int, dimension: str) -> tuple:
    """The snapshot's cells of one dimension. A snapshot's cells never change (a rebuild replaces them and its
    `built_at` in one transaction), so they are read once per snapshot and kept for every run that shows it; the
    snapshot's row is the one the page has just checked for freshness (in the session, no second SELECT)."""
    built = session.get(StatisticsSnapshot, year_id)
    key = (session.get_bind().url.render_as_string(), year_id, built.built_at, dimension) if built else None
    found = _kept_cells.get(key) if key else None
    if found is None:
        found = tuple(session.execute(_CELLS, {"year_id": year_id, "dimension": dimension}).all())
        if key:
            _kept_cells.put(key, found)
    return found


_kept_cells: Kept[tuple, tuple] = Kept(256)


# The tables are pure functions of the snapshot's cells: each is computed once per distinct set of cells (a
# snapshot lives for minutes and every analyst's page run asks for the same few), and handed out as a copy.
_computed = functools.lru_cache(maxsize=128)


def funnel(session: Session, *, actor: Actor, year: int | None = None, by: str | None = None) -> pd.DataFrame:
    """注册 → 实名认证 → 绑定单位 → 已填报 → 已确认, overall (by=None) or by a dimension, suppressed, with rates."""
    _authorize(session, actor)
    if by is not None and by not in DIMENSIONS:
        raise ValidationFailed({"by": "统计维度不正确"})
    exam_year = exam_year_for(session, year)
    return _funnel(by, _cells(session, exam_year.id, "overall" if by is None else _column(by))).copy()


@_computed
def _funnel(by: str | None, cells: tuple) -> pd.DataFrame:
    stage_labels = [label for _, label in STAGES]
    grouped: dict[str, list[int]] = {}
    for value, _verdict, *numbers in cells:
        current = grouped.setdefault("" if by is None else _group_key(by, value), [0] * len(STAGES))
        for index, number in enumerate(numbers):
            current[index] += int(number)
    if by is None:
        values = grouped.get("", [0] * len(STAGES))
        record = {"范围": "全省"}
        for column, value in zip(stage_labels, values, strict=True):
            record[column] = shown(value)
        return with_rates(pd.DataFrame([record]).astype(object))
    keys = _order(by, list(grouped))
    frame = suppressed_frame(
        [_label(by, key) for key in keys], DIMENSIONS[by], stage_labels, [grouped[k] for k in keys]
    )
    return with_rates(frame)


def daily_trend(session: Session, *, actor: Actor, year: int | None = None, days: int | None = None) -> pd.DataFrame:
    """Per China day: new registrations, verifications, bindings, entered and confirmed records (suppressed)."""
    _authorize(session, actor)
    exam_year = exam_year_for(session, year)
    return _daily_trend(days, _cells(session, exam_year.id, "day")).copy()


@_computed
def _daily_trend(days: int | None, cells: tuple) -> pd.DataFrame:
    per_day = {value: [int(n) for n in numbers] for value, _verdict, *numbers in cells}
    dates = sorted(per_day)
    if days is not None and dates:
        last = date.fromisoformat(dates[-1])
        dates = [d for d in dates if date.fromisoformat(d) > last - timedelta(days=days)]
    return suppressed_frame(dates, "日期", [label for _, label in STAGES], [per_day[d] for d in dates])


def verdict_distribution(session: Session, *, actor: Actor, year: int | None = None, by: str = "city") -> pd.DataFrame:
    """报名资格预检 verdicts of the entered records by a dimension, with a 合计 column (suppressed)."""
    _authorize(session, actor)
    if by not in DIMENSIONS:
        raise ValidationFailed({"by": "统计维度不正确"})
    exam_year = exam_year_for(session, year)
    return _verdict_distribution(by, _cells(session, exam_year.id, _column(by))).copy()


@_computed
def _verdict_distribution(by: str, cells: tuple) -> pd.DataFrame:
    index = {key: i for i, (key, _) in enumerate(VERDICT_COLUMNS)}
    grouped: dict[str, list[int]] = {}
    for value, verdict, _registered, _verified, _bound, entered, _confirmed in cells:
        if verdict not in index or not entered:
            continue
        grouped.setdefault(_group_key(by, value), [0] * len(VERDICT_COLUMNS))[index[verdict]] += int(entered)
    keys = _order(by, list(grouped))
    values = [[*grouped[k], sum(grouped[k])] for k in keys]
    return suppressed_frame(
        [_label(by, k) for k in keys],
        DIMENSIONS[by],
        [label for _, label in VERDICT_COLUMNS] + [TOTAL],
        values,
        total_column=True,
    )
