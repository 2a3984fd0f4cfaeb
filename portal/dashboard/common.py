"""What the reviewer and analyst dashboards share: pages of rows, cities of Hubei, China-day SQL expressions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Date, case, cast, func, literal
from sqlalchemy.orm import Session

from db.models import ExamYear
from portal.core.errors import NotFound, ValidationFailed
from portal.unit import regions

MAX_PAGE_SIZE = 500
PAGE_SIZES = (20, 50, 100, 200)
# Prefecture-level divisions of Hubei: code (e.g. 420100) -> name; '' for candidates outside any.
CITIES: dict[str, str] = {code: name for code, (name, _) in regions.PREFECTURES.items()}
UNKNOWN_CITY = "未知地区"


@dataclass(frozen=True)
class Page:
    """One page of a long list, with the number of rows of the whole list."""

    rows: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = 50

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def page_bounds(page: int, page_size: int) -> tuple[int, int]:
    """(limit, offset) for a 1-based page; refuses absurd sizes."""
    if page_size < 1 or page_size > MAX_PAGE_SIZE:
        raise ValidationFailed({"page_size": f"每页条数须在 1 到 {MAX_PAGE_SIZE} 之间"})
    if page < 1:
        raise ValidationFailed({"page": "页码须从 1 开始"})
    return page_size, (page - 1) * page_size


def city_of(region_code: str | None) -> str:
    """The prefecture code (420100) of a Hubei region code, '' otherwise."""
    if not region_code or len(region_code) < 4 or not region_code.startswith("42"):
        return ""
    code = region_code[:4] + "00"
    return code if code in CITIES else ""


def city_name(code: str | None) -> str:
    """The name of a prefecture code, or 未知地区."""
    return CITIES.get(code or "", UNKNOWN_CITY)


def city_prefix(city_code: str) -> str:
    """The LIKE pattern of the region codes within a prefecture; refuses unknown codes."""
    if city_code not in CITIES:
        raise ValidationFailed({"city": "请选择湖北省的市（州）"})
    return city_code[:4] + "%"


def city_expression(column):
    """SQL: the prefecture code (420100) of a region-code column, '' when not in Hubei."""
    return case(
        (column.like("42%") & (func.length(column) == 6), func.substr(column, 1, 4).op("||")(literal("00"))),
        else_=literal(""),
    )


def china_day(session: Session, column):
    """SQL: the China (UTC+8) date of a naive-UTC timestamp column."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, "+8 hours")
    return cast(column + timedelta(hours=8), Date)


def exam_year_for(session: Session, year: int | None) -> ExamYear:
    """The exam year asked for, else the newest one."""
    from sqlalchemy import select

    query = select(ExamYear).order_by(ExamYear.year.desc()).limit(1)
    if year is not None:
        query = select(ExamYear).where(ExamYear.year == year)
    found = session.scalar(query)
    if found is None:
        raise NotFound("尚未设置考试年度。")
    return found


def waited(since: datetime | None, now: datetime) -> str:
    """How long something has waited, in Chinese: 3天5小时, 4小时, 12分钟."""
    if since is None:
        return ""
    seconds = max(0, int((now - since).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时"
    return f"{rest // 60}分钟"
