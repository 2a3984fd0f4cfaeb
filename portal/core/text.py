"""Cleaning of free text typed or pasted by people (names, addresses, notes, search boxes)."""

from __future__ import annotations

import re
import unicodedata

_KEEP_IN_MULTILINE = {"\n"}


def strip_controls(value: str, *, multiline: bool = False) -> str:
    """Remove control and invisible format characters (NUL, ESC, bidi overrides, BOM…); keep newlines if asked."""
    keep = _KEEP_IN_MULTILINE if multiline else set()
    value = value.replace("\r\n", "\n").replace("\t", " ")
    return "".join(ch for ch in value if ch in keep or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))


def clean(value: str | None, *, multiline: bool = False, max_length: int | None = None) -> str:
    """NFC-normalised text without control characters, trimmed; single-line text has its spaces collapsed."""
    if not value:
        return ""
    value = strip_controls(unicodedata.normalize("NFC", value), multiline=multiline)
    value = value.strip() if multiline else re.sub(r"\s+", " ", value).strip()
    return value[:max_length] if max_length else value


def like_escape(value: str) -> str:
    """Escape LIKE wildcards so that % and _ typed by a person match themselves (use with escape='\\')."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_DOCUMENT_NUMBER_CHARS = re.compile(r"[0-9A-Z]*", re.ASCII)


def normalize_document_number(value: str | None) -> str:
    """A document number as compared and hashed everywhere: NFKC, no whitespace or invisible marks, upper-case.

    NFKC turns full-width digits and letters (４２０１０６…, ｘ) into ASCII; a lower-case x becomes X. Digits of
    other scripts are kept as they are (NFKC does not map them) and `is_ascii_document_number` refuses them.
    """
    if not value:
        return ""
    value = strip_controls(unicodedata.normalize("NFKC", str(value)))
    return re.sub(r"\s+", "", value).upper()


def is_ascii_document_number(value: str) -> bool:
    """True when a normalised number holds only ASCII digits and capital letters."""
    return _DOCUMENT_NUMBER_CHARS.fullmatch(value) is not None
