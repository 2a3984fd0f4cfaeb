"""Time helpers: the database stores naive UTC; people see China Standard Time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")


def utcnow() -> datetime:
    """Now, as naive UTC (the form every timestamp column holds)."""
    return datetime.now(UTC).replace(tzinfo=None)


def local(moment: datetime | None) -> datetime | None:
    """Convert a stored naive-UTC timestamp to China Standard Time."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(CHINA)


def fmt(moment: datetime | None, *, seconds: bool = False) -> str:
    """Format a stored timestamp for display in China Standard Time."""
    if moment is None:
        return ""
    return local(moment).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def today_local() -> date:
    """Today's date in China."""
    return datetime.now(CHINA).date()
