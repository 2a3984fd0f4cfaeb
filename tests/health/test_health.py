"""Operator health checks say what is wrong, in a way an operator can act on."""

from __future__ import annotations

from click.testing import CliRunner

from db.engine import make_engine
from db.migrate import upgrade
from portal.cli import main
from portal.ops.health import check_disk, check_migrations, run_checks


def test_unmigrated_database_is_reported(engine, tmp_path):
    checks = {c.name: c for c in run_checks(engine=engine, data_dir=tmp_path, load_ocr=lambda: object())}
    assert checks["database"].ok
    assert not checks["migrations"].ok and "portal migrate" in checks["migrations"].detail
    assert checks["ocr"].ok and checks["disk"].ok


def test_migrated_database_is_current(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = make_engine(url)
    assert check_migrations(engine).ok
    engine.dispose()


def test_unreachable_database_and_failing_ocr(tmp_path):
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")

    def broken():
        raise RuntimeError("model missing")

    checks = {c.name: c for c in run_checks(engine=engine, data_dir=tmp_path, load_ocr=broken)}
    assert not checks["database"].ok and "unreachable" in checks["database"].detail
    assert not checks["ocr"].ok


def test_unwritable_data_dir(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert not check_disk(blocker / "data").ok


def test_health_command_exit_status(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    result = runner.invoke(main, ["health", "--skip-ocr"])
    assert result.exit_code == 1 and "FAIL migrations" in result.output
    upgrade(url)
    result = runner.invoke(main, ["health", "--skip-ocr"])
    assert result.exit_code == 0, result.output


def test_system_status_page_speaks_chinese(engine):
    """系统状态 shows each check's Chinese message, not the command line's English detail."""
    import re

    from db.engine import session_scope
    from tests import factories
    from tests.app.helpers import assert_no_exception, login, new_app

    with session_scope(engine) as session:
        admin = factories.user(session, "admin").username
    app = login(new_app(), admin, factories.PASSWORD)
    app.switch_page("pages/admin/health.py")
    app.run()
    assert_no_exception(app)
    lines = [box.value for box in (*app.success, *app.error)]
    assert len(lines) == 5, lines
    allowed = {"OCR", "SQLite", "PostgreSQL", "GB", "python", "m", "portal", "migrate"}
    for line in lines:
        line = re.sub(r"\b\d{4}_\w+", "", line)  # a migration's revision id, e.g. 0006_oidc_identity
        words = set(re.findall(r"[A-Za-z]+", line)) - allowed
        assert not words, line
    assert any(line.startswith("数据库连接：正常 — ") and "毫秒" in line for line in lines), lines
