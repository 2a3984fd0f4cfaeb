"""Fields of the resident ID card front read from OCR lines, using the known layout.

Labels (姓名, 性别, 民族, 出生, 住址, 公民身份号码) anchor the rows; values are what follows a label
on the same row. Nothing is corrected or guessed: a field that cannot be read cleanly is None.
"""

from __future__ import annotations

import re
import unicodedata

from portal.identity.check.ocr import OcrLine

FIELDS = ("name", "sex", "ethnicity", "birth_date", "address", "id_number")
LABELS = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")

_NUMBER = re.compile(r"(?<![0-9X])([0-9]{17}[0-9X])(?![0-9X])")  # on NFKC-normalised, upper-cased text
_BIRTH = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?")
_HAN_NAME = re.compile(r"^[\u3400-\u9fff·]{2,15}$")


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


def _text(row: list[OcrLine]) -> str:
    """The row's text, NFKC-normalised: full-width digits read from OCR-B numbers become ASCII digits."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", "".join(item.text for item in row)))


def count_labels(lines: list[OcrLine]) -> int:
    """How many of the card front's labels were read (evidence that this is a card front)."""
    text = re.sub(r"\s+", "", "".join(line.text for line in lines))
    return sum(1 for label in LABELS if label in text)


def parse_fields(lines: list[OcrLine], card_height: float = 540.0) -> dict:
    """{name, sex, ethnicity, birth_date (ISO), address, id_number}; None for what was not read."""
    out: dict = dict.fromkeys(FIELDS)
    rows = _rows(lines)
    texts = [_text(row) for row in rows]

    number_row = None
    for index, text in enumerate(texts):
        found = _NUMBER.findall(text.replace("公民身份号码", "").upper())
        if len(found) == 1:
            out["id_number"] = found[0]
            number_row = index
    if number_row is None:
        number_row = next((i for i, t in enumerate(texts) if "公民身份号码" in t), len(rows))

    def row_with(label: str) -> int | None:
        return next((i for i, t in enumerate(texts[:number_row]) if label in t), None)

    name_row = row_with("姓名")
    if name_row is not None:
        value = texts[name_row].split("姓名", 1)[1]
        if _HAN_NAME.match(value):
            out["name"] = value

    sex_row = row_with("性别")
    eth_row = row_with("民族")
    if out["name"] is None and name_row is None:
        # by layout: a pale or embossed 姓名 label may not be read; the name is then the first row of the card
        # above the 性别/民族 row, alone on its row
        above = min((r for r in (sex_row, eth_row) if r is not None), default=None)
        if above is not None and above >= 1:
            value = texts[above - 1].lstrip("姓名")
            if _HAN_NAME.match(value) and not any(label in value for label in LABELS):
                out["name"] = value
    for row in {sex_row, eth_row} - {None}:
        text = texts[row]
        sex = re.search(r"性别([男女])", text)
        if sex:
            out["sex"] = sex.group(1)
        eth = re.search(r"民族([\u4e00-\u9fff]{1,6})$", text)
        if eth:
            out["ethnicity"] = eth.group(1)

    for text in texts[:number_row]:
        birth = _BIRTH.search(text.replace("出生", ""))
        if birth:
            year, month, day = (int(g) for g in birth.groups())
            if 1 <= month <= 12 and 1 <= day <= 31:
                out["birth_date"] = f"{year:04d}-{month:02d}-{day:02d}"
            break

    addr_row = row_with("住址")
    if addr_row is not None:
        parts = [texts[addr_row].split("住址", 1)[1]]
        for text in texts[addr_row + 1 : number_row]:
            if any(label in text for label in LABELS):
                break
            parts.append(text)
        address = "".join(parts)
        out["address"] = address or None
    return out
