"""Encryption of personal data at rest and keyed hashes for look-ups.

Keys are derived from PORTAL_SECRET_KEY with HKDF: one for authenticated encryption (Fernet: AES-128-CBC
with HMAC-SHA256), one for HMAC-SHA256 look-up hashes. Values encrypted under older keys
(PORTAL_OLD_SECRET_KEYS, comma-separated) still decrypt, so `rotate-key` can re-encrypt them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from portal.core.settings import get_settings
from portal.core.text import normalize_document_number


class DecryptionFailed(RuntimeError):
    """A value could not be decrypted with any known key."""


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"exam-portal", info=purpose).derive(secret.encode())


@lru_cache(maxsize=8)
def _fernet(secret: str, old: str) -> MultiFernet:
    keys = [secret] + [k for k in old.split(",") if k.strip()]
    return MultiFernet([Fernet(base64.urlsafe_b64encode(_derive(k.strip(), b"encryption"))) for k in keys])


@lru_cache(maxsize=8)
def _hmac_key(secret: str) -> bytes:
    return _derive(secret, b"lookup-hash")


def _keys() -> tuple[str, str]:
    return get_settings().secret_key, os.environ.get("PORTAL_OLD_SECRET_KEYS", "")


def encrypt_bytes(data: bytes) -> bytes:
    """Authenticated encryption of `data` under the current key."""
    return _fernet(*_keys()).encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    """Decrypt bytes from `encrypt_bytes` (current or old keys)."""
    try:
        return _fernet(*_keys()).decrypt(token)
    except InvalidToken as error:
        raise DecryptionFailed("value cannot be decrypted with the configured keys") from error


def encrypt_text(value: str) -> str:
    """Encrypt a short text (e.g. a document number) to an ASCII token."""
    return encrypt_bytes(value.encode()).decode("ascii")


def decrypt_text(token: str) -> str:
    """Decrypt a token from `encrypt_text`."""
    return decrypt_bytes(token.encode("ascii")).decode()


def rotate_token(token: bytes) -> bytes:
    """Re-encrypt `token` under the current key."""
    return _fernet(*_keys()).rotate(token)


def lookup_hash(value: str, *, secret: str | None = None) -> str:
    """Keyed hash (HMAC-SHA256, hex) of a value normalised like a document number (NFKC, no spaces, upper-case)."""
    normalised = normalize_document_number(value).encode()
    key = _hmac_key(secret or get_settings().secret_key)
    return hmac.new(key, normalised, hashlib.sha256).hexdigest()


def old_keys() -> list[str]:
    """Previous secret keys (PORTAL_OLD_SECRET_KEYS) whose ciphertexts still decrypt."""
    return [k.strip() for k in os.environ.get("PORTAL_OLD_SECRET_KEYS", "").split(",") if k.strip()]


def mask(value: str | None, *, keep_start: int = 4, keep_end: int = 4) -> str:
    """Mask the middle of a number: 4201**********123X."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return value[:1] + "*" * (len(value) - 1)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_name(name: str | None) -> str:
    """Mask a name except its first character: 张*, 欧阳**."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)
