"""Candidates' bindings to their work unit (绑定 / 更换单位 / 解绑单位), their history, and the unit's side:
its bound candidates, one candidate's details, ending a binding.

A candidate binds with the unit's confirmation code (`confirmation_code.check_code`, which counts wrong codes
and may lock; see there for why a `WrongCode` session must be committed). At most one binding per candidate
is in force (`policy.active_binding()`; a unique index guarantees it); a unit reads a candidate's data only
while it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Integer, and_, bindparam, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from db.models import IdentityVerification, Unit, UnitBinding, UnitCodeLockout, User
from portal.access import service as access
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.core.text import clean, like_escape
from portal.core.timeutil import fmt, utcnow
from portal.identity import service as identity
from portal.identity.policy import current_verification, verified_identity_of
from portal.identity.vocab import DOCUMENT_TYPE_LABELS, VERIFICATION_STATUS_LABELS
from portal.message import service as messages
from portal.unit.confirmation_code import BindingLocked, check_code, lockout_until, normalise_code, still_locked
from portal.unit.policy import acting_unit_id, active_binding
from portal.unit.roster import UnitView
from portal.unit.vocab import UnitStatus

# Asked by every change of a binding and by the unit's look at one candidate: built once, the candidate bound.
_CURRENT_BINDING = select(UnitBinding).where(UnitBinding.candidate_id == bindparam("candidate_id"), active_binding())


def current_binding(session: Session, *, candidate_id: int) -> UnitBinding | None:
    """The candidate's binding in force, or None."""
    return session.scalar(_CURRENT_BINDING, {"candidate_id": candidate_id})


def _check_bindable(session: Session, *, actor: Actor, unit_id: int, code: str) -> Unit:
    """Everything `bind` and `change_unit` check before the binding itself, in this order."""
    if identity.verified_identity(session, user_id=actor.user_id) is None:
        raise PermissionDenied("请先完成实名认证，再绑定工作单位。")
    locked = lockout_until(session, candidate_id=actor.user_id)
    if locked is not None:
        raise BindingLocked(locked)
    if not normalise_code(code):
        raise ValidationFailed({"code": "请输入单位确认码。"})
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("单位不存在。")
    if unit.status == UnitStatus.SUSPENDED:
        raise PermissionDenied("该单位已暂停使用，暂不能绑定。请联系单位或省级审核员。")
    if unit.status != UnitStatus.ACTIVE:
        raise PermissionDenied("该单位尚未通过机构注册审核，暂不能绑定。")
    if unit.confirmation_code_hash is None:
        raise ValidationFailed({"code": "该单位尚未生成单位确认码，请联系单位管理员。"})
    check_code(session, actor=actor, unit=unit, code=code)
    return unit


def _insert_binding(session: Session, binding: UnitBinding) -> None:
    try:
        with session.begin_nested():
            session.add(binding)
    except IntegrityError:
        raise Conflict("您已绑定工作单位（可能刚在其他窗口完成），请刷新页面后查看。") from None


def bind(session: Session, *, actor: Actor, unit_id: int, code: str) -> UnitBinding:
    """A verified candidate binds their work unit with its confirmation code."""
    authorize(session, actor, "candidate")
    unit = _check_bindable(session, actor=actor, unit_id=unit_id, code=code)
    if current_binding(session, candidate_id=actor.user_id) is not None:
        raise Conflict("您已绑定工作单位；如需更换，请使用「更新工作单位」。")
    binding = UnitBinding(candidate_id=actor.user_id, unit_id=unit.id, created_by=actor.user_id)
    _insert_binding(session, binding)
    audit.record(session, actor=actor, action="unit.bind", object_type="unit_binding", object_id=binding.id)
    messages.send(
        session,
        user_id=actor.user_id,
        title="工作单位绑定成功",
        body=f"您已绑定工作单位「{unit.name}」（{fmt(binding.created_at)}）。如非本人操作，请立即修改密码。",
        category="unit",
    )
    return binding


