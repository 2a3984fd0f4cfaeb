"""报名材料清单: the scans needed at formal registration, each ticked when the matching image is uploaded."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    slots: tuple[str, ...]  # image slots that must all have at least their 证书A面 (front)
    applies: bool
    done: bool
    note: str = ""


def _uploaded(images: dict, slot: str) -> bool:
    return any(key[0] == slot and key[2] == "front" for key in images)


def checklist(record: dict, images: dict[tuple[str, int, str], int]) -> list[ChecklistItem]:
    """The checklist for a record and its uploaded images ({(slot, item_no, side): image id})."""
    education = record.get("education") or {}
    practice = record.get("practice_certificate") or {}
    has_degree = education.get("education_level") in ("本科", "硕士研究生", "博士研究生")
    first, issued = practice.get("first_registered_on"), practice.get("issued_on")
    specs = [
        ("学历证书及学信网验证报告", ("diploma", "diploma_report"), True, ""),
        (
            "学位证书及学信网验证报告",
            ("degree", "degree_report"),
            has_degree,
            "" if has_degree else "专科及以下无需学位证书" if education else "待单位填报学历信息",
        ),
        (
            "专业技术资格证",
            ("title",),
            bool(record.get("title")),
            "" if record.get("title") else "未填报职称，无需上传",
        ),
        (
            "医师资格证",
            ("qualification",),
            bool(record.get("qualification_certificates")),
            "" if record.get("qualification_certificates") else "无医师资格证，无需上传",
        ),
        ("医师执业证", ("practice",), bool(practice), "" if practice else "无医师执业证，无需上传"),
        (
            "首次注册时间证明",
            ("first_registration",),
            bool(first and issued and first != issued),
            "首次注册时间与执业证发证日期不同时需要" if not (first and issued and first != issued) else "",
        ),
    ]
    return [
        ChecklistItem(label, slots, applies, applies and all(_uploaded(images, s) for s in slots), note)
        for label, slots, applies, note in specs
    ]
