"""A backup taken while the portal runs restores every record."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from db.engine import make_engine, session_scope
from db.migrate import upgrade
from db.models import AuditEvent, Message, Unit, User
from portal.cli import main
from portal.ops import demo


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with session_scope(engine) as session:
        counts = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (User, Unit, Message, AuditEvent)
        }
    engine.dispose()
    return counts


def test_backup_and_restore_round_trip(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        demo.seed_demo(session, candidates=30, units=6)
    before = _counts(url)
    runner = CliRunner()
    result = runner.invoke(main, ["backup", str(tmp_path / "backup.db")])
    assert result.exit_code == 0, result.output
    # Damage the live database after the backup.
    with session_scope(engine) as session:
        session.execute(User.__table__.update().values(display_name="damaged"))
        session.add(Unit(name="后来加的单位", institution_code="X1", status="active"))
    engine.dispose()
    assert runner.invoke(main, ["restore", str(tmp_path / "backup.db")]).exit_code == 2  # needs --yes
    result = runner.invoke(main, ["restore", "--yes", str(tmp_path / "backup.db")])
    assert result.exit_code == 0, result.output
    assert _counts(url) == before
    engine = make_engine(url)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).where(User.display_name == "damaged")) == 0
        assert session.scalar(select(Unit).where(Unit.institution_code == "X1")) is None
    engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'live.db'}")
    bogus = tmp_path / "bogus.db"
    bogus.write_text("not a database")
    result = CliRunner().invoke(main, ["restore", "--yes", str(bogus)])
    assert result.exit_code == 2
    assert "not a portal backup" in result.output


def test_backup_on_postgresql_points_to_pg_dump(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["backup", str(tmp_path / "x.db")])
    assert result.exit_code == 1 and "pg_dump" in result.output
