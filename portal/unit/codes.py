"""Institution codes (机构编码): the Unified Social Credit Code and the legacy organisation code.

- Unified Social Credit Code (统一社会信用代码, GB 32100-2015): 18 characters from
  0-9 and A-Z without I, O, S, V, Z; the last is a check character over the first 17 (weights 3^i mod 31).
- Organisation code (组织机构代码, GB 11714-1997): 8 characters (digits, capital letters) and a check
  character (digit or X), often written with a hyphen before it (12345678-5). Institutions that never
  re-registered, and older rosters, still carry it.
"""

from __future__ import annotations

import random
import re

from portal.core.text import normalize_document_number

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

_USCC_RE = re.compile(rf"^[{USCC_ALPHABET}]{{2}}[0-9]{{6}}[{USCC_ALPHABET}]{{10}}$")
_ORG_RE = re.compile(r"^[0-9A-Z]{8}[0-9X]$")


def uscc_check_character(first17: str) -> str:
    """GB 32100-2015 check character of an 18-character Unified Social Credit Code."""
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def fictional_uscc(rng: random.Random, region_code: str) -> str:
    """A well-formed, made-up Unified Social Credit Code for a public institution in `region_code`."""
    body = "12" + region_code + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc_check_character(body)


def org_code_check_character(first8: str) -> str:
    """GB 11714-1997 check character of a 9-character organisation code."""
    total = sum(int(ch, 36) * w for ch, w in zip(first8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def normalise(code: str) -> str:
    """NFKC (full-width characters become ASCII), upper case without spaces, no hyphen of an organisation code."""
    cleaned = normalize_document_number(str(code or ""))
    if re.fullmatch(r"[0-9A-Z]{8}-[0-9X]", cleaned):
        cleaned = cleaned.replace("-", "")
    return cleaned


def kind_of(code: str) -> str | None:
    """'uscc' or 'org_code' for a well-formed code with a correct check character, else None."""
    if problem(code) is not None:
        return None
    return "uscc" if len(normalise(code)) == 18 else "org_code"


def problem(code: str) -> tuple[str, str] | None:
    """Why `code` is not an accepted institution code: (English, Chinese), or None when it is."""
    value = normalise(code)
    if not value:
        return "missing", "机构编码不能为空。"
    if len(value) == 18:
        if not _USCC_RE.match(value):
            return (
                "not a Unified Social Credit Code (characters outside 0-9/A-Z without I,O,S,V,Z)",
                "统一社会信用代码含有不允许的字符（不含 I、O、S、V、Z）。",
            )
        expected = uscc_check_character(value[:17])
        if value[17] != expected:
            return (
                f"check character should be {expected}",
                f"统一社会信用代码校验码不正确（应为 {expected}），请核对。",
            )
        return None
    if len(value) == 9:
        if not _ORG_RE.match(value):
            return "not an organisation code (8 digits/letters and a check character)", "组织机构代码格式不正确。"
        expected = org_code_check_character(value[:8])
        if value[8] != expected:
            return (
                f"organisation code check character should be {expected}",
                f"组织机构代码校验码不正确（应为 {expected}），请核对。",
            )
        return None
    return (
        f"must be an 18-character Unified Social Credit Code or a 9-character organisation code, got {len(value)}",
        "机构编码须为 18 位统一社会信用代码或 9 位组织机构代码。",
    )
