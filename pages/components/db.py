"""The engine (cached once per process) and one unit of work per user action."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.engine import make_engine, read_scope, session_scope
from portal.core.settings import get_settings


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    """The process-wide engine for the configured database."""
    return _engine_for(get_settings().database_url)


@contextmanager
def session() -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back otherwise."""
    with session_scope(engine()) as db_session:
        yield db_session


@contextmanager
def reading() -> Iterator[Session]:
    """A unit of work that only reads (no lock on SQLite; a write in it raises): a page run's own look-ups."""
    with read_scope(engine()) as db_session:
        yield db_session
