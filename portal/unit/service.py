"""Work units: the roster, 机构注册, confirmation codes, and candidates' bindings (bind, change, unbind).

Confirmation codes (单位确认码) are generated here, shown once, and stored only as a keyed hash (HMAC-SHA256
under the portal's secret key, bound to the unit id); checks compare in constant time. Wrong codes count per
candidate: the fifth in a row refuses binding for `LOCK_MINUTES`.

A wrong code raises `WrongCode` AFTER writing the failed attempt to the session: the caller must commit that
session (and only then show the error), or the lockout would be rolled back with it.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from db.models import (
    IdentityVerification,
    Unit,
    UnitBinding,
    UnitCodeAttempt,
    UnitCodeLockout,
    UnitNameChange,
    UnitRegistration,
    User,
)
from db.models.access import PersonalDataAccess
from portal.access import service as access
from portal.audit import service as audit
from portal.auth.authorization import authorize
from portal.auth.passwords import hash_password, policy_problem
from portal.core.actor import Actor
from portal.core.crypto import lookup_hash
from portal.core.errors import Conflict, NotFound, PermissionDenied, PortalError, ValidationFailed
from portal.core.pinyin import initials
from portal.core.text import clean, like_escape
from portal.core.timeutil import fmt, utcnow
from portal.identity.service import verified_identity
from portal.message import service as messages
from portal.unit import categories, codes, regions

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L look-alikes
CODE_LENGTH = 10
MAX_CODE_FAILURES = 5
LOCK_MINUTES = 30
ACCESS_LOG_WINDOW = timedelta(hours=1)
STATUS_LABELS = {"pending": "待审核", "active": "正常", "suspended": "已暂停"}
REQUEST_LABELS = {"pending": "待审核", "approved": "已通过", "rejected": "未通过"}
VERIFICATION_LABELS = {
    "unverified": "未认证",
    "pending": "待认证",
    "verified": "认证成功",
    "rejected": "审核未通过",
    "withdrawn": "已撤回",
}
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")


class WrongCode(ValidationFailed):
    """The confirmation code was wrong; the failed attempt is in the session (commit it)."""

    def __init__(self, message: str, *, locked_until: datetime | None = None, attempts_left: int = 0):
        super().__init__({"code": message})
        self.locked_until = locked_until
        self.attempts_left = attempts_left


class BindingLocked(PortalError):
    """The candidate entered too many wrong codes and must wait."""

    def __init__(self, locked_until: datetime):
        super().__init__(
            f"单位确认码连续输错 {MAX_CODE_FAILURES} 次，{LOCK_MINUTES} 分钟内不能绑定工作单位，"
            f"请于 {fmt(locked_until)} 后再试。如不知道确认码，请向单位管理员索取。"
        )
        self.locked_until = locked_until


# ---------------------------------------------------------------- reading units


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
            status_label=STATUS_LABELS.get(unit.status, unit.status),
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
        .where(Unit.status == "active", or_(*conditions))
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


def overview(session: Session, *, actor: Actor) -> UnitOverview:
    """单位首页: the unit, how many candidates are bound, recent wrong codes, a pending rename."""
    unit = own_unit(session, actor=actor)
    bound = session.scalar(select(func.count()).where(UnitBinding.unit_id == unit.id, UnitBinding.ended_at.is_(None)))
    failed = session.scalar(
        select(func.count()).where(
            UnitCodeAttempt.unit_id == unit.id, UnitCodeAttempt.created_at >= utcnow() - timedelta(days=7)
        )
    )
    pending = session.scalar(
        select(UnitNameChange.new_name).where(UnitNameChange.unit_id == unit.id, UnitNameChange.status == "pending")
    )
    return UnitOverview(unit, bound or 0, failed or 0, pending)


# ---------------------------------------------------------------- confirmation codes


def _code_hash(unit_id: int, code: str) -> str:
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
    if actor.role == "unit_admin":
        if unit_id is not None and unit_id != actor.unit_id:
            raise PermissionDenied("只能更换本单位的确认码。")
        unit_id = actor.unit_id
    unit = session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        raise NotFound("单位不存在。")
    code = new_code()
    unit.confirmation_code_hash = _code_hash(unit.id, code)
    unit.code_rotated_at = utcnow()
    audit.record(session, actor=actor, action="unit.rotate_code", object_type="unit", object_id=unit.id)
    return code


def _code_matches(unit: Unit, code: str) -> bool:
    if unit.confirmation_code_hash is None:
        return False
    return hmac.compare_digest(_code_hash(unit.id, normalise_code(code)), unit.confirmation_code_hash)


def lockout_until(session: Session, *, candidate_id: int) -> datetime | None:
    """Until when the candidate may not bind (None when free)."""
    row = session.get(UnitCodeLockout, candidate_id)
    if row is not None and row.locked_until is not None and row.locked_until > utcnow():
        return row.locked_until
    return None


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
    row = _lockout_row(session, actor.user_id)
    if row.locked_until is not None and row.locked_until <= now:
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
    if row.failed_count >= MAX_CODE_FAILURES and row.locked_until is None:
        row.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        action = "unit.code_lockout"
    session.flush()
    audit.record(session, actor=actor, action=action, object_type="unit", object_id=unit.id)
    if row.locked_until is not None:
        return WrongCode(BindingLocked(row.locked_until).message, locked_until=row.locked_until)
    left = MAX_CODE_FAILURES - row.failed_count
    return WrongCode(
        f"单位确认码不正确，请向单位管理员核实。再输错 {left} 次将锁定 {LOCK_MINUTES} 分钟。", attempts_left=left
    )


def _reset_failures(session: Session, candidate_id: int) -> None:
    session.execute(
        update(UnitCodeLockout)
        .where(UnitCodeLockout.candidate_id == candidate_id)
        .values(failed_count=0, locked_until=None)
    )


# ---------------------------------------------------------------- bindings


def active_binding(session: Session, *, candidate_id: int) -> UnitBinding | None:
    """The candidate's current binding, or None (for other domains)."""
    return session.scalar(
        select(UnitBinding).where(UnitBinding.candidate_id == candidate_id, UnitBinding.ended_at.is_(None))
    )


