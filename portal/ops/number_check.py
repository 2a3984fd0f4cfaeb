"""Stored document numbers that were saved before the one normalisation (NFKC, ASCII 0-9 A-Z) existed.

Before it, `４２０１０６…` (full-width digits) passed validation, was stored as typed and hashed differently
from `420106…`, so the one-number-one-account rule could not see it. This check decrypts every stored number
and reports the applications whose number is not plain ASCII, or whose look-up hash is not the hash of the
normalised number. It changes nothing: the operator decides (typically: reject and ask the candidate to fill in
again). `python -m portal health` runs it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models.identity import IdentityVerification
from portal.core.crypto import decrypt_text, lookup_hash
from portal.core.text import is_ascii_document_number, normalize_document_number


@dataclass(frozen=True)
class StoredNumberFinding:
    verification_id: int
    user_id: int
    status: str
    problem: str  # "not_ascii" | "not_normalised" | "hash_mismatch" | "undecryptable"


def find_unnormalised_numbers(session: Session) -> list[StoredNumberFinding]:
    """Applications whose stored number is not in its normalised ASCII form (never the numbers themselves)."""
    findings = []
    query = select(
        IdentityVerification.id,
        IdentityVerification.user_id,
        IdentityVerification.status,
        IdentityVerification.document_number_enc,
        IdentityVerification.document_number_hash,
    ).order_by(IdentityVerification.id)
    for row_id, user_id, status, token, stored_hash in session.execute(query):
        try:
            number = decrypt_text(token)
        except Exception:  # noqa: BLE001 - a key problem is reported, not raised
            findings.append(StoredNumberFinding(row_id, user_id, status, "undecryptable"))
            continue
        normalised = normalize_document_number(number)
        if not is_ascii_document_number(normalised):
            problem = "not_ascii"
        elif normalised != number:
            problem = "not_normalised"
        elif lookup_hash(normalised) != stored_hash:
            problem = "hash_mismatch"
        else:
            continue
        findings.append(StoredNumberFinding(row_id, user_id, status, problem))
    return findings
