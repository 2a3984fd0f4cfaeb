"""Hubei's administrative divisions (GB/T 2260): the province, its prefecture-level divisions and counties.

Codes as published by the Ministry of Civil Affairs (县级以上行政区划代码); 监利 is a city (421088) since 2020.
"""

from __future__ import annotations

import re
import unicodedata

PROVINCE = ("420000", "湖北省")

# prefecture code -> (name, {county code: name})
PREFECTURES: dict[str, tuple[str, dict[str, str]]] = {
    "420100": (
        "武汉市",
        {
            "420102": "江岸区",
            "420103": "江汉区",
            "420104": "硚口区",
            "420105": "汉阳区",
            "420106": "武昌区",
            "420107": "青山区",
            "420111": "洪山区",
            "420112": "东西湖区",
            "420113": "汉南区",
            "420114": "蔡甸区",
            "420115": "江夏区",
            "420116": "黄陂区",
            "420117": "新洲区",
        },
    ),
    "420200": (
        "黄石市",
        {
            "420202": "黄石港区",
            "420203": "西塞山区",
            "420204": "下陆区",
            "420205": "铁山区",
            "420222": "阳新县",
            "420281": "大冶市",
        },
    ),
    "420300": (
        "十堰市",
        {
            "420302": "茅箭区",
            "420303": "张湾区",
            "420304": "郧阳区",
            "420322": "郧西县",
            "420323": "竹山县",
            "420324": "竹溪县",
            "420325": "房县",
            "420381": "丹江口市",
        },
    ),
    "420500": (
        "宜昌市",
        {
            "420502": "西陵区",
            "420503": "伍家岗区",
            "420504": "点军区",
            "420505": "猇亭区",
            "420506": "夷陵区",
            "420525": "远安县",
            "420526": "兴山县",
            "420527": "秭归县",
            "420528": "长阳土家族自治县",
            "420529": "五峰土家族自治县",
            "420581": "宜都市",
            "420582": "当阳市",
            "420583": "枝江市",
        },
    ),
    "420600": (
        "襄阳市",
        {
            "420602": "襄城区",
            "420606": "樊城区",
            "420607": "襄州区",
            "420624": "南漳县",
            "420625": "谷城县",
            "420626": "保康县",
            "420682": "老河口市",
            "420683": "枣阳市",
            "420684": "宜城市",
        },
    ),
    "420700": ("鄂州市", {"420702": "梁子湖区", "420703": "华容区", "420704": "鄂城区"}),
    "420800": (
        "荆门市",
        {"420802": "东宝区", "420804": "掇刀区", "420822": "沙洋县", "420881": "钟祥市", "420882": "京山市"},
    ),
    "420900": (
        "孝感市",
        {
            "420902": "孝南区",
            "420921": "孝昌县",
            "420922": "大悟县",
            "420923": "云梦县",
            "420981": "应城市",
            "420982": "安陆市",
            "420984": "汉川市",
        },
    ),
    "421000": (
        "荆州市",
        {
            "421002": "沙市区",
            "421003": "荆州区",
            "421022": "公安县",
            "421024": "江陵县",
            "421081": "石首市",
            "421083": "洪湖市",
            "421087": "松滋市",
            "421088": "监利市",
        },
    ),
    "421100": (
        "黄冈市",
        {
            "421102": "黄州区",
            "421121": "团风县",
            "421122": "红安县",
            "421123": "罗田县",
            "421124": "英山县",
            "421125": "浠水县",
            "421126": "蕲春县",
            "421127": "黄梅县",
            "421181": "麻城市",
            "421182": "武穴市",
        },
    ),
    "421200": (
        "咸宁市",
        {
            "421202": "咸安区",
            "421221": "嘉鱼县",
            "421222": "通城县",
            "421223": "崇阳县",
            "421224": "通山县",
            "421281": "赤壁市",
        },
    ),
    "421300": ("随州市", {"421303": "曾都区", "421321": "随县", "421381": "广水市"}),
    "422800": (
        "恩施土家族苗族自治州",
        {
            "422801": "恩施市",
            "422802": "利川市",
            "422822": "建始县",
            "422823": "巴东县",
            "422825": "宣恩县",
            "422826": "咸丰县",
            "422827": "来凤县",
            "422828": "鹤峰县",
        },
    ),
    "429000": (
        "省直辖县级行政区划",
        {"429004": "仙桃市", "429005": "潜江市", "429006": "天门市", "429021": "神农架林区"},
    ),
}

REGIONS: dict[str, str] = {PROVINCE[0]: PROVINCE[1]}
for _code, (_name, _counties) in PREFECTURES.items():
    REGIONS[_code] = _name
    REGIONS.update(_counties)


def is_valid(code: str) -> bool:
    """True for the province, a prefecture-level division or a county of Hubei."""
    return str(code).strip() in REGIONS


def normalise(code: object) -> str:
    """A region code as 6 digits ('420106.0' from a spreadsheet cell becomes '420106')."""
    text = unicodedata.normalize("NFKC", str(code if code is not None else "")).strip()
    if re.fullmatch(r"[0-9]{6}\.0+", text):
        text = text.split(".")[0]
    return text


def name_of(code: str | None) -> str:
    """'武汉市武昌区' for 420106; the prefecture's name for an unknown county code of a known prefecture."""
    if not code:
        return ""
    code = str(code)
    if code == PROVINCE[0]:
        return PROVINCE[1]
    prefecture = PREFECTURES.get(code[:4] + "00")
    if prefecture is None:
        return code
    name, counties = prefecture
    if code.endswith("00"):
        return name
    county = counties.get(code)
    if county is None:
        return name
    return county if prefecture[0].startswith("省直辖") else name + county


def problem(code: object) -> tuple[str, str] | None:
    """Why `code` is not a Hubei region code: (English, Chinese), or None."""
    value = normalise(code)
    if not value:
        return "missing", "所属地区不能为空。"
    if not re.fullmatch(r"[0-9]{6}", value):
        return "must be a 6-digit region code", "所属地区须为 6 位行政区划代码。"
    if value not in REGIONS:
        return "not a region code of Hubei province", "所属地区不是湖北省的行政区划代码。"
    return None


def choices() -> list[tuple[str, str]]:
    """(code, label) for a select box: the province, each prefecture, then its counties."""
    result = [(PROVINCE[0], PROVINCE[1])]
    for code, (name, counties) in PREFECTURES.items():
        result.append((code, name))
        result += [(county, name_of(county)) for county in counties]
    return result
