"""Exam years (年度) and their windows: the unit's entry window, the candidate's confirmation window, the cut-off.

An admin opens an exam year with both windows; the qualification cut-off (报名资格截止日期) defaults to the rule
of `portal.eligibility.rules.default_cutoff` (31 August of the year). The unit enters records only inside the
entry window, the candidate confirms only inside the confirmation window; `require_entry_open` and
`require_confirmation_open` are those gates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from db.engine import looked_up
from db.models import Declaration, ExamYear
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.core.timeutil import today_local
from portal.declaration.vocab import Window
from portal.eligibility.rules import default_cutoff


def window_state(opens: date, closes: date, today: date) -> Window:
    """Where `today` lies relative to the window [opens, closes] (both days inclusive)."""
    return Window.BEFORE if today < opens else Window.CLOSED if today > closes else Window.OPEN


# Asked on most page runs, several times each: built once, and answered once per read-only unit of work.
_NEWEST = select(ExamYear).order_by(ExamYear.year.desc()).limit(1)
_OF_YEAR = select(ExamYear).where(ExamYear.year == bindparam("year"))
_ALL_YEARS = select(ExamYear).order_by(ExamYear.year.desc())


def _looked_up(session: Session, year: int | None) -> ExamYear | None:
    memo = looked_up(session)  # None in a unit of work that may write: it must see the years it changes
    if memo is not None and year in memo:
        return memo[year]
    found = session.scalar(_NEWEST) if year is None else session.scalar(_OF_YEAR, {"year": year})
    if memo is not None:
        memo[year] = found
        if found is not None:
            memo[found.year] = found
    return found


def remember_newest(session: Session, found: ExamYear | None) -> None:
    """The newest exam year (or None: no year open), read along with another look-up of a read-only unit of
    work (who acts): kept as its answer to `current_exam_year`. Nothing is kept in a unit of work that may write."""
    memo = looked_up(session)
    if memo is not None and None not in memo:
        memo[None] = found
        if found is not None:
            memo[found.year] = found


def current_exam_year(session: Session) -> ExamYear | None:
    """The newest exam year (the one pages default to), or None when no year is open yet."""
    return _looked_up(session, None)


def get_exam_year(session: Session, *, year: int) -> ExamYear:
    """The exam year `year`; NotFound when it was never opened."""
    found = _looked_up(session, year)
    if found is None:
        raise NotFound(f"{year}年度尚未开放。")
    return found


def exam_years(session: Session, *, actor: Actor) -> list[ExamYear]:
    """All exam years, newest first (any signed-in role)."""
    authorize(session, actor, "admin", "unit_admin", "candidate", "reviewer", "analyst", "system")
    return list(session.scalars(_ALL_YEARS))


def _check_windows(year: int, entry: tuple[date, date], confirmation: tuple[date, date]) -> None:
    errors = {}
    if not 2000 <= year <= 2100:
        errors["year"] = "年度：应为 2000–2100 之间的年份"
    if entry[1] < entry[0]:
        errors["entry_closes_on"] = "填报截止日期：不能早于填报开始日期"
    if confirmation[1] < confirmation[0]:
        errors["confirmation_closes_on"] = "确认截止日期：不能早于确认开始日期"
    if errors:
        raise ValidationFailed(errors)


def open_exam_year(
    session: Session,
    *,
    actor: Actor,
    year: int,
    entry_opens_on: date,
    entry_closes_on: date,
    confirmation_opens_on: date,
    confirmation_closes_on: date,
    cutoff_on: date | None = None,
    name: str | None = None,
) -> ExamYear:
    """Open an exam year with its entry and confirmation windows (admin); cut-off defaults to 31 August."""
    authorize(session, actor, "admin", "system")
    _check_windows(year, (entry_opens_on, entry_closes_on), (confirmation_opens_on, confirmation_closes_on))
    if session.scalar(select(ExamYear.id).where(ExamYear.year == year)) is not None:
        raise Conflict(f"{year}年度已经开放，请直接修改其时间。")
    row = ExamYear(
        year=year,
        name=(name or f"{year}年度医师资格").strip()[:64],
        entry_opens_on=entry_opens_on,
        entry_closes_on=entry_closes_on,
        confirmation_opens_on=confirmation_opens_on,
        confirmation_closes_on=confirmation_closes_on,
        cutoff_on=cutoff_on or default_cutoff(year),
        created_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="declaration.open_year", object_type="exam_year", object_id=year)
    return row


def update_exam_year(
    session: Session,
    *,
    actor: Actor,
    year: int,
    entry_opens_on: date,
    entry_closes_on: date,
    confirmation_opens_on: date,
    confirmation_closes_on: date,
    cutoff_on: date | None,
) -> ExamYear:
    """Change the windows or the cut-off of an exam year (admin); an empty cut-off is reset to 31 August."""
    authorize(session, actor, "admin", "system")
    row = get_exam_year(session, year=year)
    _check_windows(year, (entry_opens_on, entry_closes_on), (confirmation_opens_on, confirmation_closes_on))
    row.entry_opens_on, row.entry_closes_on = entry_opens_on, entry_closes_on
    row.confirmation_opens_on, row.confirmation_closes_on = confirmation_opens_on, confirmation_closes_on
    row.cutoff_on = cutoff_on or default_cutoff(year)
    audit.record(session, actor=actor, action="declaration.update_year", object_type="exam_year", object_id=year)
    return row


@dataclass(frozen=True)
class WindowState:
    """Where today stands in an exam year's window: `state` before | open | closed | none; `text` in Chinese."""

    state: str
    text: str
    year: int | None = None


