"""Migrations from an empty database reach exactly the schema of the models, on both backends."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from db.engine import make_engine
from db.migrate import current_revision, head_revision, upgrade
from db.models import Base
from tests.conftest import empty_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    with empty_database(request.param, tmp_path, "portal_mig") as url:
        yield url


def test_migrations_match_models(empty_url):
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        assert current_revision(engine) == head_revision(empty_url)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        names = set(inspect(engine).get_table_names())
        assert {table.name for table in Base.metadata.sorted_tables} <= names
    finally:
        engine.dispose()


def test_migrated_database_keeps_audit_append_only(empty_url):
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO audit_event (occurred_at, actor_role, action, object_type, summary) "
                    "VALUES (CURRENT_TIMESTAMP, 'system', 'x', 'y', '')"
                )
            )
        with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_event"))
    finally:
        engine.dispose()


def test_sqlite_engine_uses_wal_foreign_keys_and_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    engine.dispose()


def test_migration_encrypts_existing_change_history(empty_url):
    from datetime import date

    from db.types import EncryptedText

    upgrade(empty_url, "0008_token_version")  # the revision before the change history was encrypted
    tables = Base.metadata.tables  # Core inserts name only columns that exist at that revision
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            user = connection.execute(
                tables["user_account"].insert().values(username="c1", password_hash="x", role="candidate")
            ).inserted_primary_key[0]
            day = date(2026, 1, 1)
            year = connection.execute(
                tables["exam_year"]
                .insert()
                .values(
                    year=2026,
                    name="2026年度",
                    entry_opens_on=day,
                    entry_closes_on=day,
                    confirmation_opens_on=day,
                    confirmation_closes_on=day,
                    cutoff_on=day,
                )
            ).inserted_primary_key[0]
            declaration = connection.execute(
                tables["declaration"].insert().values(exam_year_id=year, candidate_id=user)
            ).inserted_primary_key[0]
            connection.execute(
                text(
                    "INSERT INTO declaration_change (declaration_id, revision, field, label, old_value, new_value,"
                    " created_at) VALUES (:d, 2, 'education[1].diploma_number', '学历信息·毕业证书编号',"
                    " 'ZS20180630778899', 'ZS20190701554433', CURRENT_TIMESTAMP)"
                ),
                {"d": declaration},
            )
    finally:
        engine.dispose()
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as connection:
            old, new = connection.execute(text("SELECT old_value, new_value FROM declaration_change")).one()
        assert "ZS20180630778899" not in old and "ZS20190701554433" not in new
        decrypt = EncryptedText().process_result_value
        assert (decrypt(old, engine.dialect), decrypt(new, engine.dialect)) == ("ZS20180630778899", "ZS20190701554433")
    finally:
        engine.dispose()


def test_migrated_database_accepts_revoked_and_still_refuses_unknown_statuses(empty_url):
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import Session

    from db.models import IdentityVerification
    from tests import factories

    upgrade(empty_url)
    engine = make_engine(empty_url)

    def verification(user_id: int, status: str, n: int) -> IdentityVerification:
        return IdentityVerification(
            user_id=user_id,
            is_current=False,
            real_name="x",
            document_type="resident_id",
            document_number_enc="e",
            document_number_hash=f"h{n}",
            document_number_masked="m",
            status=status,
        )

    try:
        with Session(engine) as session:
            user = factories.user(session, "candidate")
            session.add(verification(user.id, "revoked", 1))
            session.commit()
            session.add(verification(user.id, "stolen", 2))
            with pytest.raises(IntegrityError):
                session.flush()
    finally:
        engine.dispose()
