"""`bench NAME [--json]`."""

from __future__ import annotations

import importlib
import json
import os

import click

from portal.bench import BENCHMARKS, load


@click.command("bench", context_settings={"ignore_unknown_options": True})
@click.argument("name", type=click.Choice(sorted(BENCHMARKS)))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.argument("options", nargs=-1, type=click.UNPROCESSED)
def bench(name: str, as_json: bool, options: tuple[str, ...]) -> None:
    """Run one of the project's benchmarks and print its figures.

    Some benchmarks take options of their own after NAME (`bench load --help` lists those of `load`).
    """
    try:
        run = load(name)
    except ModuleNotFoundError:
        raise click.ClickException(f"benchmark {name!r} is not available in this build") from None
    module = importlib.import_module(run.__module__)
    parse = getattr(module, "parse_options", None)
    if options and parse is None:
        raise click.UsageError(f"benchmark {name!r} takes no options: {' '.join(options)}")
    try:
        kwargs = parse(list(options)) if parse else {}
    except click.exceptions.Exit:
        return  # --help was printed
    figures = run(database_url=os.environ.get("PORTAL_DATABASE_URL"), **kwargs)
    profile = figures.pop("profile", None) if not as_json else None
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
        return
    for key, value in _flatten(figures):
        click.echo(f"{key:<40} {value}")
    if profile and hasattr(module, "render_profile"):
        click.echo(module.render_profile(profile))


def _flatten(figures: dict, prefix: str = ""):
    for key, value in figures.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


commands = [bench]
