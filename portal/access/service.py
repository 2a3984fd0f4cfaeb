"""Reads of a candidate's personal data by anyone other than the candidate: recording, checking, and the
candidate's own view of them (授权访问消息).

Other domains call `record` after a reader opened a candidate's data, and `require_bound` (the one bound-unit
gate) BEFORE anyone else reads it (a unit reads only while the candidate is bound to it). The candidate reads
the log with `access_log`, `unread_count`, `mark_read` and `authorizations`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from db.engine import beside, keep_on_rollback
from db.models import PersonalDataAccess, Unit, UnitBinding
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.errors import PermissionDenied
from portal.core.timeutil import fmt, utcnow

SECTIONS = {
    "identity": "实名认证信息",
    "basic": "基本信息",
    "education": "学历信息",
    "title": "专业技术职称",
    "qualification_certificate": "医师资格证",
    "practice_certificate": "医师执业证",
    "nurse_certificate": "护士执业证",
    "probation": "试用期信息",
    "declaration": "申报信息",
    "unit_binding": "单位绑定信息",
    "profile": "个人信息",
    "address": "邮寄地址",
}
ACTIONS = {"view": "查看了", "edit": "修改了", "export": "导出了", "review": "审核了", "view_denied": "尝试查看"}
ACTION_LABELS = {"view": "查看", "edit": "修改", "export": "导出", "review": "审核", "view_denied": "访问被拒绝"}
READER_ROLE_LABELS = {
    "unit_admin": "工作单位",
    "reviewer": "省级审核员",
    "admin": "系统管理员",
    "system": "系统",
    "analyst": "统计分析员",
    "candidate": "考生",
}
# Who may ever be let near a candidate's personal data (analysts only see statistics).
READER_ROLES = ("unit_admin", "reviewer", "admin", "system")
# A list's view of the same candidates by the same reader within this time is one look (`record_many`).
LIST_VIEW_REPEAT = timedelta(hours=1)
DENIED_MESSAGE = "该考生未绑定本单位（或绑定已结束），本单位无权查看其个人信息。"
# The newest entries `access_log` reads at most.
LOG_LIMIT = 500


def record(session: Session, *, actor: Actor, candidate_id: int, section: str, action: str = "view") -> None:
    """Log that `actor` read (or edited, exported…) `section` of the candidate's data; own reads are not logged.

    Refuses analysts (they never see personal data) and candidates reading someone else's data.
    """
    if actor.user_id == candidate_id and actor.role == "candidate":
        return
    if actor.role not in READER_ROLES:
        raise PermissionDenied("您的角色不能查看考生个人信息。")
    session.add(PersonalDataAccess(**_values(actor, candidate_id, section, action)))
    session.flush()


# Built once: asked on every run of a list of candidates.
_VIEWED_SINCE = (
    select(PersonalDataAccess.candidate_id)
    .distinct()
    .where(
        PersonalDataAccess.reader_id == bindparam("reader_id"),
        PersonalDataAccess.created_at >= bindparam("since"),
        PersonalDataAccess.section == bindparam("section"),
        PersonalDataAccess.action == "view",
    )
)


def record_many(
    session: Session, *, actor: Actor, candidate_ids: list[int], section: str, action: str = "view"
) -> None:
    """`record` for each of a list's candidates in one statement (a unit's list of its candidates, say).

    A list is drawn again on every click on the page that shows it (a filter, a tab): a view of the same
    candidates' `section` by the same reader within `LIST_VIEW_REPEAT` is the same look, logged once — the
    candidate's 授权访问消息 shows one entry, not one per click, and a unit of 2,000 candidates does not write
    2,000 rows per click. Every other action (an export, an edit) is logged each time.
    """
    if actor.role not in READER_ROLES:
        raise PermissionDenied("您的角色不能查看考生个人信息。")
    ids = [c for c in dict.fromkeys(candidate_ids) if not (actor.role == "candidate" and c == actor.user_id)]
    if ids and action == "view" and actor.user_id is not None:
        since = utcnow() - LIST_VIEW_REPEAT
        seen = set(session.scalars(_VIEWED_SINCE, {"reader_id": actor.user_id, "since": since, "section": section}))
        ids = [c for c in ids if c not in seen]
    rows = [_values(actor, c, section, action) for c in ids]
    if rows:
        # In a page's read-only look-ups the log is written in a unit of work of its own, at once: a list
        # reread within the hour writes nothing, so its runs stay reads.
        with beside(session) as writing:
            writing.execute(insert(PersonalDataAccess), rows)


def _values(actor: Actor, candidate_id: int, section: str, action: str) -> dict:
    return {
        "candidate_id": candidate_id,
        "reader_id": actor.user_id,
        "reader_role": actor.role,
        "reader_unit_id": actor.unit_id,
        "section": section,
        "action": action,
        "created_at": utcnow(),
    }


def require_bound(
    session: Session,
    *,
    actor: Actor,
    candidate_id: int,
    section: str,
    action: str = "view",
    message: str | None = None,
) -> None:
    """Check that `actor` may read the candidate's `section` now, and log the read (call before reading).

    A unit_admin reads only while the candidate is bound to their unit; a refused attempt raises
    PermissionDenied (`message`, or a default saying the candidate is not bound) and is logged as
    "view_denied" with keep-on-rollback, so the candidate sees it even though the caller's unit of work rolls
    back. Reviewers and admins are logged; analysts are refused; a candidate reads only their own data (not
    logged).
    """
    # Deferred: the unit domain logs its reads through this module, so this module may not import it at load.
    from portal.unit.policy import is_bound

    authorize(session, actor, "candidate", "unit_admin", "reviewer", "admin", "analyst", "system")
    if actor.role == "candidate":
        if actor.user_id != candidate_id:
            raise PermissionDenied("您只能查看自己的个人信息。")
        return
    if actor.role == "analyst":
        audit.record(
            session,
            actor=actor,
            action="access.refused",
            object_type="user",
            object_id=candidate_id,
            summary=f"analyst section={section}",
        )
        raise PermissionDenied("统计分析账号不能查看考生个人信息。")
    if actor.role == "unit_admin" and not is_bound(session, candidate_id=candidate_id, unit_id=actor.unit_id):
        _record_denied(session, actor=actor, candidate_id=candidate_id, section=section)
        raise PermissionDenied(message or DENIED_MESSAGE)
    record(session, actor=actor, candidate_id=candidate_id, section=section, action=action)


def _record_denied(session: Session, *, actor: Actor, candidate_id: int, section: str) -> None:
    """Log the refused attempt in this unit of work, and again on its own should the unit of work roll back."""
    keep_on_rollback(session, PersonalDataAccess, _values(actor, candidate_id, section, "view_denied"))
    session.flush()


@dataclass(frozen=True)
class AccessEntry:
    """One line of the candidate's access log, in plain Chinese."""

    id: int
    created_at: datetime
    reader: str
    reader_role: str
    section: str
    action: str
    action_label: str
    sentence: str
    unread: bool


