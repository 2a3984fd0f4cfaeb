"""Sign-in through OpenID Connect (统一身份认证): linking provider identities to accounts.

The link is the provider's issuer + subject, never the e-mail. A first sign-in either creates a candidate
account or links an existing candidate account after its password is given; staff accounts are linked by an
admin. Roles never come from the provider's claims unless the operator sets a claim mapping
(PORTAL_OIDC_ROLE_CLAIM + PORTAL_OIDC_ROLE_MAP). Claimed real names and ID numbers are never trusted: at most
they prefill 信息填写.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import OidcIdentity, User
from portal.audit import service as audit
from portal.auth import service as accounts
from portal.auth.authorization import authorize
from portal.auth.passwords import NO_PASSWORD, check_password, has_password
from portal.auth.vocab import OUTCOME_LABELS, SignInOutcome
from portal.core.actor import ACCOUNT_ROLES, Actor
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.core.settings import OidcSettings, get_settings
from portal.core.text import clean
from portal.core.timeutil import utcnow

# Roles a claim mapping may give to a new account (a unit admin needs a unit: an admin creates those).
CLAIMABLE_ROLES = ("candidate", "reviewer", "analyst", "admin")


@dataclass(frozen=True)
class OidcClaims:
    """What the provider said about the person (from the verified ID token)."""

    issuer: str
    subject: str
    issued_at: float | None = None
    name: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def from_user_info(cls, info: Mapping[str, object], *, default_issuer: str = "") -> OidcClaims | None:
        """From Streamlit's `st.user` (None when not signed in through a provider)."""
        subject = info.get("sub")
        if not info.get("is_logged_in") or not isinstance(subject, str) or not subject:
            return None
        issuer = info.get("iss") if isinstance(info.get("iss"), str) else default_issuer
        issued = info.get("auth_time") or info.get("iat")
        return cls(
            issuer=str(issuer or default_issuer),
            subject=subject,
            issued_at=float(issued) if isinstance(issued, int | float) else None,
            name=clean(str(info.get("name") or ""), max_length=64),
            extra=dict(info),
        )


@dataclass(frozen=True)
class SignIn:
    outcome: SignInOutcome
    actor: Actor | None = None

    @property
    def message(self) -> str:
        return OUTCOME_LABELS[self.outcome]


def _identity(session: Session, claims: OidcClaims) -> OidcIdentity | None:
    return session.scalar(
        select(OidcIdentity).where(OidcIdentity.issuer == claims.issuer, OidcIdentity.subject == claims.subject)
    )


def _claimed_role(claims: OidcClaims, settings: OidcSettings | None) -> str | None:
    if settings is None or not settings.role_claim or not settings.role_map:
        return None
    value = claims.extra.get(settings.role_claim)
    values = value if isinstance(value, list) else [value]
    for item in values:
        role = settings.role_map.get(str(item))
        if role in CLAIMABLE_ROLES:
            return role
    return None


def _link(session: Session, *, actor: Actor, user: User, issuer: str, subject: str, how: str) -> OidcIdentity:
    if session.scalar(select(OidcIdentity).where(OidcIdentity.issuer == issuer, OidcIdentity.subject == subject)):
        raise Conflict("该统一身份认证账号已关联其他账号。")
    if session.scalar(select(OidcIdentity).where(OidcIdentity.user_id == user.id, OidcIdentity.issuer == issuer)):
        raise Conflict("该账号已关联另一个统一身份认证账号，请先解除关联。")
    link = OidcIdentity(issuer=issuer, subject=subject, user_id=user.id)
    session.add(link)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:  # a concurrent first sign-in of the same person
        raise Conflict("该统一身份认证账号已关联其他账号。") from error
    audit.record(session, actor=actor, action="oidc.link", object_type="user", object_id=user.id, summary=how)
    return link


def sign_in(session: Session, *, claims: OidcClaims, now: datetime | None = None) -> SignIn:
    """The portal session of a person signed in at the provider: same rules as a password login.

    A sign-in older than PORTAL_SESSION_HOURS is expired; a disabled account is refused. Each new sign-in
    at the provider (a newer ID token) is written once as `login.oidc`. A first sign-in of a person whose
    role claim is mapped by the operator creates their account; otherwise it is UNLINKED (the person chooses).
    """
    settings = get_settings()
    now = now or utcnow()
    issued = datetime.fromtimestamp(claims.issued_at, UTC).replace(tzinfo=None) if claims.issued_at else None
    if issued is None or (now - issued).total_seconds() > settings.session_hours * 3600:
        return SignIn(SignInOutcome.EXPIRED)
    link = _identity(session, claims)
    if link is None:
        role = _claimed_role(claims, settings.oidc)
        if role is None or role == "candidate":
            return SignIn(SignInOutcome.UNLINKED)
        user = _create_account(session, claims=claims, role=role, username=_claimed_username(claims))
        link = _identity(session, claims)
    user = session.get(User, link.user_id)
    if user is None or not user.is_active:
        return SignIn(SignInOutcome.DISABLED)
    if user.last_login_at is None or user.last_login_at < issued:
        user.last_login_at = now
        user.failed_login_count = 0
        audit.record(
            session, actor=Actor.of(user), action="login.oidc", object_type="user", object_id=user.id, summary=""
        )
    return SignIn(SignInOutcome.SIGNED_IN, Actor.of(user))


