"""Declaration import keyed by 证件号码: full-width and mixed-width numbers find the same candidate."""

from __future__ import annotations

from portal.declaration import confirmation
from tests.declaration.test_import import merge, rows_for, run, two  # noqa: F401 - fixture

FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def test_full_width_and_mixed_width_numbers_match_the_candidate(session, world, two):  # noqa: F811
    first, second, _ = two
    full = first.translate(FULL)
    mixed = second[:6].translate(FULL) + second[6:].lower()
    result = run(session, world, merge(rows_for(full), rows_for(mixed, "第二考生")))
    assert (result.imported, result.rejected, result.errors) == (2, 0, [])
    assert confirmation.my_record(session, actor=world.candidate_actor).status == "pending"


def test_other_script_digits_are_refused_with_a_clear_reason(session, world, two):  # noqa: F811
    first, _, _ = two
    arabic = first.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))  # str.isdigit() is True for these
    result = run(session, world, rows_for(arabic))
    assert result.imported == 0
    assert any("半角数字" in error.reason for error in result.errors)
