"""Private file storage under PORTAL_DATA_DIR: random names, encrypted at rest, never served statically."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from portal.core.crypto import decrypt_bytes, encrypt_bytes
from portal.core.settings import get_settings

_KINDS = {"identity", "certificate", "report"}


def _root() -> Path:
    return get_settings().data_dir / "private"


def _path(key: str) -> Path:
    kind, _, name = key.partition("/")
    if kind not in _KINDS or not name or not all(c.isalnum() for c in name):
        raise ValueError("bad storage key")
    return _root() / kind / name


def save(data: bytes, *, kind: str) -> str:
    """Encrypt and store `data`; return its storage key (e.g. 'identity/3f9a…')."""
    if kind not in _KINDS:
        raise ValueError(f"unknown storage kind {kind!r}")
    key = f"{kind}/{secrets.token_hex(16)}"
    path = _path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with open(temporary, "wb") as handle:
        handle.write(encrypt_bytes(data))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return key


def load(key: str) -> bytes:
    """Read and decrypt a stored file."""
    return decrypt_bytes(_path(key).read_bytes())


def delete(key: str) -> bool:
    """Remove a stored file; True when it existed."""
    try:
        _path(key).unlink()
        return True
    except FileNotFoundError:
        return False


def exists(key: str) -> bool:
    """True when the stored file is present."""
    return _path(key).exists()
