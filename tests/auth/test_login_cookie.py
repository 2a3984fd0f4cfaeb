"""Re-login cookies: bound to user id + token version + login time; revoked by every event that must end them;
a crafted token is no login (issue 15 findings 3, 10, 12, 19)."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from portal.auth import service as auth
from portal.auth import token
from portal.core.actor import SYSTEM, Actor
from portal.profile import service as profile
from tests import factories

SECRET = "s" * 48


def issued_version(session, user) -> int:
    return auth.token_version(session, username=user.username)[1]


def revoke_by_logout(session, user):
    auth.end_session(session, actor=Actor.of(user))


def revoke_by_password_change(session, user):
    auth.change_password(session, actor=Actor.of(user), old_password=factories.PASSWORD, new_password="Brandnew2026")


def revoke_by_reset(session, user):
    auth.reset_password(session, actor=SYSTEM, user_id=user.id, new_password="Brandnew2026")


def revoke_by_disable(session, user):
    auth.set_active(session, actor=SYSTEM, user_id=user.id, active=False)


def revoke_by_mobile_change(session, user):
    profile.change_mobile(session, actor=Actor.of(user), new_mobile="13688889999", password=factories.PASSWORD)


@pytest.mark.parametrize(
    "revoke",
    [revoke_by_logout, revoke_by_password_change, revoke_by_reset, revoke_by_disable, revoke_by_mobile_change],
)
def test_cookie_issued_before_is_refused_after(session, revoke):
    user = factories.user(session, "candidate")
    version = issued_version(session, user)
    assert auth.actor_for_cookie(session, user_id=user.id, version=version).user_id == user.id
    revoke(session, user)
    session.flush()
    assert auth.actor_for_cookie(session, user_id=user.id, version=version) is None


def test_cookie_follows_the_account_not_the_username(session):
    """Finding 19: the cookie names the account id, so a new mobile (username) cannot be taken over by it."""
    user = factories.user(session, "candidate")
    claims = token.Claims(user.id, issued_version(session, user), time.time(), time.time() + 3600)
    decoded = token.decode(token.encode(claims, SECRET), SECRET)
    assert decoded == claims
    assert "username" not in jwt.decode(token.encode(claims, SECRET), SECRET, algorithms=["HS256"])


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_crafted_tokens_are_no_login_and_never_raise():
    now = time.time()
    claims = {"uid": 1, "ver": 0, "login_at": now, "exp": now + 3600}
    crafted = {
        "alg none": _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(claims) + ".",
        "HS384": jwt.encode(claims, SECRET, algorithm="HS384"),
        "other key": jwt.encode(claims, "x" * 48, algorithm="HS256"),
        "expired": jwt.encode({**claims, "exp": now - 1}, SECRET, algorithm="HS256"),
        "no exp": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, SECRET, algorithm="HS256"),
        "old username cookie": jwt.encode({"username": "13700000001", "exp_date": now + 3600}, SECRET),
        "string uid": jwt.encode({**claims, "uid": "1"}, SECRET, algorithm="HS256"),
        "garbage": "%%%.not.a.jwt",
        "huge": "a" * 100_000,
        "empty": "",
    }
    for name, value in crafted.items():
        assert token.decode(value, SECRET) is None, name
    assert token.decode(jwt.encode(claims, SECRET, algorithm="HS256"), SECRET) is not None
