"""The re-login cookie's signed token: user id, token version and login time (never the changeable username).

Anything that does not decode to exactly these claims under HS256 and the portal's key (wrong signature,
`alg: none`, another algorithm, garbage, missing or mistyped claims) is no login at all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"


@dataclass(frozen=True)
class Claims:
    user_id: int
    version: int
    login_at: float  # Unix time of the password login this cookie continues
    expires_at: float


def encode(claims: Claims, secret: str) -> str:
    payload = {"uid": claims.user_id, "ver": claims.version, "login_at": claims.login_at, "exp": claims.expires_at}
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode(token: str | None, secret: str, *, now: float | None = None) -> Claims | None:
    """The claims of a valid, unexpired token, or None for anything else (never raises)."""
    if not token or not isinstance(token, str) or len(token) > 4096:
        return None
    try:
        data = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp"]})
    except Exception:  # noqa: BLE001 - every undecodable cookie means "not logged in"
        return None
    uid, ver, login_at, exp = (data.get(key) for key in ("uid", "ver", "login_at", "exp"))
    if not (isinstance(uid, int) and isinstance(ver, int) and isinstance(login_at, int | float)):
        return None
    if not isinstance(exp, int | float) or exp <= (time.time() if now is None else now):
        return None
    return Claims(uid, ver, float(login_at), float(exp))
