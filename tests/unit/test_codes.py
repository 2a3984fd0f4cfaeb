"""Institution code check characters (GB 32100-2015, GB 11714-1997), regions and categories."""

from __future__ import annotations

import random

import pytest

from portal.unit import categories, codes, regions

# Public examples: the Unified Social Credit Code printed in GB 32100-2015's explanations and widely reused
# in documentation; its characters 9-17 are the organisation code M000100Y-4, itself with a valid check.
USCC_VECTORS = ["91350100M000100Y43"]
# The GB 11714 worked example D2143569-X.
ORG_VECTORS = [("D2143569", "X"), ("M000100Y", "4")]


@pytest.mark.parametrize("code", USCC_VECTORS)
def test_public_uscc_examples_pass(code):
    assert codes.uscc_check_character(code[:17]) == code[17]
    assert codes.problem(code) is None
    assert codes.kind_of(code) == "uscc"


@pytest.mark.parametrize(("body", "check"), ORG_VECTORS)
def test_organisation_code_examples(body, check):
    assert codes.org_code_check_character(body) == check
    assert codes.problem(f"{body}-{check}") is None
    assert codes.normalise(f"{body}-{check}") == body + check
    assert codes.kind_of(body + check) == "org_code"


def test_uscc_embeds_the_organisation_code():
    code = USCC_VECTORS[0]
    assert codes.org_code_check_character(code[8:16]) == code[16]


def test_every_single_character_change_is_caught():
    code = USCC_VECTORS[0]
    for position in range(18):
        for replacement in codes.USCC_ALPHABET:
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1 :]
            assert codes.problem(changed) is not None, changed


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91350100M000100Y44", "应为 3"),
        ("91350100M000100YI3", "不允许的字符"),
        ("1234", "18 位"),
        ("", "不能为空"),
        ("D2143569-1", "应为 X"),
    ],
)
def test_bad_codes_are_explained(code, fragment):
    problem = codes.problem(code)
    assert problem is not None and fragment in problem[1]


def test_fictional_codes_are_valid_and_lower_case_is_accepted():
    rng = random.Random(3)
    for _ in range(200):
        code = codes.fictional_uscc(rng, "420106")
        assert codes.problem(code) is None
        assert codes.problem(code.lower()) is None


def test_regions():
    assert regions.name_of("420106") == "武汉市武昌区"
    assert regions.name_of("429004") == "仙桃市"
    assert regions.name_of("422800") == "恩施土家族苗族自治州"
    assert regions.problem("420106") is None
    assert regions.problem("420000") is None
    assert regions.normalise("420106.0") == "420106"
    assert "湖北" in regions.problem("110101")[1]
    assert regions.problem("42010")[0] == "must be a 6-digit region code"
    # 12 cities, 1 autonomous prefecture, and the 4 county-level units administered by the province
    assert len(regions.PREFECTURES) == 14
    assert len([c for c in regions.REGIONS if not c.endswith("00")]) == 103


def test_categories():
    assert categories.normalise("乡镇卫生院") == "基层医疗卫生机构-乡镇卫生院"
    assert categories.normalise("医院") == "医院"
    assert categories.normalise("医院－综合医院") == "医院-综合医院"
    assert categories.normalise("美容院") is None
    assert categories.label("基层医疗卫生机构-村卫生室") == "基层医疗卫生机构（村卫生室）"
