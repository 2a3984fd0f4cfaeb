"""The eligibility rules as data: id, level, legal source, source text, and one Chinese sentence per outcome.

The rules are advisory (报名资格预检); the formal review decides. They encode what can be judged from a
declaration record under the 《中华人民共和国医师法》 (in force since 2022-03-01, 第九条/第十条) and the
《医师资格考试报名资格规定（2014版）》.

Outcomes of a rule: ``met`` (满足 on the as-of day), ``will_be_met`` (满足 by the cut-off date only if a
running probation or practice goes on), ``not_met`` (cannot be met by the cut-off on the data held) and
``unknown`` (the record lacks, or holds an unrecognised value for, a field the rule needs; the fields are
named).

Counting practice time (满一年 / 满二年)
----------------------------------------
* Days are counted inclusively: a period from 2025-07-15 to 2025-07-15 is one day served.
* "N years" from a start day S is the half-open calendar span [S, S + N years): the requirement is complete on
  the day before the N-th anniversary of S. 2025-07-15 + 1 year completes on 2026-07-14. The anniversary of
  29 February in a year without one is 1 March, so 2024-02-29 + 1 year completes on 2025-02-28 (366 days
  served), and 2023-03-01 + 1 year completes on 2024-02-29 (366 days, the span holds 2024-02-29).
* Probation at several institutions adds up. The periods are merged first (overlapping or repeated days count
  once) and clipped to [graduated_on, cut-off]: practice is what a graduate does after obtaining the
  education (《医师法》: 具有…学历，在执业医师指导下…满一年). The required number of days is the length of
  the calendar year starting on the first counted day (365, or 366 when that year holds a 29 February).
  For a single unbroken period this is exactly the calendar rule above; for several periods it is "sum of
  served days compared with that year's length", so the two readings never disagree.
* ``work_ended_on`` null (or absent) means still in post: the period runs on to the cut-off. Days after the
  as-of day are a projection; a requirement reached only through them is ``will_be_met``.
* The upgrade route (执业助理医师报考执业医师) counts from ``practice_certificate.issued_on`` (inclusive) to
  the cut-off: two calendar years. For 本科 or above with an assistant certificate the 2014 rules are
  reported to allow one year; we could not verify that text, so the stricter reading the issue states (two
  years for every upgrade candidate) is encoded in ``UPGRADE_YEARS_BY_LEVEL`` and can be lowered there
  once verified.

Source texts marked ``verbatim=False`` are summaries of the 2014 rules (the article number and wording must be
checked against the published text before being shown as quotations); the 医师法 texts are verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

# Outcome labels of a rule.
MET = "met"
WILL_BE_MET = "will_be_met"
NOT_MET = "not_met"
UNKNOWN = "unknown"
OUTCOMES = (NOT_MET, UNKNOWN, WILL_BE_MET, MET)  # most severe first

PHYSICIAN = "执业医师"
ASSISTANT = "执业助理医师"
EXAM_LEVELS = (PHYSICIAN, ASSISTANT)

CATEGORIES = ("临床", "中医", "口腔", "公共卫生")


def default_cutoff(year: int) -> date:
    """The cut-off date (报名资格截止日期) of an exam year unless the admin sets another: 31 August of the year.

    Practice is counted up to this day. The one place of the rule: exam years, the judge and the CLI use it.
    """
    return date(year, 8, 31)


# Education level (学历层级) -> rank. 中专 no longer qualifies for any exam under the 医师法 (2022).
EDUCATION_RANK = MappingProxyType(
    {
        "中专": 0,
        "中等专业学校": 0,
        "中职": 0,
        "专科": 1,
        "大专": 1,
        "高职": 1,
        "高职（专科）": 1,
        "高职(专科)": 1,
        "本科": 2,
        "硕士研究生": 3,
        "硕士": 3,
        "博士研究生": 4,
        "博士": 4,
    }
)
RANK_ZHUANKE = 1
RANK_BENKE = 2

# Calendar years of practice required.
PRACTICE_YEARS = 1  # 执业医师 (第九条第一项) and 执业助理医师 (第十条)
# Upgrade route: years since the assistant practice certificate was issued, by education rank (minimum rank
# first). Stricter reading: two years for every level (see module docstring).
UPGRADE_YEARS_BY_LEVEL = MappingProxyType({RANK_ZHUANKE: 2, RANK_BENKE: 2})

# Category names as written on forms and certificates -> exam category.
CATEGORY_ALIASES = MappingProxyType(
    {
        "临床": "临床",
        "临床医学": "临床",
        "中医": "中医",
        "中西医结合": "中医",
        "中医学": "中医",
        "口腔": "口腔",
        "口腔医学": "口腔",
        "公共卫生": "公共卫生",
        "公卫": "公共卫生",
        "预防医学": "公共卫生",
    }
)

# 专业类型 (major_type): generic medical, category-specific, or excluded (医学相关专业, not a basis).
GENERIC_MAJOR_TYPES = frozenset({"医学", "医学类"})
MAJOR_TYPE_CATEGORY = MappingProxyType(
    {
        "临床医学类": "临床",
        "临床": "临床",
        "中医学类": "中医",
        "中医": "中医",
        "中西医结合类": "中医",
        "中西医结合": "中医",
        "口腔医学类": "口腔",
        "口腔": "口腔",
        "公共卫生与预防医学类": "公共卫生",
        "预防医学类": "公共卫生",
        "公共卫生": "公共卫生",
    }
)
EXCLUDED_MAJOR_TYPES = frozenset(
    {
        "基础医学类",
        "法医学类",
        "护理学类",
        "护理类",
        "医学技术类",
        "药学类",
        "中药学类",
        "非医学",
        "非医学类",
    }
)

# 所学专业 (major) -> exam category. Only names listed here are recognised; others are "unknown".
MAJOR_CATEGORY = MappingProxyType(
    {
        **dict.fromkeys(
            [
                "临床医学",
                "麻醉学",
                "医学影像学",
                "眼视光医学",
                "精神医学",
                "放射医学",
                "儿科学",
                "内科学",
                "外科学",
                "妇产科学",
                "神经病学",
                "急诊医学",
                "全科医学",
                "肿瘤学",
                "眼科学",
                "耳鼻咽喉科学",
                "皮肤病与性病学",
                "影像医学与核医学",
                "老年医学",
                "精神病与精神卫生学",
            ],
            "临床",
        ),
        **dict.fromkeys(
            [
                "中医学",
                "针灸推拿学",
                "针灸推拿",
                "中医骨伤",
                "中医骨伤科学",
                "中西医临床医学",
                "中西医结合",
                "中西医结合临床",
                "藏医学",
                "蒙医学",
                "维医学",
                "壮医学",
                "哈医学",
                "傣医学",
                "中医内科学",
                "中医外科学",
                "中医儿科学",
                "针灸学",
            ],
            "中医",
        ),
        **dict.fromkeys(["口腔医学", "口腔临床医学"], "口腔"),
        **dict.fromkeys(["预防医学", "公共卫生", "流行病与卫生统计学"], "公共卫生"),
    }
)
EXCLUDED_MAJORS = frozenset(
    {
        "护理学",
        "护理",
        "助产",
        "助产学",
        "药学",
        "临床药学",
        "中药学",
        "医学检验技术",
        "医学影像技术",
        "康复治疗学",
        "康复治疗技术",
        "口腔医学技术",
        "基础医学",
        "法医学",
        "卫生检验与检疫",
    }
)


@dataclass(frozen=True)
class Rule:
    """One rule: where it comes from and what to say for each outcome (messages are str.format templates)."""

    id: str
    level: str  # 执业医师, 执业助理医师, or 全部 (every level)
    source: str
    source_text: str
    messages: MappingProxyType = field(repr=False)
    verbatim: bool = True  # False: source_text summarises a text we could not quote verbatim


_LAW_9 = (
    "具有下列条件之一的，可以参加执业医师资格考试：（一）具有高等学校相关医学专业本科以上学历，在执业医师指导下，"
    "在医疗卫生机构中参加医学专业工作实践满一年；（二）具有高等学校相关医学专业专科学历，取得执业助理医师执业证书后，"
    "在医疗卫生机构中执业满二年。"
)
_LAW_10 = (
    "具有高等学校相关医学专业专科以上学历，在执业医师指导下，在医疗卫生机构中参加医学专业工作实践满一年的，"
    "可以参加执业助理医师资格考试。"
)
_RULES_2014 = "《医师资格考试报名资格规定（2014版）》"


def _rule(id, level, source, text, verbatim=True, **messages) -> Rule:
    return Rule(id, level, source, text, MappingProxyType(messages), verbatim)


RULES: tuple[Rule, ...] = (
    _rule(
        "exam_level.known",
        "全部",
        "《医师法》第八条",
        "医师资格考试分为执业医师资格考试和执业助理医师资格考试。",
        unknown="报考级别未填写或无法识别，无法确定适用的报考条件。",
        conflict="报考级别为执业助理医师，却填写了“执业助理医师报考执业医师”，两者矛盾，请单位更正。",
    ),
    _rule(
        "route.known",
        PHYSICIAN,
        "《医师法》第九条",
        _LAW_9,
        unknown="未填写“是否执业助理医师报考执业医师”，无法确定适用第九条第（一）项还是第（二）项。",
    ),
    _rule(
        "education.related_major",
        "全部",
        _RULES_2014 + "学历审核",
        "基础医学类、法医学类、护理（学）类、医学技术类、药学类、中药学类等医学相关专业，其学历不作为报考医师资格的学历依据。",
        met="所学专业“{major}”属于相关医学专业。",
        not_met="所学专业“{major}”不属于可报考医师资格的相关医学专业，其学历不能作为报考依据。",
        unknown="所学专业未填写或无法识别，无法判断是否属于相关医学专业。",
    ),
    _rule(
        "education.minimum",
        "全部",
        "《医师法》第九条、第十条",
        _LAW_9 + _LAW_10,
        met="学历为{education_level}，达到报考医师资格的最低学历（专科）。",
        not_met="学历为{education_level}，低于报考医师资格所需的高等学校专科学历。",
        unknown="学历层级未填写或无法识别，无法判断学历是否符合要求。",
    ),
    _rule(
        "physician.education",
        PHYSICIAN,
        "《医师法》第九条第（一）项",
        _LAW_9,
        met="学历为{education_level}，符合报考执业医师所需的本科以上学历。",
        not_met="学历为{education_level}，报考执业医师须具有相关医学专业本科以上学历"
        "（专科学历须先取得执业助理医师执业证书并执业满二年）。",
        unknown="学历层级未填写或无法识别，无法判断是否具有本科以上学历。",
    ),
    _rule(
        "physician.practice",
        PHYSICIAN,
        "《医师法》第九条第（一）项",
        _LAW_9,
        met="截至{as_of}，试用期（医学专业工作实践）已满一年。",
        will_be_met="试用期将于{complete_on}满一年，在截止日期{cutoff}之前。",
        not_met="截至截止日期{cutoff}，试用期累计{served}天，仍差{missing}天，不能满一年。",
        unknown="试用期信息不全，无法计算截至{cutoff}的工作实践时间。",
    ),
    _rule(
        "assistant.education",
        ASSISTANT,
        "《医师法》第十条",
        _LAW_10,
        met="学历为{education_level}，符合报考执业助理医师所需的专科以上学历。",
        not_met="学历为{education_level}，报考执业助理医师须具有相关医学专业专科以上学历。",
        unknown="学历层级未填写或无法识别，无法判断是否具有专科以上学历。",
    ),
    _rule(
        "assistant.practice",
        ASSISTANT,
        "《医师法》第十条",
        _LAW_10,
        met="截至{as_of}，试用期（医学专业工作实践）已满一年。",
        will_be_met="试用期将于{complete_on}满一年，在截止日期{cutoff}之前。",
        not_met="截至截止日期{cutoff}，试用期累计{served}天，仍差{missing}天，不能满一年。",
        unknown="试用期信息不全，无法计算截至{cutoff}的工作实践时间。",
    ),
    _rule(
        "fresh_graduate.probation",
        "全部",
        _RULES_2014,
        "应届医学专业毕业生可在试用期未满一年时先行报名，其试用期须在规定的截止日期（当年8月31日）前满一年。",
        verbatim=False,
        will_be_met="应届毕业生试用期尚未满一年，将于{complete_on}满一年（截止日期{cutoff}前），可先行报名。",
        not_met="应届毕业生试用期至截止日期{cutoff}累计{served}天，仍差{missing}天，不能在截止日期前满一年。",
    ),
    _rule(
        "upgrade.education",
        PHYSICIAN,
        "《医师法》第九条第（二）项",
        _LAW_9,
        met="学历为{education_level}，符合执业助理医师报考执业医师所需的专科以上学历。",
        not_met="学历为{education_level}，执业助理医师报考执业医师须具有相关医学专业专科以上学历。",
        unknown="学历层级未填写或无法识别，无法判断是否具有专科以上学历。",
    ),
    _rule(
        "upgrade.certificate",
        PHYSICIAN,
        "《医师法》第九条第（二）项",
        _LAW_9,
        met="已取得执业助理医师执业证书（发证日期{issued_on}）。",
        not_met="执业助理医师报考执业医师须持有执业助理医师执业证书，所填执业证书的执业级别为“{practice_level}”。",
        unknown="未填写医师执业证书的执业级别，无法判断是否已取得执业助理医师执业证书。",
    ),
    _rule(
        "upgrade.practice",
        PHYSICIAN,
        "《医师法》第九条第（二）项",
        _LAW_9,
        met="截至{as_of}，取得执业助理医师执业证书后已执业满{years}年。",
        will_be_met="取得执业助理医师执业证书后将于{complete_on}执业满{years}年，在截止日期{cutoff}之前。",
        not_met="取得执业助理医师执业证书后至截止日期{cutoff}执业{served}天，仍差{missing}天，不满{years}年。",
        unknown="未填写医师执业证书的发证日期，无法计算取得证书后的执业时间。",
    ),
    _rule(
        "category.major",
        "全部",
        _RULES_2014 + "报考类别",
        "报考人员应按所学医学专业报考相应类别的医师资格；中医、中西医结合、民族医医学专业毕业的，报考中医类别。",
        verbatim=False,
        met="报考类别“{exam_category}”与所学专业相符。",
        not_met="报考类别“{exam_category}”与所学专业（{major_category}类别）不符。",
        unknown="报考类别或所学专业未填写或无法识别，无法判断两者是否相符。",
    ),
    _rule(
        "category.qualification_certificate",
        "全部",
        _RULES_2014 + "报考类别",
        "已取得医师资格的人员报考，报考类别应当与已取得的医师资格类别一致。",
        verbatim=False,
        met="报考类别“{exam_category}”与医师资格证书类别一致。",
        not_met="报考类别“{exam_category}”与医师资格证书类别“{certificate_category}”不一致。",
        unknown="医师资格证书类别或报考类别未填写，无法判断两者是否一致。",
    ),
    _rule(
        "category.practice_certificate",
        "全部",
        _RULES_2014 + "报考类别",
        "执业助理医师报考执业医师，报考类别应当与其执业类别一致。",
        verbatim=False,
        met="报考类别“{exam_category}”与医师执业证书执业类别一致。",
        not_met="报考类别“{exam_category}”与医师执业证书执业类别“{certificate_category}”不一致。",
        unknown="医师执业证书执业类别或报考类别未填写，无法判断两者是否一致。",
    ),
)

RULES_BY_ID = MappingProxyType({rule.id: rule for rule in RULES})