def _reader_label(role: str, unit_name: str | None) -> str:
    if role == "unit_admin":
        return unit_name or "工作单位"
    return READER_ROLE_LABELS.get(role, "其他人员")


def _sentence(reader: str, created_at: datetime, section: str, action: str) -> str:
    day = fmt(created_at)[:10]
    what = SECTIONS.get(section, "个人信息")
    if action == "view_denied":
        return f"{reader} 于 {day} 尝试查看您的{what}，因未获授权（单位绑定已结束或不存在）被拒绝"
    return f"{reader} 于 {day} {ACTIONS.get(action, '访问了')}您的{what}"


# The log's statements, built once per shape (all entries or only the unread ones), the values bound: asked on
# every run of 授权访问消息.
@functools.cache
def _log_statement(unread_only: bool) -> Select:
    query = (
        select(PersonalDataAccess, Unit.name)
        .outerjoin(Unit, Unit.id == PersonalDataAccess.reader_unit_id)
        .where(PersonalDataAccess.candidate_id == bindparam("candidate_id"))
    )
    if unread_only:
        query = query.where(PersonalDataAccess.read_at_candidate.is_(None))
    return query.order_by(PersonalDataAccess.created_at.desc(), PersonalDataAccess.id.desc()).limit(bindparam("limit"))


def access_log(
    session: Session, *, actor: Actor, unread_only: bool = False, limit: int = LOG_LIMIT
) -> list[AccessEntry]:
    """The acting candidate's access log, newest first (readers shown by role and unit, never by person)."""
    authorize(session, actor, "candidate")
    found = session.execute(_log_statement(unread_only), {"candidate_id": actor.user_id, "limit": limit})
    entries = []
    for row, unit_name in found:
        reader = _reader_label(row.reader_role, unit_name)
        entries.append(
            AccessEntry(
                id=row.id,
                created_at=row.created_at,
                reader=reader,
                reader_role=READER_ROLE_LABELS.get(row.reader_role, row.reader_role),
                section=SECTIONS.get(row.section, "个人信息"),
                action=row.action,
                action_label=ACTION_LABELS.get(row.action, row.action),
                sentence=_sentence(reader, row.created_at, row.section, row.action),
                unread=row.read_at_candidate is None,
            )
        )
    return entries


