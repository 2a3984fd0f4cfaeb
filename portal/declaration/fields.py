"""The sections and fields of a declaration record: codes, Chinese labels, kinds, required marks (*).

A record is handled as a plain dict (the shape of the `eligibility` contract, plus a few fields):
``{"exam_level", "exam_category", "is_assistant_upgrading", "is_fresh_graduate", "has_nurse_certificate",
"education": {...} | None, "title": {...} | None, "qualification_certificates": [...],
"practice_certificate": {...} | None, "nurse_certificate": {...} | None, "probation": [...]}``
with `datetime.date` dates, `int` 学制 and `bool` 是/否 fields.

Terms not in GLOSSARY.md: 报考信息 `exam` (报考级别 `exam_level` and the record-wide answers of the 试用期 section),
首次注册时间 `first_registered_on` (医师执业证), 试用期单位 `institution` (one probation period), 护士执业证
发证机关 `issuer`, 无此信息 `none`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from portal.declaration import choices as C


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "text"  # text | choice | date | int | bool
    required: bool = False
    choices: tuple[str, ...] | None = None
    max_length: int = 100


@dataclass(frozen=True)
class Section:
    code: str
    label: str
    fields: tuple[Field, ...]
    multiple: bool = False
    record_key: str = ""  # key in the record dict ("" for `exam`, whose fields are top-level)

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)


def _f(key, label, kind="text", required=False, choices=None, max_length=100) -> Field:
    return Field(key, label, kind, required, tuple(choices) if choices else None, max_length)


EXAM = Section(
    "exam",
    "报考信息",
    (
        _f("exam_level", "报考级别", "choice", True, C.DOCTOR_LEVELS),
        _f("exam_category", "报考类别", "choice", True, C.CATEGORIES),
        _f("is_assistant_upgrading", "是否执业助理医师报考执业医师", "bool", True),
        _f("is_fresh_graduate", "是否应届生", "bool", True),
    ),
)
EDUCATION = Section(
    "education",
    "学历信息",
    (
        _f("education_level", "学历层级", "choice", True, C.EDUCATION_LEVELS),
        _f("study_form", "学习形式", "choice", True, C.STUDY_FORMS),
        _f("enrolled_on", "入学时间", "date", True),
        _f("graduated_on", "毕业时间", "date", True),
        _f("school", "毕业学校", "text", True),
        _f("schooling_years", "学制", "int", True, [str(n) for n in C.SCHOOLING_YEARS]),
        _f("major_type", "专业类型", "choice", True, C.MAJOR_TYPES),
        _f("major", "所学专业", "text", True, max_length=64),
        _f("diploma_number", "毕业证号", "text", True, max_length=40),
        _f("degree_report_number", "学历认证报告编号", "text", False, max_length=40),
    ),
    record_key="education",
)
TITLE = Section(
    "title",
    "专业技术职称",
    (
        _f("series", "资格系列", "choice", True, C.TITLE_SERIES),
        _f("level", "资格级别", "choice", True, C.TITLE_LEVELS),
        _f("specialty", "专业", "text", True, max_length=64),
        _f("obtained_by", "取得方式", "choice", True, C.OBTAINED_BY),
        _f("route", "取得途径", "choice", False, C.ROUTES),
        _f("approved_on", "批准日期", "date", True),
        _f("certificate_number", "证书编号", "text", False, max_length=40),
        _f("is_provincial_line", "是否为省线证", "bool", False),
        _f("is_grassroots_senior", "是否基卫高", "bool", False),
        _f("appointed_on", "聘任日期", "date", False),
    ),
    record_key="title",
)
QUALIFICATION = Section(
    "qualification_certificate",
    "医师资格证",
    (
        _f("level", "资格级别", "choice", True, C.DOCTOR_LEVELS),
        _f("category", "资格类别", "choice", True, C.CATEGORIES),
        _f("issued_on", "签发日期", "date", True),
        _f("certificate_code", "证书编码", "text", True, max_length=40),
    ),
    multiple=True,
    record_key="qualification_certificates",
)
PRACTICE = Section(
    "practice_certificate",
    "医师执业证",
    (
        _f("practice_level", "执业级别", "choice", True, C.DOCTOR_LEVELS),
        _f("practice_category", "执业类别", "choice", True, C.CATEGORIES),
        _f("issued_on", "发证日期", "date", True),
        _f("issuer", "发证机关", "text", True),
        _f("practice_location", "执业地点", "text", True),
        _f("practice_scope", "执业范围", "choice", True, C.PRACTICE_SCOPES),
        _f("certificate_code", "证书编码", "text", True, max_length=40),
        _f("first_registered_on", "首次注册时间", "date", False),
    ),
    record_key="practice_certificate",
)
NURSE = Section(
    "nurse_certificate",
    "护士执业证",
    (
        _f("certificate_code", "证书编码", "text", True, max_length=40),
        _f("issued_on", "发证日期", "date", True),
        _f("issuer", "发证机关", "text", False),
    ),
    record_key="nurse_certificate",
)
PROBATION = Section(
    "probation",
    "试用期单位（当前工作单位）",
    (
        _f("institution", "试用期单位", "text", True, max_length=200),
        _f("post", "岗位名称", "text", True, max_length=64),
        _f("work_started_on", "工作开始时间", "date", True),
        _f("work_ended_on", "工作结束时间", "date", False),
        _f("supervisor_name", "带教老师姓名", "text", True, max_length=64),
    ),
    multiple=True,
    record_key="probation",
)

# In the order of the official confirmation page (基本信息 comes from identity and binding, not from here).
SECTIONS: tuple[Section, ...] = (EXAM, EDUCATION, TITLE, QUALIFICATION, PRACTICE, NURSE, PROBATION)
SECTIONS_BY_CODE = {section.code: section for section in SECTIONS}
SECTION_LABELS = {"basic": "基本信息", **{s.code: s.label for s in SECTIONS}}
NONE_LABEL = "无此信息"


def empty_record() -> dict:
    """A record with nothing entered."""
    return {
        "exam_level": None,
        "exam_category": None,
        "is_assistant_upgrading": None,
        "is_fresh_graduate": None,
        "has_nurse_certificate": None,
        "education": None,
        "title": None,
        "qualification_certificates": [],
        "practice_certificate": None,
        "nurse_certificate": None,
        "probation": [],
    }


# Parsing input (forms and spreadsheets) into typed values.
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def parse_date(value) -> date | None:
    """A date from a date, datetime or text like 2025-06-30 / 2025/6/30 / 2025年6月30日; ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_bool(value) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text in ("是", "Y", "y", "true", "True", "1"):
        return True
    if text in ("否", "N", "n", "false", "False", "0"):
        return False
    raise ValueError(text)


