"""Pinyin initials of unit names, for searching 武汉市第一医院 by "whsdyyy"."""

from __future__ import annotations

import re
from functools import lru_cache

_KEEP = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=1)
def _converter():
    from pypinyin import Style, lazy_pinyin

    return lambda text: lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default", strict=False)


def initials(name: str | None) -> str:
    """Lower-case initials of each Chinese character; letters and digits kept, other signs dropped."""
    if not name:
        return ""
    return "".join(_KEEP.sub("", part.lower()) for part in _converter()(name))[:200]


def column_default(context) -> str:
    """SQLAlchemy insert default: the initials of the row's `name`."""
    return initials(context.get_current_parameters().get("name"))
