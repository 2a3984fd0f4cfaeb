"""Accounts: candidate self-registration, admin-created accounts, login bookkeeping and lockout."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from db.models import ROLES, ExamYear, Message, Unit, User
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.auth.passwords import check_password, hash_password, policy_problem
from portal.core.actor import Actor
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.core.settings import get_settings
from portal.core.text import clean, like_escape
from portal.core.timeutil import utcnow

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
NUMBER_UNUSABLE = "该手机号不能用于注册。如您已用它注册过，请直接登录；忘记密码请联系管理员。"
STAFF_ROLES = ("unit_admin", "reviewer", "analyst", "admin")


@dataclass(frozen=True)
class LoginState:
    """What the login form needs to know about a username."""

    exists: bool
    active: bool
    failed_count: int
    locked_until: datetime | None

    @property
    def locked(self) -> bool:
        return get_settings().login_lockout.is_locked(self.locked_until, utcnow())


def _by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def register_candidate(
    session: Session, *, mobile: str, password: str, password_confirm: str, display_name: str = ""
) -> User:
    """A candidate registers with their mobile number as username."""
    mobile = mobile.strip()
    errors: dict[str, str] = {}
    if not MOBILE_RE.match(mobile):
        errors["mobile"] = "手机号格式不正确，请输入 11 位中国大陆手机号。"
    problem = policy_problem(password, username=mobile)
    if problem:
        errors["password"] = problem
    elif password != password_confirm:
        errors["password_confirm"] = "两次输入的密码不一致。"
    if errors:
        raise ValidationFailed(errors)
    password_hash = hash_password(password)  # before the look-up: a taken number answers as slowly as a new one
    if _by_username(session, mobile) is not None:
        # Does not confirm that the number has an account (README, Security: user enumeration).
        raise Conflict(NUMBER_UNUSABLE, field="mobile")
    user = User(
        username=mobile,
        mobile=mobile,
        role="candidate",
        display_name=display_name.strip()[:64],
        password_hash=password_hash,
        password_changed_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor=Actor.of(user), action="account.register", object_type="user", object_id=user.id)
    return user


def create_user(
    session: Session,
    *,
    actor: Actor,
    role: str,
    username: str,
    password: str,
    display_name: str = "",
    unit_code: str | None = None,
    email: str | None = None,
) -> User:
    """An admin (or the command line) creates an account of any role."""
    authorize(session, actor, "admin", "system")
    username = username.strip().lower()
    errors: dict[str, str] = {}
    if role not in ROLES:
        errors["role"] = f"角色无效：{role}"
    if role == "candidate" and not MOBILE_RE.match(username):
        errors["username"] = "考生账号须为 11 位手机号。"
    elif not USERNAME_RE.match(username):
        errors["username"] = "账号须为 3–64 位字母、数字或 _ . @ -。"
    problem = policy_problem(password, username=username)
    if problem:
        errors["password"] = problem
    unit = None
    if role == "unit_admin":
        if not unit_code:
            errors["unit"] = "单位管理员须指定所属单位（机构编码）。"
        else:
            unit = session.scalar(select(Unit).where(Unit.institution_code == unit_code.strip().upper()))
            if unit is None:
                errors["unit"] = f"未找到机构编码为 {unit_code} 的单位。"
    elif unit_code:
        errors["unit"] = "只有单位管理员可以指定所属单位。"
    if errors:
        raise ValidationFailed(errors)
    if _by_username(session, username) is not None:
        raise Conflict("该账号已存在。", field="username")
    user = User(
        username=username,
        role=role,
        display_name=display_name.strip()[:64] or username,
        password_hash=hash_password(password),
        unit_id=unit.id if unit else None,
        mobile=username if role == "candidate" else None,
        email=email,
        password_changed_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="account.create",
        object_type="user",
        object_id=user.id,
        summary=f"role={role}",
    )
    return user


def login_state(session: Session, *, username: str) -> LoginState:
    """Whether `username` exists, is active and is locked."""
    user = _by_username(session, username)
    if user is None:
        return LoginState(False, False, 0, None)
    return LoginState(True, user.is_active, user.failed_login_count, user.locked_until)


def record_login_failure(session: Session, *, username: str) -> LoginState:
    """Count a wrong password; the fifth in a row locks the account for the lockout period."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()).with_for_update())
    if user is None:
        return LoginState(False, False, 0, None)
    state = get_settings().login_lockout.after_failure(user.failed_login_count, user.locked_until, utcnow())
    user.failed_login_count, user.locked_until = state.failed_count, state.locked_until
    action = "account.locked" if state.just_locked else "login.failed"
    audit.record(session, actor=Actor.of(user), action=action, object_type="user", object_id=user.id)
    return LoginState(True, user.is_active, user.failed_login_count, user.locked_until)


def record_login_success(session: Session, *, username: str) -> None:
    """Reset the failure counter after a good password."""
    user = _by_username(session, username)
    if user is None:
        return
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    audit.record(session, actor=Actor.of(user), action="login.success", object_type="user", object_id=user.id)


def revoke_cookies(user: User) -> None:
    """Every re-login cookie issued to `user` so far stops working (they carry the old token version)."""
    user.token_version = (user.token_version or 0) + 1


def end_session(session: Session, *, actor: Actor) -> None:
    """Logout: the re-login cookies of this account stop working (in every browser)."""
    user = authorize(session, actor, *ROLES)
    revoke_cookies(user)
    audit.record(session, actor=actor, action="account.logout", object_type="user", object_id=user.id)


