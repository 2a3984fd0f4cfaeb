"""Safety net at the persistence layer: no control characters reach a text column.

Services validate and clean what people type (portal/text.py); this listener makes sure that whatever path a
value takes (forms, imports, demo data), NUL bytes, escape sequences and invisible bidi overrides are never
stored. Newlines stay in multi-line text columns.
"""

from __future__ import annotations

from sqlalchemy import String, Text, event
from sqlalchemy.orm import Session

from portal.core.text import strip_controls


def _clean_object(obj) -> None:
    mapper = getattr(obj, "__mapper__", None)
    if mapper is None:
        return
    for column in mapper.columns:
        if not isinstance(column.type, String):
            continue
        value = obj.__dict__.get(column.key)
        if isinstance(value, str):
            cleaned = strip_controls(value, multiline=isinstance(column.type, Text))
            if cleaned != value:
                setattr(obj, column.key, cleaned)


@event.listens_for(Session, "before_flush")
def _strip_control_characters(session: Session, _flush_context, _instances) -> None:
    for obj in list(session.new) + list(session.dirty):
        _clean_object(obj)
