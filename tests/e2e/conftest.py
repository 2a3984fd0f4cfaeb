"""Browser tests: the real portal in a subprocess, driven by Playwright in Debian's Chromium.

They need /usr/bin/chromium (Debian package `chromium`); without it they are skipped, except under
CI=true, where `.ci/run` installs it and a missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _require_chromium() -> None:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs it (make system-deps)")
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Portal:
    url: str
    process: subprocess.Popen
    log: Path
    env: dict

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run `python -m portal ARGS` against this portal's database and data folder; return stdout."""
        done = subprocess.run(
            [sys.executable, "-m", "portal", *args], input=stdin, text=True, cwd=ROOT, env=self.env, capture_output=True
        )
        if done.returncode != 0:
            raise AssertionError(f"portal {' '.join(args)} failed ({done.returncode}): {done.stderr[-1000:]}")
        return done.stdout

    def python(self, code: str) -> str:
        """Run a Python snippet with this portal's settings (test set-up through the services)."""
        done = subprocess.run(
            [sys.executable, "-c", code], text=True, cwd=ROOT, env=self.env, capture_output=True, check=False
        )
        if done.returncode != 0:
            raise AssertionError(f"set-up snippet failed: {done.stderr[-2000:]}")
        return done.stdout

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_portal(
    database_url: str, data_dir: Path, log_dir: Path, *, port: int | None = None, extra_env: dict | None = None
) -> Portal:
    """Migrate and start `streamlit run streamlit_app.py` on a (free) port; wait until healthy."""
    port = port or free_port()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_DATA_DIR": str(data_dir),
        **(extra_env or {}),
    }
    subprocess.run([sys.executable, "-m", "portal", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    log = log_dir / f"streamlit-{port}.log"
    handle = open(log, "w")  # noqa: SIM115 - lives as long as the process
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "streamlit_app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return Portal(url, process, log, env)
        except OSError:
            time.sleep(0.3)
        if process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"portal did not start; see {log}:\n{log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def warm_up(browser, portal: Portal) -> None:
    """Load the home page once: the very first run after a cold start imports everything and, on a deep
    link, Streamlit's front end may report 'Page not found' while it waits (a first-visitor-only glitch)."""
    page = browser.new_page()
    page.goto(portal.url)
    page.get_by_label("账号（考生为注册手机号）").wait_for(timeout=60000)
    page.close()


@pytest.fixture
def portal_factory(tmp_path, request) -> Iterator:
    """Start portals on the given database URL (warmed up); all are stopped after the test."""
    started: list[Portal] = []

    def start(database_url: str) -> Portal:
        portal = start_portal(database_url, tmp_path / "data", tmp_path)
        started.append(portal)
        warm_up(request.getfixturevalue("browser"), portal)
        return portal

    yield start
    for portal in started:
        portal.stop()


# Streamlit scrolls inside its main container, not the document: a "full page" screenshot of the document
# would stop at the viewport. Measure the content and grow the viewport to it for the shot.
_CONTENT_HEIGHT = """() => Math.max(document.documentElement.scrollHeight,
    ...[...document.querySelectorAll("[data-testid='stMain'], [data-testid='stAppViewContainer']")]
        .map((el) => el.scrollHeight))"""


def shoot(page, name: str) -> None:
    """Save a screenshot of the whole page (all of its height) as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)
    viewport = page.viewport_size
    height = page.evaluate(_CONTENT_HEIGHT)
    if height > viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": min(height, 12000)})
        page.wait_for_timeout(300)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        if height > viewport["height"]:
            page.set_viewport_size(viewport)
            page.wait_for_timeout(200)


def wait_idle(page) -> None:
    """Wait until Streamlit has finished the current run (its running indicator is gone)."""
    page.wait_for_timeout(400)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="detached", timeout=30000)
    page.wait_for_timeout(200)


def ui_login(page, base_url: str, username: str, password: str) -> None:
    """Log in through the real login form."""
    page.goto(base_url)
    field = page.get_by_label("账号（考生为注册手机号）")
    field.wait_for(timeout=30000)
    wait_idle(page)
    field.fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    logout = page.get_by_role("button", name="退出登录")
    # One click, as a person would: nothing on the login page reruns the script (issue 16 #10).
    page.get_by_role("button", name="登录").click()
    try:
        logout.wait_for(timeout=30000)
    except Exception:
        shoot(page, f"login_failed_{username}")
        raise
    wait_idle(page)
    # The re-login cookie is written by the browser after the login's run: a reload before it lands logs out.
    for _ in range(50):
        if any(cookie["name"] == "portal_auth" for cookie in page.context.cookies()):
            break
        page.wait_for_timeout(200)


def no_horizontal_scroll(page) -> bool:
    """True when neither the page nor Streamlit's main container scrolls sideways (usable on a phone)."""
    return page.evaluate(
        """() => document.documentElement.scrollWidth <= window.innerWidth + 1 &&
            [...document.querySelectorAll("[data-testid='stMain'], [data-testid='stAppViewContainer']")]
                .every((el) => el.scrollWidth <= el.clientWidth + 1)"""
    )


@pytest.fixture
def fresh_database(request, tmp_path) -> Iterator[str]:
    """An empty database (never migrated) of the backend named by the test's `backend` parameter."""
    from tests.conftest import empty_database

    backend = request.node.callspec.params.get("backend", "sqlite") if hasattr(request.node, "callspec") else "sqlite"
    with empty_database(backend, tmp_path, "portal_e2e") as url:
        yield url


# ---------------------------------------------------------------------------------------------------- page helpers


def is_phone(page) -> bool:
    return page.viewport_size["width"] < 640


def open_page(page, title: str) -> None:
    """Open a page through the sidebar menu, as a person would (on a phone the menu is opened first)."""
    # The menu title, alone (消息 is not 授权访问消息), perhaps with an unread count: 消息（2）.
    name = re.compile(rf"^{re.escape(title)}(（\d+）)?$")
    link = page.locator("[data-testid='stSidebarNavLink']").get_by_text(name).first
    if page.locator("[data-testid='stSidebar']").get_attribute("data-collapsed") == "true":
        page.locator("[data-testid='stExpandSidebarButton']").click()
        page.locator("[data-testid='stSidebar'][data-collapsed='false']").wait_for(timeout=10000)
        page.wait_for_timeout(400)  # the menu slides in
    link.click()
    wait_idle(page)
    page.locator("h1").filter(has_text=re.compile(rf"^{re.escape(title)}$")).first.wait_for(timeout=20000)
    if is_phone(page):
        # On a phone the menu must close by itself after a choice (issue 16 #3): it would cover the page.
        page.locator("[data-testid='stSidebar'][data-collapsed='true']").wait_for(state="attached", timeout=10000)
        page.wait_for_timeout(400)  # the menu slides out


def reachable(page, locator) -> None:
    """Assert that a control is visible, inside the page's width and can be scrolled to (phone check)."""
    locator.scroll_into_view_if_needed()
    assert locator.is_visible(), f"not visible: {locator}"
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= -1 and box["x"] + box["width"] <= width + 1, f"cut off: {locator} {box}"


def press(page, locator) -> None:
    """Click a button (checking first, on a phone, that it is reachable) and wait for the rerun."""
    if is_phone(page):
        reachable(page, locator)
    locator.click()
    wait_idle(page)


def choose(page, label: str, option, *, scope=None) -> None:
    """Pick `option` (its text, or a compiled pattern) in the select box labelled `label`."""
    box = (scope or page).locator("[data-testid='stSelectbox']:visible").filter(has_text=label).first
    wanted = page.get_by_role("option", name=option, exact=isinstance(option, str))
    for _ in range(3):
        # Scroll first: a list opened at the bottom edge closes again when the page scrolls to show it.
        box.evaluate("(el) => el.scrollIntoView({block: 'center'})")
        box.locator("input").click()
        try:
            wanted.wait_for(timeout=3000)
            break
        except Exception:  # noqa: BLE001
            page.keyboard.press("Escape")
    wanted.click()
    page.wait_for_timeout(150)


def check_phone(page) -> None:
    """On a phone: the page must not scroll sideways."""
    if is_phone(page):
        assert no_horizontal_scroll(page), (
            f"page scrolls sideways: {page.evaluate('document.documentElement.scrollWidth')}px"
        )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def opened_pages(request) -> Iterator[list]:
    """Pages a test opens; when the test fails, each is saved as failed_<test>_<n>.png for diagnosis."""
    pages: list = []
    yield pages
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        name = request.node.name.replace("[", "_").replace("]", "")
        for index, page in enumerate(pages):
            with contextlib.suppress(Exception):  # best effort
                shoot(page, f"failed_{name}_{index}")
