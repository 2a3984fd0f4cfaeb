"""Table test of the eligibility rules: every expected answer is worked out from the rule text (see the
comment on each case and the counting conventions in portal/eligibility/rules.py), not copied from the
code's output."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.eligibility import rules as R
from portal.eligibility.practice import add_years
from portal.eligibility.service import Judgement, judge

D = date.fromisoformat


def physician(**changes) -> dict:
    """A 2025 本科 临床医学 candidate for 执业医师, graduated 2024-06-30, probation 2024-07-01 onwards."""
    record = {
        "exam_level": "执业医师",
        "exam_category": "临床",
        "is_assistant_upgrading": False,
        "is_fresh_graduate": False,
        "education": {
            "education_level": "本科",
            "major_type": "医学",
            "major": "临床医学",
            "graduated_on": "2024-06-30",
        },
        "probation": [{"work_started_on": "2024-07-01", "work_ended_on": None}],
    }
    return _apply(record, changes)


def assistant(**changes) -> dict:
    """A 2025 专科 临床医学 candidate for 执业助理医师, same probation."""
    record = physician(exam_level="执业助理医师")
    record["education"]["education_level"] = "专科"
    return _apply(record, changes)


def upgrade(**changes) -> dict:
    """专科 执业助理医师 with a 临床 assistant practice certificate, taking the 执业医师 exam."""
    record = physician(is_assistant_upgrading=True, probation=None)
    del record["probation"]
    record["education"]["education_level"] = "专科"
    record["education"]["graduated_on"] = "2019-06-30"
    record["practice_certificate"] = {
        "practice_level": "执业助理医师",
        "practice_category": "临床",
        "issued_on": "2023-03-01",
    }
    return _apply(record, changes)


def _apply(record: dict, changes: dict) -> dict:
    record = copy.deepcopy(record)
    for key, value in changes.items():
        if "__" in key:  # education__major="..." sets record["education"]["major"]
            section, name = key.split("__")
            if value is _DROP:
                record[section].pop(name, None)
            else:
                record[section][name] = value
        elif value is _DROP:
            record.pop(key, None)
        else:
            record[key] = value
    return record


_DROP = object()


def periods(*spans) -> list[dict]:
    return [{"work_started_on": start, "work_ended_on": end} for start, end in spans]


# Judgement days used below.
Y2025 = {"year": 2025, "as_of": D("2025-08-01")}  # cut-off 2025-08-31
AFTER_2025 = {"year": 2025, "as_of": D("2025-09-05")}  # judged after the 2025 cut-off


# (id, record, judge kwargs, expected). expected keys: verdict, and optionally days (probation_days_missing),
# missing (set of missing_fields), complete_on, failing (rule ids not met), unknown (rule ids undetermined).
CASES = [
    # --- 执业医师, 《医师法》第九条第（一）项: 本科以上 + 一年实践 ---
    (
        "physician_pass",
        physician(),
        Y2025,
        # 本科 临床医学; running probation from 2024-07-01 completes its year on 2025-06-30, before as-of.
        {"verdict": "eligible", "days": 0, "missing": set(), "complete_on": D("2025-06-30")},
    ),
    (
        "physician_master_pass",
        physician(education__education_level="硕士研究生"),
        Y2025,
        # 硕士研究生 is above 本科; practice as in physician_pass.
        {"verdict": "eligible", "days": 0},
    ),
    (
        "physician_zhuanke_fails",
        physician(education__education_level="专科"),
        Y2025,
        # 执业医师 needs 本科以上 unless on the upgrade route (第九条第（二）项), which the record does
        # not claim.
        {"verdict": "not_eligible", "failing": {"physician.education"}, "days": 0},
    ),
    # --- 执业助理医师, 《医师法》第十条: 专科以上 + 一年实践 ---
    (
        "assistant_zhuanke_pass",
        assistant(),
        Y2025,
        # 专科 suffices for 执业助理医师; year complete 2025-06-30.
        {"verdict": "eligible", "days": 0},
    ),
    (
        "assistant_benke_pass",
        assistant(education__education_level="本科"),
        Y2025,
        # 专科以上 includes 本科.
        {"verdict": "eligible"},
    ),
    (
        "assistant_zhongzhuan_fails",
        assistant(education__education_level="中专"),
        Y2025,
        # Since the 医师法 (2022) 中专 is no basis for either exam: 第十条 asks for 专科以上.
        {"verdict": "not_eligible", "failing": {"assistant.education"}},
    ),
    (
        "assistant_short_probation_fails",
        assistant(probation=periods(("2024-07-01", "2025-03-31"))),
        Y2025,
        # Ended probation 2024-07-01..2025-03-31 = 31+31+30+31+30+31+31+28+31 = 274 days; a year from
        # 2024-07-01 is 365 days (no 29 Feb in the span): 91 days short and nothing runs on.
        {"verdict": "not_eligible", "failing": {"assistant.practice"}, "days": 91},
    ),
    # --- boundaries: one year exactly on the cut-off, a day short ---
    (
        "year_complete_exactly_on_cutoff",
        physician(probation=periods(("2024-09-01", None))),
        AFTER_2025,
        # [2024-09-01, 2025-09-01) is the year: complete on 2025-08-31, the cut-off itself -> met.
        {"verdict": "eligible", "days": 0, "complete_on": D("2025-08-31")},
    ),
    (
        "year_complete_on_cutoff_judged_before",
        physician(probation=periods(("2024-09-01", None))),
        {"year": 2025, "as_of": D("2025-05-01")},
        # Same record judged on 2025-05-01: met by the cut-off only if the running probation goes on.
        {"verdict": "will_be_eligible", "days": 0, "complete_on": D("2025-08-31")},
    ),
    (
        "year_one_day_short_of_cutoff",
        physician(probation=periods(("2024-09-02", None))),
        AFTER_2025,
        # Year from 2024-09-02 completes 2025-09-01, one day after the cut-off: 364 of 365 days served.
        {"verdict": "not_eligible", "failing": {"physician.practice"}, "days": 1},
    ),
    # --- leap years ---
    (
        "leap_2023_03_01_ends_2024_02_28",
        physician(
            education__graduated_on="2022-06-30",
            probation=periods(("2023-03-01", "2024-02-28")),
        ),
        {"year": 2024, "as_of": D("2024-08-01")},
        # The year [2023-03-01, 2024-03-01) holds 2024-02-29: 366 days. Served 365 -> one day short.
        {"verdict": "not_eligible", "failing": {"physician.practice"}, "days": 1},
    ),
    (
        "leap_2023_03_01_ends_2024_02_29",
        physician(
            education__graduated_on="2022-06-30",
            probation=periods(("2023-03-01", "2024-02-29")),
        ),
        {"year": 2024, "as_of": D("2024-08-01")},
        # Served through 2024-02-29, the day before the anniversary: the year is complete that day.
        {"verdict": "eligible", "days": 0, "complete_on": D("2024-02-29")},
    ),
    (
        "leap_start_2024_02_29_complete_2025_02_28",
        physician(education__graduated_on="2023-06-30", probation=periods(("2024-02-29", None))),
        {"cutoff": D("2025-02-28"), "as_of": D("2025-03-10")},
        # Anniversary of 29 Feb in 2025 is 1 March: the year [2024-02-29, 2025-03-01) completes 2025-02-28,
        # which is the cut-off.
        {"verdict": "eligible", "days": 0, "complete_on": D("2025-02-28")},
    ),
    (
        "leap_start_2024_02_29_cutoff_2025_02_27",
        physician(education__graduated_on="2023-06-30", probation=periods(("2024-02-29", None))),
        {"cutoff": D("2025-02-27"), "as_of": D("2025-03-10")},
        # Same year needs 366 days; 2024-02-29..2025-02-27 is 365 days: one short.
        {"verdict": "not_eligible", "failing": {"physician.practice"}, "days": 1},
    ),
    # --- several institutions, overlaps ---
    (
        "two_institutions_summed",
        physician(probation=periods(("2024-07-01", "2024-12-31"), ("2025-01-15", None))),
        Y2025,
        # 2024-07-01..2024-12-31 = 184 days; the year from 2024-07-01 needs 365, so 181 more from 2025-01-15:
        # 2025-01-15 + 180 days = 2025-07-14 (before as-of 2025-08-01).
        {"verdict": "eligible", "days": 0, "complete_on": D("2025-07-14")},
    ),
    (
        "two_institutions_short",
        physician(probation=periods(("2024-07-01", "2024-12-31"), ("2025-03-01", "2025-06-30"))),
        Y2025,
        # 184 + 122 (Mar 31 + Apr 30 + May 31 + Jun 30) = 306 days, both ended: 59 short of 365.
        {"verdict": "not_eligible", "failing": {"physician.practice"}, "days": 59},
    ),
    (
        "overlapping_periods_not_double_counted",
        physician(probation=periods(("2024-09-01", "2025-03-31"), ("2025-01-01", "2025-08-30"))),
        AFTER_2025,
        # The union is 2024-09-01..2025-08-30 = 364 days (the 90 days of Jan-Mar 2025 count once); the year
        # from 2024-09-01 needs 365. A naive sum (212 + 242) would wrongly pass.
        {"verdict": "not_eligible", "failing": {"physician.practice"}, "days": 1},
    ),
    (
        "overlapping_periods_union_complete",
        physician(probation=periods(("2024-09-01", "2025-03-31"), ("2025-01-01", "2025-08-31"))),
        AFTER_2025,
        # Union 2024-09-01..2025-08-31 = 365 days = the year from 2024-09-01.
        {"verdict": "eligible", "days": 0, "complete_on": D("2025-08-31")},
    ),
    (
        "probation_before_graduation_not_counted",
        physician(probation=periods(("2024-03-01", None))),
        {"year": 2025, "as_of": D("2025-06-15")},
        # Practice counts only once the education is held (graduated 2024-06-30): the year runs from
        # 2024-06-30 and completes 2025-06-29, after as-of, before the cut-off.
        {"verdict": "will_be_eligible", "days": 0, "complete_on": D("2025-06-29")},
    ),
    # --- fresh graduates (应届生) ---
    (
        "fresh_graduate_contract_example",
        physician(
            is_fresh_graduate=True,
            education__graduated_on="2025-06-30",
            probation=periods(("2025-07-15", None)),
        ),
        {"year": 2026, "as_of": D("2026-03-01")},
        # Probation from 2025-07-15 completes its year on 2026-07-14, before the 2026-08-31 cut-off.
        {"verdict": "will_be_eligible", "days": 0, "complete_on": D("2026-07-14")},
    ),
    (
        "fresh_graduate_completes_on_cutoff",
        physician(
            is_fresh_graduate=True,
            education__graduated_on="2025-06-30",
            probation=periods(("2025-09-01", None)),
        ),
        {"year": 2026, "as_of": D("2026-03-01")},
        # From 2025-09-01 the year completes 2026-08-31, the cut-off day itself.
        {"verdict": "will_be_eligible", "days": 0, "complete_on": D("2026-08-31")},
    ),
    (
        "fresh_graduate_cannot_complete",
        physician(
            is_fresh_graduate=True,
            education__graduated_on="2025-06-30",
            probation=periods(("2025-09-15", None)),
        ),
        {"year": 2026, "as_of": D("2026-03-01")},
        # From 2025-09-15 the year completes 2026-09-14; by 2026-08-31 only 351 of 365 days: 14 short.
        {"verdict": "not_eligible", "failing": {"fresh_graduate.probation"}, "days": 14},
    ),
    (
        "running_probation_not_fresh_graduate",
        physician(probation=periods(("2024-08-10", None))),
        Y2025,
        # CONTRACTS: met by the cut-off only if the running probation goes on -> will_be_eligible
        # (complete 2025-08-09).
        {"verdict": "will_be_eligible", "days": 0, "complete_on": D("2025-08-09")},
    ),
    # --- 执业助理医师报考执业医师, 《医师法》第九条第（二）项 ---
    (
        "upgrade_pass",
        upgrade(),
        {"year": 2025, "as_of": D("2025-06-01")},
        # Certificate issued 2023-03-01: two years complete 2025-02-28, before as-of.
        {"verdict": "eligible", "days": 0, "complete_on": D("2025-02-28")},
    ),
    (
        "upgrade_two_years_on_cutoff",
        upgrade(practice_certificate__issued_on="2023-09-01"),
        {"year": 2025, "as_of": D("2025-06-01")},
        # [2023-09-01, 2025-09-01): complete 2025-08-31 = cut-off; judged before it -> will be met.
        {"verdict": "will_be_eligible", "days": 0, "complete_on": D("2025-08-31")},
    ),
    (
        "upgrade_one_day_short",
        upgrade(practice_certificate__issued_on="2023-09-02"),
        {"year": 2025, "as_of": D("2025-06-01")},
        # Two years from 2023-09-02 complete 2025-09-01: a day after the cut-off.
        {"verdict": "not_eligible", "failing": {"upgrade.practice"}, "days": 1},
    ),
    (
        "upgrade_far_short",
        upgrade(practice_certificate__issued_on="2024-01-10"),
        {"year": 2025, "as_of": D("2025-06-01")},
        # Two years from 2024-01-10 = 731 days (holds 2024-02-29); by 2025-08-31 served 357 + 243 = 600:
        # 131 short.
        {"verdict": "not_eligible", "failing": {"upgrade.practice"}, "days": 131},
    ),
    (
        "upgrade_benke_stricter_reading",
        upgrade(education__education_level="本科", practice_certificate__issued_on="2024-06-01"),
        {"year": 2025, "as_of": D("2025-06-15")},
        # Stricter reading (rules.UPGRADE_YEARS_BY_LEVEL): two years since issue for every upgrade candidate;
        # one year (2025-05-31) would do for a laxer reading, two years is 2026-05-31 -> not met.
        {"verdict": "not_eligible", "failing": {"upgrade.practice"}},
    ),
    (
        "upgrade_holds_physician_certificate",
        upgrade(practice_certificate__practice_level="执业医师"),
        {"year": 2025, "as_of": D("2025-06-01")},
        # The route needs an 执业助理医师 practice certificate.
        {"verdict": "not_eligible", "failing": {"upgrade.certificate"}},
    ),
    (
        "upgrade_zhongzhuan",
        upgrade(education__education_level="中专"),
        {"year": 2025, "as_of": D("2025-06-01")},
        # 第九条第（二）项 asks for 专科学历; 中专 is below.
        {"verdict": "not_eligible", "failing": {"upgrade.education"}},
    ),
    (
        "upgrade_without_certificate",
        upgrade(practice_certificate=_DROP),
        {"year": 2025, "as_of": D("2025-06-01")},
        # Nothing tells whether the candidate holds the certificate: undetermined, name the section.
        {"verdict": "undetermined", "missing": {"practice_certificate"}, "unknown": {"upgrade.certificate"}},
    ),
    (
        "upgrade_without_issue_date",
        upgrade(practice_certificate__issued_on=_DROP),
        {"year": 2025, "as_of": D("2025-06-01")},
        # The two years are counted from the issue date, which is missing.
        {"verdict": "undetermined", "missing": {"practice_certificate.issued_on"}},
    ),
    (
        "upgrade_level_derived",
        upgrade(exam_level=_DROP),
        {"year": 2025, "as_of": D("2025-06-01")},
        # 是否执业助理医师报考执业医师 = 是 means the exam is for 执业医师; otherwise as upgrade_pass.
        {"verdict": "eligible"},
    ),
    (
        "upgrade_contradicts_assistant_level",
        upgrade(exam_level="执业助理医师"),
        {"year": 2025, "as_of": D("2025-06-01")},
        # The record says both "assistant exam" and "assistant taking the physician exam": cannot judge.
        {"verdict": "undetermined", "missing": {"exam_level", "is_assistant_upgrading"}},
    ),
    # --- categories ---
    (
        "category_disagrees_with_major",
        physician(exam_category="口腔"),
        Y2025,
        # 临床医学 leads to the 临床 category, not 口腔.
        {"verdict": "not_eligible", "failing": {"category.major"}},
    ),
    (
        "category_disagrees_with_major_type",
        physician(education__major_type="中医学类", education__major=_DROP),
        Y2025,
        # 中医学类 major type leads to 中医; exam category is 临床.
        {"verdict": "not_eligible", "failing": {"category.major"}},
    ),
    (
        "integrated_medicine_is_tcm_category",
        physician(exam_category="中医", education__major="中西医临床医学"),
        Y2025,
        # 中西医结合 majors sit the 中医 category.
        {"verdict": "eligible"},
    ),
    (
        "category_disagrees_with_qualification_certificate",
        physician(qualification_certificates=[{"level": "执业助理医师", "category": "中医"}]),
        Y2025,
        # A 中医 qualification certificate does not agree with the 临床 exam category.
        {"verdict": "not_eligible", "failing": {"category.qualification_certificate"}},
    ),
    (
        "category_disagrees_with_practice_certificate",
        upgrade(practice_certificate__practice_category="口腔"),
        {"year": 2025, "as_of": D("2025-06-01")},
        # The assistant certificate is for 口腔; the exam category is 临床.
        {"verdict": "not_eligible", "failing": {"category.practice_certificate"}},
    ),
    (
        "public_health_preventive_medicine",
        physician(exam_category="公共卫生", education__major="预防医学"),
        Y2025,
        # 预防医学 leads to 公共卫生.
        {"verdict": "eligible"},
    ),
    # --- excluded majors (医学相关专业) ---
    (
        "nursing_not_a_basis",
        physician(education__major="护理学"),
        Y2025,
        # 护理（学）类 学历 is no basis for the exam (2014 rules, 学历审核).
        {"verdict": "not_eligible", "failing": {"education.related_major"}},
    ),
    (
        "pharmacy_type_not_a_basis",
        physician(education__major_type="药学类", education__major="药学"),
        Y2025,
        # 药学类 likewise.
        {"verdict": "not_eligible", "failing": {"education.related_major"}},
    ),
    # --- missing data ---
    (
        "no_education_section",
        physician(education=_DROP),
        Y2025,
        # Without education we know neither the major, nor the level, nor when practice may start counting.
        {
            "verdict": "undetermined",
            "missing": {
                "education.major_type",
                "education.major",
                "education.education_level",
                "education.graduated_on",
            },
        },
    ),
    (
        "no_probation",
        physician(probation=_DROP),
        Y2025,
        # No practice data: undetermined; the whole year (365 days) is still to be shown.
        {"verdict": "undetermined", "missing": {"probation"}, "days": 365, "unknown": {"physician.practice"}},
    ),
    (
        "no_graduation_date_enough_practice",
        physician(education__graduated_on=_DROP),
        Y2025,
        # A year served, but the days before graduation would not count: the graduation date decides.
        {"verdict": "undetermined", "missing": {"education.graduated_on"}},
    ),
    (
        "no_graduation_date_too_little_practice",
        physician(education__graduated_on=_DROP, probation=periods(("2025-01-01", "2025-05-31"))),
        Y2025,
        # Even counting every day (151) the year is not served; the graduation date could only remove days.
        {"verdict": "not_eligible", "failing": {"physician.practice"}, "days": 214, "missing": set()},
    ),
    (
        "fails_and_missing_listed",
        physician(education__education_level="专科", probation=_DROP),
        Y2025,
        # 专科 already fails 第九条第（一）项: not_eligible, yet the missing probation is still named.
        {"verdict": "not_eligible", "failing": {"physician.education"}, "missing": {"probation"}},
    ),
    (
        "no_exam_category",
        physician(exam_category=_DROP),
        Y2025,
        # The category rule cannot be judged.
        {"verdict": "undetermined", "missing": {"exam_category"}, "unknown": {"category.major"}},
    ),
    (
        "no_exam_level",
        physician(exam_level=_DROP),
        Y2025,
        # Not upgrading, no level: neither 第九条 nor 第十条 can be chosen.
        {"verdict": "undetermined", "missing": {"exam_level"}},
    ),
    (
        "no_exam_level_but_zhongzhuan",
        physician(exam_level=_DROP, education__education_level="中专"),
        Y2025,
        # Whatever the level, 中专 is below the 专科 both exams need.
        {"verdict": "not_eligible", "failing": {"education.minimum"}, "missing": {"exam_level"}},
    ),
    (
        "physician_without_upgrade_flag",
        physician(is_assistant_upgrading=_DROP),
        Y2025,
        # For 执业医师 the flag chooses between 第九条第（一）项 and 第（二）项.
        {"verdict": "undetermined", "missing": {"is_assistant_upgrading"}},
    ),
    (
        "probation_period_without_start",
        physician(probation=periods(("2024-07-01", "2024-12-31"), (None, None))),
        Y2025,
        # 184 days known, the second period's start is missing and could make up the rest.
        {"verdict": "undetermined", "missing": {"probation[1].work_started_on"}},
    ),
    (
        "unknown_major_with_generic_type",
        physician(education__major="某某专业"),
        Y2025,
        # 医学 as type but an unrecognised major: cannot tell relatedness or category.
        {"verdict": "undetermined", "missing": {"education.major"}},
    ),
]


@pytest.mark.parametrize("record, kwargs, expected", [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_table(record, kwargs, expected):
    verdict = judge(record, **kwargs)
    assert isinstance(verdict, Judgement)
    assert verdict.verdict == expected["verdict"], verdict.to_json()
    if "days" in expected:
        assert verdict.probation_days_missing == expected["days"]
    if "missing" in expected:
        assert set(verdict.missing_fields) == expected["missing"]
    if "complete_on" in expected:
        assert verdict.complete_on == expected["complete_on"]
    by_outcome = {}
    for reason in verdict.reasons:
        by_outcome.setdefault(reason.outcome, set()).add(reason.rule)
    if "failing" in expected:
        assert by_outcome.get(R.NOT_MET, set()) == expected["failing"]
    if "unknown" in expected:
        assert by_outcome.get(R.UNKNOWN, set()) == expected["unknown"]


def test_table_is_large_enough():
    assert len(CASES) >= 30
    assert len({case[0] for case in CASES}) == len(CASES)


def test_every_reason_has_source_and_one_sentence():
    for _, record, kwargs, _ in CASES:
        for reason in judge(record, **kwargs).reasons:
            assert reason.source.startswith("《")
            assert reason.message.endswith("。") and reason.message.count("。") == 1
            assert "{" not in reason.message


def test_reasons_most_severe_first():
    verdict = judge(physician(education__education_level="专科", probation=None), **Y2025)
    outcomes = [reason.outcome for reason in verdict.reasons]
    assert outcomes == sorted(outcomes, key=R.OUTCOMES.index)
    assert outcomes[0] == R.NOT_MET


def test_labels():
    assert judge(physician(), **Y2025).label == "满足"
    assert judge(physician(probation=periods(("2024-08-10", None))), **Y2025).label == "将满足"
    assert judge(physician(education__education_level="专科"), **Y2025).label == "不满足"
    assert judge(physician(exam_category=None), **Y2025).label == "无法判断"


def test_cutoff_defaults():
    # year defaults to the as-of year, cut-off to 31 August of the year: 2024-09-01 + 1 year = 2025-08-31.
    record = physician(probation=periods(("2024-09-01", None)))
    assert judge(record, as_of=D("2025-05-01")).cutoff == D("2025-08-31")
    assert judge(record, year=2026, as_of=D("2025-05-01")).cutoff == D("2026-08-31")
    assert judge(record, cutoff=D("2025-08-30"), as_of=D("2025-05-01")).verdict == "not_eligible"


def test_dates_as_date_objects():
    record = physician()
    record["education"]["graduated_on"] = D("2024-06-30")
    record["probation"] = [{"work_started_on": D("2024-07-01"), "work_ended_on": None}]
    assert judge(record, **Y2025).verdict == "eligible"


def test_json_shape():
    data = judge(physician(), **Y2025).to_dict()
    assert list(data) == ["verdict", "exam_level", "reasons", "missing_fields", "probation_days_missing"]
    assert all(list(reason) == ["rule", "source", "message"] for reason in data["reasons"])


def test_rules_are_data_with_sources():
    assert {rule.id for rule in R.RULES} >= {
        "physician.education",
        "physician.practice",
        "assistant.education",
        "assistant.practice",
        "upgrade.certificate",
        "upgrade.practice",
        "category.major",
        "fresh_graduate.probation",
    }
    for rule in R.RULES:
        assert rule.source and rule.source_text and rule.messages


def test_add_years_leap_day():
    assert add_years(D("2024-02-29"), 1) == D("2025-03-01")
    assert add_years(D("2024-02-29"), 4) == D("2028-02-29")
    assert add_years(D("2025-07-15"), 1) == D("2026-07-15")


_days = st.dates(min_value=date(2023, 1, 1), max_value=date(2025, 8, 31))


@given(st.lists(st.tuples(_days, st.integers(0, 400) | st.none()), min_size=1, max_size=4), st.randoms())
def test_order_and_repetition_of_periods_do_not_matter(spans, rnd):
    items = [
        {
            "work_started_on": start.isoformat(),
            "work_ended_on": None if length is None else (start + timedelta(days=length)).isoformat(),
        }
        for start, length in spans
    ]
    record = physician(education__graduated_on="2022-06-30", probation=items)
    shuffled = items + items[:1]
    rnd.shuffle(shuffled)
    first = judge(record, **Y2025)
    second = judge(physician(education__graduated_on="2022-06-30", probation=shuffled), **Y2025)
    assert first.to_dict() == second.to_dict()
    assert first.complete_on == second.complete_on


@given(_days, st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)))
def test_single_running_period_follows_the_calendar(start, cutoff):
    # One unbroken period from `start`: complete exactly on the day before the anniversary.
    record = physician(education__graduated_on="2022-06-30", probation=periods((start.isoformat(), None)))
    verdict = judge(record, cutoff=cutoff, as_of=cutoff)
    last_day = date.fromordinal(add_years(start, 1).toordinal() - 1)
    assert (verdict.verdict == "eligible") == (last_day <= cutoff)
