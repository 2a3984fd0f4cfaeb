"""`bench NAME [--json]`."""

from __future__ import annotations

import json
import os

import click

from portal.bench import BENCHMARKS, load


@click.command("bench")
@click.argument("name", type=click.Choice(sorted(BENCHMARKS)))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench(name: str, as_json: bool) -> None:
    """Run one of the project's benchmarks and print its figures."""
    try:
        run = load(name)
    except ModuleNotFoundError:
        raise click.ClickException(f"benchmark {name!r} is not available in this build") from None
    figures = run(database_url=os.environ.get("PORTAL_DATABASE_URL"))
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
        return
    for key, value in _flatten(figures):
        click.echo(f"{key:<40} {value}")


def _flatten(figures: dict, prefix: str = ""):
    for key, value in figures.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


commands = [bench]
