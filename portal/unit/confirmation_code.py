"""Unit confirmation codes (单位确认码): issuing and rotating them, checking one with the wrong-code lockout,
and the units whose codes are being guessed.

A code is generated here, shown once, and stored only as a keyed hash (HMAC-SHA256 under the portal's secret
key, bound to the unit id); checks compare in constant time. Wrong codes count per candidate: after
`policy.code_lockout()`'s limit in a row, binding is refused for its lock time.

A wrong code raises `WrongCode` AFTER writing the failed attempt to the session: the caller must commit that
session (and only then show the error), or the lockout would be rolled back with it.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Unit, UnitCodeAttempt, UnitCodeLockout
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.crypto import lookup_hash
from portal.core.errors import NotFound, PortalError, ValidationFailed
from portal.core.timeutil import fmt, utcnow
from portal.unit.policy import CODE_ALPHABET, CODE_LENGTH, acting_unit_id, code_lockout
from portal.unit.roster import UnitView


class WrongCode(ValidationFailed):
    """The confirmation code was wrong; the failed attempt is in the session and is committed all the same."""

    keeps_changes = True

    def __init__(self, message: str, *, locked_until: datetime | None = None, attempts_left: int = 0):
        super().__init__({"code": message})
        self.locked_until = locked_until
        self.attempts_left = attempts_left


class BindingLocked(PortalError):
    """The candidate entered too many wrong codes and must wait."""

    def __init__(self, locked_until: datetime):
        policy = code_lockout()
        super().__init__(
            f"单位确认码连续输错 {policy.max_failures} 次，{policy.lock_minutes} 分钟内不能绑定工作单位，"
            f"请于 {fmt(locked_until)} 后再试。如不知道确认码，请向单位管理员索取。"
        )
        self.locked_until = locked_until


def code_hash(unit_id: int, code: str) -> str:
    """The stored form of a unit's (normalised) code."""
    return lookup_hash(f"unit-confirmation-code:{unit_id}:{code}")


def normalise_code(code: str) -> str:
    """Upper case without spaces or hyphens (codes may be written 'ABCDE-FGHJK')."""
    return re.sub(r"[\s\-]", "", code or "").upper()


def new_code() -> str:
    """A fresh random confirmation code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def rotate_code(session: Session, *, actor: Actor, unit_id: int | None = None) -> str:
    """Generate a new confirmation code (the old one stops working); return it to show ONCE."""
    authorize(session, actor, "unit_admin", "admin")
    unit_id = acting_unit_id(actor, unit_id, refusal="只能更换本单位的确认码。")
    unit = session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        raise NotFound("单位不存在。")
    code = new_code()
    unit.confirmation_code_hash = code_hash(unit.id, code)
    unit.code_rotated_at = utcnow()
    audit.record(session, actor=actor, action="unit.rotate_code", object_type="unit", object_id=unit.id)
    return code


def _code_matches(unit: Unit, code: str) -> bool:
    if unit.confirmation_code_hash is None:
        return False
    return hmac.compare_digest(code_hash(unit.id, normalise_code(code)), unit.confirmation_code_hash)


def still_locked(locked_until: datetime | None) -> datetime | None:
    """A lockout row's `locked_until` while it still holds, else None (for a caller that read the row itself)."""
    if code_lockout().is_locked(locked_until, utcnow()):
        return locked_until
    return None


def lockout_until(session: Session, *, candidate_id: int) -> datetime | None:
    """Until when the candidate may not bind (None when free)."""
    row = session.get(UnitCodeLockout, candidate_id)
    return still_locked(row.locked_until) if row is not None else None


def _lockout_row(session: Session, candidate_id: int) -> UnitCodeLockout:
    row = session.get(UnitCodeLockout, candidate_id)
    if row is None:
        try:
            with session.begin_nested():
                row = UnitCodeLockout(candidate_id=candidate_id, failed_count=0)
                session.add(row)
        except IntegrityError:
            row = session.get(UnitCodeLockout, candidate_id, populate_existing=True)
    return row


def _record_failure(session: Session, *, actor: Actor, unit: Unit) -> WrongCode:
    now = utcnow()
    policy = code_lockout()
    row = _lockout_row(session, actor.user_id)
    if policy.has_lapsed(row.locked_until, now):
        row.failed_count = 0
        row.locked_until = None
    session.flush()
    # Atomic increment: concurrent wrong attempts each count.
    session.execute(
        update(UnitCodeLockout)
        .where(UnitCodeLockout.candidate_id == actor.user_id)
        .values(failed_count=UnitCodeLockout.failed_count + 1, last_failed_at=now)
    )
    session.refresh(row)
    session.add(UnitCodeAttempt(unit_id=unit.id, candidate_id=actor.user_id))
    action = "unit.code_failed"
    if row.locked_until is None:
        row.locked_until = policy.lock_after(row.failed_count, now)
        if row.locked_until is not None:
            action = "unit.code_lockout"
    session.flush()
    audit.record(session, actor=actor, action=action, object_type="unit", object_id=unit.id)
    if row.locked_until is not None:
        return WrongCode(BindingLocked(row.locked_until).message, locked_until=row.locked_until)
    left = policy.attempts_left(row.failed_count)
    return WrongCode(
        f"单位确认码不正确，请向单位管理员核实。再输错 {left} 次将锁定 {policy.lock_minutes} 分钟。",
        attempts_left=left,
    )


def _reset_failures(session: Session, candidate_id: int) -> None:
    session.execute(
        update(UnitCodeLockout)
        .where(UnitCodeLockout.candidate_id == candidate_id)
        .values(failed_count=0, locked_until=None)
    )


def check_code(session: Session, *, actor: Actor, unit: Unit, code: str) -> None:
    """The candidate's code for `unit`: a right one clears their wrong-code count, a wrong one counts (and may
    lock) and raises `WrongCode` (commit the session before showing it)."""
    if not _code_matches(unit, code):
        raise _record_failure(session, actor=actor, unit=unit)
    _reset_failures(session, actor.user_id)


@dataclass(frozen=True)
class FailedAttempts:
    unit: UnitView
    attempts: int
    candidates: int
    last_at: datetime


def units_with_failed_attempts(
    session: Session, *, actor: Actor, days: int = 7, minimum: int = 5
) -> list[FailedAttempts]:
    """Units with at least `minimum` wrong confirmation codes in the last `days` days, most first."""
    authorize(session, actor, "reviewer", "admin")
    since = utcnow() - timedelta(days=days)
    counted = (
        select(
            UnitCodeAttempt.unit_id,
            func.count().label("attempts"),
            func.count(func.distinct(UnitCodeAttempt.candidate_id)).label("candidates"),
            func.max(UnitCodeAttempt.created_at).label("last_at"),
        )
        .where(UnitCodeAttempt.created_at >= since)
        .group_by(UnitCodeAttempt.unit_id)
        .having(func.count() >= minimum)
        .subquery()
    )
    rows = session.execute(
        select(Unit, counted.c.attempts, counted.c.candidates, counted.c.last_at)
        .join(counted, counted.c.unit_id == Unit.id)
        .order_by(counted.c.attempts.desc(), Unit.id)
    )
    return [FailedAttempts(UnitView.of(unit), attempts, people, last) for unit, attempts, people, last in rows]
