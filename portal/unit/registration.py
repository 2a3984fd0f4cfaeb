"""机构注册 (unit registration): a unit's responsible person asks for the unit and their own unit_admin account
to be admitted; a reviewer approves (unit and account become active) or rejects with a reason.

The account is created disabled at submission; a rejected person may register again with the same account.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import session_scope
from db.models import Unit, UnitRegistration, User
from portal.audit import service as audit
from portal.auth import login
from portal.auth.authorization import authorize
from portal.auth.passwords import hash_password, policy_problem
from portal.auth.service import MOBILE_RE, USERNAME_RE
from portal.core.actor import Actor
from portal.core.errors import Conflict, NotFound, ValidationFailed
from portal.core.timeutil import utcnow
from portal.message import service as messages
from portal.unit import codes
from portal.unit.roster import validate_details
from portal.unit.vocab import RequestStatus, UnitStatus


def register_unit(
    session: Session,
    *,
    name: str,
    institution_code: str,
    superior_unit: str,
    category: str,
    region_code: str,
    contact_name: str,
    contact_mobile: str,
    username: str,
    password: str,
    password_confirm: str,
) -> UnitRegistration:
    """机构注册 (public): the unit's details and the responsible person's own account, pending review."""
    values, errors = validate_details(
        name=name, superior_unit=superior_unit, category=category, region_code=region_code
    )
    code = codes.normalise(institution_code)
    problem = codes.problem(code)
    if problem:
        errors["institution_code"] = problem[1]
    contact_name = (contact_name or "").strip()
    if not contact_name:
        errors["contact_name"] = "请填写负责人姓名。"
    elif len(contact_name) > 64:
        errors["contact_name"] = "负责人姓名最多 64 字。"
    contact_mobile = (contact_mobile or "").strip()
    if not MOBILE_RE.match(contact_mobile):
        errors["contact_mobile"] = "手机号格式不正确，请输入 11 位中国大陆手机号。"
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        errors["username"] = "账号须为 3–64 位字母、数字或 _ . @ -。"
    password_problem = policy_problem(password or "", username=username)
    if password_problem:
        errors["password"] = password_problem
    elif password != password_confirm:
        errors["password_confirm"] = "两次输入的密码不一致。"
    if errors:
        raise ValidationFailed(errors)

    existing_unit = session.scalar(select(Unit).where(Unit.institution_code == code))
    if existing_unit is not None:
        has_admin = session.scalar(
            select(func.count()).where(
                User.unit_id == existing_unit.id, User.role == "unit_admin", User.is_active.is_(True)
            )
        )
        if has_admin:
            raise Conflict("该单位已注册并有单位管理员，请联系本单位管理员。", field="institution_code")
    user = session.scalar(select(User).where(User.username == username))
    if user is not None and not _reusable_account(session, user):
        raise Conflict("该账号已被使用，请换一个账号。", field="username")
    if user is None:
        user = User(username=username, role="unit_admin", is_active=False)
        session.add(user)
    # A new account, or the still-disabled account of a rejected request registering again.
    user.display_name = contact_name
    user.mobile = contact_mobile
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    session.flush()
    registration = UnitRegistration(
        name=values["name"],
        institution_code=code,
        superior_unit=values["superior_unit"],
        category=values["category"],
        region_code=values["region_code"],
        contact_name=contact_name,
        contact_mobile=contact_mobile,
        unit_id=existing_unit.id if existing_unit else None,
        user_id=user.id,
    )
    try:
        with session.begin_nested():
            session.add(registration)
    except IntegrityError:
        raise Conflict("该机构编码已有待审核的注册申请，请等待审核结果。", field="institution_code") from None
    audit.record(
        session,
        actor=Actor.of(user),
        action="unit.register",
        object_type="unit_registration",
        object_id=registration.id,
    )
    return registration


def pending_registrations(session: Session, *, actor: Actor) -> list[UnitRegistration]:
    """机构注册 requests waiting for a reviewer, oldest first."""
    authorize(session, actor, "reviewer", "admin")
    return list(
        session.scalars(
            select(UnitRegistration)
            .where(UnitRegistration.status == RequestStatus.PENDING)
            .order_by(UnitRegistration.created_at, UnitRegistration.id)
        )
    )


def approve_registration(session: Session, *, actor: Actor, registration_id: int) -> Unit:
    """Approve: the unit is created (or the roster's unit used) and activated, and so is its unit_admin."""
    authorize(session, actor, "reviewer", "admin")
    registration = _pending_registration(session, registration_id)
    unit = session.get(Unit, registration.unit_id) if registration.unit_id else None
    if unit is None:
        unit = session.scalar(select(Unit).where(Unit.institution_code == registration.institution_code))
    if unit is None:
        unit = Unit(
            name=registration.name,
            institution_code=registration.institution_code,
            superior_unit=registration.superior_unit,
            category=registration.category,
            region_code=registration.region_code,
            status=UnitStatus.ACTIVE,
        )
        try:
            with session.begin_nested():
                session.add(unit)
        except IntegrityError:
            raise Conflict("该机构编码的单位刚被创建，请刷新后重试。") from None
        registration.created_unit = True
    elif unit.status == UnitStatus.PENDING:
        unit.status = UnitStatus.ACTIVE
    registration.unit_id = unit.id
    registration.status = RequestStatus.APPROVED
    registration.decided_by = actor.user_id
    registration.decided_at = utcnow()
    user = session.get(User, registration.user_id) if registration.user_id else None
    if user is not None:
        user.unit_id = unit.id
        user.is_active = True
        messages.send(
            session,
            user_id=user.id,
            title="机构注册已通过",
            body=f"「{unit.name}」的机构注册已通过审核。请登录后在单位首页生成单位确认码，告知本单位考生。",
            category="unit",
        )
    audit.record(
        session,
        actor=actor,
        action="unit.approve_registration",
        object_type="unit_registration",
        object_id=registration.id,
        summary=f"unit {unit.id}",
    )
    return unit


def reject_registration(session: Session, *, actor: Actor, registration_id: int, reason: str) -> UnitRegistration:
    """Reject with a reason; the account stays disabled (the person may register again with it)."""
    authorize(session, actor, "reviewer", "admin")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "驳回须填写原因。"})
    registration = _pending_registration(session, registration_id)
    registration.status = RequestStatus.REJECTED
    registration.decided_by = actor.user_id
    registration.decided_at = utcnow()
    registration.decision_reason = reason[:500]
    if registration.user_id:
        messages.send(
            session,
            user_id=registration.user_id,
            title="机构注册未通过",
            body=f"「{registration.name}」的机构注册未通过审核，原因：{reason}。",
            category="unit",
        )
    audit.record(
        session,
        actor=actor,
        action="unit.reject_registration",
        object_type="unit_registration",
        object_id=registration.id,
    )
    return registration