def _check_bindable(session: Session, *, actor: Actor, unit_id: int, code: str) -> Unit:
    """Everything `bind` and `change_unit` check before the binding itself, in this order."""
    if verified_identity(session, user_id=actor.user_id) is None:
        raise PermissionDenied("请先完成实名认证，再绑定工作单位。")
    locked = lockout_until(session, candidate_id=actor.user_id)
    if locked is not None:
        raise BindingLocked(locked)
    if not normalise_code(code):
        raise ValidationFailed({"code": "请输入单位确认码。"})
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("单位不存在。")
    if unit.status == "suspended":
        raise PermissionDenied("该单位已暂停使用，暂不能绑定。请联系单位或省级审核员。")
    if unit.status != "active":
        raise PermissionDenied("该单位尚未通过机构注册审核，暂不能绑定。")
    if unit.confirmation_code_hash is None:
        raise ValidationFailed({"code": "该单位尚未生成单位确认码，请联系单位管理员。"})
    if not _code_matches(unit, code):
        raise _record_failure(session, actor=actor, unit=unit)
    _reset_failures(session, actor.user_id)
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
    if active_binding(session, candidate_id=actor.user_id) is not None:
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
        .where(UnitBinding.id == binding.id, UnitBinding.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_by=actor.user_id, end_reason=reason[:200])
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("该绑定已被解除（可能刚在其他窗口操作），请刷新页面。")
    session.refresh(binding)


def change_unit(session: Session, *, actor: Actor, unit_id: int, code: str) -> UnitBinding:
    """更新工作单位: the candidate binds another unit with its code; the old binding ends."""
    authorize(session, actor, "candidate")
    current = active_binding(session, candidate_id=actor.user_id)
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
    current = active_binding(session, candidate_id=actor.user_id)
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


