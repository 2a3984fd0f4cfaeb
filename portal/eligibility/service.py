"""Judging one declaration record against the eligibility rules (a pure function; no database, no Streamlit).

`judge(record)` takes the record as a plain dict with the sections and field names of GLOSSARY.md (see the
`eligibility` contract in CONTRACTS.md) and returns a `Judgement` (its `verdict` a `Verdict` value). Dates may
be `datetime.date` objects or ISO strings ``YYYY-MM-DD``; a value that is neither raises `RecordError`. How
practice time is counted is documented in `portal.eligibility.rules` and done in `portal.eligibility.practice`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from portal.core.timeutil import today_local
from portal.eligibility import practice
from portal.eligibility import rules as R
from portal.eligibility.vocab import VERDICT_LABELS, Verdict

_CHINESE_NUMERALS = {1: "一", 2: "二", 3: "三"}
_SEVERITY = {outcome: rank for rank, outcome in enumerate(R.OUTCOMES)}


class RecordError(ValueError):
    """The record is not of the expected form (not an object, a section of the wrong type, a bad date)."""


@dataclass(frozen=True)
class Reason:
    """One rule's finding: `message` is one Chinese sentence; `outcome` is one of rules.OUTCOMES."""

    rule: str
    source: str
    message: str
    outcome: str = R.MET

    def to_dict(self) -> dict:
        return {"rule": self.rule, "source": self.source, "message": self.message}


