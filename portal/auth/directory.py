"""Adapter between streamlit-authenticator and the accounts in the database.

streamlit-authenticator looks users up in `credentials["usernames"][username]` and writes
`failed_login_attempts` back into that record. `UserDirectory` answers those look-ups from the
database one username at a time (it never loads all accounts) and turns the writes into the
database's own failure counter and lockout, so they hold across processes.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from db.engine import session_scope
from db.models import User
from portal.auth import service
from portal.auth.passwords import has_password, hash_password
from portal.core.settings import get_settings

_UNUSABLE: list[str] = []


def _unusable_hash() -> str:
    """A bcrypt hash no one knows the password of (for accounts without one), so the form answers as usual."""
    if not _UNUSABLE:
        import secrets

        _UNUSABLE.append(hash_password(secrets.token_urlsafe(32)))
    return _UNUSABLE[0]


class UserRecord(dict):
    """One account as streamlit-authenticator sees it; counter writes go to the database."""

    def __init__(self, directory: UserDirectory, username: str, values: dict):
        super().__init__(values)
        self._directory = directory
        self._username = username

    def __setitem__(self, key, value):
        if key == "failed_login_attempts":
            if value:
                self._directory.on_failure(self._username)
            else:
                self._directory.on_success(self._username)
        super().__setitem__(key, value)


class UserDirectory(dict):
    """A read-through mapping username -> UserRecord over the `user_account` table."""

    def __init__(self, engine: Engine):
        super().__init__()
        self._engine = engine
        self.last_username: str | None = None
        self.last_state: service.LoginState | None = None

    def _load(self, username: object) -> UserRecord | None:
        if not isinstance(username, str) or not username:
            return None
        username = username.strip().lower()
        self.last_username = username
        with session_scope(self._engine) as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                return None
            state = service.login_state(session, username=username)
            self.last_state = state
            limit = get_settings().max_failed_logins
            failed = limit if state.locked else min(user.failed_login_count, limit - 1)
            return UserRecord(
                self,
                username,
                {
                    "password": user.password_hash if has_password(user.password_hash) else _unusable_hash(),
                    "email": user.email or "",
                    "first_name": user.display_name or username,
                    "last_name": "",
                    "roles": [user.role],
                    "failed_login_attempts": failed,
                    "logged_in": False,
                },
            )

    def on_failure(self, username: str) -> None:
        with session_scope(self._engine) as session:
            self.last_state = service.record_login_failure(session, username=username)

    def on_success(self, username: str) -> None:
        with session_scope(self._engine) as session:
            service.record_login_success(session, username=username)

    def __contains__(self, username: object) -> bool:
        return self._load(username) is not None

    def __getitem__(self, username):
        record = self._load(username)
        if record is None:
            raise KeyError(username)
        return record

    def get(self, username, default=None):
        record = self._load(username)
        return default if record is None else record

    def __bool__(self) -> bool:
        return True

    def __iter__(self):
        return iter(())

    def items(self):
        return iter(())

    def values(self):
        return iter(())

    def keys(self):
        return iter(())
