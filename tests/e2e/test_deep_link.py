"""A reload or a deep link lands on the page asked for, before and after login (streamlit-authenticator #179)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT, shoot, ui_login, wait_idle


@pytest.mark.parametrize("backend", ["sqlite"])
def test_reload_and_deep_link_keep_the_page(backend, fresh_database, browser, portal_factory):
    portal = portal_factory(fresh_database)
    env = {**__import__("os").environ, "PORTAL_DATABASE_URL": fresh_database}
    subprocess.run(
        [sys.executable, "-m", "portal", "create-user", "--role", "candidate", "--username", "13900001234"],
        input="Cand2026x\n",
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    page = browser.new_page(viewport={"width": 390, "height": 844})
    # Deep link before login: the login form is shown at that URL, then the page itself.
    page.goto(f"{portal.url}/candidate_unit")
    ui_login(page, f"{portal.url}/candidate_unit", "13900001234", "Cand2026x")
    page.get_by_role("heading", name="工作单位").first.wait_for(timeout=20000)
    assert page.url.endswith("/candidate_unit")
    # Reload while logged in (the re-login cookie): still the same page, not the home page.
    page.reload()
    wait_idle(page)
    page.get_by_role("heading", name="工作单位").first.wait_for(timeout=20000)
    assert page.url.endswith("/candidate_unit")
    # A deep link typed while logged in.
    page.goto(f"{portal.url}/common_messages")
    wait_idle(page)
    page.get_by_role("heading", name="消息").first.wait_for(timeout=20000)
    assert page.url.endswith("/common_messages")
    shoot(page, "deep_link_messages_phone")
    page.close()
