"""The engine (cached once per process) and one unit of work per user action."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.engine import make_engine, read_scope, session_scope, shared_engine, shared_reads
from portal.core.settings import get_settings


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


_last: tuple[str, Engine] | None = None


def engine() -> Engine:
    """The process-wide engine for the configured database.

    The last one is also kept here: looking an argument up in `st.cache_resource` hashes it on every call, and
    a page run asks several times.
    """
    global _last
    url = get_settings().database_url
    last = _last
    if last is None or last[0] != url:
        last = _last = (url, _engine_for(url))
    return last[1]


@contextmanager
def session() -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back otherwise."""
    with session_scope(engine()) as db_session:
        yield db_session


@contextmanager
def reading() -> Iterator[Session]:
    """A unit of work that only reads (no lock on SQLite; a write in it raises): a page run's own look-ups."""
    with read_scope(shared_engine() or engine()) as db_session:  # inside a page run: the run's unit of work
        yield db_session


@contextmanager
def one_read_unit_per_run() -> Iterator[None]:
    """Around a whole page run: its `reading()` blocks and read-only actions share one unit of work."""
    with shared_reads(engine()):
        yield
