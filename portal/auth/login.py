"""Checking a password against the lockout: the attempt is counted atomically before bcrypt sees it.

`authenticate` owns two short units of work (given the engine, like the importers): the first counts the attempt with
one conditional UPDATE and commits it, so that parallel attempts see each other's count before any of them
checks a password; bcrypt runs outside any transaction; the second records the outcome. At most
`max_failed_logins` guesses in a row reach bcrypt, however many arrive at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine, case, select, update
from sqlalchemy.orm import Session

from db.engine import session_scope
from db.models import UnitRegistration, User
from portal.audit import service as audit
from portal.auth.passwords import check_password, has_password, hash_password
from portal.core.actor import Actor
from portal.core.settings import get_settings
from portal.core.timeutil import utcnow


class LoginResult(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # unknown name or wrong password
    LOCKED = "locked"  # shown like WRONG: a lock would tell that the name exists
    DISABLED = "disabled"  # right password, account disabled
    PENDING = "pending"  # right password, a unit admin whose 机构注册 waits for review (disabled until approved)
    REJECTED = "rejected"  # right password, a unit admin whose latest 机构注册 was rejected


@dataclass(frozen=True)
class Attempt:
    """What counting one attempt found: the hash to check (None when the attempt may not be checked)."""

    user_id: int | None
    password_hash: str | None
    failed_count: int
    locked_until: datetime | None


@dataclass(frozen=True)
class LoginOutcome:
    result: LoginResult
    username: str
    locked_until: datetime | None = None
    reason: str | None = None  # REJECTED: the reviewer's reason, if one was stored


_DUMMY_HASH: list[str] = []


def dummy_hash() -> str:
    """A bcrypt hash of a random password, same cost as real ones: checked when there is no hash to check,
    so that unknown names and locked accounts take as long as a wrong password (no enumeration by timing)."""
    if not _DUMMY_HASH:
        import secrets

        _DUMMY_HASH.append(hash_password(secrets.token_urlsafe(16)))
    return _DUMMY_HASH[0]


def normalise(username: str) -> str:
    return (username or "").strip().lower()


def count_attempt(session: Session, *, username: str) -> Attempt:
    """Count one attempt for `username` before its password is checked (the caller commits at once).

    A lock that ran out is lifted first; then one conditional UPDATE adds the attempt only while the account is
    below the limit and not locked, and sets the lock on the attempt that reaches the limit. Its RETURNING row
    says whether this attempt may check the password: concurrent attempts serialise on the row, so no more than
    the limit pass.
    """
    policy = get_settings().login_lockout
    now = utcnow()
    name = normalise(username)
    session.execute(
        update(User)
        .where(User.username == name, User.locked_until.is_not(None), User.locked_until <= now)
        .values(failed_login_count=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(
        update(User)
        .where(User.username == name, User.locked_until.is_(None), User.failed_login_count < policy.max_failures)
        .values(
            failed_login_count=User.failed_login_count + 1,
            locked_until=case((User.failed_login_count + 1 >= policy.max_failures, now + policy.duration), else_=None),
        )
        .returning(User.id, User.password_hash, User.failed_login_count, User.locked_until)
        .execution_options(synchronize_session=False)
    ).first()
    if row is not None:
        return Attempt(row.id, row.password_hash, row.failed_login_count, row.locked_until)
    user = session.execute(select(User.id, User.locked_until).where(User.username == name)).first()
    if user is None:
        return Attempt(None, None, 0, None)
    return Attempt(user.id, None, policy.max_failures, user.locked_until)


def record_outcome(session: Session, *, attempt: Attempt, correct: bool) -> LoginOutcome | None:
    """After the check: a right password clears the count; a wrong one was already counted and is audited."""
    if attempt.user_id is None or attempt.password_hash is None:
        return None
    user = session.get(User, attempt.user_id)
    if user is None:
        return None
    if correct:
        user.failed_login_count = 0  # the right password: checking it again and again never locks
        user.locked_until = None
        if not user.is_active:
            return _inactive(session, user)
        user.last_login_at = utcnow()
        audit.record(session, actor=Actor.of(user), action="login.success", object_type="user", object_id=user.id)
        return LoginOutcome(LoginResult.OK, user.username)
    just_locked = attempt.locked_until is not None
    action = "account.locked" if just_locked else "login.failed"
    audit.record(session, actor=Actor.of(user), action=action, object_type="user", object_id=user.id)
    return LoginOutcome(LoginResult.LOCKED if just_locked else LoginResult.WRONG, user.username, attempt.locked_until)


def _inactive(session: Session, user: User) -> LoginOutcome:
    """Why an account whose password was right may not log in: its 机构注册 (a unit admin's latest request)
    is pending or was rejected, or it is disabled. Asked only after the right password, so it tells nothing more."""
    latest = None  # statuses as stored (portal.unit.vocab.RequestStatus; portal.unit imports this package)
    if user.role == "unit_admin":
        latest = session.execute(
            select(UnitRegistration.status, UnitRegistration.decision_reason)
            .where(UnitRegistration.user_id == user.id)
            .order_by(UnitRegistration.id.desc())
            .limit(1)
        ).first()
    if latest is not None and latest.status == "pending":
        return LoginOutcome(LoginResult.PENDING, user.username)
    if latest is not None and latest.status == "rejected":
        return LoginOutcome(LoginResult.REJECTED, user.username, reason=(latest.decision_reason or "").strip() or None)
    return LoginOutcome(LoginResult.DISABLED, user.username)


def _checked(engine: Engine, name: str, password: str) -> tuple[Attempt, bool]:
    """Count the attempt (committed), then one bcrypt check: the real hash, or a dummy when there is none."""
    with session_scope(engine) as session:
        attempt = count_attempt(session, username=name)
    if attempt.password_hash is None:  # unknown name or locked account: same work, never a real check
        check_password(password or "", dummy_hash())
        return attempt, False
    if not has_password(attempt.password_hash):  # an account that signs in only through OpenID Connect
        check_password(password or "", dummy_hash())
        return attempt, False
    return attempt, check_password(password or "", attempt.password_hash)


def authenticate(engine: Engine, *, username: str, password: str) -> LoginOutcome:
    """Check `username`/`password` under the lockout; see the module docstring for the units of work."""
    name = normalise(username)
    attempt, correct = _checked(engine, name, password)
    if attempt.password_hash is None:
        if attempt.user_id is not None:
            return LoginOutcome(LoginResult.LOCKED, name, attempt.locked_until)
        return LoginOutcome(LoginResult.WRONG, name)
    with session_scope(engine) as session:
        outcome = record_outcome(session, attempt=attempt, correct=correct)
    return outcome or LoginOutcome(LoginResult.WRONG, name)


def verify_password(engine: Engine, *, username: str, password: str) -> int | None:
    """The account id when `password` is right, under the login's counter and lock (no login happens).

    For pages that ask for an account's password without logging in (机构注册 → 查询注册进度): a wrong password
    counts toward the same lock as the login form, a locked account is refused, an unknown name costs the same.
    Disabled accounts are answered (a pending unit admin's account is disabled until approval).
    """
    attempt, correct = _checked(engine, normalise(username), password)
    if attempt.password_hash is None or attempt.user_id is None:
        return None
    with session_scope(engine) as session:
        user = session.get(User, attempt.user_id)
        if user is None:
            return None
        if correct:
            user.failed_login_count, user.locked_until = 0, None
            return user.id
        action = "account.locked" if attempt.locked_until is not None else "login.failed"
        audit.record(session, actor=Actor.of(user), action=action, object_type="user", object_id=user.id)
    return None
