"""个人中心: the candidate's personal information (个人信息) and postal addresses (我的地址).

The mobile number is the candidate's username: changing it changes the login name, asks for the password
again and must stay unique among all accounts. Name, document number, sex and birth date come from the
verified identity and are not edited here (withdraw and redo 实名认证 to change them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Address, User
from portal.audit import service as audit
from portal.auth import service as auth
from portal.auth.authorization import authorize
from portal.auth.passwords import check_password
from portal.core.actor import Actor
from portal.core.errors import Conflict, NotFound, ValidationFailed
from portal.core.timeutil import utcnow
from portal.identity.service import current
from portal.identity.vocab import DOCUMENT_TYPE_LABELS, VerificationStatus
from portal.profile import regions

MOBILE_RE = auth.MOBILE_RE
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}$")
# Mainland mobile, or a landline with area code (027-87654321, 0710-1234567-123).
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
POSTAL_CODE_RE = re.compile(r"^\d{6}$")
MAX_ADDRESSES = 20


# ------------------------------------------------------------------------------------------ 个人信息


@dataclass(frozen=True)
class PersonalInfo:
    """What the 个人信息 page shows; verified fields are masked and read-only."""

    username: str
    mobile: str
    email: str
    verification_status: str
    real_name_masked: str
    document_type: str
    masked_number: str
    sex: str | None
    birth_date: date | None
    password_changed_at: datetime | None

    @property
    def verified(self) -> bool:
        return self.verification_status == "verified"


def mask_name(name: str) -> str:
    """'张*' / '欧阳**' / '王*明': the first character (and the last of long names) stay visible."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def personal_info(session: Session, *, actor: Actor) -> PersonalInfo:
    """The acting candidate's contact details and the read-only facts of their verified identity."""
    user = authorize(session, actor, "candidate")
    # One look-up of the current verification gives both its status and, once verified, its facts.
    row = current(session, user_id=user.id)
    status = VerificationStatus.UNVERIFIED if row is None else row.status
    identity = row if status == VerificationStatus.VERIFIED else None
    return PersonalInfo(
        username=user.username,
        mobile=user.mobile or user.username,
        email=user.email or "",
        verification_status=status,
        real_name_masked=mask_name(identity.real_name) if identity else "",
        document_type=DOCUMENT_TYPE_LABELS.get(identity.document_type, "") if identity else "",
        masked_number=identity.document_number_masked if identity else "",
        sex=identity.sex if identity else None,
        birth_date=identity.birth_date if identity else None,
        password_changed_at=user.password_changed_at,
    )


def update_email(session: Session, *, actor: Actor, email: str) -> None:
    """Change (or clear, with an empty value) the acting candidate's e-mail address."""
    user = authorize(session, actor, "candidate")
    value = (email or "").strip()
    if value and (len(value) > 120 or not EMAIL_RE.match(value)):
        raise ValidationFailed({"email": "电子邮箱格式不正确，例如 zhangsan@example.com。"})
    value_or_none = value.lower() or None
    if user.email == value_or_none:
        return
    user.email = value_or_none
    audit.record(session, actor=actor, action="profile.update_email", object_type="user", object_id=user.id)


