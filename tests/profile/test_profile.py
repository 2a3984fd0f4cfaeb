"""个人信息 and 我的地址: editing, validation, the single default address, the mobile number as login name."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from db.models import Address, AuditEvent, PersonalDataAccess, User
from portal.auth import service as auth
from portal.core.actor import Actor
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.profile import regions
from portal.profile import service as profile
from tests import factories

WUCHANG = {"province_code": "420000", "city_code": "420100", "county_code": "420106"}


def address(session, actor: Actor, **overrides) -> profile.AddressView:
    values = {"recipient": "张三", "phone": "13912345678", "detail": "中山路 100 号 3 栋 201 室", **WUCHANG}
    values.update(overrides)
    return profile.add_address(session, actor=actor, **values)


def defaults(session, user_id: int) -> list[int]:
    return list(session.scalars(select(Address.id).where(Address.user_id == user_id, Address.is_default.is_(True))))


@pytest.fixture
def candidate(session) -> Actor:
    return factories.actor(session, "candidate")


# ------------------------------------------------------------------------------------------- regions


def test_regions_list_hubei_first_with_all_its_prefectures_and_counties():
    assert regions.provinces()[0] == ("420000", "湖北省")
    assert len(regions.provinces()) == 34
    hubei = dict(regions.cities("420000"))
    assert len(hubei) == 14
    assert hubei["422800"] == "恩施土家族苗族自治州"
    assert dict(regions.counties("421000"))["421088"] == "监利市"
    assert dict(regions.counties("429000")) == {
        "429004": "仙桃市",
        "429005": "潜江市",
        "429006": "天门市",
        "429021": "神农架林区",
    }
    assert sum(len(regions.counties(code)) for code in hubei) == 103


def test_regions_agree_with_the_unit_domains_hubei_table():
    from portal.unit import regions as unit_regions

    for code, (name, counties) in unit_regions.PREFECTURES.items():
        assert regions.name_of(code) == name
        assert dict(regions.counties(code)) == counties


def test_every_province_has_its_prefecture_level_cities():
    names = dict(regions.provinces())
    assert names["440000"] == "广东省" and ("440300", "深圳市") in regions.cities("440000")
    assert ("650200", "克拉玛依市") in regions.cities("650000")
    assert regions.full_name("110000", "110100", "110105") == "北京市朝阳区"
    assert regions.full_name("420000", "429000", "429004") == "湖北省仙桃市"
    for code, _name in regions.provinces():
        if code not in ("710000", "810000", "820000"):
            assert regions.cities(code), code


# ------------------------------------------------------------------------------------------ addresses


def test_first_address_becomes_default_and_shows_its_region(session, candidate):
    first = address(session, candidate)
    assert first.is_default
    assert first.full == "湖北省武汉市武昌区中山路 100 号 3 栋 201 室"
    second = address(session, candidate, recipient="李四")
    assert not second.is_default
    assert [a.id for a in profile.addresses(session, actor=candidate)] == [first.id, second.id]


def test_second_default_takes_the_flag_from_the_first(session, candidate):
    first = address(session, candidate)
    second = address(session, candidate, is_default=True)
    assert defaults(session, candidate.user_id) == [second.id]
    profile.set_default(session, actor=candidate, address_id=first.id)
    assert defaults(session, candidate.user_id) == [first.id]
    assert profile.addresses(session, actor=candidate)[0].id == first.id
    assert profile.default_address(session, user_id=candidate.user_id).id == first.id


def test_the_schema_itself_refuses_two_defaults(session, candidate):
    address(session, candidate)
    session.add(
        Address(
            user_id=candidate.user_id,
            is_default=True,
            recipient="王五",
            phone="13912345678",
            province_code="420000",
            city_code="420100",
            county_code="420106",
            detail="另一处地址 1 号",
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_deleting_the_default_passes_the_flag_to_the_newest_remaining(session, candidate):
    first = address(session, candidate)
    second = address(session, candidate)
    third = address(session, candidate)
    profile.delete_address(session, actor=candidate, address_id=first.id)
    assert defaults(session, candidate.user_id) == [third.id]
    profile.delete_address(session, actor=candidate, address_id=second.id)
    assert defaults(session, candidate.user_id) == [third.id]
    profile.delete_address(session, actor=candidate, address_id=third.id)
    assert profile.addresses(session, actor=candidate) == []
    assert profile.default_address(session, user_id=candidate.user_id) is None


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"phone": "12345"}, "phone", "联系电话格式不正确"),
        ({"phone": "1391234567"}, "phone", "联系电话格式不正确"),
        ({"phone": ""}, "phone", "请填写收件人联系电话"),
        ({"recipient": "   "}, "recipient", "请填写收件人"),
        ({"county_code": "429004"}, "county_code", "不属于该城市"),
        ({"county_code": "999999"}, "county_code", "不属于该城市"),
        ({"county_code": ""}, "county_code", "请选择区县"),
        ({"city_code": "430100"}, "city_code", "不属于该省份"),
        ({"province_code": "990000"}, "province_code", "省份不存在"),
        ({"detail": ""}, "detail", "请填写详细地址"),
        ({"postal_code": "4300"}, "postal_code", "邮政编码"),
    ],
)
def test_address_validation_names_the_field(session, candidate, overrides, field, words):
    with pytest.raises(ValidationFailed) as caught:
        address(session, candidate, **overrides)
    assert field in caught.value.errors
    assert words in caught.value.errors[field]
    assert profile.addresses(session, actor=candidate) == []


def test_landline_and_other_provinces_are_accepted(session, candidate):
    landline = address(session, candidate, phone="027-87654321", postal_code="430061")
    assert landline.phone == "027-87654321"
    guangzhou = address(
        session, candidate, province_code="440000", city_code="440100", county_code="", detail="天河区某路 8 号"
    )
    assert guangzhou.full == "广东省广州市天河区某路 8 号"


def test_update_address_validates_and_saves(session, candidate):
    row = address(session, candidate)
    with pytest.raises(ValidationFailed):
        profile.update_address(
            session,
            actor=candidate,
            address_id=row.id,
            recipient="",
            phone="13912345678",
            detail="中山路 1 号",
            **WUCHANG,
        )
    changed = profile.update_address(
        session,
        actor=candidate,
        address_id=row.id,
        recipient="赵六",
        phone="13987654321",
        province_code="420000",
        city_code="420500",
        county_code="420502",
        detail="西陵一路 5 号",
    )
    assert (changed.recipient, changed.region, changed.is_default) == ("赵六", "湖北省宜昌市西陵区", True)


def test_no_one_touches_someone_elses_address(session, candidate):
    mine = address(session, candidate)
    other = factories.actor(session, "candidate")
    with pytest.raises(NotFound):
        profile.delete_address(session, actor=other, address_id=mine.id)
    with pytest.raises(NotFound):
        profile.set_default(session, actor=other, address_id=mine.id)
    assert profile.addresses(session, actor=other) == []
    with pytest.raises(PermissionDenied):
        profile.addresses(session, actor=factories.actor(session, "unit_admin", unit=factories.unit(session)))


def test_address_changes_are_audited_without_personal_data(session, candidate):
    row = address(session, candidate, recipient="独特收件人")
    profile.delete_address(session, actor=candidate, address_id=row.id)
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.object_type == "address")))
    assert [e.action for e in events] == ["profile.add_address", "profile.delete_address"]
    assert all("独特收件人" not in e.summary and "中山路" not in e.summary for e in events)


# ------------------------------------------------------------------------------------------ 个人信息


def test_personal_info_derives_sex_and_birth_date_from_the_verified_id_and_masks(session):
    user = factories.verified_candidate(session, real_name="欧阳明华")
    info = profile.personal_info(session, actor=Actor.of(user))
    assert info.verified
    assert info.real_name_masked == "欧**华"
    assert info.birth_date == date(1995, 3, 15)
    assert info.sex in ("男", "女")
    assert "*" in info.masked_number and len(info.masked_number) == 18
    # Own reads are not logged in the access log.
    assert session.scalar(select(func.count()).select_from(PersonalDataAccess)) == 0


def test_personal_info_before_verification_has_no_identity_facts(session, candidate):
    info = profile.personal_info(session, actor=candidate)
    assert not info.verified
    assert (info.sex, info.birth_date, info.masked_number) == (None, None, "")
    assert info.mobile == candidate.username


def test_email_is_validated_and_saved(session, candidate):
    with pytest.raises(ValidationFailed) as caught:
        profile.update_email(session, actor=candidate, email="not-an-email")
    assert "电子邮箱格式不正确" in caught.value.errors["email"]
    profile.update_email(session, actor=candidate, email=" Zhang.San@Example.com ")
    assert profile.personal_info(session, actor=candidate).email == "zhang.san@example.com"
    profile.update_email(session, actor=candidate, email="")
    assert profile.personal_info(session, actor=candidate).email == ""


def test_changing_the_mobile_asks_for_the_password_and_changes_the_login_name(session, candidate):
    with pytest.raises(ValidationFailed) as caught:
        profile.change_mobile(session, actor=candidate, new_mobile="13655556666", password="wrong-pass1")
    assert "密码不正确" in caught.value.errors["password"]
    with pytest.raises(ValidationFailed) as caught:
        profile.change_mobile(session, actor=candidate, new_mobile="2365555666", password=factories.PASSWORD)
    assert "手机号格式不正确" in caught.value.errors["mobile"]

    assert profile.change_mobile(session, actor=candidate, new_mobile="136 5555 6666", password=factories.PASSWORD) == (
        "13655556666"
    )
    user = session.get(User, candidate.user_id)
    assert (user.username, user.mobile) == ("13655556666", "13655556666")
    assert auth.load_actor(session, username=candidate.username) is None
    assert auth.load_actor(session, username="13655556666").user_id == candidate.user_id


def test_a_mobile_number_in_use_by_another_account_is_refused(session, candidate):
    other = factories.user(session, "candidate")
    with pytest.raises(Conflict, match="已被其他账号使用"):
        profile.change_mobile(session, actor=candidate, new_mobile=other.username, password=factories.PASSWORD)
    assert session.get(User, candidate.user_id).username == candidate.username


def test_change_of_password_goes_through_the_account_service(session, candidate):
    with pytest.raises(ValidationFailed, match="不一致"):
        profile.change_password(
            session, actor=candidate, old_password=factories.PASSWORD, new_password="Newpass123", confirm="Other123"
        )
    with pytest.raises(ValidationFailed, match="原密码不正确"):
        profile.change_password(
            session, actor=candidate, old_password="bad-pass1", new_password="Newpass123", confirm="Newpass123"
        )
    profile.change_password(
        session, actor=candidate, old_password=factories.PASSWORD, new_password="Newpass123", confirm="Newpass123"
    )
    from portal.auth.passwords import check_password

    assert check_password("Newpass123", session.get(User, candidate.user_id).password_hash)
