"""`get_settings()` is cheap to call and still follows the environment and the generated key file."""

from __future__ import annotations

import os

from portal.core.settings import get_settings


def test_the_settings_follow_the_environment_and_the_key_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    monkeypatch.delenv("PORTAL_SCAN_WORKERS", raising=False)
    first = get_settings()
    assert get_settings() is first  # asked again with nothing changed: the same reading
    assert first.scan_workers == 1

    monkeypatch.setenv("PORTAL_SCAN_WORKERS", "3")
    assert get_settings().scan_workers == 3
    monkeypatch.delenv("PORTAL_SCAN_WORKERS")
    assert get_settings().scan_workers == 1

    key = get_settings().secret_key
    os.remove(tmp_path / "secret_key")  # an operator replaced the generated key
    assert get_settings().secret_key != key

    monkeypatch.setenv("PORTAL_SECRET_KEY", "k" * 40)
    assert get_settings().secret_key == "k" * 40
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    assert get_settings().database_url.endswith("other.db")
