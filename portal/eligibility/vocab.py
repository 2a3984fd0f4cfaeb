"""The words of the eligibility pre-check (报名资格预检): the verdict of a record, with its Chinese labels.

Values are the codes of the `eligibility` contract (CONTRACTS.md) and what the dashboard snapshot stores; the
database cannot import this module, so `db/models/dashboard.py` keeps its own tuple for the CHECK constraint;
`tests/eligibility/test_vocab.py` asserts that it equals this enum.
"""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """The pre-check's answer for one record (labels in the order pages list them)."""

    ELIGIBLE = "eligible"
    WILL_BE_ELIGIBLE = "will_be_eligible"
    NOT_ELIGIBLE = "not_eligible"
    UNDETERMINED = "undetermined"


VERDICT_LABELS: dict[str, str] = {
    Verdict.ELIGIBLE: "满足",
    Verdict.WILL_BE_ELIGIBLE: "将满足",
    Verdict.NOT_ELIGIBLE: "不满足",
    Verdict.UNDETERMINED: "无法判断",
}
