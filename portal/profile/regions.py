"""Province / city / county lists for postal addresses (Hubei first), from `data/regions.json`.

Codes follow GB/T 2260. Hubei is listed down to its counties, the four municipalities down to their districts,
every other province down to its prefecture-level divisions (the county is then part of the detailed address).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("data") / "regions.json"
HUBEI = "420000"


@lru_cache(maxsize=1)
def _data() -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]], dict[str, list[tuple[str, str]]]]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    provinces: list[tuple[str, str]] = []
    cities: dict[str, list[tuple[str, str]]] = {}
    counties: dict[str, list[tuple[str, str]]] = {}
    for code, name, city_rows in raw["provinces"]:
        provinces.append((code, name))
        cities[code] = [(city_code, city_name) for city_code, city_name, _ in city_rows]
        for city_code, _city_name, county_rows in city_rows:
            counties[city_code] = [(county_code, county_name) for county_code, county_name in county_rows]
    return provinces, cities, counties


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    provinces, cities, counties = _data()
    names = dict(provinces)
    for rows in cities.values():
        names.update(rows)
    for rows in counties.values():
        names.update(rows)
    return names


def provinces() -> list[tuple[str, str]]:
    """(code, name) of every province-level division, Hubei first."""
    return list(_data()[0])


def cities(province_code: str) -> list[tuple[str, str]]:
    """(code, name) of the prefecture-level divisions of a province (empty for 台湾、香港、澳门)."""
    return list(_data()[1].get(province_code, []))


def counties(city_code: str) -> list[tuple[str, str]]:
    """(code, name) of the counties/districts of a city (empty when the list stops at the city)."""
    return list(_data()[2].get(city_code, []))


def name_of(code: str | None) -> str:
    """The name of one division ('' for an unknown or empty code)."""
    return _names().get(code or "", "")


def full_name(province_code: str, city_code: str | None = None, county_code: str | None = None) -> str:
    """'湖北省武汉市武昌区'; repeated names of municipalities are given once ('北京市东城区')."""
    parts: list[str] = []
    for code in (province_code, city_code, county_code):
        name = name_of(code)
        if name and name not in parts and not name.startswith(("省直辖", "自治区直辖")):
            parts.append(name)
    return "".join(parts)


def problems(province_code: str, city_code: str | None, county_code: str | None) -> dict[str, str]:
    """Why the chosen province / city / county do not fit together (field -> Chinese reason)."""
    province_code, city_code, county_code = province_code or "", city_code or "", county_code or ""
    if not province_code:
        return {"province_code": "请选择省份。"}
    if province_code not in _data()[1]:
        return {"province_code": "所选省份不存在，请从列表中选择。"}
    city_list = cities(province_code)
    if city_list:
        if not city_code:
            return {"city_code": "请选择城市。"}
        if city_code not in dict(city_list):
            return {"city_code": "所选城市不属于该省份，请从列表中选择。"}
    elif city_code:
        return {"city_code": "该地区无需选择城市，请在详细地址中填写。"}
    county_list = counties(city_code) if city_code else []
    if county_list:
        if not county_code:
            return {"county_code": "请选择区县。"}
        if county_code not in dict(county_list):
            return {"county_code": "所选区县不属于该城市，请从列表中选择。"}
    elif county_code:
        return {"county_code": "所选区县不在列表中，请在详细地址中填写区县。"}
    return {}
