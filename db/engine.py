"""One engine built from PORTAL_DATABASE_URL, and the unit-of-work helper."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from portal.core.settings import get_settings

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, **kwargs) -> Engine:
    """Create the engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg")
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, issue BEGIN, so that SAVEPOINT and
        # transaction boundaries behave as on PostgreSQL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # IMMEDIATE takes the write lock at the start: a transaction that reads and then writes can
        # then never fail with SQLITE_BUSY because someone else wrote in between; it waits instead
        # (busy_timeout). A read-only unit of work (`read_scope`) begins DEFERRED: in WAL mode it takes no
        # lock at all, so the reads every page run makes do not queue behind each other and the writers.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A sessionmaker bound to `engine` (objects stay usable after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def keep_on_rollback(session: Session, model: type, values: dict) -> None:
    """Add a row that must be stored even if this unit of work is rolled back (e.g. a refused access)."""
    session.add(model(**values))
    session.info.setdefault("keep_on_rollback", []).append((model, values))


@event.listens_for(Session, "after_commit")
def _forget_kept(session: Session) -> None:
    session.info.pop("keep_on_rollback", None)


@event.listens_for(Session, "after_rollback")
def _write_kept(session: Session) -> None:
    kept = session.info.pop("keep_on_rollback", [])
    for model, values in kept:
        with Session(bind=session.get_bind()) as again:
            again.add(model(**values))
            try:
                again.commit()
            except IntegrityError:  # what the row refers to was rolled back too: nothing left to keep
                again.rollback()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error (rows marked keep_on_rollback stay)."""
    yield from _unit_of_work(Session(bind=engine, expire_on_commit=False))


def _unit_of_work(session: Session) -> Iterator[Session]:
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


READ_ONLY = "portal_read_only"


class ReadOnlyViolation(RuntimeError):
    """Something tried to write in a read-only unit of work (a programming error)."""


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work that only reads: it takes no write lock (SQLite), and any write in it raises.

    For the look-ups of every page run (who acts, counts, the state a page shows); a flush of any change or a
    statement that is not a SELECT raises `ReadOnlyViolation` and the unit of work is rolled back. Anything
    that may write — an access log of a read included — uses `session_scope`. Its end is a commit (of nothing),
    so that the objects read stay usable, as after `session_scope`.
    """
    session = Session(bind=engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
    session.info[READ_ONLY] = True
    yield from _unit_of_work(session)


@event.listens_for(Session, "do_orm_execute")
def _refuse_statements_that_write(state) -> None:
    if state.session.info.get(READ_ONLY) and not state.is_select:
        raise ReadOnlyViolation("a read-only unit of work tried to write")


@event.listens_for(Session, "before_flush")
def _refuse_writes_when_read_only(session: Session, _context, _instances) -> None:
    if session.info.get(READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise ReadOnlyViolation("a read-only unit of work tried to write")


_engines: dict[str, Engine] = {}


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: the settings' database URL)."""
    if url is None:
        url = get_settings().database_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]
