"""证件扫描 with a fake camera: Chromium plays a Y4M video made from a generated card photo.

A good video (empty desk, then the card inside the outline): the outline shows, the hint changes from
请将身份证人像面置于框内 to a good frame, the shot is taken automatically, 提交核验 verifies the candidate — at
phone size and desktop size. A dark and a blurry video show their hint and never take the shot. A browser
without a camera explains how to allow one and offers manual review.
Screenshots: artifacts/screenshots/scanner_<size>_<nn>_<state>.png.
"""

from __future__ import annotations

import contextlib

import pytest

from tests.e2e import fake_camera
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORTS, open_page, press, shoot, ui_login
from tests.e2e.test_season import see

CANDIDATE = "13911112222"
PASSWORD = "Scanner2026a"
SEED = 11


@contextlib.contextmanager
def camera_browser(browser, video):
    """Another Chromium whose only camera plays `video` (permission granted, no prompt)."""
    fake = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        yield fake
    finally:
        fake.close()


def new_page(browser, size: str, opened: list):
    if size == "phone":
        context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    else:
        context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    opened.append(page)
    return page


def to_scan_step(page, portal, card) -> None:
    ui_login(page, portal.url, CANDIDATE, PASSWORD)
    try:
        open_page(page, "实名认证")
    except Exception:  # noqa: BLE001 - on a loaded machine the first menu click can be lost in a rerun
        open_page(page, "实名认证")
    page.get_by_label("真实姓名").fill(card.name)
    page.get_by_label("证件编号").fill(card.id_number)
    press(page, page.get_by_role("button", name="下一步"))
    page.get_by_role("heading", name="证件扫描").wait_for()


def no_english(page) -> None:
    """No Latin words on the scanner (Streamlit's camera widget said Take Photo / Clear photo)."""
    text = page.locator(".cs").inner_text()
    assert not any(ch.isascii() and ch.isalpha() for ch in text), text
    assert page.get_by_text("Take Photo").count() == 0 and page.get_by_text("Clear photo").count() == 0


@pytest.fixture
def candidate_portal(portal_factory, tmp_path):
    portal = portal_factory(f"sqlite:///{tmp_path / 'portal.db'}")
    portal.cli("create-user", "--role", "candidate", "--username", CANDIDATE, stdin=PASSWORD)
    return portal


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_steady_card_is_captured_and_verified(size, browser, candidate_portal, tmp_path, opened_pages):
    card = fake_camera.new_card(SEED)
    good = fake_camera.card_on_desk(card, SEED)
    video = fake_camera.write_y4m(tmp_path / "good.y4m", [(fake_camera.desk(SEED), 20), (good, 30)])
    name = f"scanner_{size}"
    with camera_browser(browser, video) as chromium:
        page = new_page(chromium, size, opened_pages)
        to_scan_step(page, candidate_portal, card)
        outline = page.locator(".cs-outline")
        outline.wait_for(state="visible", timeout=20000)
        page.locator(".cs-hint[data-state='empty']").wait_for(timeout=20000)
        see(page, "请将身份证人像面置于框内")
        shoot(page, f"{name}_01_outline")
        no_english(page)
        page.locator(".cs-hint[data-state='good']").wait_for(timeout=30000)
        page.screenshot(path=str(shot_path(f"{name}_02_good_frame")))
        still = page.locator(".cs-still")
        still.wait_for(state="visible", timeout=10000)
        assert page.locator(".cs").get_attribute("data-auto") == "1"  # taken automatically
        page.locator(".cs-still[src^='blob:']").wait_for(timeout=10000)
        see(page, "已拍摄，请确认照片清晰、完整后提交核验")
        assert page.get_by_role("button", name="重拍").is_visible()
        shoot(page, f"{name}_03_captured")
        no_english(page)
        page.get_by_role("button", name="提交核验").click()
        see(page, "身份证核验通过，实名认证成功！", timeout=120000)
        see(page, "认证成功：您已完成实名认证。")
        shoot(page, f"{name}_04_verified")


@pytest.mark.parametrize("kind", ["dark", "blurry"])
def test_a_bad_video_shows_its_hint_and_never_captures(kind, browser, candidate_portal, tmp_path, opened_pages):
    card = fake_camera.new_card(SEED)
    good = fake_camera.card_on_desk(card, SEED)
    frame = fake_camera.darkened(good) if kind == "dark" else fake_camera.blurred(good)
    video = fake_camera.write_y4m(tmp_path / f"{kind}.y4m", [(frame, 10)])
    hint = {"dark": "光线太暗，请到明亮处拍摄", "blurry": "画面模糊，请保持手机稳定并对焦"}[kind]
    with camera_browser(browser, video) as chromium:
        page = new_page(chromium, "desktop", opened_pages)
        to_scan_step(page, candidate_portal, card)
        page.locator(f".cs-hint[data-state='{kind}']").wait_for(timeout=30000)
        see(page, hint)
        page.wait_for_timeout(4000)  # four times as long as a good frame needs
        assert page.locator(".cs").get_attribute("data-mode") == "live"
        assert page.locator(".cs-still").is_hidden()
        assert page.locator(".cs-hint").get_attribute("data-state") == kind
        shoot(page, f"scanner_{kind}_never_captured")
        no_english(page)


def test_without_a_camera_the_page_explains_and_offers_manual_review(browser, candidate_portal, opened_pages):
    card = fake_camera.new_card(SEED)
    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    page = context.new_page()
    opened_pages.append(page)
    to_scan_step(page, candidate_portal, card)
    page.locator(".cs-nocamera").wait_for(state="visible", timeout=20000)
    see(page, "无法使用摄像头")
    shoot(page, "scanner_no_camera")
    no_english(page)
    press(page, page.get_by_role("button", name="改为人工审核（上传照片）"))
    page.get_by_role("heading", name="人工审核").wait_for(timeout=20000)
    shoot(page, "scanner_no_camera_manual")


def shot_path(name: str):
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"
