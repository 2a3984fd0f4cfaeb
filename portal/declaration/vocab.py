"""The words of declaration data (申报信息): the record's confirmation status, the entry/confirmation window
and the certificate image slots and sides, with their Chinese labels.

Values are the glossary's codes (what the database stores and the CLI prints); the label maps hold the official
Chinese shown on pages and in exports. The database cannot import this module, so `db/models/declaration.py`
keeps its own tuples for the CHECK constraints; `tests/declaration/test_vocab.py` asserts that they equal these
enums.
"""

from __future__ import annotations

from enum import StrEnum


class ConfirmationStatus(StrEnum):
    """State of a declaration record (`confirmation_status`): entered by the unit, confirmed by the candidate."""

    NOT_ENTERED = "not_entered"
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CORRECTION_REQUESTED = "correction_requested"


CONFIRMATION_STATUS_LABELS: dict[str, str] = {
    ConfirmationStatus.NOT_ENTERED: "未填报",
    ConfirmationStatus.PENDING: "待确认",
    ConfirmationStatus.CONFIRMED: "已确认",
    ConfirmationStatus.CORRECTION_REQUESTED: "待单位修改",
}


class ShownStatus(StrEnum):
    """The status as pages show it: the stored `ConfirmationStatus`, except that a record entered but still
    missing sections (stored `pending`) is 待单位补充, since the candidate cannot confirm it yet. Derived from
    completeness (`portal.declaration.record.shown_status`), never stored."""

    NOT_ENTERED = "not_entered"
    INCOMPLETE = "incomplete"
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CORRECTION_REQUESTED = "correction_requested"


SHOWN_STATUS_LABELS: dict[str, str] = {
    ShownStatus.NOT_ENTERED: "未填报",
    ShownStatus.INCOMPLETE: "待单位补充",
    ShownStatus.PENDING: "待确认",
    ShownStatus.CONFIRMED: "已确认",
    ShownStatus.CORRECTION_REQUESTED: "待单位修改",
}


class ChangesSince(StrEnum):
    """What the changes shown to the candidate are counted from."""

    CONFIRMATION = "confirmation"  # 自您上次确认后
    CORRECTION = "correction"  # 自您提交修改申请后


class Window(StrEnum):
    """Where today lies relative to an exam year's entry or confirmation window."""

    BEFORE = "before"
    OPEN = "open"
    CLOSED = "closed"


class ImageSide(StrEnum):
    """Side of a certificate image (证书A面 / 证书B面)."""

    FRONT = "front"
    BACK = "back"


IMAGE_SIDE_LABELS: dict[str, str] = {ImageSide.FRONT: "证书A面", ImageSide.BACK: "证书B面"}


class ImageSlot(StrEnum):
    """Which certificate an uploaded image shows."""

    DIPLOMA = "diploma"
    DIPLOMA_REPORT = "diploma_report"
    DEGREE = "degree"
    DEGREE_REPORT = "degree_report"
    TITLE = "title"
    QUALIFICATION = "qualification"
    PRACTICE = "practice"
    FIRST_REGISTRATION = "first_registration"
    NURSE = "nurse"


IMAGE_SLOT_LABELS: dict[str, str] = {
    ImageSlot.DIPLOMA: "学历证书",
    ImageSlot.DIPLOMA_REPORT: "学历学信网验证报告",
    ImageSlot.DEGREE: "学位证书",
    ImageSlot.DEGREE_REPORT: "学位学信网验证报告",
    ImageSlot.TITLE: "专业技术资格证",
    ImageSlot.QUALIFICATION: "医师资格证",
    ImageSlot.PRACTICE: "医师执业证",
    ImageSlot.FIRST_REGISTRATION: "首次注册时间证明",
    ImageSlot.NURSE: "护士执业证",
}

# The section of the record each image belongs to (the access log names the section the unit read).
IMAGE_SLOT_SECTIONS: dict[str, str] = {
    ImageSlot.DIPLOMA: "education",
    ImageSlot.DIPLOMA_REPORT: "education",
    ImageSlot.DEGREE: "education",
    ImageSlot.DEGREE_REPORT: "education",
    ImageSlot.TITLE: "title",
    ImageSlot.QUALIFICATION: "qualification_certificate",
    ImageSlot.PRACTICE: "practice_certificate",
    ImageSlot.FIRST_REGISTRATION: "practice_certificate",
    ImageSlot.NURSE: "nurse_certificate",
}
