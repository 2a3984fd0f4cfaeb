"""One engine built from PORTAL_DATABASE_URL, and the unit-of-work helper."""

from __future__ import annotations

import threading
import weakref
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
    so that the objects read stay usable, as after `session_scope`. Inside `shared_reads` on the same engine
    and thread, it is that one unit of work (see there).
    """
    shared = getattr(_shared, "reads", None)
    if shared is not None and shared[0] is engine:
        try:
            yield shared[1]
        except BaseException:
            _begin_again(shared[1])
            raise
        return
    yield from _unit_of_work(_read_session(engine))


_read_only_engines: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def _read_session(engine: Engine) -> Session:
    bind = _read_only_engines.get(engine)
    if bind is None:  # made once per engine: every page run opens a read-only unit of work
        bind = _read_only_engines[engine] = engine.execution_options(**{READ_ONLY: True})
    session = Session(bind=bind, expire_on_commit=False)
    session.info[READ_ONLY] = True
    session.info[WRITES_TO] = engine
    session.info[KEPT] = []
    session.info[LOOKED_UP] = {}
    return session


# What a read-only unit of work loaded, held until it ends: the session's identity map holds objects only weakly,
# so without this the account loaded to check who acts would be gone (and read again) when the page's own calls
# authorise. SQLAlchemy's "strong reference" recipe, for the read-only units of work only.
KEPT = "portal_kept"
LOOKED_UP = "portal_looked_up"
WRITES_TO = "portal_writes_to"


@contextmanager
def beside(session: Session) -> Iterator[Session]:
    """A unit of work of its own on `session`'s database, for the one write reading may cause: the access log
    of personal data a read-only unit of work read (`session` itself cannot write). In a unit of work that may
    write, that unit of work itself."""
    engine = session.info.get(WRITES_TO)
    if engine is None:
        yield session
        return
    with session_scope(engine) as own:
        yield own


def looked_up(session: Session) -> dict | None:
    """A read-only unit of work's memo of look-ups that cannot change under it (the newest exam year), or None.

    Forgotten with what the unit of work loaded (when another unit of work of the thread commits); a unit of
    work that may write gets None, so that it always sees its own changes.
    """
    return session.info.get(LOOKED_UP)


@event.listens_for(Session, "loaded_as_persistent")
def _keep_what_was_read(session: Session, instance) -> None:
    kept = session.info.get(KEPT)
    if kept is not None:
        kept.append(instance)


_shared = threading.local()


@contextmanager
def shared_reads(engine: Engine) -> Iterator[None]:
    """One read-only unit of work for every `read_scope` of this thread until the block ends: a page run's.

    A page run reads in several places (who acts and the menu's unread count, then the page's own look-ups);
    each `read_scope` of its own would check out a connection, begin and end a transaction and load the
    account again to authorise. Inside this block they share one session. When any other unit of work of this
    thread commits (a write), the shared one ends its transaction and forgets what it loaded, so that what is
    read next sees the write, as separate units of work did. Objects read before stay usable as after a
    `read_scope` (loaded, detached). Nested blocks join the outer one.
    """
    if getattr(_shared, "reads", None) is not None:
        yield
        return
    session = _read_session(engine)
    _shared.reads = (engine, session)
    try:
        yield
    finally:
        _shared.reads = None
        _end(session)
        session.close()


def shared_engine() -> Engine | None:
    """The engine of this thread's `shared_reads` block, if one is open."""
    shared = getattr(_shared, "reads", None)
    return shared[0] if shared is not None else None


def _begin_again(session: Session) -> None:
    """End the shared unit of work's transaction (a later read begins a new one) and forget what it loaded.

    Ended by a commit (of nothing: it only reads) when it can be, as `read_scope` ends: a rollback would expire
    what was read, and the page could no longer use the objects it holds. A failed one is rolled back.
    """
    _end(session)
    session.expunge_all()
    session.info[KEPT] = []
    session.info[LOOKED_UP] = {}


def _end(session: Session) -> None:
    try:
        session.commit()
    except Exception:  # noqa: BLE001 - a failed statement left the transaction unusable: roll it back
        session.rollback()


@event.listens_for(Session, "after_commit")
def _others_see_writes(session: Session) -> None:
    shared = getattr(_shared, "reads", None)
    if shared is not None and shared[1] is not session:
        _begin_again(shared[1])


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