@dataclass(frozen=True)
class Judgement:
    """The answer for one record.

    `verdict`: eligible | will_be_eligible | not_eligible | undetermined
    (`label`: 满足/将满足/不满足/无法判断).
    `reasons`: every rule judged, most severe first. `missing_fields`: dotted names of the fields the record
    lacks (or holds unrecognised values for) that a rule needs. `probation_days_missing`: days of practice
    still missing at the cut-off (0 when enough). `complete_on`: the day the required practice is (or will be)
    complete, when it is complete by the cut-off.
    """

    verdict: Verdict
    exam_level: str | None
    reasons: list[Reason]
    missing_fields: list[str]
    probation_days_missing: int
    complete_on: date | None
    cutoff: date
    as_of: date

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    def to_dict(self) -> dict:
        """The CLI output of CONTRACTS.md, as a dict."""
        return {
            "verdict": self.verdict,
            "exam_level": self.exam_level,
            "reasons": [reason.to_dict() for reason in self.reasons],
            "missing_fields": list(self.missing_fields),
            "probation_days_missing": self.probation_days_missing,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


def judge(
    record: Mapping,
    *,
    year: int | None = None,
    cutoff: date | None = None,
    as_of: date | None = None,
) -> Judgement:
    """Judge `record` (a declaration record as a plain dict) against the eligibility rules.

    `as_of` (default: today in China) is the day of the judgement; `cutoff` defaults to 31 August of `year`,
    and `year` to the year of `as_of`.
    """
    if not isinstance(record, Mapping):
        raise RecordError("the record must be a JSON object")
    as_of = as_of or today_local()
    cutoff = cutoff or R.default_cutoff(year or as_of.year)
    return _Judge(record, cutoff, as_of).run()


def _text(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _flag(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"是": True, "否": False, "true": True, "false": False}.get(value.strip().lower())
    return None


def _date(value, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise RecordError(f"{name} is not a date YYYY-MM-DD: {value!r}")


def _section(record: Mapping, name: str) -> Mapping | None:
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise RecordError(f"{name} must be an object")
    return value


def _items(record: Mapping, name: str) -> list[Mapping]:
    value = record.get(name)
    if value is None:
        return []
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise RecordError(f"{name} must be a list of objects")
    return value


def _category(value) -> str | None:
    text = _text(value)
    if text is None:
        return None
    for suffix in ("类别", "类"):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
    return R.CATEGORY_ALIASES.get(text)


class _Judge:
    def __init__(self, record: Mapping, cutoff: date, as_of: date):
        self.record = record
        self.cutoff = cutoff
        self.as_of = as_of
        self.reasons: list[Reason] = []
        self.missing: list[str] = []
        self.days_missing = 0
        self.complete_on: date | None = None
        self.education = _section(record, "education") or {}

    # -- bookkeeping

    def add(self, rule_id: str, outcome: str, *, key: str | None = None, fields=(), **params) -> None:
        rule = R.RULES_BY_ID[rule_id]
        params.setdefault("cutoff", self.cutoff.isoformat())
        params.setdefault("as_of", min(self.as_of, self.cutoff).isoformat())
        message = rule.messages[key or outcome].format(**params)
        self.reasons.append(Reason(rule.id, rule.source, message, outcome))
        for name in fields:
            if name not in self.missing:
                self.missing.append(name)

    def run(self) -> Judgement:
        record = self.record
        upgrading = _flag(record.get("is_assistant_upgrading"))
        level = _text(record.get("exam_level"))
        if level not in R.EXAM_LEVELS:
            level = None
        route = None
        if upgrading and level == R.ASSISTANT:
            self.add(
                "exam_level.known",
                R.UNKNOWN,
                key="conflict",
                fields=["exam_level", "is_assistant_upgrading"],
            )
        elif upgrading:
            level, route = R.PHYSICIAN, "upgrade"  # 执业助理医师报考执业医师 is an exam for 执业医师
        elif level is None:
            self.add("exam_level.known", R.UNKNOWN, fields=["exam_level"])
        elif level == R.ASSISTANT:
            route = "assistant"
        elif upgrading is None:
            self.add("route.known", R.UNKNOWN, fields=["is_assistant_upgrading"])
        else:
            route = "physician"

        major_categories = self.check_major()
        self.check_education_level(route)
        if route == "upgrade":
            self.check_upgrade()
        elif route in ("physician", "assistant"):
            self.check_probation(f"{route}.practice")
        elif upgrading is False:  # level unknown; both regular routes need a year: give the figure only
            self.check_probation(None)
        self.check_categories(major_categories, route)

        outcomes = {reason.outcome for reason in self.reasons}
        if R.NOT_MET in outcomes:
            verdict = Verdict.NOT_ELIGIBLE
        elif R.UNKNOWN in outcomes:
            verdict = Verdict.UNDETERMINED
        elif R.WILL_BE_MET in outcomes:
            verdict = Verdict.WILL_BE_ELIGIBLE
        else:
            verdict = Verdict.ELIGIBLE
        reasons = sorted(self.reasons, key=lambda reason: _SEVERITY[reason.outcome])
        return Judgement(
            verdict=verdict,
            exam_level=level,
            reasons=reasons,
            missing_fields=self.missing,
            probation_days_missing=self.days_missing,
            complete_on=self.complete_on,
            cutoff=self.cutoff,
            as_of=self.as_of,
        )

    # -- education

    def check_major(self) -> set[str]:
        """Related medical major (education.related_major); returns the categories the major implies."""
        major_type = _text(self.education.get("major_type"))
        major = _text(self.education.get("major"))
        shown = major or major_type
        if major_type in R.EXCLUDED_MAJOR_TYPES or major in R.EXCLUDED_MAJORS:
            self.add("education.related_major", R.NOT_MET, major=shown)
            return set()
        categories = set()
        if major_type in R.MAJOR_TYPE_CATEGORY:
            categories.add(R.MAJOR_TYPE_CATEGORY[major_type])
        if major in R.MAJOR_CATEGORY:
            categories.add(R.MAJOR_CATEGORY[major])
        if categories:
            self.add("education.related_major", R.MET, major=shown)
            return categories
        fields = []
        if major_type not in R.GENERIC_MAJOR_TYPES:
            fields.append("education.major_type")
        fields.append("education.major")
        self.add("education.related_major", R.UNKNOWN, fields=fields)
        return set()

    def check_education_level(self, route: str | None) -> None:
        text = _text(self.education.get("education_level"))
        rank = R.EDUCATION_RANK.get(text) if text else None
        rule_id, needed = {
            "physician": ("physician.education", R.RANK_BENKE),
            "assistant": ("assistant.education", R.RANK_ZHUANKE),
            "upgrade": ("upgrade.education", R.RANK_ZHUANKE),
        }.get(route, ("education.minimum", R.RANK_ZHUANKE))
        if rank is None:
            self.add(rule_id, R.UNKNOWN, fields=["education.education_level"])
        else:
            self.add(rule_id, R.MET if rank >= needed else R.NOT_MET, education_level=text)
        self.rank = rank

    # -- practice

    def check_probation(self, rule_id: str | None) -> None:
        """One year of probation (试用期) up to the cut-off; rule_id None: only the days figure."""
        items = _items(self.record, "probation")
        graduated_on = _date(self.education.get("graduated_on"), "education.graduated_on")
        fresh = _flag(self.record.get("is_fresh_graduate")) is True
        if not items:
            self.days_missing = 365 * R.PRACTICE_YEARS
            if rule_id:
                self.add(rule_id, R.UNKNOWN, fields=["probation"])
            return
        periods, unknown = [], []
        for i, item in enumerate(items):
            start = _date(item.get("work_started_on"), f"probation[{i}].work_started_on")
            end = _date(item.get("work_ended_on"), f"probation[{i}].work_ended_on")
            if start is None:
                unknown.append(f"probation[{i}].work_started_on")
            elif end is not None and end < start:
                unknown.append(f"probation[{i}].work_ended_on")
            else:
                periods.append((start, end))
        tally = practice.tally(
            periods, floor=graduated_on, cutoff=self.cutoff, as_of=self.as_of, years=R.PRACTICE_YEARS
        )
        self.days_missing = tally.missing
        if tally.outcome == R.NOT_MET:
            # Unknown periods could add days; a missing graduation date could only take days away.
            outcome, fields = (R.UNKNOWN, unknown) if unknown else (R.NOT_MET, [])
        elif graduated_on is None:
            outcome, fields = R.UNKNOWN, ["education.graduated_on"]
        else:
            outcome, fields = tally.outcome, []
            self.complete_on = tally.complete_on
        if rule_id is None:
            return
        if fresh and outcome in (R.WILL_BE_MET, R.NOT_MET):
            rule_id = "fresh_graduate.probation"
        self.add(
            rule_id,
            outcome,
            fields=fields,
            served=tally.served,
            missing=tally.missing,
            complete_on=tally.complete_on.isoformat() if tally.complete_on else "",
        )

    def check_upgrade(self) -> None:
        """执业助理医师报考执业医师: an assistant practice certificate and N years since its issue."""
        certificate = _section(self.record, "practice_certificate")
        years = max(R.UPGRADE_YEARS_BY_LEVEL.values())
        if self.rank is not None and self.rank >= R.RANK_ZHUANKE:
            years = R.UPGRADE_YEARS_BY_LEVEL[min(self.rank, R.RANK_BENKE)]
        if not certificate:
            self.days_missing = 365 * years
            self.add("upgrade.certificate", R.UNKNOWN, fields=["practice_certificate"])
            return
        practice_level = _text(certificate.get("practice_level"))
        issued_on = _date(certificate.get("issued_on"), "practice_certificate.issued_on")
        if practice_level is None:
            self.add("upgrade.certificate", R.UNKNOWN, fields=["practice_certificate.practice_level"])
        elif practice_level != R.ASSISTANT:
            self.add("upgrade.certificate", R.NOT_MET, practice_level=practice_level)
        else:
            self.add("upgrade.certificate", R.MET, issued_on=issued_on.isoformat() if issued_on else "（未填写）")
        if issued_on is None:
            self.days_missing = 365 * years
            self.add("upgrade.practice", R.UNKNOWN, fields=["practice_certificate.issued_on"])
            return
        tally = practice.tally([(issued_on, None)], floor=None, cutoff=self.cutoff, as_of=self.as_of, years=years)
        self.days_missing = tally.missing
        if tally.outcome != R.NOT_MET:
            self.complete_on = tally.complete_on
        self.add(
            "upgrade.practice",
            tally.outcome,
            years=_CHINESE_NUMERALS.get(years, str(years)),
            served=tally.served,
            missing=tally.missing,
            complete_on=tally.complete_on.isoformat() if tally.complete_on else "",
        )

    # -- categories

    def check_categories(self, major_categories: set[str], route: str | None) -> None:
        raw = self.record.get("exam_category")
        exam_category = _category(raw)
        if exam_category is None:
            self.add("category.major", R.UNKNOWN, fields=["exam_category"])
            return
        if major_categories:
            wrong = sorted(major_categories - {exam_category})
            if wrong:
                self.add("category.major", R.NOT_MET, exam_category=exam_category, major_category=wrong[0])
            else:
                self.add("category.major", R.MET, exam_category=exam_category)
        for i, certificate in enumerate(_items(self.record, "qualification_certificates")):
            self.compare(
                "category.qualification_certificate",
                exam_category,
                certificate.get("category"),
                f"qualification_certificates[{i}].category",
            )
        certificate = _section(self.record, "practice_certificate")
        if certificate:
            self.compare(
                "category.practice_certificate",
                exam_category,
                certificate.get("practice_category"),
                "practice_certificate.practice_category",
            )

    def compare(self, rule_id: str, exam_category: str, raw, name: str) -> None:
        category = _category(raw)
        if category is None:
            self.add(rule_id, R.UNKNOWN, fields=[name])
        elif category != exam_category:
            self.add(rule_id, R.NOT_MET, exam_category=exam_category, certificate_category=_text(raw) or category)
        else:
            self.add(rule_id, R.MET, exam_category=exam_category)
