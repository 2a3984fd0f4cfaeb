"""Fields of the resident ID card front read from OCR lines, by the card's layout.

The front has one layout: a column of pale labels (姓名, 性别, 民族, 出生, 住址) on the left, the values in a
column to their right, row by row: the name, the sex and the ethnicity, the birth date, the address (one to
three rows), then the number row (公民身份号码). The number is found by its form (18 characters); the rows
above it are read in the value column, each by its place in that order and by its form, with a label read
only confirming the row, so that a pale or embossed label that the OCR does not read (or misreads as another
character) does not lose its field. Nothing is corrected or guessed: a field that cannot be read cleanly is
None. The one repair is in the number: letters the OCR confuses with digits (O for 0, I for 1...) are read as
the digits only when the result has a valid check digit (numbers.has_valid_check_digit).
"""

from __future__ import annotations

import re
import unicodedata

from portal.identity.check import numbers
from portal.identity.check.ocr import OcrLine

FIELDS = ("name", "sex", "ethnicity", "birth_date", "address", "id_number")
LABELS = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")
_LABEL_CHARS = set("".join(LABELS) + "年月日")

_NUMBER = re.compile(r"(?<![0-9X])([0-9]{17}[0-9X])(?![0-9X])")  # on NFKC-normalised, upper-cased text
_CONFUSABLE = str.maketrans({"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "|": "1", "Z": "2", "S": "5", "B": "8"})
_NUMBER_LIKE = re.compile(r"(?<![0-9A-Z|])([0-9ODQILZSB|]{17}[0-9ODQILZSB|X])(?![0-9A-Z|])")
# a box boundary (a space) may stand for a 年 or 月 that was not read, never nothing at all: "1967 5 22"
_BIRTH = re.compile(r"(?<!\d)(\d{4})(?:\s*年\s*|\s+)(\d{1,2})(?:\s*月\s*|\s+)(\d{1,2})(?!\d)")
_HAN_NAME = re.compile(r"^[\u3400-\u9fff·]{2,15}$")
_SEX = re.compile(r"^(?:性别)?([男女])(?:\s|民族|$)")
_ETHNICITY = re.compile(r"民族\s*([\u4e00-\u9fff]{1,6})\s*$")
_LEADING_LABEL = re.compile(r"^(?:姓名|性别|出生|住址)")
COLUMN_TOLERANCE = 8.0  # px on the 856-px card: lines starting this close share a column


def _rows(lines: list[OcrLine]) -> list[list[OcrLine]]:
    """Group lines whose vertical centres are close into rows, each sorted left to right."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda item: item.cy):
        if rows:
            last = rows[-1]
            ref = sum(item.cy for item in last) / len(last)
            tol = 0.5 * max(min(item.height for item in last), line.height)
            if abs(line.cy - ref) <= tol:
                last.append(line)
                continue
        rows.append([line])
    return [sorted(row, key=lambda item: item.cx) for row in rows]


def _clean(text: str) -> str:
    """NFKC (full-width digits read from OCR-B numbers become ASCII digits), no whitespace or punctuation."""
    return re.sub(r"[\s,.:;，。：；、]+", "", unicodedata.normalize("NFKC", text))


def _text(row: list[OcrLine]) -> str:
    return "".join(_clean(item.text) for item in row)


def _spaced(row: list[OcrLine]) -> str:
    """The row's text with one space between boxes (a box boundary is a separator the OCR saw)."""
    return " ".join(_clean(item.text) for item in row)


def _is_label(text: str) -> bool:
    """A box that holds only a label (or a fragment of one): it says which row this is, it is no value."""
    text = _clean(text)
    return bool(text) and (text in LABELS or (len(text) <= 2 and set(text) <= _LABEL_CHARS))


def count_labels(lines: list[OcrLine]) -> int:
    """How many of the card front's labels were read (evidence that this is a card front)."""
    text = re.sub(r"\s+", "", "".join(line.text for line in lines))
    return sum(1 for label in LABELS if label in text)


def value_column(rows: list[list[OcrLine]]) -> float | None:
    """Left edge of the value column: the x where most value boxes (not labels) start."""
    starts = sorted(
        line.box[0]
        for row in rows
        for line in row
        if not _is_label(line.text) and not _LEADING_LABEL.match(_clean(line.text))
    )
    best, best_count = None, 1
    for x in starts:
        count = sum(1 for other in starts if abs(other - x) <= COLUMN_TOLERANCE)
        if count > best_count or (count == best_count and best is not None and x < best):
            best, best_count = x, count
    if best is None:
        return None
    return min(x for x in starts if abs(x - best) <= COLUMN_TOLERANCE)


def read_number(text: str) -> str | None:
    """The one 18-character number in a row's text; confusable letters repaired only if the check digit holds."""
    found = _NUMBER.findall(text)
    if len(found) == 1:
        return found[0]
    if found:
        return None
    repaired = {
        candidate
        for raw in _NUMBER_LIKE.findall(text)
        if numbers.has_valid_check_digit(candidate := raw[:17].translate(_CONFUSABLE) + raw[17:].translate(_CONFUSABLE))
    }
    return repaired.pop() if len(repaired) == 1 else None


def parse_fields(lines: list[OcrLine], card_height: float = 540.0) -> dict:
    """{name, sex, ethnicity, birth_date (ISO), address, id_number}; None for what was not read."""
    out: dict = dict.fromkeys(FIELDS)
    rows = _rows(lines)
    texts = [_text(row) for row in rows]

    number_row = None
    for index, text in enumerate(texts):
        found = read_number(text.replace("公民身份号码", "").upper())
        if found:
            out["id_number"] = found
            number_row = index
    if number_row is None:
        number_row = next((i for i, t in enumerate(texts) if "公民身份号码" in t), len(rows))

    # the rows above the number, in the value column: boxes wholly left of it are labels (read or misread)
    column = value_column(rows[:number_row])
    above = []
    for row in rows[:number_row]:
        kept = [line for line in row if (column is None or line.box[2] > column + 4) and not _is_label(line.text)]
        labelled = any(_is_label(line.text) or _LEADING_LABEL.match(_clean(line.text)) for line in row)
        if kept:
            above.append((kept, _text(row) if labelled else "", _text(kept)))

    def value(index: int) -> str:
        return _LEADING_LABEL.sub("", above[index][2])

    def labelled_with(label: str) -> int | None:
        return next((i for i, (_, whole, text) in enumerate(above) if label in whole or label in text), None)

    sex_row = next(
        (i for i, (kept, _, _) in enumerate(above) if _SEX.match(_LEADING_LABEL.sub("", _spaced(kept)).strip())), None
    )
    if sex_row is not None:
        kept = above[sex_row][0]
        out["sex"] = _SEX.match(_LEADING_LABEL.sub("", _spaced(kept)).strip()).group(1)
        eth = _ETHNICITY.search(above[sex_row][2])
        if eth and eth.group(1) not in ("民", "族"):
            out["ethnicity"] = eth.group(1)
        elif len(kept) >= 2:  # the pale 民族 label not read: the last box of the row, alone
            last = _clean(kept[-1].text)
            if re.fullmatch(r"[\u4e00-\u9fff]{1,6}", last) and not set(last) & (_LABEL_CHARS | {"男", "女"}):
                out["ethnicity"] = last

    name_row = labelled_with("姓名")
    if name_row is None and sex_row is not None and sex_row >= 1:
        name_row = sex_row - 1  # by layout: the row above the sex row
    if name_row is not None and (sex_row is None or name_row < sex_row):
        candidate = value(name_row)
        if _HAN_NAME.match(candidate) and not any(label in candidate for label in LABELS):
            out["name"] = candidate

    birth_row = None
    for index, (kept, _, _) in enumerate(above):
        if sex_row is not None and index <= sex_row:
            continue
        birth = _BIRTH.search(_spaced(kept).replace("出生", " "))
        if birth:
            year, month, day = (int(g) for g in birth.groups())
            if 1 <= month <= 12 and 1 <= day <= 31:
                out["birth_date"] = f"{year:04d}-{month:02d}-{day:02d}"
            birth_row = index
            break

    addr_row = labelled_with("住址")
    if addr_row is None and birth_row is not None and birth_row + 1 < len(above):
        addr_row = birth_row + 1  # by layout: the rows after the birth date
    if addr_row is not None:
        parts = [value(addr_row).replace("住址", "")]
        for _kept, whole, text in above[addr_row + 1 :]:
            if any(label in whole or label in text for label in LABELS):
                break
            parts.append(text)
        address = "".join(parts)
        out["address"] = address or None
    return out
