"""`rotate-key` and `purge-images`."""

from __future__ import annotations

import sys

import click

from db.engine import get_engine, session_scope
from portal.core.crypto import DecryptionFailed
from portal.core.settings import get_settings
from portal.ops.keys import RotationError, RotationReport, check_ready, rotate_database, rotate_files
from portal.ops.retention import purge_identity_images


@click.command("rotate-key")
def rotate_key() -> None:
    """Re-encrypt all personal data with PORTAL_SECRET_KEY (old keys in PORTAL_OLD_SECRET_KEYS)."""
    try:
        check_ready()
    except RotationError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    report = RotationReport()
    try:
        rotate_files(report)
        with session_scope(get_engine()) as session:
            rotate_database(session, report)
    except DecryptionFailed:
        click.echo("error: some data cannot be decrypted with the configured keys; nothing was changed", err=True)
        sys.exit(1)
    click.echo(
        f"re-encrypted {report.values} values and {report.files} files, recomputed {report.hashes} look-up hashes; "
        f"{report.unit_codes_cleared} unit confirmation codes must be generated again"
    )
    if report.flags_unmatched:
        click.echo(f"warning: {report.flags_unmatched} duplicate-number flags could not be re-keyed", err=True)


@click.command("purge-images")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(0, None),
    default=None,
    help="Days since the decision (default: PORTAL_IMAGE_RETENTION_DAYS).",
)
def purge_images(days: int | None) -> None:
    """Delete verification images of decided cases past the retention period."""
    if days is None:
        days = get_settings().image_retention_days
    with session_scope(get_engine()) as session:
        cases, files = purge_identity_images(session, older_than_days=days)
    click.echo(f"deleted {files} images of {cases} decided cases older than {days} days")


commands = [rotate_key, purge_images]
