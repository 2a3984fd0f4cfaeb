"""`eligibility RECORD.json [--year YYYY] [--cutoff YYYY-MM-DD] [--as-of YYYY-MM-DD]`."""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from portal.eligibility.service import RecordError, judge


def _usage_error(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _usage_error(f"{option} is not a date YYYY-MM-DD: {value!r}")


@click.command("eligibility")
@click.argument("record_file", metavar="RECORD.json", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--year", type=int, help="Exam year; the cut-off defaults to 31 August of it.")
@click.option("--cutoff", help="Cut-off date YYYY-MM-DD up to which practice is counted.")
@click.option("--as-of", "as_of", help="Day of the judgement YYYY-MM-DD (default: today).")
def eligibility(record_file: str, year: int | None, cutoff: str | None, as_of: str | None) -> None:
    """Judge one declaration record (JSON, '-' for stdin) against the exam's eligibility rules.

    Prints {"verdict", "exam_level", "reasons", "missing_fields", "probation_days_missing"}; exit 0 for any
    verdict, 2 for an unreadable record or a bad date.
    """
    cutoff_day = _parse_date(cutoff, "--cutoff")
    as_of_day = _parse_date(as_of, "--as-of")
    try:
        with click.open_file(record_file, encoding="utf-8") as handle:
            record = json.load(handle)
    except OSError as error:
        _usage_error(f"cannot read {record_file}: {error.strerror or error}")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        _usage_error(f"{record_file} is not valid JSON: {error}")
    if not isinstance(record, dict):
        _usage_error(f"{record_file} must hold one JSON object")
    try:
        verdict = judge(record, year=year, cutoff=cutoff_day, as_of=as_of_day)
    except RecordError as error:
        _usage_error(f"bad record: {error}")
    click.echo(verdict.to_json())


commands = [eligibility]
