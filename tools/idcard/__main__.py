"""`python -m tools.idcard --out DIR --count N --seed S` or `python -m tools.idcard --fixtures`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tools.idcard.generator import FIXTURE_PLAN, FontsMissing, default_plan, generate, write_cases

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "identity" / "fixtures"


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--count", type=int, default=20, show_default=True, help="Number of images.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--fixtures", is_flag=True, help=f"Regenerate the committed test fixtures in {FIXTURES}.")
def main(out: Path | None, count: int, seed: int, fixtures: bool) -> None:
    """Generate fictional ID card fronts (and bad photos, non-card images) with a manifest.jsonl."""
    try:
        if fixtures:
            for old in FIXTURES.glob("*.jpg"):
                old.unlink()
            cases = generate(FIXTURE_PLAN, seed=20250101, quality=85)
            manifest = write_cases(cases, FIXTURES)
        else:
            if out is None:
                raise click.UsageError("give --out DIR or --fixtures")
            manifest = write_cases(generate(default_plan(count), seed=seed), out)
    except FontsMissing as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"wrote {manifest}")


if __name__ == "__main__":
    main()
