"""All models, imported here so that `Base.metadata` knows every table (Alembic and tests rely on it)."""

from db import sanitize  # noqa: F401 - registers the text safety net
from db.base import Base
from db.models.access import PersonalDataAccess
from db.models.account import ROLES, User
from db.models.audit import AuditEvent
from db.models.dashboard import DeclarationVerdict, StatisticsCell, StatisticsFact, StatisticsSnapshot, UnitProgress
from db.models.declaration import (
    CertificateImage,
    CorrectionRequest,
    Declaration,
    DeclarationChange,
    DeclarationConfirmation,
    DeclarationEducation,
    DeclarationTitle,
    ExamYear,
    NurseCertificate,
    PracticeCertificate,
    ProbationPeriod,
    QualificationCertificate,
)
from db.models.identity import IdentityCheckAttempt, IdentityFlag, IdentityVerification
from db.models.identity_capture import IdentityCaptureUse
from db.models.message import Message
from db.models.oidc import OidcIdentity
from db.models.profile import Address
from db.models.unit import Unit, UnitCodeAttempt, UnitCodeLockout, UnitNameChange, UnitRegistration
from db.models.unit_binding import UnitBinding

__all__ = [
    "Base",
    "Address",
    "ROLES",
    "AuditEvent",
    "CertificateImage",
    "CorrectionRequest",
    "Declaration",
    "DeclarationChange",
    "DeclarationConfirmation",
    "DeclarationEducation",
    "DeclarationTitle",
    "DeclarationVerdict",
    "ExamYear",
    "NurseCertificate",
    "PracticeCertificate",
    "ProbationPeriod",
    "QualificationCertificate",
    "StatisticsCell",
    "StatisticsFact",
    "StatisticsSnapshot",
    "IdentityCaptureUse",
    "IdentityCheckAttempt",
    "IdentityFlag",
    "IdentityVerification",
    "Message",
    "OidcIdentity",
    "PersonalDataAccess",
    "Unit",
    "UnitBinding",
    "UnitProgress",
    "UnitCodeAttempt",
    "UnitCodeLockout",
    "UnitNameChange",
    "UnitRegistration",
    "User",
]
