"""Pages of long lists: one page of rows with the size of the whole list, and the bounds of a page."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.core.errors import ValidationFailed

MAX_PAGE_SIZE = 500
PAGE_SIZES = (20, 50, 100, 200)


@dataclass(frozen=True)
class Page:
    """One page of a long list, with the number of rows of the whole list."""

    rows: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = 50

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def page_bounds(page: int, page_size: int) -> tuple[int, int]:
    """(limit, offset) for a 1-based page; refuses absurd sizes."""
    if page_size < 1 or page_size > MAX_PAGE_SIZE:
        raise ValidationFailed({"page_size": f"每页条数须在 1 到 {MAX_PAGE_SIZE} 之间"})
    if page < 1:
        raise ValidationFailed({"page": "页码须从 1 开始"})
    return page_size, (page - 1) * page_size
