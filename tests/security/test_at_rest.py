"""No raw document number anywhere in the SQLite database file, after real flows and the demo data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from db.engine import session_scope
from db.models import IdentityVerification
from portal.auth import service as auth
from portal.core.actor import Actor
from portal.core.crypto import decrypt_text
from portal.core.errors import Conflict
from portal.identity import capture
from portal.identity import service as identity
from portal.ops import demo

FIXTURES = Path(__file__).resolve().parents[1] / "identity" / "fixtures"


def _database_bytes(url: str) -> bytes:
    path = Path(make_url(url).database)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


@pytest.mark.parametrize("backend", ["sqlite"])
def test_seeded_and_scanned_numbers_never_stored_in_clear(backend, database_url, engine):
    from portal.identity.check.ocr import ocr_engine

    genuine = json.loads((FIXTURES / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[0])
    number = genuine["id_number"]
    with session_scope(engine) as session:
        demo.seed_demo(session, candidates=40, units=5)
        me = Actor.of(
            auth.register_candidate(session, mobile="13655550001", password="abc12345", password_confirm="abc12345")
        )
        other = Actor.of(
            auth.register_candidate(session, mobile="13655550002", password="abc12345", password_confirm="abc12345")
        )
    with session_scope(engine) as session:
        identity.fill_in(
            session, actor=me, real_name=genuine["name"], document_type="resident_id", document_number=number
        )
    with session_scope(engine) as session:
        outcome = identity.submit_scan(
            session,
            actor=me,
            image=(FIXTURES / genuine["front"]).read_bytes(),
            engine=ocr_engine(),
            capture_token=capture.issue_token(session, actor=me),
        )
    assert outcome.decision == "verified"
    with pytest.raises(Conflict), session_scope(engine) as session:
        identity.fill_in(session, actor=other, real_name="他人", document_type="resident_id", document_number=number)

    with session_scope(engine) as session:
        numbers = {decrypt_text(t) for t in session.scalars(select(IdentityVerification.document_number_enc))}
    assert number in numbers and len(numbers) > 5
    engine.dispose()  # checkpoint the WAL into the file
    stored = _database_bytes(database_url)
    assert b"13655550001" in stored  # the grep does find values stored in clear (a mobile number)
    for value in numbers:
        assert value.encode() not in stored, "a document number is stored in clear"
        assert value[:17].encode() not in stored