def _end(session: Session, binding: UnitBinding, *, actor: Actor, reason: str) -> None:
    result = session.execute(
        update(UnitBinding)
        .where(UnitBinding.id == binding.id, active_binding())
        .values(ended_at=utcnow(), ended_by=actor.user_id, end_reason=reason[:200])
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("该绑定已被解除（可能刚在其他窗口操作），请刷新页面。")
    session.refresh(binding)


def change_unit(session: Session, *, actor: Actor, unit_id: int, code: str) -> UnitBinding:
    """更新工作单位: the candidate binds another unit with its code; the old binding ends."""
    authorize(session, actor, "candidate")
    current = current_binding(session, candidate_id=actor.user_id)
    if current is None:
        raise Conflict("您当前未绑定工作单位，请直接绑定。")
    if current.unit_id == unit_id:
        raise ValidationFailed({"unit": "新单位与当前工作单位相同。"})
    unit = _check_bindable(session, actor=actor, unit_id=unit_id, code=code)
    old_unit = session.get(Unit, current.unit_id)
    _end(session, current, actor=actor, reason="考生更换工作单位")
    binding = UnitBinding(
        candidate_id=actor.user_id, unit_id=unit.id, previous_unit_id=current.unit_id, created_by=actor.user_id
    )
    _insert_binding(session, binding)
    audit.record(
        session,
        actor=actor,
        action="unit.change_unit",
        object_type="unit_binding",
        object_id=binding.id,
        summary=f"from unit {current.unit_id} to unit {unit.id}",
    )
    messages.send(
        session,
        user_id=actor.user_id,
        title="工作单位已更换",
        body=f"您的工作单位已由「{old_unit.name}」更换为「{unit.name}」（{fmt(binding.created_at)}）。",
        category="unit",
    )
    return binding


def unbind(session: Session, *, actor: Actor) -> UnitBinding:
    """解绑工作单位: the candidate ends their own binding."""
    authorize(session, actor, "candidate")
    current = current_binding(session, candidate_id=actor.user_id)
    if current is None:
        raise Conflict("您当前未绑定工作单位。")
    unit = session.get(Unit, current.unit_id)
    _end(session, current, actor=actor, reason="考生解绑")
    audit.record(session, actor=actor, action="unit.unbind", object_type="unit_binding", object_id=current.id)
    messages.send(
        session,
        user_id=actor.user_id,
        title="工作单位已解绑",
        body=f"您已解除与「{unit.name}」的绑定（{fmt(current.ended_at)}）。",
        category="unit",
    )
    return current


def end_binding(session: Session, *, actor: Actor, binding_id: int, reason: str) -> UnitBinding:
    """A unit_admin ends one of their unit's bindings, giving a reason the candidate is told."""
    authorize(session, actor, "unit_admin")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "请填写解除绑定的原因。"})
    if len(reason) > 200:
        raise ValidationFailed({"reason": "原因最多 200 字。"})
    binding = session.get(UnitBinding, binding_id)
    if binding is None or binding.unit_id != actor.unit_id:
        raise NotFound("未找到本单位的该绑定记录。")
    if binding.ended_at is not None:
        raise Conflict("该绑定已解除。")
    unit = session.get(Unit, binding.unit_id)
    _end(session, binding, actor=actor, reason=reason)
    access.record(session, actor=actor, candidate_id=binding.candidate_id, section="unit_binding", action="edit")
    audit.record(session, actor=actor, action="unit.end_binding", object_type="unit_binding", object_id=binding.id)
    messages.send(
        session,
        user_id=binding.candidate_id,
        title="工作单位解除绑定通知",
        body=f"「{unit.name}」已解除与您的绑定，原因：{reason}。如有疑问请联系该单位；如需要可重新绑定工作单位。",
        category="unit",
    )
    return binding


