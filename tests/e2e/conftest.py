"""Browser tests: the real portal in a subprocess, driven by Playwright in Debian's Chromium.

They need /usr/bin/chromium (Debian package `chromium`); without it they are skipped, except under
CI=true, where `.ci/run` installs it and a missing browser is a failure.
"""

from __future__ import annotations

import os
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

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_portal(database_url: str, data_dir: Path, log_dir: Path) -> Portal:
    """Migrate and start `streamlit run streamlit_app.py` on a free port; wait until healthy."""
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_LOGIN_SLEEP": "0.3",
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
                    return Portal(url, process, log)
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


@pytest.fixture
def portal_factory(tmp_path) -> Iterator:
    """Start portals on the given database URL; all are stopped after the test."""
    started: list[Portal] = []

    def start(database_url: str) -> Portal:
        portal = start_portal(database_url, tmp_path / "data", tmp_path)
        started.append(portal)
        return portal

    yield start
    for portal in started:
        portal.stop()


def shoot(page, name: str) -> None:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


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
    # Right after the first paint the cookie component reruns the script; a click that lands in that
    # rerun can be dropped by Streamlit, so click again (as a person would) if nothing happened.
    for _ in range(3):
        page.get_by_role("button", name="登录").click()
        try:
            logout.wait_for(timeout=10000)
            break
        except Exception:  # noqa: BLE001
            if page.locator("[data-testid='stAlertContentError']").count():
                break
    try:
        logout.wait_for(timeout=5000)
    except Exception:
        shoot(page, f"login_failed_{username}")
        raise
    wait_idle(page)


def no_horizontal_scroll(page) -> bool:
    """True when the page is not wider than the viewport (usable on a phone)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture
def fresh_database(request, tmp_path) -> Iterator[str]:
    """An empty database (never migrated) of the backend named by the test's `backend` parameter."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.conftest import POSTGRES_ADMIN_URL, _postgres_available

    backend = request.node.callspec.params.get("backend", "sqlite") if hasattr(request.node, "callspec") else "sqlite"
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.db'}"
        return
    problem = _postgres_available()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    name = f"portal_e2e_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
