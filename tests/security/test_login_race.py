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


def test_unknown_names_and_locked_accounts_cost_one_bcrypt_check_like_real_ones(engine, monkeypatch):
    """Issue 15 #5: no answer comes back without a bcrypt check (timing does not tell names apart)."""
    with session_scope(engine) as session:
        user = factories.user(session, "analyst")
        username, real_hash = user.username, user.password_hash
    seen: list[str] = []

    def counting_check(password: str, password_hash: str) -> bool:
        seen.append("real" if password_hash == real_hash else "dummy")
        return passwords.check_password(password, password_hash)

    monkeypatch.setattr(login, "check_password", counting_check)
    assert login.authenticate(engine, username="nobody-here", password="guess0001x").result == "wrong"
    assert seen == ["dummy"]
    for _ in range(get_settings().max_failed_logins):
        login.authenticate(engine, username=username, password="guess0001x")
    seen.clear()
    assert login.authenticate(engine, username=username, password=factories.PASSWORD).result == "locked"
    assert seen == ["dummy"]
    assert login.dummy_hash().startswith("$2") and login.dummy_hash() == login.dummy_hash()


def test_registration_does_not_confirm_that_a_number_has_an_account(session):
    from portal.auth import service as auth
    from portal.core.errors import Conflict

    factories.user(session, "candidate", username="13911110000")
    with pytest.raises(Conflict) as refused:
        auth.register_candidate(session, mobile="13911110000", password="abc12345", password_confirm="abc12345")
    assert "已注册" not in refused.value.message and "不能用于注册" in refused.value.message
