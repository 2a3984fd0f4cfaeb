"""Core commands: migrate, seed-demo, create-user."""

from __future__ import annotations

import sys

import click

from db.engine import get_engine, make_engine, session_scope
from db.migrate import upgrade
from db.roles import app_role_of, grant_app_role, owns_tables, same_database
from portal.auth import service as auth
from portal.core.actor import ACCOUNT_ROLES, SYSTEM
from portal.core.errors import Conflict, ValidationFailed
from portal.core.settings import get_settings
from portal.ops import demo

ROLES = list(ACCOUNT_ROLES)


@click.command("migrate")
def migrate() -> None:
    """Bring the database schema to the newest revision.

    With PORTAL_MIGRATION_DATABASE_URL set (PostgreSQL), the migrations run as that role, the owner of the
    tables, and the role of PORTAL_DATABASE_URL is then granted only what the portal needs.
    """
    settings = get_settings()
    app_url, owner_url = settings.database_url, settings.migration_database_url
    if owner_url is None:
        upgrade(app_url)
        click.echo("database is at the newest revision")
        role = app_role_of(app_url)
        if role is not None and owns_tables(get_engine(app_url), role):
            click.echo(
                f"note: the portal's role {role!r} owns the tables; in production migrate as the owner with "
                "PORTAL_MIGRATION_DATABASE_URL and let the portal connect as another role (deploy/README.md)",
                err=True,
            )
        return
    if not same_database(owner_url, app_url):
        click.echo("error: PORTAL_MIGRATION_DATABASE_URL and PORTAL_DATABASE_URL name different databases", err=True)
        sys.exit(2)
    upgrade(owner_url)
    role, owner = app_role_of(app_url), app_role_of(owner_url)
    if role is not None and role != owner:
        engine = make_engine(owner_url)
        try:
            grant_app_role(engine, role)
        finally:
            engine.dispose()
        click.echo(f"granted {role!r} SELECT, INSERT, UPDATE, DELETE on the tables (audit_event: SELECT, INSERT)")
    click.echo("database is at the newest revision")


@click.command("seed-demo")
@click.option("--candidates", default=20, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--units", default=5, show_default=True, type=click.IntRange(1, 50_000))
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds accounts.")
def seed_demo(candidates: int, units: int, seed: int, if_empty: bool) -> None:
    """Load fictional demo data (accounts for every role, units, candidates)."""
    engine = get_engine()
    with session_scope(engine) as session:
        if not demo.is_empty(session):
            if if_empty:
                click.echo("database already holds data; demo data not loaded")
                return
            click.echo("error: the database already holds accounts; use an empty database", err=True)
            sys.exit(1)
        demo.seed_demo(session, candidates=candidates, units=units, seed=seed)
    click.echo(f"loaded demo data: {units} units, {candidates} candidates")
    click.echo(f"demo logins (password {demo.DEMO_PASSWORD}):")
    for username, role, _, _ in demo.DEMO_ACCOUNTS:
        click.echo(f"  {role:<11} {username}")


@click.command("create-user")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--username", required=True)
@click.option("--unit", "unit_code", default=None, help="Institution code (机构编码), for unit_admin.")
@click.option("--name", "display_name", default="", help="Display name.")
def create_user(role: str, username: str, unit_code: str | None, display_name: str) -> None:
    """Create an account, reading the password from stdin."""
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        click.echo("error: no password on stdin", err=True)
        sys.exit(2)
    try:
        with session_scope(get_engine()) as session:
            user = auth.create_user(
                session,
                actor=SYSTEM,
                role=role,
                username=username,
                password=password,
                display_name=display_name,
                unit_code=unit_code,
            )
            user_id = user.id
    except ValidationFailed as error:
        field, reason = next(iter(error.errors.items()))
        click.echo(f"error: invalid {field}: {_english(field)}", err=True)
        sys.exit(2)
    except Conflict:
        click.echo(f"error: an account named {username!r} already exists", err=True)
        sys.exit(1)
    click.echo(f"created {role} account {username!r} (id {user_id})")


def _english(field: str) -> str:
    return {
        "username": "candidates need an 11-digit mainland mobile number; others 3-64 of A-Z a-z 0-9 _ . @ -",
        "password": "at least 8 characters with letters and digits, not containing the username",
        "unit": "unit_admin needs --unit with an existing institution code; other roles take no unit",
        "role": "unknown role",
    }.get(field, "rejected")


commands = [migrate, seed_demo, create_user]


@click.command("health")
@click.option("--skip-ocr", is_flag=True, help="Do not load the OCR model.")
def health(skip_ocr: bool) -> None:
    """Check database, migrations, OCR model and disk space; exit 1 when any fails."""
    from portal.ops.health import run_checks

    load_ocr = None
    if not skip_ocr:
        from portal.identity.check.ocr import ocr_engine as load_ocr
    settings = get_settings()
    checks = run_checks(engine=get_engine(), data_dir=settings.data_dir, load_ocr=load_ocr)
    for check in checks:
        click.echo(f"{'ok  ' if check.ok else 'FAIL'} {check.name:<11} {check.detail}")
    if not all(check.ok for check in checks if not (skip_ocr and check.name == "ocr")):
        sys.exit(1)


commands.append(health)