def my_binding(session: Session, *, actor: Actor) -> tuple[UnitBinding, UnitView] | None:
    """The candidate's own current binding and its unit."""
    authorize(session, actor, "candidate")
    binding = active_binding(session, candidate_id=actor.user_id)
    if binding is None:
        return None
    return binding, UnitView.of(session.get(Unit, binding.unit_id))


def history(session: Session, *, actor: Actor) -> list[HistoryRow]:
    """The candidate's own bindings, newest first (who ended them, from which unit to which)."""
    authorize(session, actor, "candidate")
    previous = aliased(Unit)
    ender = aliased(User)
    rows = session.execute(
        select(UnitBinding, Unit.name, Unit.institution_code, previous.name, ender.role)
        .join(Unit, Unit.id == UnitBinding.unit_id)
        .outerjoin(previous, previous.id == UnitBinding.previous_unit_id)
        .outerjoin(ender, ender.id == UnitBinding.ended_by)
        .where(UnitBinding.candidate_id == actor.user_id)
        .order_by(UnitBinding.created_at.desc(), UnitBinding.id.desc())
    )
    return [
        HistoryRow(b.id, name, code, prev, b.created_at, b.ended_at, b.end_reason, role == "unit_admin")
        for b, name, code, prev, role in rows
    ]


def binding_status(session: Session, *, actor: Actor) -> dict:
    """For the candidate's page: verified or not, lockout, current binding."""
    authorize(session, actor, "candidate")
    return {
        "verified": verified_identity(session, user_id=actor.user_id) is not None,
        "locked_until": lockout_until(session, candidate_id=actor.user_id),
        "binding": my_binding(session, actor=actor),
    }


# ---------------------------------------------------------------- the unit's candidates


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
    if actor.role == "unit_admin":
        if unit_id is not None and unit_id != actor.unit_id:
            raise PermissionDenied("只能查看本单位的考生。")
        if actor.unit_id is None:
            raise NotFound("您的账号未关联单位，请联系管理员。")
        return actor.unit_id
    if unit_id is None:
        raise ValidationFailed({"unit": "请指定单位。"})
    return unit_id


def bound_candidates(
    session: Session, *, actor: Actor, unit_id: int | None = None, query: str = "", limit: int = 2000
) -> list[BoundCandidate]:
    """Candidates currently bound to the unit (a unit_admin: only their own); each read is access-logged."""
    authorize(session, actor, "unit_admin", "reviewer", "admin")
    unit_id = _unit_scope(actor, unit_id)
    statement = (
        select(UnitBinding, IdentityVerification, User.display_name)
        .join(User, User.id == UnitBinding.candidate_id)
        .outerjoin(
            IdentityVerification,
            and_(IdentityVerification.user_id == UnitBinding.candidate_id, IdentityVerification.is_current),
        )
        .where(UnitBinding.unit_id == unit_id, UnitBinding.ended_at.is_(None))
        .order_by(UnitBinding.created_at.desc(), UnitBinding.id.desc())
        .limit(limit)
    )
    query = clean(query, max_length=64)
    if query:
        statement = statement.where(IdentityVerification.real_name.like(f"%{like_escape(query)}%", escape="\\"))
    result = []
    for binding, verification, display_name in session.execute(statement):
        status = verification.status if verification else "unverified"
        result.append(
            BoundCandidate(
                binding_id=binding.id,
                candidate_id=binding.candidate_id,
                real_name=verification.real_name if verification else (display_name or ""),
                masked_number=verification.document_number_masked if verification else "",
                verification_status=status,
                verification_label=VERIFICATION_LABELS.get(status, status),
                since=binding.created_at,
            )
        )
    _log_list_reads(session, actor=actor, candidate_ids=[row.candidate_id for row in result])
    return result


