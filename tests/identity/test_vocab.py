"""The database's CHECK constraints allow exactly the values of the identity vocabulary (db cannot import it)."""

from __future__ import annotations

from db.models import identity as model
from portal.identity.vocab import (
    APPEAL_STATUS_LABELS,
    DOCUMENT_TYPE_LABELS,
    METHOD_LABELS,
    VERIFICATION_STATUS_LABELS,
    AppealStatus,
    DocumentType,
    Method,
    VerificationStatus,
)


def test_check_constraints_match_the_enums():
    assert tuple(DocumentType) == model.DOCUMENT_TYPES
    assert tuple(Method) == model.METHODS
    assert tuple(VerificationStatus) == model.VERIFICATION_STATUSES
    assert tuple(AppealStatus) == model.APPEAL_STATUSES
    assert "revoked" in model.VERIFICATION_STATUSES


def test_every_value_has_a_chinese_label():
    assert list(DOCUMENT_TYPE_LABELS) == list(DocumentType)
    assert list(METHOD_LABELS) == list(Method)
    assert list(VERIFICATION_STATUS_LABELS) == list(VerificationStatus)
    assert list(APPEAL_STATUS_LABELS) == list(AppealStatus)
