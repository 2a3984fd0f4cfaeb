"""The database's CHECK constraints allow exactly the values of the unit vocabulary (db cannot import it)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from db.models import unit as model
from portal.unit.vocab import REQUEST_STATUS_LABELS, UNIT_STATUS_LABELS, RequestStatus, UnitStatus
from tests import factories


def test_check_constraints_match_the_enums():
    assert tuple(UnitStatus) == model.UNIT_STATUSES
    assert tuple(RequestStatus) == model.REQUEST_STATUSES


def test_every_value_has_a_chinese_label():
    assert list(UNIT_STATUS_LABELS) == list(UnitStatus)
    assert list(REQUEST_STATUS_LABELS) == list(RequestStatus)


def test_the_database_refuses_a_status_outside_the_enum(session):
    unit = factories.unit(session)
    unit.status = "closed"
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