def _log_list_reads(session: Session, *, actor: Actor, candidate_ids: list[int]) -> None:
    """Log each listed candidate once per reader per hour (pages re-run on every click)."""
    if not candidate_ids:
        return
    recent: set[int] = set()
    since = utcnow() - ACCESS_LOG_WINDOW
    for start in range(0, len(candidate_ids), 500):
        chunk = candidate_ids[start : start + 500]
        recent |= set(
            session.scalars(
                select(PersonalDataAccess.candidate_id).where(
                    PersonalDataAccess.reader_id == actor.user_id,
                    PersonalDataAccess.section == "unit_binding",
                    PersonalDataAccess.created_at >= since,
                    PersonalDataAccess.candidate_id.in_(chunk),
                )
            )
        )
    for candidate_id in candidate_ids:
        if candidate_id not in recent:
            access.record(session, actor=actor, candidate_id=candidate_id, section="unit_binding", action="view")


@dataclass(frozen=True)
class CandidateDetail:
    candidate: BoundCandidate
    document_type: str
    verified_at: datetime | None
    mobile: str


def candidate_detail(session: Session, *, actor: Actor, candidate_id: int) -> CandidateDetail:
    """One bound candidate's identity details for their unit (logged in the candidate's access log)."""
    authorize(session, actor, "unit_admin")
    binding = active_binding(session, candidate_id=candidate_id)
    if binding is None or binding.unit_id != actor.unit_id:
        raise NotFound("该考生未绑定本单位。")
    from portal.identity.service import DOCUMENT_TYPE_LABELS, current

    verification = current(session, user_id=candidate_id)
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
            verification_label=VERIFICATION_LABELS.get(status, status),
            since=binding.created_at,
        ),
        document_type=DOCUMENT_TYPE_LABELS.get(verification.document_type, "") if verification else "",
        verified_at=verification.decided_at if verification else None,
        mobile=user.mobile or "",
    )


# ---------------------------------------------------------------- unit details and names


def _validate_details(
    *, name: str | None, superior_unit: str, category: str, region_code: str
) -> tuple[dict[str, str], dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if name is not None:
        name = name.strip()
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
    values, errors = _validate_details(
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
        .where(UnitNameChange.status == "pending")
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
    if change.status != "pending":
        raise Conflict("该申请已处理。")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationFailed({"reason": "驳回须填写原因。"})
    unit = session.get(Unit, change.unit_id)
    change.status = "approved" if approve else "rejected"
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
    if status not in ("active", "suspended"):
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
        action="unit.suspend" if status == "suspended" else "unit.activate",
        object_type="unit",
        object_id=unit.id,
        summary=reason[:200],
    )
    return unit


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


# ---------------------------------------------------------------- 机构注册


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
    values, errors = _validate_details(
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
    if not _MOBILE_RE.match(contact_mobile):
        errors["contact_mobile"] = "手机号格式不正确，请输入 11 位中国大陆手机号。"
    username = (username or "").strip().lower()
    if not _USERNAME_RE.match(username):
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
            .where(UnitRegistration.status == "pending")
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
            status="active",
        )
        try:
            with session.begin_nested():
                session.add(unit)
        except IntegrityError:
            raise Conflict("该机构编码的单位刚被创建，请刷新后重试。") from None
        registration.created_unit = True
    elif unit.status == "pending":
        unit.status = "active"
    registration.unit_id = unit.id
    registration.status = "approved"
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
    registration.status = "rejected"
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
    return statuses == {"rejected"}


def _pending_registration(session: Session, registration_id: int) -> UnitRegistration:
    registration = session.get(UnitRegistration, registration_id)
    if registration is None:
        raise NotFound("注册申请不存在。")
    if registration.status != "pending":
        raise Conflict("该申请已处理。")
    return registration


def registration_status(session: Session, *, username: str, password: str) -> UnitRegistration | None:
    """The responsible person checks their request with the account they registered (public page)."""
    from portal.auth.passwords import check_password

    user = session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None or user.role != "unit_admin" or not check_password(password or "", user.password_hash):
        return None
    return session.scalar(
        select(UnitRegistration)
        .where(UnitRegistration.user_id == user.id)
        .order_by(UnitRegistration.id.desc())
        .limit(1)
    )
