"""The one lockout rule (login and unit confirmation codes), without a database."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.core.lockout import LockoutPolicy
from portal.core.settings import Settings

NOW = datetime(2026, 3, 1, 9, 0)
POLICY = LockoutPolicy(max_failures=5, lock_minutes=30)


def fail(times: int, policy: LockoutPolicy = POLICY, start: datetime = NOW):
    count, until, states = 0, None, []
    for i in range(times):
        state = policy.after_failure(count, until, start + timedelta(seconds=i))
        count, until = state.failed_count, state.locked_until
        states.append(state)
    return states


def test_the_fifth_failure_in_a_row_locks_for_the_lock_time():
    states = fail(5)
    assert [s.locked_until for s in states[:4]] == [None] * 4
    assert [POLICY.attempts_left(s.failed_count) for s in states[:4]] == [4, 3, 2, 1]
    assert states[4].just_locked and states[4].locked_until == NOW + timedelta(seconds=4, minutes=30)
    assert POLICY.is_locked(states[4].locked_until, NOW + timedelta(minutes=30))
    assert not POLICY.is_locked(states[4].locked_until, NOW + timedelta(minutes=31))


def test_failures_while_locked_count_but_do_not_extend_the_lock():
    locked = fail(5)[-1]
    later = POLICY.after_failure(locked.failed_count, locked.locked_until, NOW + timedelta(minutes=10))
    assert later.failed_count == 6 and later.locked_until == locked.locked_until and not later.just_locked


def test_after_the_lock_runs_out_counting_starts_again():
    locked = fail(5)[-1]
    after = NOW + timedelta(hours=1)
    assert POLICY.has_lapsed(locked.locked_until, after)
    state = POLICY.after_failure(locked.failed_count, locked.locked_until, after)
    assert (state.failed_count, state.locked_until, state.just_locked) == (1, None, False)
    assert POLICY.attempts_left(state.failed_count) == 4


def test_no_lock_is_neither_locked_nor_lapsed():
    assert not POLICY.is_locked(None, NOW) and not POLICY.has_lapsed(None, NOW)
    assert POLICY.lock_after(4, NOW) is None and POLICY.lock_after(5, NOW) == NOW + timedelta(minutes=30)
    assert POLICY.attempts_left(9) == 0


def test_login_and_unit_codes_keep_their_own_numbers():
    settings = Settings(database_url="sqlite://", data_dir=None, secret_key="x" * 32, production=False)
    assert settings.login_lockout == LockoutPolicy(max_failures=5, lock_minutes=15)
    assert settings.code_lockout == LockoutPolicy(max_failures=5, lock_minutes=30)
    assert fail(5, settings.login_lockout)[-1].locked_until == NOW + timedelta(seconds=4, minutes=15)
