"""`bench NAME [--json] [--set DIR]`."""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path

import click

from portal.bench import BENCHMARKS, BenchDataError, load


@click.command("bench")
@click.argument("name", type=click.Choice(sorted(BENCHMARKS)))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--set",
    "set_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A generated data set to measure on (identity: a folder written by `python -m tools.idcard --bench`).",
)
def bench(name: str, as_json: bool, set_dir: Path | None) -> None:
    """Run one of the project's benchmarks and print its figures."""
    try:
        run = load(name)
    except ModuleNotFoundError:
        raise click.ClickException(f"benchmark {name!r} is not available in this build") from None
    options: dict = {"database_url": os.environ.get("PORTAL_DATABASE_URL")}
    if set_dir is not None:
        if "set_dir" not in inspect.signature(run).parameters:
            raise click.UsageError(f"benchmark {name!r} builds its own data and takes no --set")
        options["set_dir"] = set_dir
    try:
        figures = run(**options)
    except BenchDataError as exc:
        if set_dir is not None:
            raise click.BadParameter(str(exc), param_hint="--set") from None
        raise click.ClickException(str(exc)) from None
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
