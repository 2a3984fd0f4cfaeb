"""The audit log cannot be emptied on PostgreSQL, and the production recipe keeps the portal away from the DDL.

The production recipe: `deploy/postgres-roles.sql` creates an owner role (owns the database and, through
migrations, every table) and an app role (owns nothing); `python -m portal migrate` connects with
PORTAL_MIGRATION_DATABASE_URL (the owner) and grants the role of PORTAL_DATABASE_URL (the app) what the portal
needs. These tests run that recipe for real on a database of their own, with roles of unique names (roles are
cluster-wide) dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from db.engine import make_engine, session_scope
from db.migrate import upgrade
from db.models import AuditEvent, Base, Message, User
from portal.audit import service as audit
from portal.auth import service as auth
from portal.core.actor import SYSTEM
from tests.conftest import POSTGRES_ADMIN_URL, empty_database, require_postgres

ROOT = Path(__file__).resolve().parents[2]
ROLES_SQL = ROOT / "deploy" / "postgres-roles.sql"
INSERT_AUDIT = text(
    "INSERT INTO audit_event (occurred_at, actor_role, action, object_type, summary) "
    "VALUES (CURRENT_TIMESTAMP, 'system', 'test.row', 'test', '')"
)


def _psql() -> str:
    found = shutil.which("psql")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("psql (postgresql-client) is needed to run deploy/postgres-roles.sql under CI=true")
        pytest.skip("psql (postgresql-client) not installed")
    return found


@pytest.fixture(scope="module")
def production():
    """A database set up as in deploy/: roles from postgres-roles.sql, then `python -m portal migrate`."""
    require_postgres()
    psql = _psql()
    tag = uuid.uuid4().hex[:10]
    owner, app, database = f"portal_owner_{tag}", f"portal_app_{tag}", f"portal_roles_{tag}"
    admin_url = make_url(POSTGRES_ADMIN_URL)
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        subprocess.run(
            [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1"]
            + [f"-v{name}={value}" for name, value in [("owner", owner), ("app", app), ("database", database)]]
            + ["-v", "owner_password=owner-pw", "-v", "app_password=app-pw"]
            + ["-d", admin_url.set(drivername="postgresql").render_as_string(hide_password=False)]
            + ["-f", str(ROLES_SQL)],
            check=True,
            capture_output=True,
            text=True,
        )
        owner_url = admin_url.set(username=owner, password="owner-pw", database=database)
        app_url = admin_url.set(username=app, password="app-pw", database=database)
        urls = {
            "owner": owner_url.render_as_string(hide_password=False),
            "app": app_url.render_as_string(hide_password=False),
            "app_role": app,
        }
        environment = dict(os.environ, PORTAL_DATABASE_URL=urls["app"], PORTAL_MIGRATION_DATABASE_URL=urls["owner"])
        migrated = subprocess.run(
            [sys.executable, "-m", "portal", "migrate"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert migrated.returncode == 0, migrated.stderr[-2000:]
        yield urls
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{app}"'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{owner}"'))
        admin.dispose()


def _refused(url: str, statement: str, match: str) -> None:
    engine = make_engine(url)
    try:
        with pytest.raises(DBAPIError, match=match), engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _count_audit(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one()
    finally:
        engine.dispose()


def _with_audit_rows(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(INSERT_AUDIT)
    finally:
        engine.dispose()


def test_the_owner_cannot_truncate_the_audit_log(production):
    _with_audit_rows(production["owner"])
    before = _count_audit(production["owner"])
    assert before > 0
    _refused(production["owner"], "TRUNCATE audit_event", "append-only")
    # Nor through a table it refers to (TRUNCATE ... CASCADE follows the foreign key to audit_event).
    _refused(production["owner"], "TRUNCATE user_account CASCADE", "append-only")
    _refused(production["owner"], "DELETE FROM audit_event", "append-only")
    _refused(production["owner"], "UPDATE audit_event SET summary = 'rewritten'", "append-only")
    assert _count_audit(production["owner"]) == before


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE audit_event",
        "DROP TRIGGER audit_event_no_change ON audit_event",
        "DROP TRIGGER audit_event_no_truncate ON audit_event",
        "ALTER TABLE audit_event DISABLE TRIGGER ALL",
        "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_truncate",
        "DROP TABLE audit_event CASCADE",
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ BEGIN RETURN NULL; END; $$ "
        "LANGUAGE plpgsql",
        "UPDATE audit_event SET summary = 'rewritten'",
        "DELETE FROM audit_event",
        "TRUNCATE user_account CASCADE",
        "CREATE TABLE audit_copy (id integer)",
    ],
)
def test_the_app_role_cannot_change_the_audit_log_or_the_schema(production, statement):
    _with_audit_rows(production["owner"])
    _refused(production["app"], statement, "permission denied|must be owner")
    assert _count_audit(production["owner"]) > 0


def test_the_app_role_owns_nothing_and_holds_only_what_the_portal_needs(production):
    engine = make_engine(production["owner"])
    role = production["app_role"]
    try:
        with engine.connect() as connection:
            owned = connection.execute(
                text("SELECT relname FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = :r)"),
                {"r": role},
            ).all()
            assert owned == []
            grants = {}
            for table, privilege in connection.execute(
                text("SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = :r"),
                {"r": role},
            ):
                grants.setdefault(table, set()).add(privilege)
            sequences = connection.execute(
                text("SELECT relname, has_sequence_privilege(:r, oid, 'USAGE') FROM pg_class WHERE relkind = 'S'"),
                {"r": role},
            ).all()
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert grants.pop("audit_event") == {"SELECT", "INSERT"}
    assert grants.pop("alembic_version") == {"SELECT"}
    assert set(grants) == tables - {"audit_event", "alembic_version"}
    assert all(privileges == {"SELECT", "INSERT", "UPDATE", "DELETE"} for privileges in grants.values()), grants
    assert sequences and all(usage for _, usage in sequences), f"the app role must use the id sequences: {sequences}"


def test_the_portal_works_as_the_app_role(production, tmp_path):
    from portal.ops.health import run_checks

    engine = make_engine(production["app"])
    try:
        checks = run_checks(engine=engine, data_dir=tmp_path, load_ocr=lambda: object())
        assert all(check.ok for check in checks), [(check.name, check.detail) for check in checks if not check.ok]
        with session_scope(engine) as session:
            user = auth.create_user(
                session, actor=SYSTEM, role="reviewer", username=f"r{uuid.uuid4().hex[:8]}", password="Passw0rd1"
            )
            audit.record(session, actor=SYSTEM, action="test.app_role", object_type="user", object_id=user.id)
            session.add(Message(user_id=user.id, category="system", title="t", body=""))
        with session_scope(engine) as session:
            auth.set_active(session, actor=SYSTEM, user_id=user.id, active=False)  # an UPDATE and its audit row
            session.query(Message).filter(Message.user_id == user.id).delete()  # a DELETE
        with session_scope(engine) as session:
            assert session.get(User, user.id).is_active is False
            actions = {row.action for row in session.query(AuditEvent).filter(AuditEvent.object_id == str(user.id))}
            assert {"test.app_role"} <= actions and len(actions) >= 2
            assert session.query(Message).filter(Message.user_id == user.id).count() == 0
    finally:
        engine.dispose()


def test_even_a_superuser_cannot_truncate_without_bypassing_triggers(postgres_url):
    """A plain TRUNCATE is refused to a superuser too; only a deliberate bypass of all triggers gets past it."""
    engine = make_engine(postgres_url)
    try:
        with engine.begin() as connection:
            connection.execute(INSERT_AUDIT)
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text("TRUNCATE audit_event"))
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one() >= 1
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text("TRUNCATE audit_event"))
            assert connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 0
    finally:
        engine.dispose()


def _triggers(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                rows = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
            else:
                rows = connection.execute(
                    text(
                        "SELECT t.tgname, pg_get_triggerdef(t.oid) || ' ' || p.prosrc FROM pg_trigger t "
                        "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal"
                    )
                )
            return dict(rows.all())
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_and_models_create_the_same_triggers(backend, tmp_path):
    with empty_database(backend, tmp_path, "portal_trg_mig") as migrated:
        upgrade(migrated)
        from_migrations = _triggers(migrated)
    with empty_database(backend, tmp_path, "portal_trg_models") as modelled:
        engine = make_engine(modelled)
        Base.metadata.create_all(engine)
        engine.dispose()
        from_models = _triggers(modelled)
    assert from_migrations == from_models
    expected = {"audit_event_no_update", "audit_event_no_delete"} if backend == "sqlite" else {"audit_event_no_change"}
    if backend == "postgresql":
        expected.add("audit_event_no_truncate")
    assert expected <= set(from_models)


def test_migrate_refuses_a_migration_url_for_another_database(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from portal.cli import main

    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'portal.db'}")
    monkeypatch.setenv("PORTAL_MIGRATION_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    result = CliRunner().invoke(main, ["migrate"])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "other.db").exists() and not (tmp_path / "portal.db").exists()