# Built once: 授权访问消息's unread counts (asked on its runs when the log is longer than it reads).
_UNREAD = PersonalDataAccess.candidate_id == bindparam("candidate_id"), PersonalDataAccess.read_at_candidate.is_(None)
_UNREAD_COUNT = select(func.count()).select_from(PersonalDataAccess).where(*_UNREAD)
_UNREAD_BY_READER = (
    select(PersonalDataAccess.reader_role, Unit.name, func.count())
    .outerjoin(Unit, Unit.id == PersonalDataAccess.reader_unit_id)
    .where(*_UNREAD)
    .group_by(PersonalDataAccess.reader_role, Unit.name)
)


def unread_count(session: Session, *, actor: Actor) -> int:
    """How many entries of the acting candidate's access log are unread."""
    authorize(session, actor, "candidate")
    return session.scalar(_UNREAD_COUNT, {"candidate_id": actor.user_id}) or 0


def unread_counts(session: Session, *, actor: Actor) -> dict[str, int]:
    """Unread entries of the acting candidate's log by reader (unit name or role label)."""
    authorize(session, actor, "candidate")
    counts: dict[str, int] = {}
    for role, unit_name, count in session.execute(_UNREAD_BY_READER, {"candidate_id": actor.user_id}):
        label = _reader_label(role, unit_name)
        counts[label] = counts.get(label, 0) + count
    return counts


def log_and_unread(session: Session, *, actor: Actor) -> tuple[list[AccessEntry], dict[str, int]]:
    """授权访问消息's look-ups: the newest `LOG_LIMIT` entries of the acting candidate's log, and its unread entries
    by reader, counted from the entries read when they are the whole log (no statement), else by the database."""
    entries = access_log(session, actor=actor, limit=LOG_LIMIT)
    whole = len(entries) < LOG_LIMIT
    return entries, unread_by_reader(entries) if whole else unread_counts(session, actor=actor)


def unread_by_reader(entries: list[AccessEntry]) -> dict[str, int]:
    """`unread_counts` of a log read whole (`access_log` gave fewer entries than its limit), with no look-up."""
    counts: dict[str, int] = {}
    for entry in entries:
        if entry.unread:
            counts[entry.reader] = counts.get(entry.reader, 0) + 1
    return counts


def mark_read(session: Session, *, actor: Actor, access_ids: list[int] | None = None) -> int:
    """Mark entries of the acting candidate's log as read (all unread ones when `access_ids` is None)."""
    authorize(session, actor, "candidate")
    statement = update(PersonalDataAccess).where(
        PersonalDataAccess.candidate_id == actor.user_id, PersonalDataAccess.read_at_candidate.is_(None)
    )
    if access_ids is not None:
        if not access_ids:
            return 0
        statement = statement.where(PersonalDataAccess.id.in_(access_ids))
    changed = session.execute(statement.values(read_at_candidate=utcnow())).rowcount or 0
    if changed:
        audit.record(
            session,
            actor=actor,
            action="access.mark_read",
            object_type="user",
            object_id=actor.user_id,
            summary=f"{changed} entries",
        )
    return changed


@dataclass(frozen=True)
class Authorization:
    """A unit that may (or could) read the candidate's record: from the binding until it ended."""

    unit_name: str
    since: datetime
    until: datetime | None
    end_reason: str | None

    @property
    def active(self) -> bool:
        return self.until is None


@dataclass(frozen=True)
class Authorizations:
    active: list[Authorization]
    ended: list[Authorization]


# Built once: asked on every run of 授权访问消息.
_BINDINGS = (
    select(UnitBinding, Unit.name)
    .join(Unit, Unit.id == UnitBinding.unit_id)
    .where(UnitBinding.candidate_id == bindparam("candidate_id"))
    .order_by(UnitBinding.created_at.desc(), UnitBinding.id.desc())
)


def authorizations(session: Session, *, actor: Actor) -> Authorizations:
    """Which unit may read the acting candidate's record now (the active binding) and which could before."""
    authorize(session, actor, "candidate")
    active, ended = [], []
    for binding, unit_name in session.execute(_BINDINGS, {"candidate_id": actor.user_id}):
        item = Authorization(
            unit_name=unit_name, since=binding.created_at, until=binding.ended_at, end_reason=binding.end_reason
        )
        (active if item.active else ended).append(item)
    return Authorizations(active=active, ended=ended)