def end_for_revoked_identity(session: Session, *, actor: Actor, candidate_id: int, reason: str) -> UnitBinding | None:
    """A reviewer transferred the candidate's identity to another account (appeal): their active binding ends."""
    authorize(session, actor, "reviewer")
    current = current_binding(session, candidate_id=candidate_id)
    if current is None:
        return None
    _end(session, current, actor=actor, reason=reason)
    audit.record(
        session,
        actor=actor,
        action="unit.end_binding",
        object_type="unit_binding",
        object_id=current.id,
        summary="identity revoked after an appeal",
    )
    return current


@dataclass(frozen=True)
class HistoryRow:
    binding_id: int
    unit_name: str
    institution_code: str
    previous_unit_name: str | None
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    ended_by_unit: bool


# The candidate's binding in force beside its unit, in one statement, built once.
_BINDING_AND_UNIT = (
    select(UnitBinding, Unit)
    .join(Unit, Unit.id == UnitBinding.unit_id)
    .where(UnitBinding.candidate_id == bindparam("candidate_id"), active_binding())
)


def my_binding(session: Session, *, actor: Actor) -> tuple[UnitBinding, UnitView] | None:
    """The candidate's own current binding and its unit."""
    authorize(session, actor, "candidate")
    row = session.execute(_BINDING_AND_UNIT, {"candidate_id": actor.user_id}).one_or_none()
    if row is None:
        return None
    binding, unit = row
    return binding, UnitView.of(unit)


_PREVIOUS_UNIT = aliased(Unit, name="previous_unit")
_ENDER = aliased(User, name="ender")
# Asked on every run of 工作单位: the candidate's bindings, newest first, with the unit before and who ended each.
_HISTORY = (
    select(UnitBinding, Unit.name, Unit.institution_code, _PREVIOUS_UNIT.name, _ENDER.role)
    .join(Unit, Unit.id == UnitBinding.unit_id)
    .outerjoin(_PREVIOUS_UNIT, _PREVIOUS_UNIT.id == UnitBinding.previous_unit_id)
    .outerjoin(_ENDER, _ENDER.id == UnitBinding.ended_by)
    .where(UnitBinding.candidate_id == bindparam("candidate_id"))
    .order_by(UnitBinding.created_at.desc(), UnitBinding.id.desc())
)


def history(session: Session, *, actor: Actor) -> list[HistoryRow]:
    """The candidate's own bindings, newest first (who ended them, from which unit to which)."""
    authorize(session, actor, "candidate")
    rows = session.execute(_HISTORY, {"candidate_id": actor.user_id})
    return [
        HistoryRow(b.id, name, code, prev, b.created_at, b.ended_at, b.end_reason, role == "unit_admin")
        for b, name, code, prev, role in rows
    ]


# Asked on every run of 工作单位, in one statement: whether the candidate's identity is verified, the lock of
# their wrong codes (if any), and their binding in force with its unit (if any).
_STATUS = (
    select(
        exists().where(verified_identity_of(User.id)).label("verified"),
        UnitCodeLockout.locked_until,
        UnitBinding,
        Unit,
    )
    .select_from(User)
    .outerjoin(UnitCodeLockout, UnitCodeLockout.candidate_id == User.id)
    .outerjoin(UnitBinding, and_(UnitBinding.candidate_id == User.id, active_binding()))
    .outerjoin(Unit, Unit.id == UnitBinding.unit_id)
    .where(User.id == bindparam("user_id"))
)


def binding_status(session: Session, *, actor: Actor) -> dict:
    """For the candidate's page: verified or not, lockout, current binding."""
    authorize(session, actor, "candidate")
    row = session.execute(_STATUS, {"user_id": actor.user_id}).one_or_none()
    verified, locked_until, binding, unit = row or (False, None, None, None)
    return {
        "verified": bool(verified),
        "locked_until": still_locked(locked_until),
        "binding": (binding, UnitView.of(unit)) if binding is not None else None,
    }


@dataclass(frozen=True)
class BoundCandidate:
    binding_id: int
    candidate_id: int
    real_name: str
    masked_number: str
    verification_status: str
    verification_label: str
    since: datetime


