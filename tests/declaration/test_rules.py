"""Every consistency rule with a passing and a failing case, each message naming its field."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from portal.declaration import rules

TODAY = date(2026, 11, 26)
BIRTH = date(1995, 3, 15)


def record(**changes):
    base = {
        "exam_level": "执业医师",
        "exam_category": "临床",
        "is_assistant_upgrading": False,
        "is_fresh_graduate": False,
        "has_nurse_certificate": False,
        "education": {
            "education_level": "本科",
            "study_form": "普通全日制",
            "enrolled_on": date(2013, 9, 1),
            "graduated_on": date(2018, 6, 30),
            "schooling_years": 5,
        },
        "title": {"approved_on": date(2022, 5, 1), "appointed_on": date(2022, 6, 1)},
        "qualification_certificates": [{"issued_on": date(2019, 12, 1)}],
        "practice_certificate": {"issued_on": date(2020, 3, 1), "first_registered_on": date(2020, 3, 1)},
        "nurse_certificate": None,
        "probation": [{"work_started_on": date(2018, 7, 15), "work_ended_on": date(2019, 7, 14)}],
    }
    base = copy.deepcopy(base)
    for path, value in changes.items():
        section, _, key = path.partition("__")
        if key:
            target = base[section][0] if isinstance(base[section], list) else base[section]
            target[key] = value
        else:
            base[section] = value
    return base


def check(rec):
    return rules.check(rec, birth_date=BIRTH, today=TODAY)


def test_a_consistent_record_passes():
    assert check(record()) == {}


CASES = [
    # (rule, failing change, field path, words in the message)
    (
        "graduation_after_enrolment",
        {"education__graduated_on": date(2013, 6, 30)},
        "education.graduated_on",
        "毕业时间",
    ),
    ("schooling_matches_dates", {"education__schooling_years": 3}, "education.schooling_years", "学制"),
    ("dates_not_in_future", {"title__approved_on": date(2027, 1, 1)}, "title.approved_on", "批准日期"),
    (
        "certificates_after_graduation",
        {"qualification_certificates__issued_on": date(2017, 12, 1)},
        "qualification_certificate[1].issued_on",
        "医师资格证（第1条）·签发日期",
    ),
    (
        "probation_end_after_start",
        {"probation__work_ended_on": date(2018, 7, 1)},
        "probation[1].work_ended_on",
        "工作结束时间",
    ),
    (
        "first_registration_not_after_issue",
        {"practice_certificate__first_registered_on": date(2020, 4, 1)},
        "practice_certificate.first_registered_on",
        "首次注册时间",
    ),
    ("dates_match_birth_date", {"education__enrolled_on": date(2008, 9, 1)}, "education.enrolled_on", "出生日期"),
    (
        "certificate_codes_distinct",
        {
            "qualification_certificates": [
                {"issued_on": date(2019, 12, 1), "certificate_code": "201942110420106199503150011"},
                {"issued_on": date(2021, 12, 1), "certificate_code": "201942110420106199503150011"},
            ]
        },
        "qualification_certificate[2].certificate_code",
        "重复",
    ),
]


@pytest.mark.parametrize("rule, change, path, words", CASES, ids=[c[0] for c in CASES])
def test_each_rule_fails_with_a_message_naming_the_field(rule, change, path, words):
    rec = record(**change)
    errors = getattr(rules, rule)(rec, birth_date=BIRTH, today=TODAY)
    assert path in errors
    assert words in errors[path]
    assert check(rec)[path] == errors[path]


@pytest.mark.parametrize("rule, change, path, words", CASES, ids=[c[0] for c in CASES])
def test_each_rule_passes_on_the_consistent_record(rule, change, path, words):
    assert getattr(rules, rule)(record(), birth_date=BIRTH, today=TODAY) == {}


def test_schooling_tolerates_the_june_graduation_and_a_deferred_year():
    assert rules.schooling_matches_dates(record(education__graduated_on=date(2019, 6, 30))) == {}
    assert rules.schooling_matches_dates(record(education__graduated_on=date(2020, 6, 30)))


def test_in_service_study_allows_earlier_certificates():
    rec = record(qualification_certificates__issued_on=date(2017, 12, 1))
    rec["education"]["study_form"] = "成人高等教育（函授）"
    assert rules.certificates_after_graduation(rec) == {}


def test_a_planned_probation_end_may_lie_in_the_future():
    assert rules.dates_not_in_future(record(probation__work_ended_on=date(2027, 7, 14)), today=TODAY) == {}


def test_a_certificate_before_age_18_is_refused():
    rec = record(nurse_certificate={"issued_on": date(2012, 1, 1)})
    assert "nurse_certificate.issued_on" in rules.dates_match_birth_date(rec, birth_date=BIRTH)


def test_missing_lists_what_is_still_to_enter():
    empty = {"qualification_certificates": [], "probation": []}
    assert rules.missing(empty) == [
        "报考信息",
        "学历信息",
        "试用期单位（当前工作单位）",
        "护士执业证（或选择“无此信息”）",
    ]
    assert rules.missing(record()) == []
    upgrading = record(is_assistant_upgrading=True, practice_certificate=None)
    assert rules.missing(upgrading) == ["医师执业证"]
