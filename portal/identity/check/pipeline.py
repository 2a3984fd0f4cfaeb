"""Automatic real-name check of a resident ID card front (`auto_id_card`).

`check_id_card` never answers `verified` on a guess: the number must be read whole with a valid check digit,
equal the entered number, agree with the printed birth date and sex, and the name must equal the entered name
character for character. Anything less is `retake`, `mismatch` or `unreadable`.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

from portal.identity.check import numbers
from portal.identity.check.attack import attack_reasons, signals
from portal.identity.check.card import find_card
from portal.identity.check.fields import FIELDS, count_labels, parse_fields
from portal.identity.check.imaging import sanitize_upload
from portal.identity.check.ocr import ocr_engine, read_lines
from portal.identity.check.quality import MESSAGES_ZH, detection_reasons

ATTACK_MESSAGE = "请拍摄身份证原件，不要翻拍屏幕或复印件"
ATTACK_REASONS = ("photocopy", "screen", "printout")
MIN_LABELS = 2  # labels that must be read before a photo counts as a card front

_MESSAGES_ZH = {
    **MESSAGES_ZH,
    "unclear": "未能看清证件内容，请对准证件正面、在光线充足处重拍",
    "name_mismatch": "姓名与填写不一致",
    "number_mismatch": "证件号码与填写不一致",
    "invalid_number": "未能读取有效的证件号码，请核对证件后重拍",
    "photocopy": ATTACK_MESSAGE,
    "screen": ATTACK_MESSAGE,
    "printout": ATTACK_MESSAGE,
}


@dataclass
class CheckResult:
    decision: str
    reasons: list[str] = field(default_factory=list)
    extracted: dict = field(default_factory=dict)
    seconds: float = 0.0
    signals: dict = field(default_factory=dict)  # presentation-attack measurements, kept for reviewers

    def to_dict(self, case_id: str | None = None) -> dict:
        """The CONTRACTS.md verify-id result object (with "id" first when given)."""
        out: dict = {} if case_id is None else {"id": case_id}
        out.update(
            decision=self.decision,
            reasons=list(self.reasons),
            extracted=dict(self.extracted),
            seconds=round(self.seconds, 3),
        )
        return out

    def to_json(self, case_id: str | None = None) -> str:
        return json.dumps(self.to_dict(case_id), ensure_ascii=False)


def messages_zh(result: CheckResult) -> list[str]:
    """Plain Chinese for the page, one line per reason."""
    if result.decision == "verified":
        return ["身份证核验通过"]
    if result.decision == "unreadable":
        return ["未识别到身份证人像面，请拍摄身份证正面"]
    messages = list(dict.fromkeys(_MESSAGES_ZH[r] for r in result.reasons if r in _MESSAGES_ZH))
    if not messages:
        messages = [_MESSAGES_ZH["unclear"]]
    return messages


def _normalize_name(name: str) -> str:
    return re.sub(r"\s+", "", name or "").replace("•", "·").replace("・", "·")


def _decide(extracted: dict, *, name: str, id_number: str) -> tuple[str, list[str]]:
    number = extracted.get("id_number")
    read_name = extracted.get("name")
    if number and numbers.validate_resident_id(number) is not None:
        return "mismatch", ["invalid_number"]  # read whole but not a valid number, whatever else is unclear
    if not number or not read_name:
        return "retake", ["unclear"]
    reasons = []
    born = numbers.birth_date(number)
    if (
        numbers.validate_resident_id(number) is not None
        or (extracted.get("birth_date") and born and extracted["birth_date"] != born.isoformat())
        or (extracted.get("sex") and extracted["sex"] != numbers.sex(number))
    ):
        reasons.append("invalid_number")
    elif number != numbers.normalize(id_number):
        reasons.append("number_mismatch")
    if read_name != _normalize_name(name):
        reasons.append("name_mismatch")
    if reasons:
        return "mismatch", reasons
    if not extracted.get("birth_date") or not extracted.get("sex"):
        return "retake", ["unclear"]  # the printed birth date and sex must confirm the number
    return "verified", []


def check_id_card(data: bytes, *, name: str, id_number: str, engine=None) -> CheckResult:
    """Check an uploaded card-front photo against the entered name and number.

    Raises imaging.UploadRejected when `data` is not a usable image.
    """
    start = time.perf_counter()
    image = sanitize_upload(data).bgr()
    detection = find_card(image)
    extracted: dict = dict.fromkeys(FIELDS)
    measured: dict = signals(detection.rectified, image, detection.quad) if detection.status == "found" else {}
    attack = attack_reasons(measured) if measured else []
    reasons = [] if attack else detection_reasons(image, detection)
    if reasons:
        decision = "retake"
    elif detection.status != "found":
        decision = "unreadable"
    else:
        lines = read_lines(detection.rectified, engine or ocr_engine())
        fields = parse_fields(lines)
        if count_labels(lines) < MIN_LABELS and not fields["id_number"]:
            decision = "unreadable"
        elif attack:
            # a card front, but a copy, a printout or a screen: named first, never verified
            decision, reasons, extracted = "retake", attack, fields
        else:
            extracted = fields
            decision, reasons = _decide(fields, name=name, id_number=id_number)
    return CheckResult(decision, reasons, extracted, time.perf_counter() - start, measured)
