"""Every page of every role, on the demo data, in a real browser at phone and desktop size: no error, no
English widget text, no horizontal scrolling — on the page's first view and behind every tab and expander —
and a screenshot of each for people to look at."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from pages import registry
from portal.ops.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.e2e.conftest import ROOT, VIEWPORTS, no_horizontal_scroll, shoot, ui_login, wait_idle

# What a user must never see: Streamlit's crash box, the portal's "busy" answer to a bug, and the English
# texts of Streamlit's own widgets (each replaced by Chinese in the portal).
ERROR_TEXTS = ["This app has encountered an error", "系统繁忙", "Traceback"]
ENGLISH_WIDGET_TEXTS = [
    "Take Photo",
    "Clear photo",
    "per file",
    "Browse files",
    "Drag and drop",
    "Choose options",
    "Choose an option",
    "Select all",
    "No results",
    "Press Enter",
]
# (The uploader's own button text "Upload" stays in the DOM at font-size 0 under the CSS label 选择文件, so it is
# not in this list; a person never sees it.)
ERROR_BOXES = "[data-testid='stException'], [data-testid='stAlertContentError']"


def page_problems(page, where: str) -> list[str]:
    """What is wrong with what the page shows now."""
    problems = []
    body = page.locator("[data-testid='stMain']").inner_text()
    for text in ERROR_TEXTS:
        if text in body:
            problems.append(f"{where}: shows {text!r}")
    for text in ENGLISH_WIDGET_TEXTS:
        if re.search(rf"\b{re.escape(text)}\b", body):
            problems.append(f"{where}: English widget text {text!r}")
    boxes = page.locator(ERROR_BOXES)
    for index in range(boxes.count()):
        problems.append(f"{where}: error box {boxes.nth(index).inner_text()[:120]!r}")
    return problems


def test_the_checks_see_an_error_box_and_english_text(browser):
    """The checker itself: a page with Streamlit's error box and an English uploader text is caught."""
    page = browser.new_page()
    page.set_content(
        "<div data-testid='stMain'><div data-testid='stAlertContentError'>系统繁忙，操作未完成</div>"
        "<span>Limit 10MB per file</span></div>"
    )
    found = page_problems(page, "sample")
    page.close()
    assert (
        any("系统繁忙" in p for p in found) and any("per file" in p for p in found) and any("box" in p for p in found)
    )


def open_every_tab_and_expander(page, where: str, size: str, name: str) -> list[str]:
    problems = []
    tabs = page.locator("[data-testid='stMain'] [role='tab']")
    for index in range(tabs.count()):
        tab = tabs.nth(index)
        if not tab.is_visible():
            continue
        label = tab.inner_text().strip()
        tab.click()
        wait_idle(page)
        problems += page_problems(page, f"{where} tab {label}")
        if size == "phone" and not no_horizontal_scroll(page):
            problems.append(f"{where} tab {label}: scrolls sideways on a phone")
    expanders = page.locator("[data-testid='stMain'] [data-testid='stExpander'] summary")
    for index in range(expanders.count()):
        summary = expanders.nth(index)
        if not summary.is_visible():
            continue
        label = summary.inner_text().strip()[:20]
        summary.click()
        wait_idle(page)
        problems += page_problems(page, f"{where} expander {label}")
    if tabs.count() or expanders.count():
        shoot(page, f"{name}_opened")
    return problems


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
            where = f"{role} {spec.url_path}"
            page.goto(portal.url if index == 0 else f"{portal.url}/{spec.url_path}")
            wait_idle(page)
            try:
                page.get_by_role("heading", name=spec.title).first.wait_for(timeout=60000)
            except Exception:
                shoot(page, f"failed_every_page_{size}_{role}_{spec.url_path}")
                raise
            wait_idle(page)
            problems += page_problems(page, where)
            if size == "phone" and not no_horizontal_scroll(page):
                problems.append(f"{where}: scrolls sideways on a phone")
            name = f"every_page_{size}_{role}_{spec.url_path}"
            shoot(page, name)
            problems += open_every_tab_and_expander(page, where, size, name)
        context.close()
    assert not problems, problems
