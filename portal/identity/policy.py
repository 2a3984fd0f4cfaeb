"""The limits and gates of real-name verification (实名认证), in one place.

Pure rules (no session, no I/O) except where a limit is an operator setting (`PORTAL_AUTO_CHECK_ATTEMPTS`),
which is read from `portal.core.settings` each time so that tests and operators can change it.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from sqlalchemy import and_

from db.models import IdentityVerification
from portal.core.settings import get_settings
from portal.core.timeutil import today_local
from portal.identity.vocab import DocumentType, Method, VerificationStatus

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
"""An uploaded photo larger than this is refused before it is parsed."""
MAX_UPLOAD_PIXELS = 40_000_000
"""An uploaded photo with more pixels is refused before it is decoded (decompression bombs)."""
MIN_UPLOAD_SIDE = 200
"""A photo whose shorter side is smaller cannot show a readable card."""
MAX_CHECK_PIXELS = 12_000_000
"""A decoded photo with more pixels is reduced at once (by a whole factor) to at most this many: the card is
found on a 640-pixel copy and read from an 856 × 540 rectification, so more pixels only cost memory."""
PREVIEW_SIDE = 1600
"""The quality preview of 证件扫描 works on a copy whose longer side is at most this long."""
SCANS_PER_MINUTE = 12
"""Photo previews and checks (each decodes an untrusted image) one account may ask for within a minute."""


def scans_per_minute_reached() -> str:
    return "操作过于频繁，请稍候一分钟后再上传或拍摄证件照片。"


WITHDRAWABLE = (VerificationStatus.PENDING, VerificationStatus.REJECTED)
"""撤回认证 is possible while a reviewer has not approved (a verified identity stays)."""

ENCODES_DETAILS = (DocumentType.RESIDENT_ID, DocumentType.HMT_RESIDENCE_PERMIT)
"""Document types whose 18-character number encodes region, birth date and sex."""

_RESIDENT_NAME = re.compile(r"^[\u3400-\u9fff·]{2,30}$")
_OTHER_NAME = re.compile(r"^[\u3400-\u9fffA-Za-z·.'\- ]{1,64}$")


def auto_check_attempts() -> int:
    """Failed automatic checks after which manual review (身份证（人工审核）) is offered (a setting)."""
    return get_settings().auto_check_attempts


def manual_review_offered(method: str, auto_attempts: int) -> bool:
    """True once the automatic check failed often enough that the candidate may ask for manual review."""
    return method == Method.AUTO_ID_CARD and auto_attempts >= auto_check_attempts()


def auto_checks_per_day() -> int:
    """Automatic checks one account may run per China day (`PORTAL_AUTO_CHECKS_PER_DAY`)."""
    return get_settings().auto_checks_per_day


def accounts_per_number_per_day() -> int:
    """Distinct accounts that may enter one number per China day (`PORTAL_ACCOUNTS_PER_NUMBER_PER_DAY`)."""
    return get_settings().accounts_per_number_per_day


def day_start_utc() -> datetime:
    """Midnight of today in China, as naive UTC (the form of stored timestamps)."""
    return datetime.combine(today_local(), time()) - timedelta(hours=8)


def daily_checks_reached() -> str:
    return f"今日身份证自动核验已达 {auto_checks_per_day()} 次上限，请明日再试，或申请人工审核。"


def number_tries_reached() -> str:
    return "该证件号码今日尝试认证的账号过多，暂停自动核验，请申请人工审核。"


def manual_review_not_yet() -> str:
    """The refusal when manual review is asked for before enough failed automatic checks."""
    return f"身份证自动核验连续 {auto_check_attempts()} 次未通过后，方可申请人工审核。"


def initial_method(document_type: str) -> Method:
    """A resident ID card is checked automatically first; every other document goes to a reviewer."""
    return Method.AUTO_ID_CARD if document_type == DocumentType.RESIDENT_ID else Method.MANUAL_OTHER


def name_problem(document_type: str, name: str) -> str | None:
    """Chinese message when the (whitespace-collapsed) real name cannot be the one on the document, else None."""
    if not name:
        return "请填写真实姓名"
    if document_type == DocumentType.RESIDENT_ID and not _RESIDENT_NAME.match(name):
        return "真实姓名应与身份证上一致（2 至 30 个汉字，少数民族姓名可含“·”）"
    if not _OTHER_NAME.match(name):
        return "真实姓名应与证件上一致（汉字或字母，最多 64 个字符）"
    return None


def current_verification():
    """SQL clause: the user's current verification (at most one per user, a partial unique index)."""
    return IdentityVerification.is_current.is_(True)


def verified_identity_of(user_id):
    """SQL clause (a join condition): the current verification of `user_id` (a column or value), if verified."""
    return and_(
        IdentityVerification.user_id == user_id,
        current_verification(),
        IdentityVerification.status == VerificationStatus.VERIFIED,
    )


CAPTURE_TOKEN_MINUTES = 30
"""A live capture token of the 证件扫描 page is accepted once, within this many minutes of the page view."""


def uploads_auto_checked() -> bool:
    """True when uploaded files may go through the automatic check (PORTAL_ALLOW_UPLOAD_AUTO_CHECK=1).

    Off by default: a file can be drawn by a program, so uploads go to manual review; live captures of the
    card scanner carry a one-time token (portal.identity.capture).
    """
    return get_settings().allow_upload_auto_check