def _reusable_account(session: Session, user: User) -> bool:
    """A disabled unit_admin account whose every registration was rejected may register again."""
    if user.role != "unit_admin" or user.is_active or user.last_login_at is not None:
        return False
    statuses = set(session.scalars(select(UnitRegistration.status).where(UnitRegistration.user_id == user.id)))
    return statuses == {RequestStatus.REJECTED}


def _pending_registration(session: Session, registration_id: int) -> UnitRegistration:
    registration = session.get(UnitRegistration, registration_id)
    if registration is None:
        raise NotFound("注册申请不存在。")
    if registration.status != RequestStatus.PENDING:
        raise Conflict("该申请已处理。")
    return registration


def registration_status(engine: Engine, *, username: str, password: str) -> UnitRegistration | None:
    """The responsible person checks their request with the account they registered (public page).

    The password is checked like a login's (`portal.auth.login.verify_password`): counted toward the same lock,
    refused while locked, as slow for unknown names. Owns its units of work (the count is committed first).
    """
    user_id = login.verify_password(engine, username=username, password=password)
    if user_id is None:
        return None
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        if user is None or user.role != "unit_admin":
            return None
        registration = session.scalar(
            select(UnitRegistration)
            .where(UnitRegistration.user_id == user.id)
            .order_by(UnitRegistration.id.desc())
            .limit(1)
        )
        if registration is not None:
            session.expunge(registration)
        return registration
