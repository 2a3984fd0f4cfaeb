"""One lockout rule for anything guessed: N failures in a row lock it until a time, then counting starts again.

Used by the login (a wrong password locks the account) and by unit confirmation codes (a wrong code refuses
binding). The policy is pure: callers keep the count and the lock time in their own rows (the login locks the
user row, the unit code counts with an atomic UPDATE) and ask the policy what those numbers mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LockState:
    """Failures in a row and the lock they set; `just_locked` when this failure set it."""

    failed_count: int
    locked_until: datetime | None
    just_locked: bool = False


@dataclass(frozen=True)
class LockoutPolicy:
    """`max_failures` failures in a row lock for `lock_minutes` minutes."""

    max_failures: int
    lock_minutes: int

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.lock_minutes)

    def is_locked(self, locked_until: datetime | None, now: datetime) -> bool:
        """Whether a lock set until `locked_until` still holds at `now`."""
        return locked_until is not None and locked_until > now

    def has_lapsed(self, locked_until: datetime | None, now: datetime) -> bool:
        """Whether a lock was set and has run out: the failures before it no longer count."""
        return locked_until is not None and locked_until <= now

    def lock_after(self, failed_count: int, now: datetime) -> datetime | None:
        """The lock that `failed_count` failures in a row set at `now` (None below the limit)."""
        return now + self.duration if failed_count >= self.max_failures else None

    def after_failure(self, failed_count: int, locked_until: datetime | None, now: datetime) -> LockState:
        """The count and lock once one more failure happened at `now` (a running lock is not extended)."""
        if self.has_lapsed(locked_until, now):
            failed_count, locked_until = 0, None
        failed_count += 1
        if locked_until is not None:
            return LockState(failed_count, locked_until)
        locked_until = self.lock_after(failed_count, now)
        return LockState(failed_count, locked_until, just_locked=locked_until is not None)

    def attempts_left(self, failed_count: int) -> int:
        """How many more failures are allowed before the lock."""
        return max(0, self.max_failures - failed_count)