def confirmation_window(session: Session, *, today: date | None = None) -> WindowState:
    """The confirmation window of the current exam year, for the home page card and the 信息确认 page."""
    row = current_exam_year(session)
    if row is None:
        return WindowState("none", "本年度信息确认尚未开放。")
    today = today or today_local()
    state = window_state(row.confirmation_opens_on, row.confirmation_closes_on, today)
    text = {
        Window.BEFORE: f"{row.name}信息确认将于 {row.confirmation_opens_on.isoformat()} 开放。",
        Window.OPEN: f"{row.name}信息确认进行中，截止 {row.confirmation_closes_on.isoformat()}。",
        Window.CLOSED: f"{row.name}信息确认已于 {row.confirmation_closes_on.isoformat()} 截止。",
    }[state]
    return WindowState(state, text, row.year)


def entry_window(session: Session, *, year: int, today: date | None = None) -> WindowState:
    """The unit's entry window of exam year `year`."""
    row = get_exam_year(session, year=year)
    state = window_state(row.entry_opens_on, row.entry_closes_on, today or today_local())
    text = {
        Window.BEFORE: f"{row.name}信息填报将于 {row.entry_opens_on.isoformat()} 开放。",
        Window.OPEN: f"{row.name}信息填报进行中，截止 {row.entry_closes_on.isoformat()}。",
        Window.CLOSED: f"{row.name}信息填报已于 {row.entry_closes_on.isoformat()} 截止。",
    }[state]
    return WindowState(state, text, row.year)


def require_entry_open(session: Session, year: int, today: date | None) -> ExamYear:
    """The exam year, when its entry window is open today; PermissionDenied otherwise."""
    window = entry_window(session, year=year, today=today)
    if window.state != Window.OPEN:
        raise PermissionDenied(f"不在信息填报时间内：{window.text}")
    return get_exam_year(session, year=year)


def require_confirmation_open(session: Session, year: int, today: date | None) -> ExamYear:
    """The exam year, when its confirmation window is open today; PermissionDenied otherwise."""
    row = get_exam_year(session, year=year)
    state = window_state(row.confirmation_opens_on, row.confirmation_closes_on, today or today_local())
    if state == Window.BEFORE:
        raise PermissionDenied(f"信息确认将于 {row.confirmation_opens_on.isoformat()} 开放，请届时再来。")
    if state == Window.CLOSED:
        raise PermissionDenied(f"信息确认已于 {row.confirmation_closes_on.isoformat()} 截止。")
    return row


# Built once: asked on every run of 考试年度 (the records of each year by confirmation status).
_STATUS_COUNTS = (
    select(Declaration.confirmation_status, func.count())
    .where(Declaration.exam_year_id == bindparam("exam_year_id"))
    .group_by(Declaration.confirmation_status)
)
_STATUS_COUNTS_BY_YEAR = (
    select(ExamYear.year, Declaration.confirmation_status, func.count())
    .join(ExamYear, ExamYear.id == Declaration.exam_year_id)
    .group_by(ExamYear.year, Declaration.confirmation_status)
)


def status_counts(session: Session, *, year: int) -> dict[str, int]:
    """How many records of `year` are in each confirmation status (no personal data)."""
    exam_year = get_exam_year(session, year=year)
    rows = session.execute(_STATUS_COUNTS, {"exam_year_id": exam_year.id})
    return {status: count for status, count in rows}


def status_counts_by_year(session: Session) -> dict[int, dict[str, int]]:
    """`status_counts` of every exam year in one statement, by year (a year without records is left out)."""
    counts: dict[int, dict[str, int]] = {}
    for year, status, count in session.execute(_STATUS_COUNTS_BY_YEAR):
        counts.setdefault(year, {})[status] = count
    return counts
