"""The unit's side: bound candidates, ending a binding, details and renames; 机构注册 and its review."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from db.models import Message, PersonalDataAccess, Unit, User
from portal.auth.service import load_actor
from portal.core.actor import Actor
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.unit import binding as bindings
from portal.unit import confirmation_code, roster
from portal.unit import registration as registrations
from portal.unit.codes import fictional_uscc
from tests import factories


@pytest.fixture
def two_units(session):
    """Two units, each with an admin and one bound verified candidate."""
    made = []
    for name in ("甲示范医院", "乙示范医院"):
        unit = factories.unit(session, name=name)
        admin = factories.actor(session, "unit_admin", unit=unit)
        candidate = factories.verified_candidate(session, real_name=f"{name[0]}考生")
        binding = factories.bind(session, candidate, unit)
        made.append((unit, admin, candidate, binding))
    return made


def test_unit_admin_sees_only_own_candidates_and_reads_are_logged(session, two_units):
    (unit_a, admin_a, cand_a, _), (unit_b, _, cand_b, _) = two_units
    rows = bindings.bound_candidates(session, actor=admin_a)
    assert [(r.candidate_id, r.real_name, r.verification_label) for r in rows] == [(cand_a.id, "甲考生", "认证成功")]
    assert "*" in rows[0].masked_number
    with pytest.raises(PermissionDenied):
        bindings.bound_candidates(session, actor=admin_a, unit_id=unit_b.id)
    logged = session.scalars(select(PersonalDataAccess).where(PersonalDataAccess.reader_id == admin_a.user_id)).all()
    assert [(a.candidate_id, a.section) for a in logged] == [(cand_a.id, "unit_binding")]
    # A second look within the hour is not logged again.
    bindings.bound_candidates(session, actor=admin_a)
    assert session.scalar(select(func.count()).select_from(PersonalDataAccess)) == 1


def test_candidate_detail_is_logged_and_limited_to_own_unit(session, two_units):
    (_, admin_a, cand_a, _), (_, _, cand_b, _) = two_units
    detail = bindings.candidate_detail(session, actor=admin_a, candidate_id=cand_a.id)
    assert detail.candidate.real_name == "甲考生" and detail.document_type == "居民身份证"
    assert session.scalar(
        select(func.count()).where(
            PersonalDataAccess.candidate_id == cand_a.id, PersonalDataAccess.section == "identity"
        )
    )
    with pytest.raises(NotFound):
        bindings.candidate_detail(session, actor=admin_a, candidate_id=cand_b.id)
    assert not session.scalar(select(func.count()).where(PersonalDataAccess.candidate_id == cand_b.id))


def test_unit_admin_ends_a_binding_with_a_reason_and_candidate_is_told(session, two_units):
    (_, admin_a, cand_a, binding_a), (_, _, _, binding_b) = two_units
    with pytest.raises(NotFound):
        bindings.end_binding(session, actor=admin_a, binding_id=binding_b.id, reason="不是本单位")
    assert bindings.current_binding(session, candidate_id=binding_b.candidate_id) is not None
    with pytest.raises(ValidationFailed):
        bindings.end_binding(session, actor=admin_a, binding_id=binding_a.id, reason=" ")
    bindings.end_binding(session, actor=admin_a, binding_id=binding_a.id, reason="已离职")
    assert bindings.current_binding(session, candidate_id=cand_a.id) is None
    body = session.scalar(select(Message.body).where(Message.user_id == cand_a.id))
    assert "已离职" in body
    history = bindings.history(session, actor=Actor.of(cand_a))
    assert history[0].end_reason == "已离职" and history[0].ended_by_unit
    with pytest.raises(Conflict):
        bindings.end_binding(session, actor=admin_a, binding_id=binding_a.id, reason="再次")


def test_other_fields_change_at_once_but_a_new_name_waits_for_a_reviewer(session, two_units):
    unit, admin, _, _ = two_units[0]
    request = roster.update_unit(
        session,
        actor=admin,
        name="甲示范医院（新名）",
        superior_unit="新主管",
        category="医院-专科医院",
        region_code="420111",
    )
    assert (unit.superior_unit, unit.category, unit.region_code, unit.name) == (
        "新主管",
        "医院-专科医院",
        "420111",
        "甲示范医院",
    )
    assert request is not None and request.status == "pending"
    with pytest.raises(Conflict):
        roster.update_unit(
            session, actor=admin, name="又一个名字", superior_unit="新主管", category="医院", region_code="420111"
        )
    with pytest.raises(ValidationFailed) as bad:
        roster.update_unit(session, actor=admin, name="甲", superior_unit="", category="美容院", region_code="1")
    assert set(bad.value.errors) == {"category", "region_code"}
    reviewer = factories.actor(session, "reviewer")
    assert [c.id for c, _ in roster.pending_name_changes(session, actor=reviewer)] == [request.id]
    with pytest.raises(ValidationFailed):
        roster.decide_name_change(session, actor=reviewer, change_id=request.id, approve=False)
    roster.decide_name_change(session, actor=reviewer, change_id=request.id, approve=True)
    assert unit.name == "甲示范医院（新名）" and unit.name_initials == "jsfyyxm"
    with pytest.raises(PermissionDenied):
        roster.decide_name_change(session, actor=admin, change_id=request.id, approve=True)


def test_reviewer_sees_units_with_many_failed_attempts(session):
    unit = factories.unit(session)
    admin = factories.actor(session, "unit_admin", unit=unit)
    confirmation_code.rotate_code(session, actor=admin)
    for _ in range(3):
        candidate = Actor.of(factories.verified_candidate(session))
        for _ in range(2):
            with pytest.raises(confirmation_code.WrongCode):
                bindings.bind(session, actor=candidate, unit_id=unit.id, code="WRONG23456")
    reviewer = factories.actor(session, "reviewer")
    flagged = confirmation_code.units_with_failed_attempts(session, actor=reviewer, minimum=5)
    assert [(f.unit.id, f.attempts, f.candidates) for f in flagged] == [(unit.id, 6, 3)]
    assert confirmation_code.units_with_failed_attempts(session, actor=reviewer, minimum=7) == []
    assert roster.overview(session, actor=admin).failed_attempts_7d == 6


def registration_form(**overrides):
    form = {
        "name": "十堰市示范乡镇卫生院",
        "institution_code": fictional_uscc(random.Random(5), "420304"),
        "superior_unit": "十堰市郧阳区卫生健康局",
        "category": "乡镇卫生院",
        "region_code": "420304",
        "contact_name": "王负责",
        "contact_mobile": "13912345678",
        "username": "syws_admin",
        "password": "Unit2026ok",
        "password_confirm": "Unit2026ok",
    }
    form.update(overrides)
    return form


def test_registration_approved_activates_unit_and_admin(session):
    registration = registrations.register_unit(session, **registration_form())
    assert registration.status == "pending"
    user = session.get(User, registration.user_id)
    assert not user.is_active and load_actor(session, username="syws_admin") is None
    with pytest.raises(Conflict):
        registrations.register_unit(session, **registration_form(username="other_admin"))
    reviewer = factories.actor(session, "reviewer")
    assert [r.id for r in registrations.pending_registrations(session, actor=reviewer)] == [registration.id]
    unit = registrations.approve_registration(session, actor=reviewer, registration_id=registration.id)
    assert unit.status == "active" and unit.category == "基层医疗卫生机构-乡镇卫生院"
    actor = load_actor(session, username="syws_admin")
    assert actor is not None and actor.unit_id == unit.id
    assert roster.own_unit(session, actor=actor).name == "十堰市示范乡镇卫生院"
    assert session.scalar(select(Message.title).where(Message.user_id == user.id)) == "机构注册已通过"
    with pytest.raises(Conflict):
        registrations.approve_registration(session, actor=reviewer, registration_id=registration.id)


def test_registration_rejected_with_reason_and_may_be_resubmitted(session):
    registration = registrations.register_unit(session, **registration_form())
    reviewer = factories.actor(session, "reviewer")
    with pytest.raises(ValidationFailed):
        registrations.reject_registration(session, actor=reviewer, registration_id=registration.id, reason="")
    registrations.reject_registration(
        session, actor=reviewer, registration_id=registration.id, reason="机构编码与名称不符"
    )
    assert session.scalar(select(func.count()).select_from(Unit)) == 0
    again = registrations.register_unit(
        session, **registration_form(password="Unit2026new", password_confirm="Unit2026new")
    )
    assert again.user_id == registration.user_id and again.status == "pending"


def test_registration_validation_and_existing_units(session):
    with pytest.raises(ValidationFailed) as bad:
        registrations.register_unit(
            session,
            **registration_form(institution_code="123", region_code="110101", contact_mobile="123", password="short"),
        )
    assert {"institution_code", "region_code", "contact_mobile", "password"} <= set(bad.value.errors)
    # A roster unit that already has an administrator cannot be registered again.
    unit = factories.unit(session)
    factories.user(session, "unit_admin", unit=unit)
    with pytest.raises(Conflict, match="单位管理员"):
        registrations.register_unit(session, **registration_form(institution_code=unit.institution_code))
    # A roster unit without an administrator can: approval attaches the account to it.
    orphan = factories.unit(session)
    registration = registrations.register_unit(
        session, **registration_form(institution_code=orphan.institution_code, username="orphan_admin")
    )
    reviewer = factories.actor(session, "reviewer")
    assert registrations.approve_registration(session, actor=reviewer, registration_id=registration.id).id == orphan.id
    assert session.scalar(select(func.count()).select_from(Unit)) == 2


def test_only_own_unit_code_rotates(session, two_units):
    (unit_a, admin_a, _, _), (unit_b, _, _, _) = two_units
    with pytest.raises(PermissionDenied):
        confirmation_code.rotate_code(session, actor=admin_a, unit_id=unit_b.id)
    assert unit_b.confirmation_code_hash is None
