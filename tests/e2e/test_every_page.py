"""Every page of every role, on the demo data, in a real browser at phone and desktop size: no error, no
horizontal scrolling, and a screenshot of each for people to look at."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pages import registry
from portal.ops.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.e2e.conftest import ROOT, VIEWPORTS, no_horizontal_scroll, shoot, ui_login, wait_idle

ERROR_TEXT = "This app has encountered an error"


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_page_renders_for_its_role(backend, size, fresh_database, browser, portal_factory):
    env = {**os.environ, "PORTAL_DATABASE_URL": fresh_database}
    subprocess.run([sys.executable, "-m", "portal", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "portal", "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    portal = portal_factory(fresh_database)
    problems = []
    for username, role, _, _ in DEMO_ACCOUNTS:
        context = browser.new_context(viewport=VIEWPORTS[size])
        page = context.new_page()
        ui_login(page, portal.url, username, DEMO_PASSWORD)
        for index, spec in enumerate(registry.pages_for(role)):
            page.goto(portal.url if index == 0 else f"{portal.url}/{spec.url_path}")
            wait_idle(page)
            page.get_by_role("heading", name=spec.title).first.wait_for(timeout=30000)
            wait_idle(page)
            if page.get_by_text(ERROR_TEXT).count():
                problems.append(f"{role} {spec.url_path}: error shown")
            if size == "phone" and not no_horizontal_scroll(page):
                problems.append(f"{role} {spec.url_path}: scrolls sideways on a phone")
            shoot(page, f"every_page_{size}_{role}_{spec.url_path}")
        context.close()
    assert not problems, problems
