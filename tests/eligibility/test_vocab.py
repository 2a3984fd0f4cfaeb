"""The stored verdicts (dashboard snapshot CHECK constraint) are exactly the judge's verdicts, each labelled."""

from __future__ import annotations

from db.models import dashboard as model
from portal.eligibility.vocab import VERDICT_LABELS, Verdict


def test_verdicts_match_the_check_constraint_and_have_labels():
    assert tuple(Verdict) == model.VERDICTS
    assert list(VERDICT_LABELS) == list(Verdict)
    assert list(VERDICT_LABELS.values()) == ["满足", "将满足", "不满足", "无法判断"]
