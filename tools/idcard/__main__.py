"""`python -m tools.idcard --out DIR [--count N] [--seed S]`, `--fixtures`, `--bench --out DIR`,
`--people FILE.jsonl --out DIR [--seed S]`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tools.idcard.bench_set import write_sources_set
from tools.idcard.generator import FIXTURE_PLAN, FontsMissing, default_plan, generate, write_cases
from tools.idcard.sets import read_people, write_demo_cards

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "identity" / "fixtures"


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--count", type=int, default=20, show_default=True, help="Number of images.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--fixtures", is_flag=True, help=f"Regenerate the committed test fixtures in {FIXTURES}.")
@click.option("--bench", is_flag=True, help="Write the identity benchmark's set (fixed seed) into --out.")
@click.option(
    "--people",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="JSON Lines of people (id, name, id_number, sex, birth_date): write their card front and back photos.",
)
def main(out: Path | None, count: int, seed: int, fixtures: bool, bench: bool, people: Path | None) -> None:
    """Generate fictional ID card fronts (and bad photos, non-card images) with a manifest.jsonl."""
    try:
        if fixtures:
            for old in FIXTURES.glob("*.jpg"):
                old.unlink()
            cases = generate(FIXTURE_PLAN, seed=20250101, quality=85)
            written = write_cases(cases, FIXTURES)
        elif out is None:
            raise click.UsageError("give --out DIR or --fixtures")
        elif bench:
            written = write_sources_set(out)
        elif people is not None:
            write_demo_cards(read_people(people), out, seed=seed)
            written = out
        else:
            written = write_cases(generate(default_plan(count), seed=seed), out)
    except FontsMissing as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"wrote {written}")


if __name__ == "__main__":
    main()
