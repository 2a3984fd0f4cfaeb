"""Column types: `EncryptedText` keeps identifying numbers encrypted at rest, transparently."""

from __future__ import annotations

from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from portal.core.crypto import decrypt_text, encrypt_text


class EncryptedText(TypeDecorator):
    """Text encrypted with the portal's key (Fernet) in the database, plain in Python.

    Values cannot be searched or compared in SQL; keep a keyed hash column next to it when look-ups are
    needed. `python -m portal rotate-key` re-encrypts every column of this type.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return encrypt_text(str(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return decrypt_text(value)
