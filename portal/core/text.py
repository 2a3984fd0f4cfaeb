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
