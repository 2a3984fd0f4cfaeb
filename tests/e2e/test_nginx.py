"""deploy/nginx.conf for real: Debian's nginx on loopback in front of two portal processes on one PostgreSQL database.

The recipe is rendered into a temporary folder with test ports (no TLS, listen on a free loopback port, the two
portals as the upstream, pid/log/temp paths in the folder); its sticky-session maps, upstream hash and websocket
upgrade directives are kept as they are. An access log with `$upstream_addr` shows which process served each request.
"""

from __future__ import annotations

import os
import time

import pytest

from tests.e2e.conftest import shoot, start_portal, ui_login, wait_idle, warm_up
from tools.load import nginx
from tools.load.nginx import upstreams_for, websocket_upgrades


def require_nginx() -> None:
    if nginx.available():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"nginx not found at {nginx.NGINX}; make system-deps installs it")
    pytest.skip(f"nginx not found at {nginx.NGINX} (apt-get install nginx)")


def node_cookie(context) -> str:
    values = [cookie["value"] for cookie in context.cookies() if cookie["name"] == "portal_node"]
    assert values, "nginx did not give the browser a portal_node cookie"
    return values[0]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_nginx_recipe_in_front_of_two_processes(backend, fresh_database, browser, tmp_path):
    require_nginx()
    database_url = fresh_database
    portals = []
    proxy = None
    try:
        for _ in range(2):
            portal = start_portal(database_url, tmp_path / "data", tmp_path)
            portals.append(portal)
            warm_up(browser, portal)
        addresses = [portal.url.removeprefix("http://") for portal in portals]
        proxy = nginx.start(tmp_path / "nginx", addresses)  # checks the rendered recipe with `nginx -t` first
        url = proxy.url
        access_log = proxy.access_log
        portals[0].cli("create-user", "--role", "admin", "--username", "ops1", stdin="Admin2026x\n")

        # Log in through nginx: the page works only when the websocket upgrade of /_stcore/stream goes through.
        admin_context = browser.new_context(viewport={"width": 1366, "height": 900})
        admin_page = admin_context.new_page()
        ui_login(admin_page, url, "ops1", "Admin2026x")
        admin_node = node_cookie(admin_context)

        # The account is created through the admin's process ...
        admin_page.get_by_role("tab", name="新建账号").click()
        admin_page.locator("[data-testid='stSelectbox']:visible").click()
        admin_page.get_by_role("option", name="审核员").click()
        admin_page.get_by_label("账号", exact=True).fill("reviewer77")
        admin_page.get_by_label("姓名或名称").fill("经由nginx的审核员")
        admin_page.get_by_label("初始密码").fill("Review2026x")
        admin_page.get_by_role("button", name="创建").click()
        admin_page.get_by_text("账号已创建。").wait_for(timeout=20000)
        shoot(admin_page, "nginx_1_created_through_nginx")
        admin_upstreams = upstreams_for(access_log, admin_node)
        assert len(admin_upstreams) == 1, f"the admin's browser was served by {admin_upstreams}"
        admin_upstream = admin_upstreams.pop()

        # ... and seen by a reviewer whose browser nginx sends to the other process. The cookie decides the
        # process (consistent hash), so new browsers are opened until one lands on the other process.
        reviewer_context = None
        for _ in range(12):
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            page = context.new_page()
            page.goto(f"{url}/_stcore/health")
            node = node_cookie(context)
            if upstreams_for(access_log, node) - {admin_upstream}:
                reviewer_context, reviewer_page = context, page
                break
            context.close()
        assert reviewer_context is not None, "no new browser was sent to the second process"
        ui_login(reviewer_page, url, "reviewer77", "Review2026x")
        reviewer_page.get_by_text("经由nginx的审核员").first.wait_for(timeout=20000)
        reviewer_node = node_cookie(reviewer_context)
        reviewer_upstreams = upstreams_for(access_log, reviewer_node)
        assert len(reviewer_upstreams) == 1 and admin_upstream not in reviewer_upstreams, reviewer_upstreams
        shoot(reviewer_page, "nginx_2_seen_through_the_other_process")

        # nginx logs a websocket when it closes: the admin's went through the upgrade (101), and all of the
        # admin's requests, websocket included, stayed on one process (sticky cookie).
        admin_context.close()
        reviewer_context.close()
        time.sleep(1)
        assert websocket_upgrades(access_log, admin_node), "no upgraded /_stcore/stream for the admin"
        assert upstreams_for(access_log, admin_node) == {admin_upstream}
        assert websocket_upgrades(access_log, reviewer_node) == reviewer_upstreams

        # Killing the admin's process: new sessions go to the one left, and log in fine.
        survivor = next(address for address in addresses if address != admin_upstream)
        dead = portals[addresses.index(admin_upstream)]
        dead.process.kill()
        dead.process.wait(timeout=10)
        for attempt in range(3):
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            page = context.new_page()
            ui_login(page, url, "ops1", "Admin2026x")
            wait_idle(page)
            shoot(page, f"nginx_3_logged_in_after_kill_{attempt}")
            node = node_cookie(context)
            context.close()
            time.sleep(1)
            served = websocket_upgrades(access_log, node)
            assert served == {survivor}, f"new session {attempt} after the kill: websocket served by {served}"
    finally:
        if proxy is not None:
            proxy.stop()
        for portal in portals:
            portal.stop()
