-- deploy/postgres-roles.sql: the portal's two PostgreSQL roles and its database. Run ONCE, as a superuser,
-- before the first `python -m portal migrate` (PostgreSQL 12 or newer):
--
--   psql -X -v ON_ERROR_STOP=1 -v owner=portal_owner -v app=portal_app -v database=portal \
--        -v owner_password="$OWNER_PASSWORD" -v app_password="$APP_PASSWORD" -f deploy/postgres-roles.sql
--
-- owner  owns the database, its schema and (through the migrations) every table, trigger and function. Only
--        `python -m portal migrate` connects with it: PORTAL_MIGRATION_DATABASE_URL in /etc/portal/migrate.env.
-- app    what the portal processes connect with (PORTAL_DATABASE_URL in /etc/portal/portal.env). It owns
--        nothing, so it cannot drop or disable a trigger, alter or drop a table or replace a function. After
--        each upgrade `migrate` grants it SELECT, INSERT, UPDATE, DELETE on the tables (on audit_event only
--        SELECT and INSERT; on alembic_version only SELECT) and USAGE on the sequences, nothing else.
--
-- Neither role is a superuser: a superuser can disable any trigger, and is the one role the audit log's
-- TRUNCATE trigger lets through.

CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
CREATE ROLE :"app" LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT;

CREATE DATABASE :"database" OWNER :"owner";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"app";

\connect :"database"
-- PostgreSQL 15 gives the public schema to the database owner and no CREATE to PUBLIC; older versions give
-- both to everyone. Make it the same everywhere: the owner creates, the app only uses.
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
