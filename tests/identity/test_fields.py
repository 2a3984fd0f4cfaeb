"""Reading the card front by its layout (issue 13): a label that is not read, or misread, loses no field."""

from __future__ import annotations

from portal.identity.check.fields import parse_fields, read_number
from portal.identity.check.ocr import OcrLine

NUMBER = "421102200306094681"


def _line(text: str, x0: float, y0: float, x1: float, y1: float) -> OcrLine:
    return OcrLine(text, 0.99, (x0, y0, x1, y1))


def test_fields_are_read_by_layout_when_pale_labels_are_missed_or_misread():
    # as read from a photo: 姓名 and 性别 not read, 别 misread as 剂 in the label column, 年 and 日 lost
    lines = [
        _line("周军辉", 159, 54, 264, 96),
        _line("剂", 120, 137, 131, 151),
        _line("女", 159, 123, 196, 159),
        _line("民族汉", 271, 119, 405, 163),
        _line("2003", 159, 192, 232, 226),
        _line("6月9", 251, 192, 401, 227),
        _line("湖北省黄冈市黄州区解放", 160, 260, 461, 291),
        _line("大道13号金色家园28", 160, 304, 415, 338),
        _line("公民身份号码", 72, 449, 205, 478),
        _line(NUMBER, 286, 442, 751, 476),
    ]
    fields = parse_fields(lines)
    assert fields == {
        "name": "周军辉",
        "sex": "女",
        "ethnicity": "汉",
        "birth_date": "2003-06-09",
        "address": "湖北省黄冈市黄州区解放大道13号金色家园28",
        "id_number": NUMBER,
    }


def test_a_birth_date_needs_its_separators_and_a_name_needs_its_row():
    lines = [
        _line("男", 159, 123, 196, 159),  # no row above the sex row: no name
        _line("2003069", 159, 192, 330, 226),  # digits run together: 2003-06-9 or 2003-0-69, not read
        _line(NUMBER, 286, 442, 751, 476),
    ]
    fields = parse_fields(lines)
    assert (fields["name"], fields["sex"], fields["birth_date"]) == (None, "男", None)


def test_number_letters_are_repaired_only_when_the_check_digit_holds():
    assert read_number("42110220O3O6O9468I") == NUMBER
    assert read_number("42110220O3O6O9468S") is None  # 5 is not the check digit
    assert read_number("4211022003O6094681" + "42110220030609468X") is None  # two numbers: neither


def test_a_label_box_reaching_into_the_value_column_is_no_value():
    lines = [
        _line("姓名", 72, 61, 145, 88),
        _line("袁亮梅", 157, 54, 263, 96),
        _line("性别", 69, 127, 161, 159),  # its box ends to the right of where the values start
        _line("女", 156, 124, 195, 159),
        _line("民族侗", 274, 119, 405, 164),
        _line("1981", 159, 193, 231, 226),
        _line("年4月24", 251, 192, 418, 227),
        _line("出生", 74, 200, 139, 223),
        _line("420111198104248588", 286, 442, 753, 476),
    ]
    fields = parse_fields(lines)
    assert (fields["name"], fields["sex"], fields["ethnicity"], fields["birth_date"]) == (
        "袁亮梅",
        "女",
        "侗",
        "1981-04-24",
    )
