"""The words of real-name verification (实名认证): states, methods, document types, check outcomes, with labels.

Values are the glossary's codes (they are what the database stores and the CLI prints); the label maps hold
the official Chinese shown on pages and in exports. The database cannot import this module, so
`db/models/identity.py` keeps its own tuples for the CHECK constraints; `tests/identity/test_vocab.py` asserts
that they equal these enums.
"""

from __future__ import annotations

from enum import StrEnum


class VerificationStatus(StrEnum):
    """State of a verification (one current row per user)."""

    UNVERIFIED = "unverified"
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    REVOKED = "revoked"


VERIFICATION_STATUS_LABELS: dict[str, str] = {
    VerificationStatus.UNVERIFIED: "未认证",
    VerificationStatus.PENDING: "待认证",
    VerificationStatus.VERIFIED: "认证成功",
    VerificationStatus.REJECTED: "审核未通过",
    VerificationStatus.WITHDRAWN: "已撤回",
    VerificationStatus.REVOKED: "已被撤销",
}


class AppealStatus(StrEnum):
    """State of a 证件号已被占用申诉 (`appeal`)."""

    PENDING = "pending"
    AWAITING_SECOND = "awaiting_second"
    TRANSFERRED = "transferred"
    REJECTED = "rejected"


APPEAL_STATUS_LABELS: dict[str, str] = {
    AppealStatus.PENDING: "待审核",
    AppealStatus.AWAITING_SECOND: "待第二名审核员确认",
    AppealStatus.TRANSFERRED: "申诉成立，已转移认证",
    AppealStatus.REJECTED: "申诉未通过",
}


class FlagKind(StrEnum):
    """Why reviewers are shown an identity flag."""

    DUPLICATE_NUMBER = "duplicate_number"
    NUMBER_PROBING = "number_probing"
    DUPLICATE_PROVEN = "duplicate_proven"


FLAG_KIND_LABELS: dict[str, str] = {
    FlagKind.DUPLICATE_NUMBER: "尝试填写已被其他账号认证的证件号码",
    FlagKind.NUMBER_PROBING: "同一证件号码当日被多个账号尝试",
    FlagKind.DUPLICATE_PROVEN: "证件核验时发现证件号码已被其他账号认证（可提交申诉）",
}


class Method(StrEnum):
    """How a verification is decided: the automatic ID card check or a reviewer."""

    AUTO_ID_CARD = "auto_id_card"
    MANUAL_ID_CARD = "manual_id_card"
    MANUAL_OTHER = "manual_other"


METHOD_LABELS: dict[str, str] = {
    Method.AUTO_ID_CARD: "身份证（自动核验）",
    Method.MANUAL_ID_CARD: "身份证（人工审核）",
    Method.MANUAL_OTHER: "其他证件（人工审核）",
}


class DocumentType(StrEnum):
    """证件类型 (`document_type`)."""

    RESIDENT_ID = "resident_id"
    HK_MACAU_PERMIT = "hk_macau_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"
    FOREIGN_PERMANENT_RESIDENCE = "foreign_permanent_residence"
    PASSPORT = "passport"


DOCUMENT_TYPE_LABELS: dict[str, str] = {
    DocumentType.RESIDENT_ID: "居民身份证",
    DocumentType.HK_MACAU_PERMIT: "港澳居民来往内地通行证",
    DocumentType.TAIWAN_PERMIT: "台湾居民来往大陆通行证",
    DocumentType.HMT_RESIDENCE_PERMIT: "港澳台居民居住证",
    DocumentType.FOREIGN_PERMANENT_RESIDENCE: "外国人永久居留身份证",
    DocumentType.PASSPORT: "护照",
}


class Decision(StrEnum):
    """Outcome of one automatic ID card check (CONTRACTS.md verify-id `decision`)."""

    VERIFIED = "verified"
    RETAKE = "retake"
    MISMATCH = "mismatch"
    UNREADABLE = "unreadable"


DECISION_LABELS: dict[str, str] = {
    Decision.VERIFIED: "通过",
    Decision.RETAKE: "需重拍",
    Decision.MISMATCH: "信息不一致",
    Decision.UNREADABLE: "无法识别",
}


class Reason(StrEnum):
    """Why an automatic check did not verify (CONTRACTS.md verify-id `reasons`)."""

    BLURRY = "blurry"
    GLARE = "glare"
    TOO_DARK = "too_dark"
    NOT_IN_FRAME = "not_in_frame"
    TOO_SMALL = "too_small"
    UNCLEAR = "unclear"
    NAME_MISMATCH = "name_mismatch"
    NUMBER_MISMATCH = "number_mismatch"
    INVALID_NUMBER = "invalid_number"


REASON_LABELS: dict[str, str] = {
    Reason.BLURRY: "照片模糊",
    Reason.GLARE: "反光",
    Reason.TOO_DARK: "光线太暗",
    Reason.NOT_IN_FRAME: "证件未完整入框",
    Reason.TOO_SMALL: "证件太小",
    Reason.UNCLEAR: "无法看清",
    Reason.NAME_MISMATCH: "姓名不一致",
    Reason.NUMBER_MISMATCH: "证件号码不一致",
    Reason.INVALID_NUMBER: "证件号码无效",
}
"""Short labels of the reasons (the reviewer's attempt history); the candidate's advice is in check.messages."""
