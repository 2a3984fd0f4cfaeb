"""`bench NAME [--json] [--set DIR] [OPTIONS OF NAME]`."""

from __future__ import annotations

import importlib
import inspect
import json
import os
from pathlib import Path

import click

from portal.bench import BENCHMARKS, BenchDataError, load


@click.command("bench", context_settings={"ignore_unknown_options": True})
@click.argument("name", type=click.Choice(sorted(BENCHMARKS)))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--set",
    "set_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A generated data set to measure on (identity: a folder written by `python -m tools.idcard --bench`).",
)
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
def bench(name: str, as_json: bool, set_dir: Path | None, extra: tuple[str, ...]) -> None:
    """Run one of the project's benchmarks and print its figures.

    Some benchmarks take options of their own after NAME (load: --sessions, --duration, --scan-share,
    --think-time, --url, --profile, --compare-scan-modes, --baseline-runs; see README, "Load").
    """
    try:
        run = load(name)
    except ModuleNotFoundError:
        raise click.ClickException(f"benchmark {name!r} is not available in this build") from None
    module = importlib.import_module(run.__module__)
    parse = getattr(module, "parse_options", None)
    if extra and parse is None:
        raise click.UsageError(f"benchmark {name!r} takes no options: {' '.join(extra)}")
    options: dict = {"database_url": os.environ.get("PORTAL_DATABASE_URL")}
    if parse is not None:
        options.update(parse(list(extra)))
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
    profile = None if as_json else figures.pop("profile", None)
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
