"""Key rotation: re-encrypt personal data under a new PORTAL_SECRET_KEY without losing any of it.

Run with the new key in PORTAL_SECRET_KEY and the previous one(s) in PORTAL_OLD_SECRET_KEYS. Every
encrypted value and file is decrypted (with whichever key fits) and encrypted again with the new key;
keyed look-up hashes of document numbers are recomputed from the decrypted numbers. Unit confirmation
codes exist only as keyed hashes, so they cannot be carried over: they are cleared and each unit's
administrators are asked to generate a new code. Re-login cookies signed with the old key stop working.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from db.models import IdentityFlag, IdentityVerification, Unit, User
from portal.audit import service as audit
from portal.core.actor import SYSTEM
from portal.core.crypto import decrypt_text, encrypt_text, lookup_hash, old_keys, rotate_token
from portal.core.settings import get_settings
from portal.message import service as messages


class RotationError(RuntimeError):
    """Rotation cannot start or could not decrypt something; nothing in the database was changed."""


@dataclass
class RotationReport:
    values: int = 0
    hashes: int = 0
    files: int = 0
    flags_unmatched: int = 0
    unit_codes_cleared: int = 0
    details: list[str] = field(default_factory=list)


def encrypted_columns() -> list[tuple[type, str]]:
    """(model, attribute) of every column holding an `EncryptedText` value (decrypted on load)."""
    from db.models import Base
    from db.types import EncryptedText

    found = []
    for mapper in Base.registry.mappers:
        for column in mapper.columns:
            if isinstance(column.type, EncryptedText):
                found.append((mapper.class_, column.key))
    return found


def rotate_files(report: RotationReport) -> None:
    """Re-encrypt every stored file in place (idempotent: files already under the new key stay valid)."""
    root = get_settings().data_dir / "private"
    if not root.exists():
        return
    for path in sorted(root.glob("*/*")):
        if path.suffix == ".tmp" or not path.is_file():
            continue
        token = rotate_token(path.read_bytes())
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(token)
        temporary.replace(path)
        report.files += 1


def rotate_database(session: Session, report: RotationReport) -> None:
    """Re-encrypt values and recompute look-up hashes inside the caller's transaction."""
    previous = old_keys()
    old_to_new: dict[str, str] = {}
    for row in session.scalars(select(IdentityVerification)):
        number = decrypt_text(row.document_number_enc)
        new_hash = lookup_hash(number)
        for key in previous:
            old_to_new[lookup_hash(number, secret=key)] = new_hash
        row.document_number_enc = encrypt_text(number)
        row.document_number_hash = new_hash
        report.values += 1
        report.hashes += 1
        if row.check_summary_enc:
            row.check_summary_enc = encrypt_text(decrypt_text(row.check_summary_enc))
            report.values += 1
    for flag in session.scalars(select(IdentityFlag)):
        if flag.document_number_hash in old_to_new:
            flag.document_number_hash = old_to_new[flag.document_number_hash]
            report.hashes += 1
        else:
            report.flags_unmatched += 1
    for model, attribute in encrypted_columns():
        # EncryptedText decrypts on load (any known key) and encrypts on flush with the current key.
        for obj in session.scalars(select(model)):
            value = getattr(obj, attribute)
            if value is not None:
                flag_modified(obj, attribute)  # written again, so encrypted with the new key
                report.values += 1
    for unit in session.scalars(select(Unit).where(Unit.confirmation_code_hash.is_not(None))):
        unit.confirmation_code_hash = None
        report.unit_codes_cleared += 1
        for admin_id in session.scalars(select(User.id).where(User.unit_id == unit.id, User.role == "unit_admin")):
            messages.send(
                session,
                user_id=admin_id,
                title="请重新生成单位确认码",
                body="系统已更换加密密钥，原单位确认码已失效。请在「单位首页」点击「更换确认码」生成新的确认码，并告知本单位考生。",
                category="unit",
            )
    session.flush()
    audit.record(
        session,
        actor=SYSTEM,
        action="security.rotate_key",
        object_type="database",
        summary=f"values={report.values} hashes={report.hashes} files={report.files} "
        f"unit_codes_cleared={report.unit_codes_cleared}",
    )


def check_ready() -> None:
    """Refuse to rotate without an old key to read the existing data."""
    if not old_keys():
        raise RotationError(
            "set PORTAL_OLD_SECRET_KEYS to the previous key and PORTAL_SECRET_KEY to the new one, then run again"
        )
    if get_settings().secret_key in old_keys():
        raise RotationError("the new PORTAL_SECRET_KEY equals an old key; choose a new key")
