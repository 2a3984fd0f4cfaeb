"""Parallel guessing cannot pass the login lockout: the attempt is counted before bcrypt sees it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from db.engine import session_scope
from db.models import AuditEvent, User
from portal.auth import login, passwords
from portal.core.settings import get_settings
from tests import factories


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_twelve_parallel_guesses_reach_bcrypt_at_most_five_times(backend, engine, monkeypatch):
    with session_scope(engine) as session:
        user = factories.user(session, "reviewer")
        username, real_hash = user.username, user.password_hash
    checked: list[str] = []
    lock = threading.Lock()

    def counting_check(password: str, password_hash: str) -> bool:  # the real bcrypt check, counted
        if password_hash == real_hash:
            with lock:
                checked.append(password)
        return passwords.check_password(password, password_hash)

    monkeypatch.setattr(login, "check_password", counting_check)
    barrier = threading.Barrier(12)
    outcomes: list[object] = [None] * 12

    def guess(index: int) -> None:
        barrier.wait(timeout=10)
        try:
            outcomes[index] = login.authenticate(engine, username=username, password=f"guess{index:04d}x")
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[index] = error

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    limit = get_settings().max_failed_logins
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len(checked) <= limit, checked
    assert all(o.result in {login.LoginResult.WRONG, login.LoginResult.LOCKED} for o in outcomes)
    with session_scope(engine) as session:
        row = session.scalar(select(User).where(User.username == username))
        audited = session.scalar(
            select(func.count()).where(
                AuditEvent.object_id == str(row.id), AuditEvent.action.in_(["login.failed", "account.locked"])
            )
        )
        assert row.failed_login_count == limit and row.locked_until is not None
        assert audited == len(checked)
    # Even the right password is refused now, without reaching bcrypt.
    assert login.authenticate(engine, username=username, password=factories.PASSWORD).result == "locked"
    assert len(checked) <= limit
