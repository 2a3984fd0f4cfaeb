"""`backup FILE` and `restore FILE`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from portal.core.settings import get_settings
from portal.ops.backup import BackupError, backup, restore


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """Write an online backup of the SQLite database to FILE."""
    try:
        pages = backup(get_settings().database_url, file)
    except BackupError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(f"backup written to {file} ({pages} pages); also keep a copy of PORTAL_DATA_DIR/private")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm that the current database is replaced.")
def restore_command(file: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup in FILE (stop the portal first)."""
    if not yes:
        click.echo("error: restore replaces the current database; add --yes to confirm", err=True)
        sys.exit(2)
    try:
        revision = restore(get_settings().database_url, file)
    except BackupError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2 if "not a portal backup" in str(error) or "does not exist" in str(error) else 1)
    click.echo(f"restored {file} (schema revision {revision}); run `python -m portal migrate` if the code is newer")


commands = [backup_command, restore_command]
