"""Settings from environment variables, each with a working default (see ../shared/CONTRACTS.md)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from portal.core.lockout import LockoutPolicy


class SettingsError(RuntimeError):
    """A setting is missing or wrong."""


@dataclass(frozen=True)
class OidcSettings:
    """OpenID Connect sign-in (统一身份认证), from the PORTAL_OIDC_* variables; see README "Sign-in"."""

    server_metadata_url: str
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    button_label: str = "使用统一身份认证登录"
    scope: str = "openid profile"
    prompt: str = "login"
    # Roles come from a claim only when an admin sets both: the claim's name and "value=role" pairs.
    role_claim: str = ""
    role_map: dict[str, str] = field(default_factory=dict)
    # 信息填写 may be prefilled from these claims (never trusted: the candidate still proves them).
    prefill_name_claim: str = ""
    prefill_id_number_claim: str = ""


def _oidc_settings() -> OidcSettings | None:
    env = os.environ
    client_id = env.get("PORTAL_OIDC_CLIENT_ID", "").strip()
    issuer = env.get("PORTAL_OIDC_ISSUER", "").strip().rstrip("/")
    metadata_url = env.get("PORTAL_OIDC_SERVER_METADATA_URL", "").strip()
    if not client_id or not (issuer or metadata_url):
        return None
    if not metadata_url:
        metadata_url = f"{issuer}/.well-known/openid-configuration"
    if not issuer:
        issuer = metadata_url.removesuffix("/.well-known/openid-configuration")
    role_map = {}
    for pair in env.get("PORTAL_OIDC_ROLE_MAP", "").split(","):
        value, sep, role = pair.partition("=")
        if sep and value.strip() and role.strip():
            role_map[value.strip()] = role.strip()
    return OidcSettings(
        server_metadata_url=metadata_url,
        issuer=issuer,
        client_id=client_id,
        client_secret=env.get("PORTAL_OIDC_CLIENT_SECRET", ""),
        redirect_uri=env.get("PORTAL_OIDC_REDIRECT_URI", "").strip() or "http://localhost:8501/oauth2callback",
        button_label=env.get("PORTAL_OIDC_BUTTON_LABEL", "").strip() or "使用统一身份认证登录",
        scope=env.get("PORTAL_OIDC_SCOPE", "").strip() or "openid profile",
        prompt=env.get("PORTAL_OIDC_PROMPT", "login").strip(),
        role_claim=env.get("PORTAL_OIDC_ROLE_CLAIM", "").strip(),
        role_map=role_map,
        prefill_name_claim=env.get("PORTAL_OIDC_PREFILL_NAME_CLAIM", "").strip(),
        prefill_id_number_claim=env.get("PORTAL_OIDC_PREFILL_ID_NUMBER_CLAIM", "").strip(),
    )


def derived_key(secret_key: str, purpose: str) -> str:
    """A key for one purpose (e.g. Streamlit's identity cookie), derived from PORTAL_SECRET_KEY."""
    return hmac.new(secret_key.encode(), f"portal:{purpose}".encode(), hashlib.sha256).hexdigest()


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
    oidc: OidcSettings | None = None
    allow_upload_auto_check: bool = False
    scan_mode: str = "pool"  # "pool": ID card checks in worker processes; "thread": in the page's script thread
    scan_workers: int = 1
    scan_queue: int = 20
    # PostgreSQL: `migrate` connects with this URL (the tables' owner) and grants the role of database_url
    # only what the portal needs (deploy/postgres-roles.sql). None: migrate with database_url itself.
    migration_database_url: str | None = None

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


def _scan_mode(value: str) -> str:
    if value not in ("pool", "thread"):
        raise SettingsError("PORTAL_SCAN_MODE must be 'pool' or 'thread'")
    return value


# The last reading: the environment it was read from, the generated key file and its time (None: the key came
# from PORTAL_SECRET_KEY), and the settings.
_last: tuple[dict, tuple[str, int] | None, Settings] | None = None


def _environment() -> dict:
    # CPython keeps the process environment as a dict of bytes in `os.environ._data`: copying or comparing it is
    # one C call, where going through `os.environ` decodes every variable.
    data = getattr(os.environ, "_data", None)
    return dict(data) if isinstance(data, dict) else dict(os.environ)


def _key_file() -> str:
    return os.path.join(os.environ.get("PORTAL_DATA_DIR", "data"), "secret_key")


def _key_file_time(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def get_settings() -> Settings:
    """The settings from the environment (cheap; call it where needed).

    Read again whenever the environment or the generated secret key file changed, otherwise the last reading is
    returned (a page run asks several times; decrypting a list asks once per value).
    """
    last = _last
    if last is not None:
        environment, key_file, settings = last
        data = getattr(os.environ, "_data", None)
        same = data == environment if isinstance(data, dict) else dict(os.environ) == environment
        if same and (key_file is None or _key_file_time(key_file[0]) == key_file[1]):
            return settings
    return _read_again()


def _read_again() -> Settings:
    global _last
    environment = _environment()
    settings = _read_settings()
    path = _key_file()
    key_file = None if os.environ.get("PORTAL_SECRET_KEY") else (path, _key_file_time(path))
    _last = (environment, key_file, settings)
    return settings


def _read_settings() -> Settings:
    data_dir = Path(os.environ.get("PORTAL_DATA_DIR", "data"))
    production = os.environ.get("PORTAL_ENV", "").lower() == "production"
    database_url = os.environ.get("PORTAL_DATABASE_URL") or f"sqlite:///{data_dir / 'portal.db'}"
    secret_key = _secret_key(data_dir, production)
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        secret_key=secret_key,
        production=production,
        login_sleep_seconds=float(os.environ.get("PORTAL_LOGIN_SLEEP", "0")),
        auto_check_attempts=int(os.environ.get("PORTAL_AUTO_CHECK_ATTEMPTS", "3")),
        auto_checks_per_day=int(os.environ.get("PORTAL_AUTO_CHECKS_PER_DAY", "10")),
        accounts_per_number_per_day=int(os.environ.get("PORTAL_ACCOUNTS_PER_NUMBER_PER_DAY", "3")),
        image_retention_days=int(os.environ.get("PORTAL_IMAGE_RETENTION_DAYS", "365")),
        session_hours=float(os.environ.get("PORTAL_SESSION_HOURS", "8")),
        oidc=_oidc_settings(),
        allow_upload_auto_check=os.environ.get("PORTAL_ALLOW_UPLOAD_AUTO_CHECK", "0").strip().lower()
        in ("1", "true", "yes"),
        scan_mode=_scan_mode(os.environ.get("PORTAL_SCAN_MODE", "pool")),
        scan_workers=max(1, int(os.environ.get("PORTAL_SCAN_WORKERS", "1"))),
        scan_queue=max(0, int(os.environ.get("PORTAL_SCAN_QUEUE", "20"))),
        migration_database_url=os.environ.get("PORTAL_MIGRATION_DATABASE_URL", "").strip() or None,
    )
