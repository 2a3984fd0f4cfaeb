"""Card images stored within a unit of work: a file saved now is deleted again if the work rolls back."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.core import storage


def save_image(session: Session, data: bytes) -> str:
    """Store an image now; it is deleted again if this unit of work rolls back."""
    key = storage.save(data, kind="identity")
    pending = session.info.setdefault("identity_new_files", [])
    pending.append(key)
    if not session.info.get("identity_file_hooks"):
        session.info["identity_file_hooks"] = True
        event.listen(session, "after_commit", _forget_new_files)
        event.listen(session, "after_soft_rollback", _discard_new_files)
    return key


def _forget_new_files(session: Session) -> None:
    session.info["identity_new_files"] = []


def _discard_new_files(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:  # a savepoint rolled back; the outer work may still commit
        return
    for key in session.info.get("identity_new_files", []):
        storage.delete(key)
    session.info["identity_new_files"] = []
