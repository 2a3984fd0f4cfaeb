"""`import-units FILE`: create or update work units from CSV or XLSX (see ../shared/CONTRACTS.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("import-units")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def import_units(file: Path) -> None:
    """Create or update work units from FILE (CSV or XLSX; header 单位名称, 机构编码, 主管单位, 机构类别, 所属地区).

    Prints `imported N, updated M, rejected K`, then one line per problem of each rejected row:
    `row R, COLUMN: reason`. Exit 0 when the file was processed (even with rejected rows), 1 when the
    database refused it, 2 when the file cannot be read.
    """
    from db.engine import get_engine, session_scope
    from portal.core.actor import SYSTEM
    from portal.core.errors import ImportFileError, PortalError
    from portal.unit.importer import import_units as run_import

    try:
        data = file.read_bytes()
    except OSError as error:
        click.echo(f"error: cannot read {file}: {error.strerror or error}", err=True)
        sys.exit(2)
    try:
        with session_scope(get_engine()) as session:
            result = run_import(session, actor=SYSTEM, data=data, filename=file.name)
    except ImportFileError as error:
        click.echo(f"error: {error.english}", err=True)
        sys.exit(2)
    except PortalError as error:
        click.echo(f"error: the import was refused: {type(error).__name__}", err=True)
        sys.exit(1)
    click.echo(result.summary())
    for reject in result.rejects:
        click.echo(f"row {reject.row}, {reject.column}: {reject.reason_en}")


commands = [import_units]
