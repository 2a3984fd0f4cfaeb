"""The words of the work-unit domain (工作单位): unit states and request states, with their labels.

Values are what the database stores; the label maps hold the Chinese shown on pages and in exports. The
database cannot import this module, so `db/models/unit.py` keeps its own tuples for the CHECK constraints;
`tests/unit/test_vocab.py` asserts that they equal these enums.
"""

from __future__ import annotations

from enum import StrEnum


class UnitStatus(StrEnum):
    """State of a unit: waiting for 机构注册 review, in use, or suspended (no new bindings)."""

    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"


UNIT_STATUS_LABELS: dict[str, str] = {
    UnitStatus.PENDING: "待审核",
    UnitStatus.ACTIVE: "正常",
    UnitStatus.SUSPENDED: "已暂停",
}


class RequestStatus(StrEnum):
    """State of a request a reviewer decides: a 机构注册 (unit_registration) or a unit's rename."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


REQUEST_STATUS_LABELS: dict[str, str] = {
    RequestStatus.PENDING: "待审核",
    RequestStatus.APPROVED: "已通过",
    RequestStatus.REJECTED: "未通过",
}
