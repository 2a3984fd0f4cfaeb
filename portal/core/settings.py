"""Settings from environment variables, each with a working default (see ../shared/CONTRACTS.md)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from portal.core.lockout import LockoutPolicy


class SettingsError(RuntimeError):
    """A setting is missing or wrong."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    secret_key: str
    production: bool
    cookie_name: str = "portal_auth"
    cookie_expiry_days: float = 1.0
    login_sleep_seconds: float = 0.0
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    # Wrong unit confirmation codes in a row before binding is refused, and for how long.
    max_code_failures: int = 5
    code_lockout_minutes: int = 30
    auto_check_attempts: int = 3
    # Automatic ID checks one account may run per (China) day, and distinct accounts that may try one number.
    auto_checks_per_day: int = 10
    accounts_per_number_per_day: int = 3
    image_retention_days: int = 365
    session_hours: float = 8.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def login_lockout(self) -> LockoutPolicy:
        """Wrong passwords in a row lock the account."""
        return LockoutPolicy(self.max_failed_logins, self.lockout_minutes)

    @property
    def code_lockout(self) -> LockoutPolicy:
        """Wrong unit confirmation codes in a row refuse binding."""
        return LockoutPolicy(self.max_code_failures, self.code_lockout_minutes)


def _secret_key(data_dir: Path, production: bool) -> str:
    key = os.environ.get("PORTAL_SECRET_KEY")
    if key:
        if len(key) < 32:
            raise SettingsError("PORTAL_SECRET_KEY must be at least 32 characters")
        return key
    if production:
        raise SettingsError("PORTAL_SECRET_KEY is required in production (PORTAL_ENV=production)")
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def get_settings() -> Settings:
    """Read the settings from the environment (cheap; call it where needed)."""
    data_dir = Path(os.environ.get("PORTAL_DATA_DIR", "data"))
    production = os.environ.get("PORTAL_ENV", "").lower() == "production"
    database_url = os.environ.get("PORTAL_DATABASE_URL") or f"sqlite:///{data_dir / 'portal.db'}"
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        secret_key=_secret_key(data_dir, production),
        production=production,
        login_sleep_seconds=float(os.environ.get("PORTAL_LOGIN_SLEEP", "0")),
        auto_check_attempts=int(os.environ.get("PORTAL_AUTO_CHECK_ATTEMPTS", "3")),
        auto_checks_per_day=int(os.environ.get("PORTAL_AUTO_CHECKS_PER_DAY", "10")),
        accounts_per_number_per_day=int(os.environ.get("PORTAL_ACCOUNTS_PER_NUMBER_PER_DAY", "3")),
        image_retention_days=int(os.environ.get("PORTAL_IMAGE_RETENTION_DAYS", "365")),
        session_hours=float(os.environ.get("PORTAL_SESSION_HOURS", "8")),
    )
