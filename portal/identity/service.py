"""Real-name verification services: the candidate's application, its states, and what other domains read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import IdentityVerification
from portal.crypto import decrypt_text


@dataclass(frozen=True)
class VerifiedIdentity:
    """What other domains may know of a verified candidate."""

    user_id: int
    real_name: str
    document_type: str
    masked_number: str
    region_code: str
    sex: str | None
    birth_date: date | None
    verified_at: datetime | None
    verification_id: int

    def document_number(self, session: Session) -> str:
        """The full number (decrypted); only for the owner or an authorised reader."""
        row = session.get(IdentityVerification, self.verification_id)
        return decrypt_text(row.document_number_enc)


def current(session: Session, *, user_id: int) -> IdentityVerification | None:
    """The user's current application (None when they never started or withdrew)."""
    return session.scalar(
        select(IdentityVerification).where(
            IdentityVerification.user_id == user_id, IdentityVerification.is_current.is_(True)
        )
    )


def verified_identity(session: Session, *, user_id: int) -> VerifiedIdentity | None:
    """The candidate's verified identity, or None when not (yet) verified."""
    row = current(session, user_id=user_id)
    if row is None or row.status != "verified":
        return None
    return VerifiedIdentity(
        user_id=row.user_id,
        real_name=row.real_name,
        document_type=row.document_type,
        masked_number=row.document_number_masked,
        region_code=row.region_code,
        sex=row.sex,
        birth_date=row.birth_date,
        verified_at=row.decided_at,
        verification_id=row.id,
    )


def status_of(session: Session, *, user_id: int) -> str:
    """unverified / pending / verified / rejected for the user's current application."""
    row = current(session, user_id=user_id)
    return "unverified" if row is None else row.status
