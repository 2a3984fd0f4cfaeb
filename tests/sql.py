"""What SQL a piece of code sends: for tests that a page's look-ups are few (statements built once, joined)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session


@contextmanager
def statements(bind: Engine | Session, *, only_selects: bool = False) -> Iterator[list[str]]:
    """The statements sent on `bind` (an engine, or a session's engine) while the block runs."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    sent: list[str] = []

    def note(_connection, _cursor, statement, *_args):
        if not only_selects or statement.lstrip().upper().startswith("SELECT"):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)
