"""Shared set-up: an open exam year, a unit with its admin, a verified candidate bound to it, valid sections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from portal.core.actor import SYSTEM, Actor
from portal.core.timeutil import today_local
from portal.declaration.entry import save_section
from portal.declaration.exam_year import open_exam_year
from tests import factories

YEAR = 2026
BIRTH = date(1995, 3, 15)  # the birth date in factories.fictional_id_number

EXAM = {"exam_level": "执业医师", "exam_category": "临床", "is_assistant_upgrading": "否", "is_fresh_graduate": "是"}
EDUCATION = {
    "education_level": "本科",
    "study_form": "普通全日制",
    "enrolled_on": "2013-09-01",
    "graduated_on": "2018-06-30",
    "school": "示范医科大学",
    "schooling_years": 5,
    "major_type": "临床医学类",
    "major": "临床医学",
    "diploma_number": "100001201805000123",
}
PROBATION = [
    {
        "institution": "测试示范医院",
        "post": "住院医师",
        "work_started_on": "2018-07-15",
        "work_ended_on": None,
        "supervisor_name": "王老师",
    }
]


def fill(session, unit_actor, candidate_id, *, year=YEAR, today=None):
    """Enter a complete record (exam info, education, probation, 无此信息 for the nurse certificate)."""
    for section, data in (
        ("exam", EXAM),
        ("education", EDUCATION),
        ("probation", PROBATION),
        ("nurse_certificate", {"none": True}),
    ):
        view = save_section(
            session, actor=unit_actor, year=year, candidate_id=candidate_id, section=section, data=data, today=today
        )
    return view


@dataclass
class World:
    unit: object
    unit_admin: Actor
    candidate: object
    candidate_actor: Actor
    other_unit: object
    other_admin: Actor


def open_year(session, *, year=YEAR, entry=None, confirmation=None):
    today = today_local()
    entry = entry or (today - timedelta(days=30), today + timedelta(days=60))
    confirmation = confirmation or (today - timedelta(days=30), today + timedelta(days=90))
    return open_exam_year(
        session,
        actor=SYSTEM,
        year=year,
        entry_opens_on=entry[0],
        entry_closes_on=entry[1],
        confirmation_opens_on=confirmation[0],
        confirmation_closes_on=confirmation[1],
    )


@pytest.fixture
def world(session) -> World:
    open_year(session)
    unit = factories.unit(session)
    other = factories.unit(session)
    admin = factories.user(session, "unit_admin", unit=unit)
    other_admin = factories.user(session, "unit_admin", unit=other)
    candidate = factories.verified_candidate(session)
    factories.bind(session, candidate, unit)
    return World(unit, Actor.of(admin), candidate, Actor.of(candidate), other, Actor.of(other_admin))
