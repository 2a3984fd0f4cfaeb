"""PostgreSQL: the privileges of the role the portal connects with, granted by the owner after migrating.

The owner of the tables (PORTAL_MIGRATION_DATABASE_URL) runs the migrations; the portal connects as another
role (PORTAL_DATABASE_URL) that owns nothing and holds only what the portal needs (deploy/postgres-roles.sql
creates both roles). Without ownership it cannot drop or disable the audit triggers, alter or drop tables,
or replace their functions; without TRUNCATE, UPDATE and DELETE on audit_event it cannot empty or rewrite it.
"""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

# Tables the portal may only read and append to; alembic_version it only reads (`health`).
APPEND_ONLY_TABLES = ("audit_event",)
READ_ONLY_TABLES = ("alembic_version",)


def same_database(first_url: str, second_url: str) -> bool:
    """Whether both URLs name the same database (backend, host, port and database name)."""
    first, second = make_url(first_url), make_url(second_url)
    return (first.get_backend_name(), first.host, first.port or 5432, first.database) == (
        second.get_backend_name(),
        second.host,
        second.port or 5432,
        second.database,
    )


def app_role_of(url: str) -> str | None:
    """The PostgreSQL role of a URL (None for other backends or when the URL names none)."""
    parsed = make_url(url)
    return parsed.username if parsed.get_backend_name() == "postgresql" else None


def grant_app_role(owner_engine: Engine, role: str) -> None:
    """Give `role` exactly the portal's privileges on every table and sequence of the current schema.

    Everything it held before is revoked first, so a table added by a migration, or a grant made by hand,
    ends in the same state. Run as the owner of the tables (the migrating role).
    """
    with owner_engine.begin() as connection:
        quote = connection.dialect.identifier_preparer.quote
        schema = quote(connection.execute(text("SELECT current_schema()")).scalar_one())
        app = quote(role)
        for statement in [
            f"GRANT USAGE ON SCHEMA {schema} TO {app}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {app}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {app}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {app}",
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {app}",
            *(f"REVOKE UPDATE, DELETE ON {schema}.{quote(t)} FROM {app}" for t in APPEND_ONLY_TABLES),
            *(f"REVOKE INSERT, UPDATE, DELETE ON {schema}.{quote(t)} FROM {app}" for t in READ_ONLY_TABLES),
        ]:
            connection.execute(text(statement))


def owns_tables(engine: Engine, role: str) -> bool:
    """Whether `role` owns any table of the current schema (the portal's role should own none)."""
    with engine.connect() as connection:
        return bool(
            connection.execute(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = :role"),
                {"role": role},
            ).scalar_one()
        )