_SPACES = re.compile(r"\s+")


def clean(section: Section, raw: dict, *, prefix: str | None = None) -> tuple[dict, dict[str, str]]:
    """Typed values of one section (or one item of a multiple section) and errors {field key: 中文原因}.

    `raw` maps field keys to form or cell values. Required fields (*) must be present; choices must be listed.
    """
    prefix = prefix or section.code
    values: dict = {}
    errors: dict[str, str] = {}
    for field in section.fields:
        value = raw.get(field.key)
        if isinstance(value, str):
            value = _SPACES.sub(" ", value).strip()
        name = f"{prefix}.{field.key}"
        where = f"{section.label}·{field.label}"
        try:
            if value is None or value == "":
                typed = None
            elif field.kind == "date":
                typed = parse_date(value)
            elif field.kind == "bool":
                typed = parse_bool(value)
            elif field.kind == "int":
                typed = int(float(value)) if not isinstance(value, int) else value
                if field.choices and str(typed) not in field.choices:
                    errors[name] = f"{where}：请选择 {'、'.join(field.choices)} 之一"
                    continue
            else:
                typed = str(value)
                if isinstance(value, float) and value.is_integer():
                    typed = str(int(value))
                if field.kind == "choice" and typed not in (field.choices or ()):
                    errors[name] = f"{where}：“{typed[:20]}”不在可选范围内"
                    continue
                if len(typed) > field.max_length:
                    errors[name] = f"{where}：不能超过 {field.max_length} 个字"
                    continue
        except (ValueError, TypeError):
            kind = {"date": "日期（如 2025-06-30）", "bool": "“是”或“否”", "int": "整数"}.get(field.kind, "文本")
            errors[name] = f"{where}：应为{kind}"
            continue
        if typed is None and field.required:
            errors[name] = f"{where}：必填"
            continue
        values[field.key] = typed
    return values, errors


def display(field: Field, value) -> str:
    """A value as people read it."""
    if value is None or value == "":
        return ""
    if field.kind == "bool":
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def flatten(record: dict) -> dict[str, tuple[str, str]]:
    """{field path: (label, shown value)} of every field of the record, in page order (for diffs and hashes)."""
    out: dict[str, tuple[str, str]] = {}
    for field in EXAM.fields:
        out[f"exam.{field.key}"] = (f"{EXAM.label}·{field.label}", display(field, record.get(field.key)))
    for section in SECTIONS[1:]:
        if section.multiple:
            for index, item in enumerate(record.get(section.record_key) or [], start=1):
                for field in section.fields:
                    out[f"{section.code}[{index}].{field.key}"] = (
                        f"{section.label}（第{index}条）·{field.label}",
                        display(field, item.get(field.key)),
                    )
            continue
        if section is NURSE:
            has = record.get("has_nurse_certificate")
            out["nurse_certificate.none"] = (
                f"{NURSE.label}·{NONE_LABEL}",
                "" if has is None else "否" if has else "是",
            )
        item = record.get(section.record_key)
        for field in section.fields:
            out[f"{section.code}.{field.key}"] = (
                f"{section.label}·{field.label}",
                display(field, item.get(field.key)) if item else "",
            )
    return out


# Fields holding certificate numbers (encrypted at rest): masked wherever the full value is not needed.
SENSITIVE_KEYS = frozenset({"diploma_number", "degree_report_number", "certificate_number", "certificate_code"})


def is_sensitive(path: str) -> bool:
    """Whether the field path (e.g. 'education.diploma_number', 'qualification_certificate[2].certificate_code')
    holds a certificate number."""
    return path.rsplit(".", 1)[-1] in SENSITIVE_KEYS


def field_label(path: str) -> str:
    """The Chinese label of a field path such as 'education.graduated_on' or 'probation[2].post'."""
    match = re.fullmatch(r"(\w+)(?:\[(\d+)\])?\.(\w+)", path)
    if not match:
        return SECTION_LABELS.get(path, path)
    code, index, key = match.groups()
    section = SECTIONS_BY_CODE.get(code)
    if section is None:
        return path
    if key == "none":
        return f"{section.label}·{NONE_LABEL}"
    try:
        label = section.field(key).label
    except StopIteration:
        return path
    return f"{section.label}{f'（第{index}条）' if index else ''}·{label}"
