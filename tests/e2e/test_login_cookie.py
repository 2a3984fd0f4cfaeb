"""The re-login cookie in a real browser: revoked by logout, bound to the login time, and a forged one is
just "not logged in" (issue 15: findings 3, 10, 12 and 19)."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import ui_login, wait_idle

COOKIE = "portal_auth"
LOGIN_FIELD = "账号（考生为注册手机号）"

TOKENS = """
import base64, json, time, jwt
from db.engine import make_engine, session_scope
from db.models import User
from portal.core.settings import get_settings
s = get_settings()
with session_scope(make_engine(s.database_url)) as db:
    user = db.query(User).filter_by(username="13900001234").one()
    uid, ver = user.id, user.token_version
now = time.time()
def b64(d):
    return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
claims = {"uid": uid, "ver": ver, "exp": now + 3600}
print(json.dumps({
    "fresh": jwt.encode({**claims, "login_at": now}, s.secret_key, algorithm="HS256"),
    "old_login": jwt.encode({**claims, "login_at": now - 9 * 3600}, s.secret_key, algorithm="HS256"),
    "hs384": jwt.encode({**claims, "login_at": now}, s.secret_key, algorithm="HS384"),
    "alg_none": b64({"alg": "none", "typ": "JWT"}) + "." + b64({**claims, "login_at": now}) + ".",
    "old_style": jwt.encode({"username": "13900001234", "exp_date": now + 3600}, s.secret_key, algorithm="HS256"),
    "garbage": "%%%not-a-jwt",
}))
"""


def _cookie_of(context) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == COOKIE), None)


def _open_with_cookie(browser, portal, value: str):
    context = browser.new_context()
    context.add_cookies([{"name": COOKIE, "value": value, "url": portal.url}])
    page = context.new_page()
    page.goto(portal.url)
    wait_idle(page)
    return context, page


def _logged_in(page) -> bool:
    try:
        page.get_by_role("button", name="退出登录").wait_for(timeout=8000)
        return True
    except Exception:  # noqa: BLE001
        page.get_by_label(LOGIN_FIELD).wait_for(timeout=20000)
        return False


@pytest.mark.parametrize("backend", ["sqlite"])
def test_logout_revokes_the_cookie_and_forged_or_stale_cookies_are_refused(
    backend, fresh_database, browser, portal_factory
):
    portal = portal_factory(fresh_database)
    portal.cli("create-user", "--role", "candidate", "--username", "13900001234", stdin="Cand2026x\n")

    # Finding 3: a cookie copied before logout no longer logs in after it.
    context = browser.new_context()
    page = context.new_page()
    ui_login(page, portal.url, "13900001234", "Cand2026x")
    page.wait_for_timeout(1500)  # the cookie is written in the run after the login
    page.reload()
    wait_idle(page)
    assert _logged_in(page), "the re-login cookie should survive a reload"
    stolen = _cookie_of(context)
    assert stolen
    page.get_by_role("button", name="退出登录").click()
    page.get_by_label(LOGIN_FIELD).wait_for(timeout=20000)
    context.close()
    context, page = _open_with_cookie(browser, portal, stolen)
    assert not _logged_in(page), "a cookie issued before logout must not log in again"
    context.close()

    tokens = json.loads(portal.python(TOKENS))
    # The control: a correctly signed token for the current version logs in, so the refusals below mean something.
    context, page = _open_with_cookie(browser, portal, tokens["fresh"])
    assert _logged_in(page)
    context.close()

    # Finding 10: the session-hours limit counts from the password login, not from the reload.
    context, page = _open_with_cookie(browser, portal, tokens["old_login"])
    assert not _logged_in(page)
    assert page.get_by_text("登录已超时").count()
    context.close()

    # Finding 12 (and 19): forged, other-algorithm, username-based or garbled cookies = logged out, cleared.
    for name in ("alg_none", "hs384", "old_style", "garbage"):
        context, page = _open_with_cookie(browser, portal, tokens[name])
        assert not _logged_in(page), name
        assert not page.locator("[data-testid='stException']").count(), name
        page.wait_for_timeout(500)
        assert not _cookie_of(context), f"the {name} cookie should have been cleared"
        page.get_by_label(LOGIN_FIELD).fill("13900001234")
        page.get_by_label("密码", exact=True).fill("Cand2026x")
        page.get_by_role("button", name="登录").click()
        assert _logged_in(page), f"after a {name} cookie the login form must still work"
        context.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_first_click_on_login_is_never_lost(backend, fresh_database, browser, portal_factory):
    """Issue 16 #10: no component on the login page reruns the script, so a click right after it appears counts."""
    portal = portal_factory(fresh_database)
    portal.cli("create-user", "--role", "candidate", "--username", "13900001234", stdin="Cand2026x\n")
    for _ in range(3):
        context = browser.new_context()
        page = context.new_page()
        page.goto(portal.url)
        field = page.get_by_label(LOGIN_FIELD)
        field.wait_for(timeout=30000)
        assert page.locator("iframe").count() == 0, "a component on the login page would rerun the script"
        field.fill("13900001234")  # at once, without waiting for the app to settle
        page.get_by_label("密码", exact=True).fill("Cand2026x")
        page.get_by_role("button", name="登录").click()
        page.get_by_role("button", name="退出登录").wait_for(timeout=30000)
        context.close()
