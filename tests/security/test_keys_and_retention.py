"""Key rotation keeps every record readable; retention deletes old images of decided cases only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from db.engine import session_scope
from db.models import IdentityFlag, IdentityVerification, Message, Unit
from portal.cli import main
from portal.core import storage
from portal.core.crypto import DecryptionFailed, decrypt_text, lookup_hash
from portal.core.timeutil import utcnow
from portal.identity import service as identity
from tests import factories

OLD_KEY = "old-secret-key-" + "a" * 40
NEW_KEY = "new-secret-key-" + "b" * 40


@pytest.fixture
def old_key(monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", OLD_KEY)
    monkeypatch.delenv("PORTAL_OLD_SECRET_KEYS", raising=False)


def test_rotate_key_keeps_data_and_reissues_unit_codes(engine, old_key, monkeypatch):
    number = factories.fictional_id_number(4242)
    with session_scope(engine) as session:
        candidate = factories.verified_candidate(session, document_number=number)
        row = identity.current(session, user_id=candidate.id)
        row.front_image_key = storage.save(b"\xff\xd8fake-jpeg-front", kind="identity")
        other = factories.user(session, "candidate")
        session.add(IdentityFlag(user_id=other.id, document_number_hash=lookup_hash(number)))
        unit = factories.unit(session)
        unit.confirmation_code_hash = "whatever"
        factories.user(session, "unit_admin", unit=unit)
        candidate_id, image_key = candidate.id, row.front_image_key

    monkeypatch.setenv("PORTAL_SECRET_KEY", NEW_KEY)
    monkeypatch.setenv("PORTAL_OLD_SECRET_KEYS", OLD_KEY)
    result = CliRunner().invoke(main, ["rotate-key"])
    assert result.exit_code == 0, result.output
    assert "1 unit confirmation codes must be generated again" in result.output

    monkeypatch.delenv("PORTAL_OLD_SECRET_KEYS")  # from now on only the new key exists
    with session_scope(engine) as session:
        row = identity.current(session, user_id=candidate_id)
        assert decrypt_text(row.document_number_enc) == number
        assert row.document_number_hash == lookup_hash(number)
        flag = session.scalar(select(IdentityFlag))
        assert flag.document_number_hash == lookup_hash(number)
        assert storage.load(image_key) == b"\xff\xd8fake-jpeg-front"
        assert session.scalar(select(Unit.confirmation_code_hash)) is None
        assert session.scalar(select(Message.title)) == "请重新生成单位确认码"

    monkeypatch.setenv("PORTAL_SECRET_KEY", OLD_KEY)  # the old key alone no longer opens anything
    with session_scope(engine) as session, pytest.raises(DecryptionFailed):
        decrypt_text(identity.current(session, user_id=candidate_id).document_number_enc)


def test_rotate_key_needs_an_old_key(engine, old_key):
    result = CliRunner().invoke(main, ["rotate-key"])
    assert result.exit_code == 2 and "PORTAL_OLD_SECRET_KEYS" in result.output


def test_purge_images_deletes_only_old_decided_cases(engine):
    with session_scope(engine) as session:
        old = factories.verified_candidate(session)
        recent = factories.verified_candidate(session)
        pending = factories.verified_candidate(session)
        keys = {}
        for user, status, age in ((old, "verified", 400), (recent, "verified", 10), (pending, "pending", 400)):
            row = identity.current(session, user_id=user.id)
            row.status = status
            row.decided_at = utcnow() - timedelta(days=age)
            row.front_image_key = storage.save(b"front", kind="identity")
            row.back_image_key = storage.save(b"back", kind="identity")
            keys[user.id] = (row.front_image_key, row.back_image_key)
    result = CliRunner().invoke(main, ["purge-images", "--older-than", "365"])
    assert result.exit_code == 0, result.output
    assert "deleted 2 images of 1 decided cases" in result.output
    assert not any(storage.exists(k) for k in keys[old.id])
    assert all(storage.exists(k) for k in keys[recent.id] + keys[pending.id])
    with session_scope(engine) as session:
        rows = {r.user_id: r for r in session.scalars(select(IdentityVerification))}
        assert rows[old.id].front_image_key is None and rows[recent.id].front_image_key is not None


def test_stored_images_are_encrypted_on_disk(engine, tmp_path):
    jpeg = b"\xff\xd8\xff\xe0" + b"JFIF-portrait-data" * 10
    key = storage.save(jpeg, kind="identity")
    path = next((tmp_path / "data" / "private" / "identity").iterdir())
    raw = path.read_bytes()
    assert b"JFIF" not in raw and not raw.startswith(b"\xff\xd8")
    assert storage.load(key) == jpeg
    assert path.name == key.split("/")[1] and len(path.name) == 32
