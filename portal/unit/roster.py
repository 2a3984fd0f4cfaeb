"""The unit roster (工作单位): searching units, a unit's profile and its changes (a new name waits for a
reviewer), suspending and re-activating units.

Units come onto the roster by 机构注册 (`registration.py`) or the admin's import (`importer.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Unit, UnitBinding, UnitCodeAttempt, UnitNameChange
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.errors import Conflict, NotFound, ValidationFailed
from portal.core.pinyin import initials
from portal.core.text import clean, like_escape
from portal.core.timeutil import utcnow
from portal.message import service as messages
from portal.unit import categories, regions
from portal.unit.policy import active_binding
from portal.unit.vocab import UNIT_STATUS_LABELS, RequestStatus, UnitStatus


@dataclass(frozen=True)
class UnitView:
    """A unit as pages show it."""

    id: int
    name: str
    institution_code: str
    superior_unit: str
    category: str
    category_label: str
    region_code: str
    region_name: str
    status: str
    status_label: str
    code_rotated_at: datetime | None
    has_code: bool

    @classmethod
    def of(cls, unit: Unit) -> UnitView:
        return cls(
            id=unit.id,
            name=unit.name,
            institution_code=unit.institution_code,
            superior_unit=unit.superior_unit,
            category=unit.category,
            category_label=categories.label(unit.category),
            region_code=unit.region_code,
            region_name=regions.name_of(unit.region_code),
            status=unit.status,
            status_label=UNIT_STATUS_LABELS.get(unit.status, unit.status),
            code_rotated_at=unit.code_rotated_at,
            has_code=unit.confirmation_code_hash is not None,
        )


def get_unit(session: Session, *, unit_id: int) -> Unit | None:
    """The unit with this id, or None (for other domains; no permission check, no personal data)."""
    return session.get(Unit, unit_id)


def search_units(session: Session, *, actor: Actor, query: str, limit: int = 20) -> list[UnitView]:
    """Active units whose name contains `query`, or whose pinyin initials or code contain it."""
    authorize(session, actor, "candidate", "unit_admin", "reviewer", "admin")
    text = re.sub(r"\s+", "", clean(query, max_length=100))
    if not text:
        return []
    pattern = f"%{like_escape(text)}%"
    conditions = [Unit.name.like(pattern, escape="\\")]
    if re.fullmatch(r"[A-Za-z0-9]+", text):
        conditions.append(Unit.name_initials.like(f"%{like_escape(text.lower())}%", escape="\\"))
        conditions.append(Unit.institution_code.like(f"{like_escape(text.upper())}%", escape="\\"))
    statement = (
        select(Unit)
        .where(Unit.status == UnitStatus.ACTIVE, or_(*conditions))
        .order_by(func.length(Unit.name), Unit.name, Unit.id)
        .limit(limit)
    )
    return [UnitView.of(unit) for unit in session.scalars(statement)]


def own_unit(session: Session, *, actor: Actor) -> UnitView:
    """The unit_admin's own unit."""
    authorize(session, actor, "unit_admin")
    unit = session.get(Unit, actor.unit_id) if actor.unit_id else None
    if unit is None:
        raise NotFound("您的账号未关联单位，请联系管理员。")
    return UnitView.of(unit)


@dataclass(frozen=True)
class UnitOverview:
    unit: UnitView
    bound_count: int
    failed_attempts_7d: int
    pending_name: str | None


# Asked on every run of 单位首页 and 单位信息, in one statement: the unit, its bound candidates, its wrong codes
# since a time, and its pending rename (at most one, a partial unique index).
_OVERVIEW = select(
    Unit,
    select(func.count()).where(UnitBinding.unit_id == Unit.id, active_binding()).scalar_subquery(),
    select(func.count())
    .where(UnitCodeAttempt.unit_id == Unit.id, UnitCodeAttempt.created_at >= bindparam("since"))
    .scalar_subquery(),
    select(UnitNameChange.new_name)
    .where(UnitNameChange.unit_id == Unit.id, UnitNameChange.status == RequestStatus.PENDING)
    .scalar_subquery(),
).where(Unit.id == bindparam("unit_id"))


def overview(session: Session, *, actor: Actor) -> UnitOverview:
    """单位首页: the unit, how many candidates are bound, recent wrong codes, a pending rename."""
    authorize(session, actor, "unit_admin")
    row = (
        session.execute(_OVERVIEW, {"unit_id": actor.unit_id, "since": utcnow() - timedelta(days=7)}).one_or_none()
        if actor.unit_id
        else None
    )
    if row is None:
        raise NotFound("您的账号未关联单位，请联系管理员。")
    unit, bound, failed, pending = row
    return UnitOverview(UnitView.of(unit), bound or 0, failed or 0, pending)


