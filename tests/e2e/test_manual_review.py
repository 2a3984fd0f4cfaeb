"""A foreign candidate in a real browser: 护照 goes to manual review, a reviewer approves it, the candidate
sees 认证成功 and the 消息. At desktop size and at phone size; screenshots
artifacts/screenshots/<size>_review_<nn>_<step>.png.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT, choose, open_page, press, ui_login, wait_idle
from tests.e2e.test_season import Camera, new_page, see

CANDIDATE = "13987654321"
CANDIDATE_PASSWORD = "Foreign2026a"
REVIEWER = "reviewer1"
REVIEWER_PASSWORD = "Review2026x"
PASSPORT_NAME = "MARIA GARCIA LOPEZ"
PASSPORT_NUMBER = "PAE1234567"


def document_photos(tmp_path) -> list:
    """Two photos to stand for the passport's pages (any generated photo: a person reviews them)."""
    out = tmp_path / "photos"
    subprocess.run(
        [sys.executable, "-m", "tools.idcard", "--out", str(out), "--count", "2", "--seed", "3"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return sorted(out.glob("*.jpg"))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_foreign_candidate_is_approved_by_a_reviewer(size, browser, portal_factory, tmp_path, opened_pages):
    portal = portal_factory(f"sqlite:///{tmp_path / 'portal.db'}")
    portal.cli("create-user", "--role", "candidate", "--username", CANDIDATE, stdin=CANDIDATE_PASSWORD)
    portal.cli(
        "create-user", "--role", "reviewer", "--username", REVIEWER, "--name", "省级审核员", stdin=REVIEWER_PASSWORD
    )
    front, back = document_photos(tmp_path)
    snap = Camera(f"{size}_review")

    # ------------------------------------------------------------------------------------------ 信息填写: 护照
    candidate = new_page(browser, size, opened_pages)
    ui_login(candidate, portal.url, CANDIDATE, CANDIDATE_PASSWORD)
    open_page(candidate, "实名认证")
    candidate.get_by_label("真实姓名").fill(PASSPORT_NAME)
    choose(candidate, "证件类型", "护照")
    candidate.get_by_label("证件编号").fill(PASSPORT_NUMBER)
    snap(candidate, "fill_in_passport")
    press(candidate, candidate.get_by_role("button", name="下一步"))

    # ------------------------------------------------------------------------------------------ 人工审核: 正反面
    candidate.get_by_role("heading", name="人工审核").wait_for()
    uploads = candidate.locator("[data-testid='stFileUploader'] input[type=file]")
    uploads.nth(0).set_input_files(str(front))
    wait_idle(candidate)
    uploads.nth(1).set_input_files(str(back))
    wait_idle(candidate)
    snap(candidate, "manual_uploads")
    press(candidate, candidate.get_by_role("button", name="提交审核"))
    see(candidate, "已提交人工审核，请等待审核结果。")
    see(candidate, "待认证")
    snap(candidate, "pending")

    # ------------------------------------------------------------------------------------------ 审核员通过
    reviewer = new_page(browser, size, opened_pages)
    ui_login(reviewer, portal.url, REVIEWER, REVIEWER_PASSWORD)
    reviewer.get_by_role("heading", name="待审核实名认证").wait_for()
    snap(reviewer, "reviewer_queue")
    choose(reviewer, "选择要审核的申请", re.compile(r"^#1 .+ · 护照"))  # the name is masked in the list
    press(reviewer, reviewer.get_by_role("button", name="打开并领取"))
    see(reviewer, PASSPORT_NUMBER)  # the opened case shows the full number to the reviewer
    reviewer.locator("[data-testid='stImage']").nth(1).wait_for()  # both pages of the passport
    snap(reviewer, "reviewer_case")
    press(reviewer, reviewer.get_by_role("button", name="通过", exact=True))
    see(reviewer, "申请 #1 已审核通过，已通知考生。")
    see(reviewer, "暂无符合条件的待审核实名认证申请。")
    snap(reviewer, "reviewer_approved")

    # ------------------------------------------------------------------------------------------ 认证成功 and 消息
    open_page(candidate, "实名认证")
    see(candidate, "认证成功：您已完成实名认证。")
    see(candidate, "护照")
    snap(candidate, "verified")
    open_page(candidate, "消息")
    see(candidate, "实名认证审核通过")
    see(candidate, "人工审核通过，现在可以绑定工作单位。")
    snap(candidate, "message")
