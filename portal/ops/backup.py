"""Online backup and restore of the SQLite database (PostgreSQL: pg_dump/pg_restore, see README)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why (English, for operators)."""


def sqlite_path(database_url: str) -> Path:
    """The file behind an SQLite URL; refuses other databases."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(
            "backup/restore handle the SQLite file only; for PostgreSQL use pg_dump/pg_restore (see README)"
        )
    return Path(url.database)


def backup(database_url: str, target: Path) -> int:
    """Copy the live database into `target` with SQLite's online backup; returns the page count."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise BackupError(f"database file {source_path} does not exist")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".part")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    destination = sqlite3.connect(temporary)
    try:
        source.backup(destination)
        pages = destination.execute("PRAGMA page_count").fetchone()[0]
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()
        source.close()
    temporary.replace(target)
    return pages


def check_backup(path: Path) -> str:
    """Validate a backup file and return its schema revision."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} failed SQLite's integrity check")
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a portal backup ({error})") from None
    if row is None:
        raise BackupError(f"{path} has no schema revision")
    return row[0]


def restore(database_url: str, source: Path) -> str:
    """Replace the database's contents with the backup in `source`; returns the restored revision."""
    if not source.exists():
        raise BackupError(f"backup file {source} does not exist")
    revision = check_backup(source)
    target_path = sqlite_path(database_url)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    backup_connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        backup_connection.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        backup_connection.close()
    return revision
