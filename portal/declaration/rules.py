"""Consistency rules of a declaration record, run on every save (form, spreadsheet, demo).

`check(record, birth_date=..., today=...)` returns {field path: 中文原因}; each message names the section and
field (e.g. “学历信息·毕业时间：不能早于入学时间”). `missing(record)` lists what is still to be entered.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from portal.declaration import choices as C
from portal.declaration.fields import field_label

# Ages (in whole years at the date) below which a date is implausible for the person born on `birth_date`.
MIN_AGE_ENROLMENT = 14
MIN_AGE_WORK = 16
MIN_AGE_CERTIFICATE = 18
# Schooling length: the span between enrolment and graduation may be this many months shorter (early
# graduation, the usual June-vs-September gap) or longer (deferred graduation) than 学制.
SCHOOLING_MONTHS_SHORTER = 6
SCHOOLING_MONTHS_LONGER = 12


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def _dates(record: dict):
    """(path, date, kind) of every date in the record; kind: enrolment | graduation | certificate | work."""
    education = record.get("education") or {}
    if education.get("enrolled_on"):
        yield "education.enrolled_on", education["enrolled_on"], "enrolment"
    if education.get("graduated_on"):
        yield "education.graduated_on", education["graduated_on"], "graduation"
    title = record.get("title") or {}
    for key in ("approved_on", "appointed_on"):
        if title.get(key):
            yield f"title.{key}", title[key], "certificate"
    for index, item in enumerate(record.get("qualification_certificates") or [], start=1):
        if item.get("issued_on"):
            yield f"qualification_certificate[{index}].issued_on", item["issued_on"], "certificate"
    practice = record.get("practice_certificate") or {}
    for key in ("issued_on", "first_registered_on"):
        if practice.get(key):
            yield f"practice_certificate.{key}", practice[key], "certificate"
    nurse = record.get("nurse_certificate") or {}
    if nurse.get("issued_on"):
        yield "nurse_certificate.issued_on", nurse["issued_on"], "certificate"
    for index, item in enumerate(record.get("probation") or [], start=1):
        if item.get("work_started_on"):
            yield f"probation[{index}].work_started_on", item["work_started_on"], "work"
        if item.get("work_ended_on"):
            yield f"probation[{index}].work_ended_on", item["work_ended_on"], "work_end"


def graduation_after_enrolment(record: dict, **_) -> dict[str, str]:
    """毕业时间 later than 入学时间."""
    education = record.get("education") or {}
    enrolled, graduated = education.get("enrolled_on"), education.get("graduated_on")
    if enrolled and graduated and graduated <= enrolled:
        return {"education.graduated_on": f"{field_label('education.graduated_on')}：应晚于入学时间"}
    return {}


def schooling_matches_dates(record: dict, **_) -> dict[str, str]:
    """学制 roughly equals the span from 入学时间 to 毕业时间."""
    education = record.get("education") or {}
    enrolled, graduated, years = (education.get(k) for k in ("enrolled_on", "graduated_on", "schooling_years"))
    if not (enrolled and graduated and years) or graduated <= enrolled:
        return {}
    months = _months(enrolled, graduated)
    expected = years * 12
    if expected - SCHOOLING_MONTHS_SHORTER <= months <= expected + SCHOOLING_MONTHS_LONGER:
        return {}
    return {
        "education.schooling_years": (
            f"{field_label('education.schooling_years')}：学制 {years} 年与入学、毕业时间"
            f"（相隔约 {months / 12:.1f} 年）不符"
        )
    }


def dates_not_in_future(record: dict, *, today: date, **_) -> dict[str, str]:
    """No date lies after today (a planned 工作结束时间 may)."""
    return {
        path: f"{field_label(path)}：不能晚于今天（{today.isoformat()}）"
        for path, value, kind in _dates(record)
        if kind != "work_end" and value > today
    }


def certificates_after_graduation(record: dict, **_) -> dict[str, str]:
    """Certificates of the medical career are not dated before graduation (except for in-service study)."""
    education = record.get("education") or {}
    graduated = education.get("graduated_on")
    if not graduated or education.get("study_form") in C.IN_SERVICE_STUDY_FORMS:
        return {}
    errors = {}
    for path, value, kind in _dates(record):
        if kind == "certificate" and not path.startswith("nurse_certificate") and value < graduated:
            errors[path] = f"{field_label(path)}：不能早于毕业时间（{graduated.isoformat()}）"
    return errors


def probation_end_after_start(record: dict, **_) -> dict[str, str]:
    """工作结束时间 later than 工作开始时间 for every probation period."""
    errors = {}
    for index, item in enumerate(record.get("probation") or [], start=1):
        start, end = item.get("work_started_on"), item.get("work_ended_on")
        if start and end and end <= start:
            path = f"probation[{index}].work_ended_on"
            errors[path] = f"{field_label(path)}：应晚于工作开始时间"
    return errors


def first_registration_not_after_issue(record: dict, **_) -> dict[str, str]:
    """首次注册时间 not after the 发证日期 of the current practice certificate."""
    practice = record.get("practice_certificate") or {}
    first, issued = practice.get("first_registered_on"), practice.get("issued_on")
    if first and issued and first > issued:
        path = "practice_certificate.first_registered_on"
        return {path: f"{field_label(path)}：不能晚于发证日期"}
    return {}


def dates_match_birth_date(record: dict, *, birth_date: date | None, **_) -> dict[str, str]:
    """Dates are plausible for the birth date in the ID number (入学 at 14+, 工作 at 16+, 证书 at 18+)."""
    if birth_date is None:
        return {}
    minimum = {"enrolment": MIN_AGE_ENROLMENT, "graduation": MIN_AGE_ENROLMENT, "work": MIN_AGE_WORK}
    errors = {}
    for path, value, kind in _dates(record):
        age = minimum.get(kind, MIN_AGE_CERTIFICATE if kind == "certificate" else 0)
        if value < birth_date:
            errors[path] = f"{field_label(path)}：早于出生日期，请核对"
        elif _age(birth_date, value) < age:
            errors[path] = f"{field_label(path)}：与证件号码中的出生日期不符（当时未满 {age} 周岁）"
    return errors


def certificate_codes_distinct(record: dict, **_) -> dict[str, str]:
    """Two 医师资格证 of one record cannot carry the same 证书编码."""
    errors, seen = {}, set()
    for index, item in enumerate(record.get("qualification_certificates") or [], start=1):
        code = (item.get("certificate_code") or "").strip().upper()
        if code and code in seen:
            path = f"qualification_certificate[{index}].certificate_code"
            errors[path] = f"{field_label(path)}：与前面的医师资格证重复"
        seen.add(code)
    return errors


RULES: tuple[Callable[..., dict[str, str]], ...] = (
    graduation_after_enrolment,
    schooling_matches_dates,
    dates_not_in_future,
    certificates_after_graduation,
    probation_end_after_start,
    first_registration_not_after_issue,
    dates_match_birth_date,
    certificate_codes_distinct,
)


def check(record: dict, *, birth_date: date | None, today: date) -> dict[str, str]:
    """Every consistency rule on `record`: {field path: 中文原因} (empty when consistent)."""
    errors: dict[str, str] = {}
    for rule in RULES:
        for path, message in rule(record, birth_date=birth_date, today=today).items():
            errors.setdefault(path, message)
    return errors


def missing(record: dict) -> list[str]:
    """What is still to be entered before the candidate can confirm, as Chinese section names."""
    out = []
    if any(record.get(key) is None for key in ("exam_level", "exam_category", "is_assistant_upgrading")) or (
        record.get("is_fresh_graduate") is None
    ):
        out.append("报考信息")
    if not record.get("education"):
        out.append("学历信息")
    if record.get("is_assistant_upgrading"):
        if not record.get("qualification_certificates"):
            out.append("医师资格证")
        if not record.get("practice_certificate"):
            out.append("医师执业证")
    elif not record.get("probation"):
        out.append("试用期单位（当前工作单位）")
    if record.get("has_nurse_certificate") is None:
        out.append("护士执业证（或选择“无此信息”）")
    return out