def _claimed_username(claims: OidcClaims) -> str:
    return "oidc-" + hashlib.sha256(f"{claims.issuer}|{claims.subject}".encode()).hexdigest()[:16]


def _create_account(session: Session, *, claims: OidcClaims, role: str, username: str, mobile: str = "") -> User:
    user = User(
        username=username,
        mobile=mobile or None,
        role=role,
        display_name=claims.name or username,
        password_hash=NO_PASSWORD,
    )
    session.add(user)
    session.flush()
    how = "role from claim" if role != "candidate" else "first sign-in"
    audit.record(
        session, actor=Actor.of(user), action="account.register", object_type="user", object_id=user.id, summary=how
    )
    _link(session, actor=Actor.of(user), user=user, issuer=claims.issuer, subject=claims.subject, how=how)
    return user


def create_candidate(session: Session, *, claims: OidcClaims, mobile: str) -> User:
    """First sign-in: a new candidate account (its username is the mobile number; it has no password)."""
    if _identity(session, claims) is not None:
        raise Conflict("该统一身份认证账号已关联账号，请重新登录。")
    mobile = clean(unicodedata.normalize("NFKC", mobile or ""), max_length=20)
    if not accounts.MOBILE_RE.match(mobile):
        raise ValidationFailed({"mobile": "手机号格式不正确，请输入 11 位中国大陆手机号。"})
    if session.scalar(select(User).where(User.username == mobile)) is not None:
        raise Conflict("该手机号已注册：请选择“关联已有账号”，输入该账号的密码。", field="mobile")
    return _create_account(session, claims=claims, role="candidate", username=mobile, mobile=mobile)


def link_existing(session: Session, *, claims: OidcClaims, username: str, password: str) -> User:
    """First sign-in: link an existing candidate account, proven by its password (with the login lockout)."""
    generic = ValidationFailed({"password": "账号或密码错误。"})
    username = clean(username, max_length=64).lower()
    state = accounts.login_state(session, username=username)
    if not state.exists:
        raise generic
    if state.locked:
        raise PermissionDenied("密码连续输错次数过多，账号已锁定，请稍后再试或联系管理员。")
    user = session.scalar(select(User).where(User.username == username))
    if not check_password(password, user.password_hash):
        accounts.record_login_failure(session, username=username)
        raise generic
    if not user.is_active:
        raise PermissionDenied(OUTCOME_LABELS[SignInOutcome.DISABLED])
    if user.role != "candidate":
        raise PermissionDenied("工作人员账号须由系统管理员在“账号管理”中关联统一身份认证。")
    _link(session, actor=Actor.of(user), user=user, issuer=claims.issuer, subject=claims.subject, how="by password")
    return user


# Built once: asked on every run of 个人信息 (whether the account is linked to the unified identity service).
_LINKS_OF = select(OidcIdentity).where(OidcIdentity.user_id == bindparam("user_id")).order_by(OidcIdentity.id)


def links_of(session: Session, *, actor: Actor, user_id: int | None = None) -> list[OidcIdentity]:
    """The identities linked to an account: one's own, or (admins) any account's."""
    if user_id is None or user_id == actor.user_id:
        authorize(session, actor, *ACCOUNT_ROLES)
        user_id = actor.user_id
    else:
        authorize(session, actor, "admin")
    return list(session.scalars(_LINKS_OF, {"user_id": user_id}))


def unlink(session: Session, *, actor: Actor, identity_id: int) -> None:
    """Remove a link: a person their own (not the only way in), or an admin any account's."""
    identity = session.get(OidcIdentity, identity_id)
    if identity is None:
        raise NotFound("未找到该关联。")
    if identity.user_id == actor.user_id:
        user = authorize(session, actor, *ACCOUNT_ROLES)
        if not has_password(user.password_hash):
            raise PermissionDenied("该账号没有设置密码，解除关联后将无法登录。请联系管理员重置密码后再解除关联。")
    else:
        authorize(session, actor, "admin")
    session.delete(identity)
    session.flush()
    audit.record(session, actor=actor, action="oidc.unlink", object_type="user", object_id=identity.user_id)


def admin_link(session: Session, *, actor: Actor, user_id: int, subject: str, issuer: str = "") -> OidcIdentity:
    """An admin maps an account (reviewer, unit admin, admin, …) to a person at the provider."""
    authorize(session, actor, "admin")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("账号不存在。")
    settings = get_settings().oidc
    issuer = clean(issuer, max_length=255) or (settings.issuer if settings else "")
    subject = clean(subject, max_length=255)
    if not issuer:
        raise ValidationFailed({"issuer": "未配置统一身份认证（PORTAL_OIDC_ISSUER），请填写签发方。"})
    if not subject:
        raise ValidationFailed({"subject": "请填写统一身份认证的用户标识（sub）。"})
    return _link(session, actor=actor, user=user, issuer=issuer, subject=subject, how="by admin")


def prefill(claims: OidcClaims) -> dict[str, str]:
    """Values the operator allows to prefill 信息填写 (real name, ID number) — never marked verified."""
    settings = get_settings().oidc
    if settings is None:
        return {}
    values = {}
    pairs = (("real_name", settings.prefill_name_claim), ("document_number", settings.prefill_id_number_claim))
    for key, claim in pairs:
        value = claims.extra.get(claim) if claim else None
        if isinstance(value, str) and value.strip():
            values[key] = clean(value, max_length=64)
    return values
