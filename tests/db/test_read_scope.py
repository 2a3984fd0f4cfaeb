"""Read-only units of work: no write lock on SQLite, nothing ever written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from db.engine import ReadOnlyViolation, read_scope, session_scope
from db.models import User
from tests import factories


def test_a_read_only_unit_of_work_cannot_write(engine):
    with session_scope(engine) as session:
        user_id = factories.user(session, "candidate").id
    with pytest.raises(ReadOnlyViolation), read_scope(engine) as session:
        session.get(User, user_id).display_name = "改过的名字"
        session.flush()
    with pytest.raises(ReadOnlyViolation), read_scope(engine) as session:
        session.get(User, user_id).display_name = "未保存的名字"  # not flushed by hand: the end refuses it
    with pytest.raises(ReadOnlyViolation), read_scope(engine) as session:
        session.execute(update(User).where(User.id == user_id).values(display_name="改过的名字"))
    with session_scope(engine) as session:
        assert session.get(User, user_id).display_name != "改过的名字"
        assert session.get(User, user_id).display_name != "未保存的名字"


def test_a_reader_in_the_middle_of_its_run_does_not_hold_up_a_writer(engine):
    with session_scope(engine) as session:
        factories.user(session, "candidate")
    with read_scope(engine) as reader:
        before = reader.scalar(select(func.count()).select_from(User))  # its transaction has begun
        with session_scope(engine) as writer:  # another browser's action, meanwhile: must not wait for the reader
            factories.user(writer, "candidate")
        assert before >= 1
    with read_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == before + 1
