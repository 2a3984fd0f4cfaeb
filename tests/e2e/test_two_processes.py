"""Two portal processes on one PostgreSQL database: a change made through one is seen through the other."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT, shoot, ui_login, wait_idle


@pytest.mark.parametrize("backend", ["postgresql"])
def test_change_through_one_process_is_seen_through_the_other(backend, fresh_database, browser, portal_factory):
    database_url = fresh_database  # an empty PostgreSQL database; both portals share it
    first = portal_factory(database_url)
    second = portal_factory(database_url)
    env = {"PORTAL_DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "-m", "portal", "create-user", "--role", "admin", "--username", "ops1"],
        input="Admin2026x\n",
        text=True,
        cwd=ROOT,
        env={**__import__("os").environ, **env},
        check=True,
        capture_output=True,
    )

    admin_page = browser.new_page(viewport={"width": 1366, "height": 900})
    ui_login(admin_page, first.url, "ops1", "Admin2026x")
    admin_page.get_by_role("tab", name="新建账号").click()
    admin_page.locator("[data-testid='stSelectbox']:visible").click()
    admin_page.get_by_role("option", name="审核员").click()
    admin_page.get_by_label("账号", exact=True).fill("reviewer77")
    admin_page.get_by_label("姓名或名称").fill("第二进程审核员")
    admin_page.get_by_label("初始密码").fill("Review2026x")
    admin_page.get_by_role("button", name="创建").click()
    admin_page.get_by_text("账号已创建。").wait_for(timeout=20000)
    shoot(admin_page, "two_processes_1_created_on_first")

    reviewer_page = browser.new_page(viewport={"width": 1366, "height": 900})
    ui_login(reviewer_page, second.url, "reviewer77", "Review2026x")
    wait_idle(reviewer_page)
    reviewer_page.get_by_text("第二进程审核员").first.wait_for(timeout=20000)
    shoot(reviewer_page, "two_processes_2_logged_in_on_second")

    # And back: after a reload (the login survives through its cookie) the first process lists the account.
    admin_page.reload()
    wait_idle(admin_page)
    admin_page.get_by_label("账号或姓名").fill("reviewer77")
    admin_page.keyboard.press("Enter")
    wait_idle(admin_page)
    # st.dataframe draws on a canvas; the count under the table is text.
    admin_page.get_by_text("共 1 条").first.wait_for(timeout=20000)
    shoot(admin_page, "two_processes_3_seen_again_on_first")
    admin_page.close()
    reviewer_page.close()