def change_mobile(session: Session, *, actor: Actor, new_mobile: str, password: str) -> str:
    """Change the acting candidate's mobile number, which is also their login name; asks for the password.

    Returns the new username. The caller should log the user out: the old login name no longer exists.
    """
    user = authorize(session, actor, "candidate")
    mobile = re.sub(r"[\s-]", "", new_mobile or "")
    if not MOBILE_RE.match(mobile):
        raise ValidationFailed({"mobile": "手机号格式不正确，请输入 11 位中国大陆手机号。"})
    if not password or not check_password(password, user.password_hash):
        raise ValidationFailed({"password": "登录密码不正确，手机号未修改。"})
    if mobile == user.username:
        raise ValidationFailed({"mobile": "新手机号与当前手机号相同。"})
    taken = session.scalar(
        select(func.count()).where((User.username == mobile) | (User.mobile == mobile), User.id != user.id)
    )
    if taken:
        raise Conflict("该手机号已被其他账号使用，请换一个手机号。", field="mobile")
    user.username = mobile
    user.mobile = mobile
    auth.revoke_cookies(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise Conflict("该手机号已被其他账号使用，请换一个手机号。", field="mobile") from error
    audit.record(session, actor=actor, action="profile.change_mobile", object_type="user", object_id=user.id)
    return mobile


def change_password(session: Session, *, actor: Actor, old_password: str, new_password: str, confirm: str) -> None:
    """Change the acting candidate's password (old password, new one twice)."""
    if new_password != confirm:
        raise ValidationFailed({"confirm": "两次输入的新密码不一致。"})
    auth.change_password(session, actor=actor, old_password=old_password, new_password=new_password)


# ------------------------------------------------------------------------------------------ 我的地址


@dataclass(frozen=True)
class AddressView:
    id: int
    recipient: str
    phone: str
    province_code: str
    city_code: str
    county_code: str
    region: str
    detail: str
    postal_code: str
    is_default: bool

    @property
    def full(self) -> str:
        return f"{self.region}{self.detail}"


def _view(row: Address) -> AddressView:
    return AddressView(
        id=row.id,
        recipient=row.recipient,
        phone=row.phone,
        province_code=row.province_code,
        city_code=row.city_code,
        county_code=row.county_code,
        region=regions.full_name(row.province_code, row.city_code, row.county_code),
        detail=row.detail,
        postal_code=row.postal_code,
        is_default=row.is_default,
    )


def addresses(session: Session, *, actor: Actor) -> list[AddressView]:
    """The acting candidate's addresses, the default first, then newest first."""
    authorize(session, actor, "candidate")
    return [_view(row) for row in session.scalars(_ADDRESSES, {"user_id": actor.user_id})]


# Built once: asked on every run of 收件地址.
_ADDRESSES = (
    select(Address)
    .where(Address.user_id == bindparam("user_id"))
    .order_by(Address.is_default.desc(), Address.id.desc())
)


def default_address(session: Session, *, user_id: int) -> AddressView | None:
    """A candidate's default postal address (for other domains, e.g. mailing certificates)."""
    row = session.scalar(select(Address).where(Address.user_id == user_id, Address.is_default.is_(True)))
    return None if row is None else _view(row)


def _clean(
    *,
    recipient: str,
    phone: str,
    province_code: str,
    city_code: str | None,
    county_code: str | None,
    detail: str,
    postal_code: str | None,
) -> dict:
    recipient = re.sub(r"\s+", " ", (recipient or "").strip())
    phone = re.sub(r"[\s]", "", phone or "")
    detail = re.sub(r"\s+", " ", (detail or "").strip())
    postal_code = (postal_code or "").strip()
    errors: dict[str, str] = {}
    if not recipient:
        errors["recipient"] = "请填写收件人姓名。"
    elif len(recipient) > 64:
        errors["recipient"] = "收件人姓名最多 64 个字符。"
    if not phone:
        errors["phone"] = "请填写收件人联系电话。"
    elif not PHONE_RE.match(phone):
        errors["phone"] = "联系电话格式不正确：请填写 11 位手机号，或带区号的固定电话（如 027-87654321）。"
    errors.update(regions.problems(province_code, city_code, county_code))
    if not detail:
        errors["detail"] = "请填写详细地址（街道、门牌号等）。"
    elif len(detail) < 4:
        errors["detail"] = "详细地址过短，请写明街道、门牌号等，便于邮寄。"
    elif len(detail) > 200:
        errors["detail"] = "详细地址最多 200 个字符。"
    if postal_code and not POSTAL_CODE_RE.match(postal_code):
        errors["postal_code"] = "邮政编码应为 6 位数字，可不填。"
    if errors:
        raise ValidationFailed(errors)
    return {
        "recipient": recipient,
        "phone": phone,
        "province_code": province_code,
        "city_code": city_code or "",
        "county_code": county_code or "",
        "detail": detail,
        "postal_code": postal_code,
    }


def _clear_default(session: Session, user_id: int, keep_id: int | None = None) -> None:
    statement = update(Address).where(Address.user_id == user_id, Address.is_default.is_(True))
    if keep_id is not None:
        statement = statement.where(Address.id != keep_id)
    session.execute(statement.values(is_default=False, updated_at=utcnow()))


def _flush(session: Session) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise Conflict("地址已在别处被修改，请刷新页面后重试。") from error


def add_address(
    session: Session,
    *,
    actor: Actor,
    recipient: str,
    phone: str,
    province_code: str,
    city_code: str | None = None,
    county_code: str | None = None,
    detail: str,
    postal_code: str | None = None,
    is_default: bool = False,
) -> AddressView:
    """Add an address for the acting candidate; the first one (or one marked default) becomes the default."""
    authorize(session, actor, "candidate")
    values = _clean(
        recipient=recipient,
        phone=phone,
        province_code=province_code,
        city_code=city_code,
        county_code=county_code,
        detail=detail,
        postal_code=postal_code,
    )
    count = session.scalar(select(func.count()).where(Address.user_id == actor.user_id)) or 0
    if count >= MAX_ADDRESSES:
        raise ValidationFailed({"address": f"最多保存 {MAX_ADDRESSES} 个地址，请先删除不用的地址。"})
    make_default = is_default or count == 0
    if make_default:
        _clear_default(session, actor.user_id)
    row = Address(user_id=actor.user_id, is_default=make_default, **values)
    session.add(row)
    _flush(session)
    audit.record(
        session,
        actor=actor,
        action="profile.add_address",
        object_type="address",
        object_id=row.id,
        summary=f"default={make_default}",
    )
    return _view(row)


def _own(session: Session, actor: Actor, address_id: int) -> Address:
    row = session.get(Address, address_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound("地址不存在或已删除。")
    return row


def update_address(
    session: Session,
    *,
    actor: Actor,
    address_id: int,
    recipient: str,
    phone: str,
    province_code: str,
    city_code: str | None = None,
    county_code: str | None = None,
    detail: str,
    postal_code: str | None = None,
) -> AddressView:
    """Change one of the acting candidate's addresses (the default flag is changed with `set_default`)."""
    authorize(session, actor, "candidate")
    row = _own(session, actor, address_id)
    values = _clean(
        recipient=recipient,
        phone=phone,
        province_code=province_code,
        city_code=city_code,
        county_code=county_code,
        detail=detail,
        postal_code=postal_code,
    )
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    _flush(session)
    audit.record(session, actor=actor, action="profile.update_address", object_type="address", object_id=row.id)
    return _view(row)


def set_default(session: Session, *, actor: Actor, address_id: int) -> None:
    """Make one address the default; the previous default loses the flag."""
    authorize(session, actor, "candidate")
    row = _own(session, actor, address_id)
    if row.is_default:
        return
    _clear_default(session, actor.user_id, keep_id=row.id)
    session.flush()
    row.is_default = True
    row.updated_at = utcnow()
    _flush(session)
    audit.record(session, actor=actor, action="profile.set_default_address", object_type="address", object_id=row.id)


def delete_address(session: Session, *, actor: Actor, address_id: int) -> None:
    """Delete an address; when it was the default, the newest remaining address becomes the default."""
    authorize(session, actor, "candidate")
    row = _own(session, actor, address_id)
    was_default = row.is_default
    session.delete(row)
    session.flush()
    successor = None
    if was_default:
        successor = session.scalar(
            select(Address).where(Address.user_id == actor.user_id).order_by(Address.id.desc()).limit(1)
        )
        if successor is not None:
            successor.is_default = True
            successor.updated_at = utcnow()
            _flush(session)
    audit.record(
        session,
        actor=actor,
        action="profile.delete_address",
        object_type="address",
        object_id=address_id,
        summary=f"was_default={was_default} new_default={successor.id if successor else None}",
    )
