"""机构注册 → 查询注册进度 is no password oracle: the login's counter and lock, one bcrypt check for any name
(issue 15 #1)."""

from __future__ import annotations

from sqlalchemy import select

from db.engine import session_scope
from db.models import User
from portal.auth import login, passwords
from portal.core.settings import get_settings
from portal.unit import registration as registrations
from tests.unit.test_unit_side import registration_form


def test_status_checks_count_toward_the_lock_and_are_refused_while_locked(engine, monkeypatch):
    with session_scope(engine) as session:
        registrations.register_unit(session, **registration_form())
    found = registrations.registration_status(engine, username="syws_admin", password="Unit2026ok")
    assert found is not None and found.status == "pending"
    seen: list[str] = []
    with session_scope(engine) as session:
        real_hash = session.scalar(select(User.password_hash).where(User.username == "syws_admin"))

    def counting_check(password: str, password_hash: str) -> bool:
        seen.append("real" if password_hash == real_hash else "dummy")
        return passwords.check_password(password, password_hash)

    monkeypatch.setattr(login, "check_password", counting_check)
    limit = get_settings().max_failed_logins
    for _ in range(limit + 3):
        assert registrations.registration_status(engine, username="syws_admin", password="wrong1234") is None
    assert seen.count("real") == limit  # guesses past the limit never reach the real hash
    # Locked: the right password is refused too, here and on the login form (one counter).
    assert registrations.registration_status(engine, username="syws_admin", password="Unit2026ok") is None
    assert login.authenticate(engine, username="syws_admin", password="Unit2026ok").result == "locked"
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == "syws_admin"))
        assert user.failed_login_count == limit and user.locked_until is not None
    # An unknown name costs the same one bcrypt check.
    seen.clear()
    assert registrations.registration_status(engine, username="nobody_admin", password="wrong1234") is None
    assert seen == ["dummy"]
