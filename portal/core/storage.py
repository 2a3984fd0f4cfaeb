"""Private file storage under PORTAL_DATA_DIR: random names, encrypted at rest, never served statically."""

from __future__ import annotations

import errno
import logging
import os
import secrets
from pathlib import Path

from portal.core.crypto import decrypt_bytes, encrypt_bytes
from portal.core.errors import STORAGE_ERRNOS, StorageUnavailable
from portal.core.settings import get_settings

log = logging.getLogger("portal.storage")

_KINDS = {"identity", "certificate", "report"}


def _root() -> Path:
    return get_settings().data_dir / "private"


def _path(key: str) -> Path:
    kind, _, name = key.partition("/")
    if kind not in _KINDS or not name or not all(c.isalnum() for c in name):
        raise ValueError("bad storage key")
    return _root() / kind / name


def save(data: bytes, *, kind: str) -> str:
    """Encrypt and store `data`; return its storage key (e.g. 'identity/3f9a…').

    Written to a temporary file, synced, then renamed: a reader never sees half a file. When the folder cannot
    take it (disk full, quota, read-only, no permission) the partial file is removed, the cause is logged for the
    operator and StorageUnavailable is raised; any other OSError is removed alike and re-raised.
    """
    if kind not in _KINDS:
        raise ValueError(f"unknown storage kind {kind!r}")
    key = f"{kind}/{secrets.token_hex(16)}"
    path = _path(key)
    temporary = path.with_suffix(".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_file(temporary, encrypt_bytes(data))
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        if error.errno not in STORAGE_ERRNOS:
            raise
        code = errno.errorcode.get(error.errno, str(error.errno))
        log.error("cannot store a %s file under %s: %s (%s)", kind, _root(), code, os.strerror(error.errno))
        raise StorageUnavailable() from None
    return key


def _write(fd: int, data: memoryview) -> int:
    """The lowest-level write (one system call), apart so that tests can make it fail like a full disk."""
    return os.write(fd, data)


def _write_file(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[_write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


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
