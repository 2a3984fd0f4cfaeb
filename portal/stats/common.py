"""What the statistics, the season dashboards and the verification queue share: the prefecture-level cities of
Hubei, China-day SQL expressions, the exam year asked for, how long something has waited."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Date, case, cast, func, literal
from sqlalchemy.orm import Session

from db.models import ExamYear
from portal.core.errors import NotFound, ValidationFailed
from portal.declaration import exam_year
from portal.unit import regions

# Prefecture-level divisions of Hubei: code (e.g. 420100) -> name; '' for candidates outside any.
CITIES: dict[str, str] = {code: name for code, (name, _) in regions.PREFECTURES.items()}
UNKNOWN_CITY = "未知地区"


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
    """The exam year asked for, else the newest one (looked up once per read-only unit of work)."""
    if year is not None:
        return exam_year.get_exam_year(session, year=year)
    found = exam_year.current_exam_year(session)
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