def _unit_scope(actor: Actor, unit_id: int | None) -> int:
    """Whose candidates to list: a unit_admin's own unit only; a reviewer or admin names the unit."""
    scoped = acting_unit_id(actor, unit_id, refusal="只能查看本单位的考生。")
    if scoped is None:
        if actor.role == "unit_admin":
            raise NotFound("您的账号未关联单位，请联系管理员。")
        raise ValidationFailed({"unit": "请指定单位。"})
    return scoped


@cache
def _bound_candidates_statement(searched: bool):
    """Asked on every run of 考生管理: built once per shape (searched by name or not), the values bound."""
    statement = (
        select(UnitBinding, IdentityVerification, User.display_name)
        .join(User, User.id == UnitBinding.candidate_id)
        .outerjoin(
            IdentityVerification,
            and_(IdentityVerification.user_id == UnitBinding.candidate_id, current_verification()),
        )
        .where(UnitBinding.unit_id == bindparam("unit_id"), active_binding())
        .order_by(UnitBinding.created_at.desc(), UnitBinding.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )
    if searched:
        statement = statement.where(IdentityVerification.real_name.like(bindparam("name_like"), escape="\\"))
    return statement


def bound_candidates(
    session: Session, *, actor: Actor, unit_id: int | None = None, query: str = "", limit: int = 2000
) -> list[BoundCandidate]:
    """Candidates currently bound to the unit (a unit_admin: only their own); each read is access-logged."""
    authorize(session, actor, "unit_admin", "reviewer", "admin")
    unit_id = _unit_scope(actor, unit_id)
    values = {"unit_id": unit_id, "limit": limit}
    query = clean(query, max_length=64)
    if query:
        values["name_like"] = f"%{like_escape(query)}%"
    result = []
    for binding, verification, display_name in session.execute(_bound_candidates_statement(bool(query)), values):
        status = verification.status if verification else "unverified"
        result.append(
            BoundCandidate(
                binding_id=binding.id,
                candidate_id=binding.candidate_id,
                real_name=verification.real_name if verification else (display_name or ""),
                masked_number=verification.document_number_masked if verification else "",
                verification_status=status,
                verification_label=VERIFICATION_STATUS_LABELS.get(status, status),
                since=binding.created_at,
            )
        )
    # a list redrawn on every click: one entry per candidate per hour (access.LIST_VIEW_REPEAT)
    access.record_many(session, actor=actor, candidate_ids=[row.candidate_id for row in result], section="unit_binding")
    return result


@dataclass(frozen=True)
class CandidateDetail:
    candidate: BoundCandidate
    document_type: str
    verified_at: datetime | None
    mobile: str


def candidate_detail(session: Session, *, actor: Actor, candidate_id: int) -> CandidateDetail:
    """One bound candidate's identity details for their unit (logged in the candidate's access log)."""
    authorize(session, actor, "unit_admin")
    binding = current_binding(session, candidate_id=candidate_id)
    if binding is None or binding.unit_id != actor.unit_id:
        raise NotFound("该考生未绑定本单位。")
    verification = identity.current(session, user_id=candidate_id)
    user = session.get(User, candidate_id)
    status = verification.status if verification else "unverified"
    access.record(session, actor=actor, candidate_id=candidate_id, section="identity", action="view")
    return CandidateDetail(
        candidate=BoundCandidate(
            binding_id=binding.id,
            candidate_id=candidate_id,
            real_name=verification.real_name if verification else user.display_name,
            masked_number=verification.document_number_masked if verification else "",
            verification_status=status,
            verification_label=VERIFICATION_STATUS_LABELS.get(status, status),
            since=binding.created_at,
        ),
        document_type=DOCUMENT_TYPE_LABELS.get(verification.document_type, "") if verification else "",
        verified_at=verification.decided_at if verification else None,
        mobile=user.mobile or "",
    )
