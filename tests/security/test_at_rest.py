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
    # Another account typing the same number is answered like any other (and flagged quietly): it is stored
    # a second time, encrypted too.
    with session_scope(engine) as session:
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


@pytest.mark.parametrize("backend", ["sqlite"])
def test_certificate_numbers_in_the_change_history_never_stored_in_clear_in_file_or_wal(backend, database_url, engine):
    from db.models import DeclarationChange
    from portal.declaration import confirmation, importer, template
    from tests import factories
    from tests.declaration.conftest import YEAR, open_year
    from tests.declaration.test_import import number_of, rows_for

    old_number, new_number = "ZS20180630778899", "ZS20190701554433"
    with session_scope(engine) as session:
        open_year(session)
        unit = factories.unit(session)
        admin = Actor.of(factories.user(session, "unit_admin", unit=unit))
        candidate = factories.verified_candidate(session)
        factories.bind(session, candidate, unit)
        number = number_of(session, candidate)
    for diploma in (old_number, new_number):
        rows = rows_for(number)
        rows["education"][0][9] = diploma
        with session_scope(engine) as session:
            result = importer.import_declarations(session, actor=admin, year=YEAR, data=template.template_bytes(rows))
            assert result.errors == []
        if diploma == old_number:  # changes after the candidate's 确认无误 are kept in the history
            with session_scope(engine) as session:
                me = Actor.of(candidate)
                view = confirmation.my_record(session, actor=me)
                confirmation.confirm(session, actor=me, year=YEAR, expected_hash=view.content_hash)
    with session_scope(engine) as session:
        changes = {(c.old_value, c.new_value) for c in session.scalars(select(DeclarationChange))}
    assert (old_number, new_number) in changes  # the history does hold the numbers (readable through the ORM)
    wal = Path(f"{make_url(database_url).database}-wal")
    assert wal.exists() and wal.stat().st_size > 0
    for stored in (_database_bytes(database_url), None):
        if stored is None:
            engine.dispose()  # checkpoint the WAL into the file
            stored = _database_bytes(database_url)
        for value in (old_number, new_number):
            assert value.encode() not in stored, "a certificate number is stored in clear"
