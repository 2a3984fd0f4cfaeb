"""What both season dashboards share: the snapshot's freshness (数据更新于, 立即刷新) and the unit filters."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, or_
from sqlalchemy.orm import Session

from db.models import ExamYear, Unit
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.text import clean, like_escape
from portal.stats import snapshot
from portal.stats.common import city_prefix, exam_year_for


def refreshed(session: Session, actor: Actor, year: int | None) -> ExamYear:
    """The exam year, with the snapshot rebuilt first when it is older than its maximum age."""
    exam_year = exam_year_for(session, year)
    snapshot.refresh(session, actor=actor, year=exam_year.year)
    return exam_year


def unit_filter_values(city_code: str | None, category: str | None, query: str) -> tuple[tuple[bool, ...], dict]:
    """The unit filters (within a city, of a category or its sub-categories, matching a search text) as a shape
    (which of them apply) and the values of their bound parameters: a statement built once per shape, with
    `unit_filter_clauses`, serves every value."""
    values = {}
    if city_code:
        values["city_like"] = city_prefix(city_code)
    if category:
        values["category"], values["category_like"] = category, category + "-%"
    query = clean(query, max_length=100)
    if query:
        text = like_escape(query)
        values.update(name_like=f"%{text}%", code_like=f"{text.upper()}%", initials_like=f"{text.lower()}%")
    return (bool(city_code), bool(category), bool(query)), values


@cache
def unit_filter_clauses(shape: tuple[bool, ...]) -> tuple:
    """The WHERE clauses on `Unit` of a shape of `unit_filter_values`, with bound parameters."""
    city, category, query = shape
    clauses = []
    if city:
        clauses.append(Unit.region_code.like(bindparam("city_like")))
    if category:
        clauses.append(or_(Unit.category == bindparam("category"), Unit.category.like(bindparam("category_like"))))
    if query:
        clauses.append(
            or_(
                Unit.name.like(bindparam("name_like"), escape="\\"),
                Unit.institution_code.like(bindparam("code_like"), escape="\\"),
                Unit.name_initials.like(bindparam("initials_like"), escape="\\"),
            )
        )
    return tuple(clauses)


def snapshot_time(session: Session, *, actor: Actor, year: int | None = None) -> datetime | None:
    """When the figures of the per-unit tables were computed."""
    found = snapshot.info(session, actor=actor, year=year)
    return found.built_at if found else None


def refresh_now(session: Session, *, actor: Actor, year: int | None = None) -> datetime:
    """立即刷新: rebuild the per-unit figures now (audited, as it is a reviewer's action)."""
    authorize(session, actor, "reviewer")
    built = snapshot.refresh(session, actor=actor, year=year, force=True)
    audit.record(session, actor=actor, action="dashboard.refresh", object_type="exam_year", object_id=built.year)
    return built.built_at
