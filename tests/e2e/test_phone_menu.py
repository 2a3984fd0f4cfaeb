"""Issue 16 #3: on a phone the side menu covers most of the screen; after a page is chosen in it, it closes and
the page is seen. On a desktop it stays open.

Streamlit closes the menu after a choice only when the browser's user agent says "mobile": a narrow window
that does not (a tablet, "desktop site", a small laptop window, this headless Chromium) kept it open.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from portal.ops.demo import DEMO_PASSWORD
from tests.e2e.conftest import ROOT, VIEWPORTS, shoot, ui_login, wait_idle

CANDIDATE = "13800000001"
SIDEBAR = "[data-testid='stSidebar']"


def sidebar_covers(page) -> bool:
    """True when the side menu is open and takes up part of the visible screen."""
    box = page.locator(SIDEBAR).bounding_box()
    return (
        page.locator(SIDEBAR).get_attribute("data-collapsed") == "false"
        and box is not None
        and box["x"] + box["width"] > 1
        and box["width"] > 1
    )


def choose_in_menu(page, title: str) -> None:
    """Open the menu if closed (its » button), click `title` in it and wait for that page."""
    if page.locator(SIDEBAR).get_attribute("data-collapsed") != "false":
        page.locator("[data-testid='stExpandSidebarButton']").click()
        page.locator(f"{SIDEBAR}[data-collapsed='false']").wait_for(timeout=10000)
        page.wait_for_timeout(500)  # the menu slides in
    assert sidebar_covers(page)
    page.locator("[data-testid='stSidebarNavLink']").get_by_text(re.compile(rf"^{re.escape(title)}$")).first.click()
    wait_idle(page)
    page.locator("h1").filter(has_text=re.compile(rf"^{re.escape(title)}$")).first.wait_for(timeout=20000)
    page.wait_for_timeout(800)  # the menu slides out


@pytest.fixture
def demo_portal(fresh_database, portal_factory):
    env = {**__import__("os").environ, "PORTAL_DATABASE_URL": fresh_database}
    subprocess.run([sys.executable, "-m", "portal", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "portal", "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    return portal_factory(fresh_database)


IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_phone_menu_closes_after_a_choice_and_desktop_menu_stays(backend, demo_portal, browser):
    # A phone's user agent: Streamlit closes the menu itself; the portal's closing must not open it again.
    context = browser.new_context(viewport=VIEWPORTS["phone"], user_agent=IPHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    ui_login(page, demo_portal.url, CANDIDATE, DEMO_PASSWORD)
    choose_in_menu(page, "工作单位")
    assert not sidebar_covers(page), "the menu covers the page on a phone after a choice"
    context.close()

    # Phone size, without a phone's user agent: the width alone decides.
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    ui_login(page, demo_portal.url, CANDIDATE, DEMO_PASSWORD)
    assert not sidebar_covers(page), "the menu starts closed on a phone"
    for title in ("个人信息", "消息", "首页"):
        choose_in_menu(page, title)
        shoot(page, f"phone_menu_after_{title}")
        assert not sidebar_covers(page), f"the menu still covers the page after choosing {title}"
        heading = page.locator("h1").filter(has_text=re.compile(rf"^{re.escape(title)}$")).first
        box = heading.bounding_box()
        assert box is not None and box["x"] >= 0 and heading.is_visible()
        assert page.evaluate(
            "([x, y]) => !document.elementFromPoint(x, y).closest(\"[data-testid='stSidebar']\")",
            [box["x"] + 5, box["y"] + box["height"] / 2],
        ), "the page's title is under the menu"
    # The menu still opens and closes by hand after that.
    page.locator("[data-testid='stExpandSidebarButton']").click()
    page.locator(f"{SIDEBAR}[data-collapsed='false']").wait_for(timeout=10000)
    page.wait_for_timeout(500)
    assert sidebar_covers(page)
    context.close()

    # Desktop: the menu is beside the page and stays open after a choice.
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    ui_login(page, demo_portal.url, CANDIDATE, DEMO_PASSWORD)
    assert sidebar_covers(page), "the menu starts open on a desktop"
    for title in ("个人信息", "消息"):
        choose_in_menu(page, title)
        assert sidebar_covers(page), f"the desktop menu closed after choosing {title}"
    shoot(page, "desktop_menu_after_消息")
    context.close()
