"""The unit enters, the candidate confirms or asks for corrections, the unit edits, the candidate re-confirms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.models import AuditEvent, Declaration, DeclarationConfirmation, Message, PersonalDataAccess
from portal.core.actor import Actor
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.core.timeutil import today_local
from portal.declaration import confirmation, entry, exam_year
from portal.declaration.record import eligibility_record, eligibility_verdict
from tests import factories
from tests.declaration.conftest import EDUCATION, EXAM, PROBATION, YEAR, fill, open_year


def test_unit_enters_a_complete_record_and_the_candidate_sees_it_pending(session, world):
    view = fill(session, world.unit_admin, world.candidate.id)
    assert view.status == "pending"
    assert view.missing == []
    mine = confirmation.my_record(session, actor=world.candidate_actor)
    assert mine.status_label == "待确认"
    assert mine.record["education"]["school"] == "示范医科大学"
    assert mine.basic.real_name == "测试考生"
    assert mine.basic.unit_name == world.unit.name
    assert mine.basic.masked_number.count("*") == 10


def test_a_save_that_breaks_a_rule_is_refused_naming_the_field(session, world):
    with pytest.raises(ValidationFailed) as error:
        entry.save_section(
            session,
            actor=world.unit_admin,
            year=YEAR,
            candidate_id=world.candidate.id,
            section="education",
            data={**EDUCATION, "graduated_on": "2012-06-30"},
        )
    assert "学历信息·毕业时间" in error.value.errors["education.graduated_on"]
    assert session.scalar(select(func.count()).select_from(Declaration)) == 0


def test_missing_required_field_and_unknown_choice_are_refused(session, world):
    data = {**EDUCATION, "school": "", "study_form": "函授班"}
    with pytest.raises(ValidationFailed) as error:
        entry.save_section(
            session, actor=world.unit_admin, year=YEAR, candidate_id=world.candidate.id, section="education", data=data
        )
    assert error.value.errors["education.school"] == "学历信息·毕业学校：必填"
    assert "不在可选范围内" in error.value.errors["education.study_form"]


def test_confirm_records_the_hash_of_exactly_this_content(session, world):
    fill(session, world.unit_admin, world.candidate.id)
    view = confirmation.my_record(session, actor=world.candidate_actor)
    confirmed = confirmation.confirm(session, actor=world.candidate_actor, year=YEAR, expected_hash=view.content_hash)
    assert confirmed.status == "confirmed"
    row = session.scalar(select(Declaration))
    assert row.confirmed_hash == view.content_hash and row.confirmed_at is not None
    assert session.scalar(select(DeclarationConfirmation.snapshot_hash)) == view.content_hash


def test_confirming_stale_content_is_refused(session, world):
    fill(session, world.unit_admin, world.candidate.id)
    stale = confirmation.my_record(session, actor=world.candidate_actor).content_hash
    entry.save_section(
        session,
        actor=world.unit_admin,
        year=YEAR,
        candidate_id=world.candidate.id,
        section="education",
        data={**EDUCATION, "school": "另一所医科大学"},
    )
    with pytest.raises(Conflict, match="重新核对"):
        confirmation.confirm(session, actor=world.candidate_actor, year=YEAR, expected_hash=stale)


def test_incomplete_record_cannot_be_confirmed(session, world):
    entry.save_section(
        session, actor=world.unit_admin, year=YEAR, candidate_id=world.candidate.id, section="education", data=EDUCATION
    )
    view = confirmation.my_record(session, actor=world.candidate_actor)
    with pytest.raises(Conflict, match="报考信息"):
        confirmation.confirm(session, actor=world.candidate_actor, year=YEAR, expected_hash=view.content_hash)


def test_correction_request_unit_edit_and_reconfirm_with_the_diff(session, world):
    fill(session, world.unit_admin, world.candidate.id)
    view = confirmation.my_record(session, actor=world.candidate_actor)
    confirmation.confirm(session, actor=world.candidate_actor, year=YEAR, expected_hash=view.content_hash)

    # 信息有误
    view = confirmation.request_correction(
        session,
        actor=world.candidate_actor,
        year=YEAR,
        fields=["education.graduated_on"],
        note="毕业时间应为 2018-07-01",
    )
    assert view.status_label == "待单位修改"
    assert view.correction.labels == ["学历信息·毕业时间"]
    inbox = session.scalars(select(Message).where(Message.user_id == world.unit_admin.user_id)).all()
    assert [m.title for m in inbox] == ["考生申请修改申报信息"]
    assert "学历信息·毕业时间" in inbox[0].body
    rows = entry.unit_candidates(session, actor=world.unit_admin, year=YEAR)
    assert rows[0].status_label == "待单位修改" and rows[0].correction_note == "毕业时间应为 2018-07-01"

    # the unit fixes it: back to 待确认, the candidate is told and sees the change
    entry.save_section(
        session,
        actor=world.unit_admin,
        year=YEAR,
        candidate_id=world.candidate.id,
        section="education",
        data={**EDUCATION, "graduated_on": "2018-07-01"},
    )
    view = confirmation.my_record(session, actor=world.candidate_actor)
    assert view.status == "pending"
    assert view.correction is None
    assert [(c.label, c.old_value, c.new_value) for c in view.changes] == [
        ("学历信息·毕业时间", "2018-06-30", "2018-07-01")
    ]
    titles = session.scalars(select(Message.title).where(Message.user_id == world.candidate.id)).all()
    assert titles == ["单位已根据您的反馈修改申报信息，请重新核对"]

    # re-confirm: the diff is gone, two confirmations are kept
    confirmation.confirm(session, actor=world.candidate_actor, year=YEAR, expected_hash=view.content_hash)
    view = confirmation.my_record(session, actor=world.candidate_actor)
    assert view.status == "confirmed" and view.changes == []
    assert session.scalar(select(func.count()).select_from(DeclarationConfirmation)) == 2


def test_unit_change_after_confirmation_sets_back_to_pending_and_messages(session, world):
    fill(session, world.unit_admin, world.candidate.id)
    view = confirmation.my_record(session, actor=world.candidate_actor)
    confirmation.confirm(session, actor=world.candidate_actor, year=YEAR, expected_hash=view.content_hash)
    entry.save_section(
        session,
        actor=world.unit_admin,
        year=YEAR,
        candidate_id=world.candidate.id,
        section="title",
        data={
            "series": "卫生系列（医疗）",
            "level": "员级",
            "specialty": "内科",
            "obtained_by": "考试",
            "approved_on": "2020-05-01",
        },
    )
    view = confirmation.my_record(session, actor=world.candidate_actor)
    assert view.status == "pending"
    labels = {c.label: (c.old_value, c.new_value) for c in view.changes}
    assert labels["专业技术职称·资格系列"] == ("", "卫生系列（医疗）")
    titles = session.scalars(select(Message.title).where(Message.user_id == world.candidate.id)).all()
    assert titles == ["单位修改了您已确认的申报信息，请重新确认"]


def test_saving_the_same_values_changes_nothing(session, world):
    fill(session, world.unit_admin, world.candidate.id)
    view = confirmation.my_record(session, actor=world.candidate_actor)
    confirmation.confirm(session, actor=world.candidate_actor, year=YEAR, expected_hash=view.content_hash)
    entry.save_section(
        session, actor=world.unit_admin, year=YEAR, candidate_id=world.candidate.id, section="education", data=EDUCATION
    )
    assert confirmation.my_record(session, actor=world.candidate_actor).status == "confirmed"


def test_a_unit_cannot_read_or_edit_candidates_bound_elsewhere(session, world):
    with pytest.raises(PermissionDenied, match="未绑定本单位"):
        entry.save_section(
            session,
            actor=world.other_admin,
            year=YEAR,
            candidate_id=world.candidate.id,
            section="education",
            data=EDUCATION,
        )
    with pytest.raises(PermissionDenied):
        entry.unit_record(session, actor=world.other_admin, year=YEAR, candidate_id=world.candidate.id)
    assert entry.unit_candidates(session, actor=world.other_admin, year=YEAR) == []


def test_unit_reads_and_edits_are_in_the_access_log(session, world):
    fill(session, world.unit_admin, world.candidate.id)
    entry.unit_record(session, actor=world.unit_admin, year=YEAR, candidate_id=world.candidate.id)
    logged = session.execute(
        select(PersonalDataAccess.section, PersonalDataAccess.action).where(
            PersonalDataAccess.candidate_id == world.candidate.id
        )
    ).all()
    assert ("education", "edit") in logged and ("declaration", "view") in logged
    assert all(row.reader_unit_id == world.unit.id for row in session.scalars(select(PersonalDataAccess)))


def test_no_personal_data_in_audit_summaries(session, world):
    fill(session, world.unit_admin, world.candidate.id)
    summaries = " ".join(session.scalars(select(AuditEvent.summary)))
    assert EDUCATION["diploma_number"] not in summaries and "示范医科大学" not in summaries


def test_a_candidate_sees_only_their_own_record(session, world):
    fill(session, world.unit_admin, world.candidate.id)
    other = factories.verified_candidate(session, real_name="另一考生")
    other_actor = Actor.of(other)
    view = confirmation.my_record(session, actor=other_actor)
    assert view.declaration_id is None and view.record["education"] is None
    with pytest.raises(PermissionDenied):
        entry.unit_record(session, actor=other_actor, year=YEAR, candidate_id=world.candidate.id)


def test_edits_outside_the_entry_window_are_refused(session, world):
    today = today_local()
    open_year(session, year=2027, entry=(today + timedelta(days=10), today + timedelta(days=40)))
    with pytest.raises(PermissionDenied, match="将于"):
        entry.save_section(
            session,
            actor=world.unit_admin,
            year=2027,
            candidate_id=world.candidate.id,
            section="education",
            data=EDUCATION,
        )
    with pytest.raises(PermissionDenied, match="已于"):
        entry.save_section(
            session,
            actor=world.unit_admin,
            year=YEAR,
            candidate_id=world.candidate.id,
            section="education",
            data=EDUCATION,
            today=today + timedelta(days=61),
        )


def test_confirmation_outside_its_window_is_refused(session, world):
    fill(session, world.unit_admin, world.candidate.id)
    view = confirmation.my_record(session, actor=world.candidate_actor)
    later = today_local() + timedelta(days=91)
    with pytest.raises(PermissionDenied, match="截止"):
        confirmation.confirm(
            session, actor=world.candidate_actor, year=YEAR, expected_hash=view.content_hash, today=later
        )
    with pytest.raises(PermissionDenied, match="截止"):
        confirmation.request_correction(
            session, actor=world.candidate_actor, year=YEAR, fields=["education.school"], note="", today=later
        )
    assert exam_year.confirmation_window(session, today=later).state == "closed"
    assert "已于" in exam_year.confirmation_window(session, today=later).text
    earlier = today_local() - timedelta(days=31)
    assert "将于" in exam_year.confirmation_window(session, today=earlier).text


def test_admin_opens_a_year_once_and_cutoff_defaults_to_31_august(session):
    admin = factories.actor(session, "admin")
    row = open_year(session, year=2030)
    assert row.cutoff_on.isoformat() == "2030-08-31" and row.name == "2030年度医师资格"
    with pytest.raises(Conflict):
        open_year(session, year=2030)
    today = today_local()
    with pytest.raises(ValidationFailed) as error:
        exam_year.open_exam_year(
            session,
            actor=admin,
            year=2031,
            entry_opens_on=today,
            entry_closes_on=today - timedelta(days=1),
            confirmation_opens_on=today,
            confirmation_closes_on=today,
        )
    assert "填报截止日期" in error.value.errors["entry_closes_on"]
    with pytest.raises(PermissionDenied):
        exam_year.open_exam_year(
            session,
            actor=factories.actor(session, "unit_admin", unit=factories.unit(session)),
            year=2032,
            entry_opens_on=today,
            entry_closes_on=today,
            confirmation_opens_on=today,
            confirmation_closes_on=today,
        )
    with pytest.raises(NotFound):
        exam_year.get_exam_year(session, year=2099)


def test_eligibility_record_has_the_contract_shape(session, world):
    view = fill(session, world.unit_admin, world.candidate.id)
    record = eligibility_record(session, declaration_id=view.declaration_id)
    assert record["exam_level"] == "执业医师" and record["is_assistant_upgrading"] is False
    assert record["education"]["graduated_on"] == "2018-06-30"
    assert record["probation"] == [{"work_started_on": "2018-07-15", "work_ended_on": None}]
    verdict = eligibility_verdict(session, declaration_id=view.declaration_id)
    assert verdict.label == "满足"
    rows = entry.unit_candidates(session, actor=world.unit_admin, year=YEAR)
    assert rows[0].verdict == "满足"


def test_the_units_list_of_declarations_is_access_logged_for_each_candidate(session, world):
    from portal.access import service as access

    rows = entry.unit_candidates(session, actor=world.unit_admin, year=YEAR)
    assert [r.candidate_id for r in rows] == [world.candidate.id]
    logged = session.execute(
        select(PersonalDataAccess.candidate_id, PersonalDataAccess.reader_id, PersonalDataAccess.section)
    ).all()
    assert logged == [(world.candidate.id, world.unit_admin.user_id, "declaration")]
    entries = access.access_log(session, actor=world.candidate_actor)
    assert len(entries) == 1 and "查看了您的" in entries[0].sentence


def test_the_units_list_shows_each_records_latest_verdict_and_gaps_after_every_change(session, world):
    """The list keeps each record's summary per revision: a change of the record shows at once."""
    entry.save_section(
        session, actor=world.unit_admin, year=YEAR, candidate_id=world.candidate.id, section="exam", data=EXAM
    )
    (row,) = entry.unit_candidates(session, actor=world.unit_admin, year=YEAR)
    assert row.missing, "only the exam section is entered"
    fill(session, world.unit_admin, world.candidate.id)
    (row,) = entry.unit_candidates(session, actor=world.unit_admin, year=YEAR)
    assert (row.verdict, row.missing) == ("满足", [])
    recent = (today_local() - timedelta(days=30)).isoformat()
    entry.save_section(
        session,
        actor=world.unit_admin,
        year=YEAR,
        candidate_id=world.candidate.id,
        section="probation",
        data=[{**PROBATION[0], "work_started_on": recent}],
    )
    (row,) = entry.unit_candidates(session, actor=world.unit_admin, year=YEAR)
    assert row.verdict in ("不满足", "将满足"), row.verdict
