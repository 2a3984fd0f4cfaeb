"""Test fixtures: a clean database for each test, on SQLite and on PostgreSQL.

Every test that asks for `engine` (or `session`) runs once per backend. PostgreSQL is this machine's
server (PORTAL_TEST_POSTGRES_URL); when it is unreachable the PostgreSQL runs are skipped, except under
CI=true, where they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

os.environ.setdefault("PORTAL_BCRYPT_ROUNDS", "4")
os.environ.setdefault("PORTAL_LOGIN_SLEEP", "0")
os.environ.setdefault("PORTAL_SECRET_KEY", "test-secret-key-" + "x" * 32)
os.environ.setdefault("PORTAL_STRICT_ERRORS", "1")

from db.engine import make_engine  # noqa: E402
from db.models import Base  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]


def _postgres_available() -> str | None:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as error:  # noqa: BLE001
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {type(error).__name__}"


def require_postgres() -> None:
    """Skip when PostgreSQL is unreachable; fail instead under CI=true, where it must run."""
    problem = _postgres_available()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem}; under CI=true the PostgreSQL tests must run")
        pytest.skip(problem)


@contextmanager
def empty_database(backend: str, tmp_path: Path, prefix: str = "portal_empty") -> Iterator[str]:
    """URL of a new, empty (never migrated) database of `backend`, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'{prefix}.db'}"
        return
    require_postgres()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An SQLite file with the whole schema, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private PostgreSQL database for this test run, with the whole schema."""
    require_postgres()
    name = f"portal_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_postgres(engine: Engine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        # audit_event refuses TRUNCATE to every role; between tests the suite (a superuser) bypasses its triggers
        # for this one transaction, on purpose.
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path, monkeypatch) -> Iterator[str]:
    """URL of an empty, fully migrated database for this test; also set as PORTAL_DATABASE_URL."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "portal.db"
        shutil.copy(template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        engine = make_engine(url)
        _truncate_postgres(engine)
        engine.dispose()
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    yield url


@pytest.fixture
def engine(database_url) -> Iterator[Engine]:
    """Engine on this test's clean database."""
    from db import engine as engine_module

    engine = make_engine(database_url)
    engine_module._engines[database_url] = engine
    yield engine
    engine_module._engines.pop(database_url, None)
    engine.dispose()


@pytest.fixture
def sent_selects(engine) -> Iterator[list[str]]:
    """Every SELECT sent on this test's database from now on (clear it to count from a later point)."""
    from tests.sql import statements

    with statements(engine, only_selects=True) as sent:
        yield sent


@pytest.fixture
def session(engine) -> Iterator[Session]:
    """A session on this test's clean database (the test decides when to commit)."""
    with Session(engine, expire_on_commit=False) as db_session:
        yield db_session
        db_session.rollback()
