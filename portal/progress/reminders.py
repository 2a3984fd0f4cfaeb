"""Reminders from the 未确认记录 dashboard: a message to each candidate whose record is still open, fitting its
status, and to the unit_admin accounts of units with open records (counted live for the text)."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from db.models import Declaration, UnitBinding, User
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core.actor import Actor, Role
from portal.core.errors import ValidationFailed
from portal.declaration.vocab import ConfirmationStatus
from portal.message import service as messages
from portal.stats.common import exam_year_for
from portal.stats.snapshot import OPEN_STATUSES
from portal.unit.policy import active_binding

MAX_REMINDERS = 5000

REMINDER_TEXT = {
    ConfirmationStatus.NOT_ENTERED: "您的医师资格考试申报信息尚未由单位填报，请联系所在单位尽快填报。",
    ConfirmationStatus.PENDING: "您的医师资格考试申报信息已由单位填报，请尽快登录「医师资格考试信息确认」核对并确认。",
    ConfirmationStatus.CORRECTION_REQUESTED: "您提出的申报信息修改尚待单位处理，单位修改后请再次登录确认。",
}


def remind_candidates(
    session: Session, *, actor: Actor, candidate_ids: list[int], year: int | None = None, note: str = ""
) -> int:
    """Send each listed candidate whose record is still open a reminder fitting its status; returns how many."""
    authorize(session, actor, "reviewer")
    ids = sorted(set(candidate_ids))
    if not ids:
        raise ValidationFailed({"candidates": "请选择要提醒的考生"})
    if len(ids) > MAX_REMINDERS:
        raise ValidationFailed({"candidates": f"一次最多提醒 {MAX_REMINDERS} 人"})
    exam_year = exam_year_for(session, year)
    note = (note or "").strip()[:300]
    state = func.coalesce(Declaration.confirmation_status, ConfirmationStatus.NOT_ENTERED)
    sent = 0
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        rows = session.execute(
            select(UnitBinding.candidate_id, state)
            .outerjoin(
                Declaration,
                and_(Declaration.candidate_id == UnitBinding.candidate_id, Declaration.exam_year_id == exam_year.id),
            )
            .where(UnitBinding.candidate_id.in_(chunk), active_binding(), state.in_(OPEN_STATUSES))
        ).all()
        for candidate_id, status in rows:
            body = REMINDER_TEXT[status] + (f"\n审核员留言：{note}" if note else "")
            messages.send(
                session,
                user_id=candidate_id,
                title=f"{exam_year.name}：申报信息待处理提醒",
                body=body,
                category="reminder",
            )
            sent += 1
    audit.record(
        session,
        actor=actor,
        action="dashboard.remind_candidates",
        object_type="exam_year",
        object_id=exam_year.year,
        summary=f"selected={len(ids)} sent={sent}",
    )
    return sent


def remind_units(
    session: Session, *, actor: Actor, unit_ids: list[int], year: int | None = None, note: str = ""
) -> int:
    """Message the active unit_admin accounts of each listed unit with its open-record counts; returns messages sent."""
    authorize(session, actor, "reviewer")
    ids = sorted(set(unit_ids))
    if not ids:
        raise ValidationFailed({"units": "请选择要提醒的单位"})
    if len(ids) > MAX_REMINDERS:
        raise ValidationFailed({"units": f"一次最多提醒 {MAX_REMINDERS} 个单位"})
    exam_year = exam_year_for(session, year)
    note = (note or "").strip()[:300]
    counts = _live_unit_counts(session, exam_year.id, ids)
    admins = session.execute(
        select(User.id, User.unit_id).where(
            User.role == Role.UNIT_ADMIN, User.is_active.is_(True), User.unit_id.in_(ids)
        )
    ).all()
    sent = 0
    for user_id, unit_id in admins:
        row = counts.get(unit_id)
        if row is None or not any(row.get(s) for s in OPEN_STATUSES):
            continue
        body = (
            f"贵单位 {exam_year.name} 申报信息尚有：未填报 {row['not_entered']} 条，待考生确认 {row['pending']} 条，"
            f"待单位修改 {row['correction_requested']} 条。请在截止日期前完成填报和修改，并提醒考生及时确认。"
            + (f"\n审核员留言：{note}" if note else "")
        )
        messages.send(
            session, user_id=user_id, title=f"{exam_year.name}：未确认记录提醒", body=body, category="reminder"
        )
        sent += 1
    audit.record(
        session,
        actor=actor,
        action="dashboard.remind_units",
        object_type="exam_year",
        object_id=exam_year.year,
        summary=f"units={len(ids)} messages={sent}",
    )
    return sent


def _live_unit_counts(session: Session, exam_year_id: int, unit_ids: list[int]) -> dict[int, dict[str, int]]:
    """Open records per status of a few units, counted live (for the text of a reminder)."""
    state = func.coalesce(Declaration.confirmation_status, ConfirmationStatus.NOT_ENTERED)
    rows = session.execute(
        select(UnitBinding.unit_id, state, func.count())
        .outerjoin(
            Declaration,
            and_(Declaration.candidate_id == UnitBinding.candidate_id, Declaration.exam_year_id == exam_year_id),
        )
        .where(UnitBinding.unit_id.in_(unit_ids), active_binding())
        .group_by(UnitBinding.unit_id, state)
    )
    counts: dict[int, dict[str, int]] = {}
    for unit_id, status, number in rows:
        counts.setdefault(unit_id, {s: 0 for s in (*OPEN_STATUSES, ConfirmationStatus.CONFIRMED)})[status] = number
    return counts
