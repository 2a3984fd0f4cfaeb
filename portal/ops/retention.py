"""Retention: delete verification images of decided cases once the retention period has passed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models import IdentityVerification
from portal.audit import service as audit
from portal.core import storage
from portal.core.actor import SYSTEM
from portal.core.timeutil import utcnow

DECIDED = ("verified", "rejected", "withdrawn")


def purge_identity_images(session: Session, *, older_than_days: int) -> tuple[int, int]:
    """Delete the images of cases decided more than `older_than_days` ago; returns (cases, files)."""
    if older_than_days < 0:
        raise ValueError("older_than_days must not be negative")
    cutoff = utcnow() - timedelta(days=older_than_days)
    rows = session.scalars(
        select(IdentityVerification).where(
            IdentityVerification.status.in_(DECIDED),
            or_(IdentityVerification.front_image_key.is_not(None), IdentityVerification.back_image_key.is_not(None)),
            or_(
                IdentityVerification.decided_at < cutoff,
                (IdentityVerification.decided_at.is_(None)) & (IdentityVerification.created_at < cutoff),
            ),
        )
    ).all()
    files = 0
    for row in rows:
        for attribute in ("front_image_key", "back_image_key"):
            key = getattr(row, attribute)
            if key:
                files += storage.delete(key)
                setattr(row, attribute, None)
    if rows:
        audit.record(
            session,
            actor=SYSTEM,
            action="retention.purge_images",
            object_type="identity_verification",
            summary=f"cases={len(rows)} files={files} older_than_days={older_than_days}",
        )
    return len(rows), files
