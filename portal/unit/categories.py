"""机构类别: the kinds of medical and health institutions (after the health statistics' 卫生机构类别).

A unit's category is stored as the major class ("医院") or "major-kind" ("基层医疗卫生机构-乡镇卫生院").
"""

from __future__ import annotations

CATEGORIES: dict[str, list[str]] = {
    "医院": ["综合医院", "中医医院", "中西医结合医院", "民族医医院", "专科医院", "康复医院", "护理院"],
    "基层医疗卫生机构": [
        "社区卫生服务中心",
        "社区卫生服务站",
        "乡镇卫生院",
        "街道卫生院",
        "村卫生室",
        "门诊部",
        "诊所",
        "医务室",
    ],
    "专业公共卫生机构": [
        "疾病预防控制中心",
        "专科疾病防治院（所、站）",
        "妇幼保健院（所、站）",
        "急救中心（站）",
        "采供血机构",
        "卫生监督所（中心）",
        "健康教育所（中心）",
    ],
    "其他": ["疗养院", "医学科研机构", "医学院校", "临床检验中心", "其他机构"],
}

SEPARATOR = "-"


def all_values() -> list[str]:
    """Every accepted stored value: each major class, then each major-kind pair."""
    values = []
    for major, kinds in CATEGORIES.items():
        values.append(major)
        values += [f"{major}{SEPARATOR}{kind}" for kind in kinds]
    return values


_BY_KIND = {kind: f"{major}{SEPARATOR}{kind}" for major, kinds in CATEGORIES.items() for kind in kinds}
_VALUES = set(all_values())


def normalise(value: object) -> str | None:
    """The stored form of a category ('乡镇卫生院' -> '基层医疗卫生机构-乡镇卫生院'), or None when unknown."""
    text = str(value or "").strip().replace("－", SEPARATOR).replace("—", SEPARATOR).replace("/", SEPARATOR)
    text = text.replace(" ", "")
    if text in _VALUES:
        return text
    return _BY_KIND.get(text)


def label(value: str | None) -> str:
    """How a category is shown: '基层医疗卫生机构（乡镇卫生院）'."""
    if not value:
        return ""
    major, _, kind = value.partition(SEPARATOR)
    return f"{major}（{kind}）" if kind else major
