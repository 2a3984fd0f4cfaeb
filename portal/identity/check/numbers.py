"""Document numbers: resident ID (GB 11643-1999) and the other document types of the glossary.

Every validator returns a Chinese error message for the page, or None when the number is acceptable.
"""

from __future__ import annotations

import datetime as dt
import re

from portal.core.text import is_ascii_document_number, normalize_document_number
from portal.identity.vocab import DocumentType

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

# First two digits of the administrative division code (GB/T 2260), plus 83 (Taiwan, used by
# residence permits) and 81/82 (Hong Kong, Macao).
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54}
    | {61, 62, 63, 64, 65, 71, 81, 82, 83}
)
HMT_PREFIXES = ("810000", "820000", "830000")

_RE_18 = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII only: `\d` and str.isdigit() also accept other scripts' digits
NOT_ASCII = "证件编号只能包含半角数字 0-9 和英文字母（身份证末位可为 X），请检查是否输入了其他字符"


def normalize(number: str) -> str:
    """The one normalisation of typed and read numbers (portal.core.text.normalize_document_number):
    NFKC (full-width digits become ASCII), no whitespace, upper-case (a lower-case x check digit becomes X)."""
    return normalize_document_number(number)


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not _ascii_digits(first17):
        raise ValueError("need exactly 17 digits")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def has_valid_check_digit(number: str) -> bool:
    """True when `number` is 17 digits followed by the right check character (upper-case X only)."""
    return bool(_RE_18.match(number)) and check_digit(number[:17]) == number[17]


def birth_date(number: str) -> dt.date | None:
    """Birth date encoded in an 18-character resident ID number, or None when not a real date."""
    if len(number) < 14 or not _ascii_digits(number[6:14]):
        return None
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def sex(number: str) -> str | None:
    """ "男" or "女" from the 17th digit (odd: male), or None when it is not a digit."""
    if len(number) < 17 or not _ascii_digits(number[16]):
        return None
    return "男" if int(number[16]) % 2 else "女"


def validate_resident_id(number: str, *, today: dt.date | None = None) -> str | None:
    """GB 11643-1999: 18 characters, plausible region, real past birth date, valid check digit."""
    if not number:
        return "请填写证件编号"
    if len(number) != 18:
        return "居民身份证号码应为 18 位"
    if not _RE_18.match(number):
        if re.match(r"^[0-9]{17}x$", number):
            return "身份证号码末位的 X 请使用大写"
        return "居民身份证号码应为 17 位数字加 1 位数字或大写 X"
    if int(number[:2]) not in PROVINCE_CODES:
        return "居民身份证号码的地区码无效"
    born = birth_date(number)
    today = today or dt.date.today()
    if born is None or born > today or born.year < 1880:
        return "居民身份证号码中的出生日期无效"
    if not has_valid_check_digit(number):
        return "居民身份证号码校验位不正确，请核对"
    return None


def validate_hk_macau_permit(number: str) -> str | None:
    """港澳居民来往内地通行证: H or M followed by 8 or 10 digits."""
    if re.fullmatch(r"[HM]([0-9]{8}|[0-9]{10})", number or ""):
        return None
    return "港澳居民来往内地通行证号码应为 H 或 M 开头加 8 位或 10 位数字"


def validate_taiwan_permit(number: str) -> str | None:
    """台湾居民来往大陆通行证: 8 digits (10 on older cards)."""
    if re.fullmatch(r"[0-9]{8}|[0-9]{10}", number or ""):
        return None
    return "台湾居民来往大陆通行证号码应为 8 位或 10 位数字"


def validate_hmt_residence_permit(number: str) -> str | None:
    """港澳台居民居住证: 18 characters, prefix 810000/820000/830000, valid check digit."""
    if not number or len(number) != 18 or not _RE_18.match(number):
        return "港澳台居民居住证号码应为 18 位"
    if not number.startswith(HMT_PREFIXES):
        return "港澳台居民居住证号码应以 810000、820000 或 830000 开头"
    born = birth_date(number)
    if born is None or born > dt.date.today():
        return "港澳台居民居住证号码中的出生日期无效"
    if not has_valid_check_digit(number):
        return "港澳台居民居住证号码校验位不正确，请核对"
    return None


def validate_foreign_permanent_residence(number: str) -> str | None:
    """外国人永久居留身份证: old 15 characters (3 letters + 12 digits) or new 18 starting with 9."""
    if re.fullmatch(r"[A-Z]{3}[0-9]{12}", number or ""):
        return None
    if number and len(number) == 18 and number.startswith("9") and _RE_18.match(number):
        if has_valid_check_digit(number):
            return None
        return "外国人永久居留身份证号码校验位不正确，请核对"
    return "外国人永久居留身份证号码应为 15 位（3 位字母加 12 位数字）或以 9 开头的 18 位"


def validate_passport(number: str) -> str | None:
    """护照: 5 to 17 letters or digits."""
    if re.fullmatch(r"[A-Z0-9]{5,17}", number or ""):
        return None
    return "护照号码应为 5 至 17 位字母或数字"


_VALIDATORS = {
    DocumentType.RESIDENT_ID: validate_resident_id,
    DocumentType.HK_MACAU_PERMIT: validate_hk_macau_permit,
    DocumentType.TAIWAN_PERMIT: validate_taiwan_permit,
    DocumentType.HMT_RESIDENCE_PERMIT: validate_hmt_residence_permit,
    DocumentType.FOREIGN_PERMANENT_RESIDENCE: validate_foreign_permanent_residence,
    DocumentType.PASSPORT: validate_passport,
}


def validate_document_number(document_type: str, number: str) -> str | None:
    """Chinese error message when `number` is not valid for `document_type`, None when it is.

    The number is validated as given; call `normalize` first to accept spaces, full-width digits and a
    lower-case x. Anything but ASCII digits and capital letters is refused, whatever the type.
    """
    validator = _VALIDATORS.get(document_type)
    if validator is None:
        return "不支持的证件类型"
    if not number:
        return "请填写证件编号"
    if not is_ascii_document_number(number):
        return NOT_ASCII
    return validator(number)