def token_version(session: Session, *, username: str) -> tuple[int, int] | None:
    """(user id, token version) of an active account, for a new re-login cookie."""
    user = _by_username(session, username)
    if user is None or not user.is_active:
        return None
    return user.id, user.token_version or 0


# Asked on every page run: built once (building a statement and its cache key costs more than running it).
_UNREAD = select(func.count()).where(Message.user_id == User.id, Message.read_at.is_(None)).scalar_subquery()
# ... and the newest exam year, which most pages look up next: read along, it saves them a round trip.
_NEWEST_YEAR = select(ExamYear.id).order_by(ExamYear.year.desc()).limit(1).scalar_subquery()
_ACCOUNT_AND_UNREAD = (
    select(User, _UNREAD, ExamYear)
    .outerjoin(ExamYear, ExamYear.id == _NEWEST_YEAR)
    .where(User.id == bindparam("user_id"))
)


def actor_for_cookie(session: Session, *, user_id: int, version: int) -> Actor | None:
    """The actor a re-login cookie stands for, or None when revoked, disabled or gone."""
    return actor_and_unread(session, user_id=user_id, version=version)[0]


def actor_and_unread(session: Session, *, user_id: int, version: int) -> tuple[Actor | None, int]:
    """`actor_for_cookie` and how many of that account's messages are unread, in one statement.

    Every page run of a logged-in user asks both (the login check and the menu's 消息 count), so they are one
    SELECT. The account stays in `session`, so that authorising the page's own calls in the same unit of work
    needs no second look-up. (None, 0) when revoked, disabled or gone.
    """
    actor, unread, _ = actor_unread_and_newest_year(session, user_id=user_id, version=version)
    return actor, unread


def actor_unread_and_newest_year(
    session: Session, *, user_id: int, version: int
) -> tuple[Actor | None, int, ExamYear | None]:
    """`actor_and_unread` and the newest exam year (None when no year is open yet, or for no actor), in the same
    statement: the entry point hands the year to the run's look-ups (`exam_year.remember_newest`), which most
    pages make next."""
    row = session.execute(_ACCOUNT_AND_UNREAD, {"user_id": user_id}).one_or_none()
    if row is None:
        return None, 0, None
    user, count, newest = row
    if not user.is_active or (user.token_version or 0) != version:
        return None, 0, None
    return Actor.of(user), count or 0, newest


def load_actor(session: Session, *, username: str) -> Actor | None:
    """The actor for a logged-in username, or None when the account is gone or disabled."""
    user = _by_username(session, username)
    if user is None or not user.is_active:
        return None
    return Actor.of(user)


def change_password(session: Session, *, actor: Actor, old_password: str, new_password: str) -> None:
    """Any user changes their own password, giving the old one."""
    user = authorize(session, actor, *ROLES)
    if not check_password(old_password, user.password_hash):
        raise ValidationFailed({"old_password": "原密码不正确。"})
    problem = policy_problem(new_password, username=user.username)
    if problem:
        raise ValidationFailed({"new_password": problem})
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    revoke_cookies(user)
    audit.record(session, actor=actor, action="account.change_password", object_type="user", object_id=user.id)


def reset_password(session: Session, *, actor: Actor, user_id: int, new_password: str) -> None:
    """An admin sets a new password for an account and lifts any lock."""
    authorize(session, actor, "admin", "system")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("账号不存在。")
    problem = policy_problem(new_password, username=user.username)
    if problem:
        raise ValidationFailed({"new_password": problem})
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.failed_login_count = 0
    user.locked_until = None
    revoke_cookies(user)
    audit.record(session, actor=actor, action="account.reset_password", object_type="user", object_id=user.id)


def set_active(session: Session, *, actor: Actor, user_id: int, active: bool) -> None:
    """An admin disables or re-enables an account (not their own)."""
    authorize(session, actor, "admin", "system")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("账号不存在。")
    if user.id == actor.user_id and not active:
        raise PermissionDenied("不能停用自己的账号。")
    if user.is_active == active:
        return
    user.is_active = active
    if not active:
        revoke_cookies(user)
    audit.record(
        session,
        actor=actor,
        action="account.enable" if active else "account.disable",
        object_type="user",
        object_id=user.id,
    )


def unlock(session: Session, *, actor: Actor, user_id: int) -> None:
    """An admin lifts a login lock early."""
    authorize(session, actor, "admin", "system")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("账号不存在。")
    user.failed_login_count = 0
    user.locked_until = None
    audit.record(session, actor=actor, action="account.unlock", object_type="user", object_id=user.id)


def list_users(
    session: Session, *, actor: Actor, role: str | None = None, query: str = "", limit: int = 500
) -> list[User]:
    """Accounts for the admin page, filtered by role and by part of the username or name."""
    authorize(session, actor, "admin")
    values: dict = {"limit": limit}
    if role:
        values["role"] = role
    text = clean(query, max_length=64).lower()
    if text:
        values["pattern"] = f"%{like_escape(text)}%"
    return list(session.scalars(_users_statement(bool(role), bool(text)), values))


@cache
def _users_statement(by_role: bool, searched: bool) -> Select:
    """账号管理's list, asked on every run of the page: built once per shape (which filters apply), values bound."""
    statement = select(User).order_by(User.id).limit(bindparam("limit"))
    if by_role:
        statement = statement.where(User.role == bindparam("role"))
    if searched:
        pattern = bindparam("pattern")
        statement = statement.where(
            or_(
                func.lower(User.username).like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
            )
        )
    return statement
