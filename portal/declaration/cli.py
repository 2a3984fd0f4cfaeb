"""`declarations-template OUT.xlsx` and `import-declarations FILE --year YYYY --unit CODE` (../shared/CONTRACTS.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("declarations-template")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--unit",
    "unit_code",
    help="机构编码: write the template pre-filled with this unit's bound candidates (needs --year).",
)
@click.option("--year", type=int, help="Exam year of the records to pre-fill (with --unit).")
def declarations_template(out: Path, unit_code: str | None, year: int | None) -> None:
    """Write the XLSX template for declaration data (one sheet per section, rows keyed by 证件号码) to OUT.

    With --unit CODE --year YYYY: the template pre-filled with the unit's actively bound, verified candidates and
    their current values, keyed by 考生编号 (an opaque key `import-declarations --unit CODE` accepts for that
    unit's candidates) with masked 证件号码; rows added with a full 证件号码 are read as in the blank template.
    """
    from portal.declaration import template

    if (unit_code is None) != (year is None):
        click.echo("error: --unit and --year go together", err=True)
        sys.exit(2)
    if unit_code is None:
        data = None
    else:
        from sqlalchemy import select

        from db.engine import get_engine, session_scope
        from db.models import Unit
        from portal.core.actor import SYSTEM
        from portal.core.errors import NotFound
        from portal.declaration.prefill import unit_template

        with session_scope(get_engine()) as session:
            unit_id = session.scalar(select(Unit.id).where(Unit.institution_code == unit_code.strip().upper()))
            if unit_id is None:
                click.echo(f"error: no unit with code {unit_code}", err=True)
                sys.exit(2)
            try:
                data = unit_template(session, actor=SYSTEM, year=year, unit_id=unit_id)
            except NotFound:
                click.echo(f"error: exam year {year} has not been opened", err=True)
                sys.exit(2)
    try:
        if data is None:
            template.write(out)
        else:
            out.write_bytes(data)
    except OSError as error:
        click.echo(f"error: cannot write {out}: {error.strerror or error}", err=True)
        sys.exit(2)
    click.echo(f"wrote {out}")


@click.command("import-declarations")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--year", type=int, required=True, help="Exam year, e.g. 2026.")
@click.option("--unit", "unit_code", required=True, help="机构编码 of the unit whose candidates the file holds.")
def import_declarations(file: Path, year: int, unit_code: str) -> None:
    """Create or update declaration records of YEAR for the unit's bound candidates from FILE (the template).

    Prints `imported N, updated M, unchanged U, rejected K`, then one line per bad row: sheet, row, column and
    reason. A candidate's record is all-or-nothing. Exit 0 when the file was processed (even with rejected
    rows), 1 when the import was refused (e.g. outside the entry window), 2 for bad input.
    """
    from sqlalchemy import select

    from db.engine import get_engine, session_scope
    from db.models import Unit
    from portal.core.actor import SYSTEM
    from portal.core.errors import ImportFileError, NotFound, PermissionDenied, PortalError
    from portal.declaration.importer import import_declarations as run_import

    try:
        data = file.read_bytes()
    except OSError as error:
        click.echo(f"error: cannot read {file}: {error.strerror or error}", err=True)
        sys.exit(2)
    try:
        with session_scope(get_engine()) as session:
            unit_id = session.scalar(select(Unit.id).where(Unit.institution_code == unit_code.strip().upper()))
            if unit_id is None:
                click.echo(f"error: no unit with code {unit_code}", err=True)
                sys.exit(2)
            result = run_import(session, actor=SYSTEM, year=year, data=data, unit_id=unit_id)
    except ImportFileError as error:
        click.echo(f"error: {error.english}", err=True)
        sys.exit(2)
    except NotFound:
        click.echo(f"error: exam year {year} has not been opened", err=True)
        sys.exit(2)
    except PermissionDenied:
        click.echo(f"error: the import was refused: exam year {year} is outside its entry window", err=True)
        sys.exit(1)
    except PortalError as error:
        click.echo(f"error: the import was refused ({type(error).__name__})", err=True)
        sys.exit(1)
    click.echo(result.summary())
    for row_error in result.errors:
        click.echo(row_error.line())


commands = [declarations_template, import_declarations]