def validate_details(
    *, name: str, superior_unit: str, category: str, region_code: str
) -> tuple[dict[str, str], dict[str, str]]:
    """A unit's details as typed on 机构注册 or the unit's profile: (clean values, Chinese errors by field)."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "单位名称不能为空。"
    elif len(name) > 200:
        errors["name"] = "单位名称最多 200 字。"
    values["name"] = name
    superior = (superior_unit or "").strip()
    if len(superior) > 200:
        errors["superior_unit"] = "主管单位最多 200 字。"
    values["superior_unit"] = superior
    normalised = categories.normalise(category)
    if normalised is None:
        errors["category"] = "请选择机构类别。"
    values["category"] = normalised or ""
    region = regions.normalise(region_code)
    problem = regions.problem(region)
    if problem:
        errors["region_code"] = problem[1]
    values["region_code"] = region
    return values, errors


def update_unit(
    session: Session,
    *,
    actor: Actor,
    name: str,
    superior_unit: str,
    category: str,
    region_code: str,
) -> UnitNameChange | None:
    """The unit_admin edits their unit; other fields change at once, a new name waits for a reviewer."""
    authorize(session, actor, "unit_admin")
    unit = session.get(Unit, actor.unit_id) if actor.unit_id else None
    if unit is None:
        raise NotFound("您的账号未关联单位，请联系管理员。")
    values, errors = validate_details(
        name=name, superior_unit=superior_unit, category=category, region_code=region_code
    )
    if errors:
        raise ValidationFailed(errors)
    changed = [key for key in ("superior_unit", "category", "region_code") if getattr(unit, key) != values[key]]
    for key in changed:
        setattr(unit, key, values[key])
    if changed:
        unit.updated_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="unit.update",
            object_type="unit",
            object_id=unit.id,
            summary="changed " + ", ".join(changed),
        )
    request = None
    if values["name"] != unit.name:
        request = UnitNameChange(
            unit_id=unit.id, old_name=unit.name, new_name=values["name"], requested_by=actor.user_id
        )
        try:
            with session.begin_nested():
                session.add(request)
        except IntegrityError:
            raise Conflict("本单位已有待审核的名称变更申请，请等待审核结果。") from None
        audit.record(
            session, actor=actor, action="unit.request_rename", object_type="unit_name_change", object_id=request.id
        )
    return request


def pending_name_changes(session: Session, *, actor: Actor) -> list[tuple[UnitNameChange, UnitView]]:
    """Name changes waiting for a reviewer, oldest first."""
    authorize(session, actor, "reviewer", "admin")
    rows = session.execute(
        select(UnitNameChange, Unit)
        .join(Unit, Unit.id == UnitNameChange.unit_id)
        .where(UnitNameChange.status == RequestStatus.PENDING)
        .order_by(UnitNameChange.created_at, UnitNameChange.id)
    )
    return [(change, UnitView.of(unit)) for change, unit in rows]


def decide_name_change(
    session: Session, *, actor: Actor, change_id: int, approve: bool, reason: str = ""
) -> UnitNameChange:
    """A reviewer approves (the unit is renamed) or rejects (with a reason) a name change."""
    authorize(session, actor, "reviewer", "admin")
    change = session.get(UnitNameChange, change_id)
    if change is None:
        raise NotFound("名称变更申请不存在。")
    if change.status != RequestStatus.PENDING:
        raise Conflict("该申请已处理。")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationFailed({"reason": "驳回须填写原因。"})
    unit = session.get(Unit, change.unit_id)
    change.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    change.decided_by = actor.user_id
    change.decided_at = utcnow()
    change.decision_reason = reason[:500] or None
    if approve:
        unit.name = change.new_name
        unit.name_initials = initials(change.new_name)
        unit.updated_at = utcnow()
    audit.record(
        session,
        actor=actor,
        action="unit.approve_rename" if approve else "unit.reject_rename",
        object_type="unit_name_change",
        object_id=change.id,
    )
    if change.requested_by:
        messages.send(
            session,
            user_id=change.requested_by,
            title="单位名称变更已通过" if approve else "单位名称变更未通过",
            body=f"申请将「{change.old_name}」更名为「{change.new_name}」"
            + ("已通过审核。" if approve else f"未通过审核，原因：{reason}。"),
            category="unit",
        )
    return change


def set_status(session: Session, *, actor: Actor, unit_id: int, status: str, reason: str = "") -> Unit:
    """A reviewer or admin suspends a unit (no new bindings) or re-activates it."""
    authorize(session, actor, "reviewer", "admin", "system")
    if status not in (UnitStatus.ACTIVE, UnitStatus.SUSPENDED):
        raise ValidationFailed({"status": "状态无效。"})
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("单位不存在。")
    if unit.status == status:
        return unit
    unit.status = status
    unit.updated_at = utcnow()
    audit.record(
        session,
        actor=actor,
        action="unit.suspend" if status == UnitStatus.SUSPENDED else "unit.activate",
        object_type="unit",
        object_id=unit.id,
        summary=reason[:200],
    )
    return unit
