"""The whole season in a real browser, at desktop size and at phone size (390 x 844).

A candidate registers, logs in, fills in 信息填写, uploads a generated ID card photo (with uploads
allowed for the automatic check) and reaches 认证成功, binds the unit with the code its unit_admin
generated; the unit_admin enters the declaration through the forms; the candidate asks for a
correction (信息有误), the unit fixes it, the candidate confirms (确认无误).
Screenshots of every step: artifacts/screenshots/<size>_<nn>_<step>.png.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from portal.unit.codes import fictional_uscc
from tests.e2e.conftest import (
    ARTIFACTS,
    ROOT,
    VIEWPORTS,
    check_phone,
    choose,
    open_page,
    press,
    shoot,
    ui_login,
    wait_idle,
)

CANDIDATE_MOBILE = "13912345678"
CANDIDATE_PASSWORD = "Season2026a"
UNIT_ADMIN = "unitadmin1"
UNIT_PASSWORD = "Unit2026abc"
ADMIN = "ops1"
ADMIN_PASSWORD = "Admin2026x"
UNIT_NAME = "武汉市示范第一人民医院"


class Camera:
    """Numbered screenshots of one test run; on a phone, every shot also checks for sideways scrolling."""

    def __init__(self, size: str):
        self.size = size
        self.count = 0
        for old in ARTIFACTS.glob(f"{size}_[0-9][0-9]_*.png"):
            old.unlink()

    def __call__(self, page, step: str) -> None:
        self.count += 1
        wait_idle(page)
        shoot(page, f"{self.size}_{self.count:02d}_{step}")
        check_phone(page)


def new_page(browser, size: str, opened: list):
    if size == "phone":
        context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    else:
        context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    opened.append(page)
    return page


def generated_card(tmp_path, seed: int) -> dict:
    """A fictional ID card front from the project's generator (`python -m tools.idcard`)."""
    out = tmp_path / "cards"
    subprocess.run(
        [sys.executable, "-m", "tools.idcard", "--out", str(out), "--count", "1", "--seed", str(seed)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    case = json.loads((out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert case["expect"]["decision"] == "verified"
    case["path"] = out / case["front"]
    return case


def set_up(portal, tmp_path) -> str:
    """Data the test is not about, through the command line and the services: a unit, its admin, an exam year."""
    code = fictional_uscc(random.Random(8), "420106")
    units = tmp_path / "units.csv"
    units.write_text(
        f"单位名称,机构编码,主管单位,机构类别,所属地区\n{UNIT_NAME},{code},武汉市卫生健康委员会,医院,420106\n"
    )
    assert "imported 1" in portal.cli("import-units", str(units))
    portal.cli("create-user", "--role", "unit_admin", "--username", UNIT_ADMIN, "--unit", code, stdin=UNIT_PASSWORD)
    portal.cli("create-user", "--role", "admin", "--username", ADMIN, stdin=ADMIN_PASSWORD)
    portal.python(
        f"""
from datetime import timedelta
from db.engine import get_engine, session_scope
from portal.auth import service as auth
from portal.declaration import exam_year
from portal.core.timeutil import today_local
today = today_local()
with session_scope(get_engine()) as session:
    admin = auth.load_actor(session, username={ADMIN!r})
    exam_year.open_exam_year(
        session, actor=admin, year=today.year,
        entry_opens_on=today - timedelta(days=1), entry_closes_on=today + timedelta(days=60),
        confirmation_opens_on=today - timedelta(days=1), confirmation_closes_on=today + timedelta(days=60),
    )
"""
    )
    return code


def expander(page, title: str):
    """The expander whose header contains `title`, opened."""
    box = page.locator("[data-testid='stExpander']").filter(has_text=title).first
    details = box.locator("details")
    if details.get_attribute("open") is None:
        box.locator("summary").click()
        page.wait_for_timeout(300)
    return box


def fill_date(page, scope, label: str, value: str) -> None:
    """Type a YYYY-MM-DD date into a date field (its year, month and day segments take the digits in turn)."""
    scope.locator("[data-testid='stDateInput']").filter(has_text=label).locator("[data-type=year]").click()
    page.keyboard.type(value.replace("-", ""))
    page.keyboard.press("Escape")  # close the calendar, which would cover the fields below


def choose_many(page, scope, label: str, *options: str) -> None:
    box = scope.locator("[data-testid='stMultiSelect']").filter(has_text=label).first
    for option in options:
        box.locator("input").click()
        page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def add_grid_row(page, scope, values: list[str | None]) -> None:
    """Add a row to the editable table in `scope` and type `values` into its cells, left to right.

    The table is drawn on a canvas and starts empty here: click the new row's first cell (below the 35 px
    header), then Enter opens each cell's editor and Tab saves it and moves right (None skips a cell).
    """
    grid = scope.locator("[data-testid='stDataFrame']")
    grid.evaluate("(el) => el.scrollIntoView({block: 'center'})")
    grid.hover()
    # The toolbar floats over the table's top edge, where the table takes the pointer: send the click to it.
    scope.get_by_role("button", name="Add row").dispatch_event("click")
    page.wait_for_timeout(400)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 60, box["y"] + 35 + 17)
    page.wait_for_timeout(300)
    for value in values:
        if value is None:
            page.keyboard.press("ArrowRight")
            continue
        page.keyboard.press("Enter")
        editor = page.locator("#portal textarea, #portal input").first
        editor.wait_for(timeout=5000)
        editor.fill(value)
        editor.press("Tab")
        page.wait_for_timeout(200)


def text(scope, label: str, value: str) -> None:
    scope.locator("[data-testid='stTextInput']").filter(has_text=label).locator("input").fill(value)


def see(page, message: str, timeout: float = 30000) -> None:
    """Wait until `message` is shown (Streamlit may keep a stale, hidden copy of an element for a moment)."""
    page.get_by_text(message).filter(visible=True).first.wait_for(timeout=timeout)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_whole_season(size, browser, portal_factory, tmp_path, opened_pages, monkeypatch):
    # An office that scans cards at a counter: uploads go through the automatic check (the live scanner has
    # its own test, test_card_scanner.py).
    monkeypatch.setenv("PORTAL_ALLOW_UPLOAD_AUTO_CHECK", "1")
    portal = portal_factory(f"sqlite:///{tmp_path / 'portal.db'}")
    set_up(portal, tmp_path)
    card = generated_card(tmp_path, seed=7)
    snap = Camera(size)

    # ------------------------------------------------------------------------------------------ 考生注册
    candidate = new_page(browser, size, opened_pages)
    candidate.goto(portal.url)
    candidate.get_by_label("账号（考生为注册手机号）").wait_for(timeout=30000)
    snap(candidate, "login_page")
    press(candidate, candidate.get_by_role("link", name="没有账号？考生注册"))
    candidate.get_by_role("heading", name="考生注册").wait_for()
    candidate.get_by_label("手机号").fill(CANDIDATE_MOBILE)
    candidate.get_by_label("密码", exact=True).fill(CANDIDATE_PASSWORD)
    candidate.get_by_label("确认密码").fill(CANDIDATE_PASSWORD)
    candidate.get_by_text("我已阅读并同意").click()
    press(candidate, candidate.get_by_role("button", name="注册"))
    see(candidate, "注册成功，请返回登录。")
    snap(candidate, "registered")

    # ------------------------------------------------------------------------------------------ 登录, 信息填写
    ui_login(candidate, portal.url, CANDIDATE_MOBILE, CANDIDATE_PASSWORD)
    see(candidate, "您尚未完成实名认证")
    snap(candidate, "home_unverified")
    press(candidate, candidate.get_by_role("link", name="前往认证").first)
    candidate.get_by_role("heading", name="信息填写").wait_for()
    candidate.get_by_label("真实姓名").fill(card["name"])
    candidate.get_by_label("证件编号").fill(card["id_number"])
    snap(candidate, "fill_in")
    press(candidate, candidate.get_by_role("button", name="下一步"))

    # ------------------------------------------------------------------------------------------ 证件扫描
    candidate.get_by_role("heading", name="证件扫描").wait_for()
    candidate.get_by_text("无法使用摄像头？改为上传照片").click()  # the counter's scanner: a file
    wait_idle(candidate)
    snap(candidate, "scan_upload")
    candidate.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(str(card["path"]))
    see(candidate, "照片清晰，证件完整，可以提交核验。")
    snap(candidate, "scan_preview")
    press(candidate, candidate.get_by_role("button", name="提交核验", exact=True))
    # The first check loads the OCR model into the portal process.
    see(candidate, "身份证核验通过，实名认证成功！", timeout=90000)
    see(candidate, "认证成功：您已完成实名认证。")
    snap(candidate, "verified")

    # ------------------------------------------------------------------------------------------ 单位确认码
    unit = new_page(browser, size, opened_pages)
    ui_login(unit, portal.url, UNIT_ADMIN, UNIT_PASSWORD)
    unit.get_by_role("heading", name="单位确认码").wait_for()
    press(unit, unit.get_by_role("button", name="生成确认码"))
    code = unit.locator("[data-testid='stCode'] code").first.inner_text().strip()
    assert code
    snap(unit, "unit_code")

    # ------------------------------------------------------------------------------------------ 绑定单位
    press(candidate, candidate.get_by_role("link", name="下一步：绑定工作单位"))
    candidate.get_by_role("heading", name="搜索单位").wait_for()
    query = candidate.get_by_role("textbox", name="单位名称")
    query.fill("示范第一")
    query.press("Enter")
    wait_idle(candidate)
    see(candidate, UNIT_NAME)
    candidate.get_by_role("textbox", name="单位确认码").fill(code)
    snap(candidate, "bind_search")
    press(candidate, candidate.get_by_role("button", name="提交"))
    see(candidate, "绑定成功。")
    snap(candidate, "bound")

    # ------------------------------------------------------------------------------------------ 单位填报
    open_page(unit, "申报信息")
    unit.get_by_role("tab", name="逐人填报").click()
    wait_idle(unit)
    exam = expander(unit, "报考信息")
    choose(unit, "报考级别", "执业医师", scope=exam)
    choose(unit, "报考类别", "临床", scope=exam)
    choose(unit, "是否执业助理医师报考执业医师", "否", scope=exam)
    choose(unit, "是否应届生", "是", scope=exam)
    snap(unit, "unit_exam_form")
    press(unit, exam.get_by_role("button", name="保存"))
    see(unit, "报考信息已保存。")

    education = expander(unit, "学历信息")
    for label, option in (("学历层级", "本科"), ("学习形式", "普通全日制"), ("学制", "5"), ("专业类型", "临床医学类")):
        choose(unit, label, option, scope=education)
    fill_date(unit, education, "入学时间", "2020-09-01")
    fill_date(unit, education, "毕业时间", "2025-06-30")
    text(education, "毕业学校", "示范医科大学")
    text(education, "所学专业", "临床医学")
    text(education, "毕业证号", "105231202505001234")
    snap(unit, "unit_education_form")
    press(unit, education.get_by_role("button", name="保存"))
    see(unit, "学历信息已保存。")

    nurse = expander(unit, "护士执业证")
    press(unit, nurse.get_by_role("button", name="标记为“无此信息”"))
    see(unit, "护士执业证已保存。")

    probation = expander(unit, "试用期单位")
    add_grid_row(unit, probation, [UNIT_NAME, "住院医师", "2025-07-15", None, "王明"])
    snap(unit, "unit_probation_form")
    press(unit, probation.get_by_role("button", name="保存"))
    see(unit, "试用期单位（当前工作单位）已保存。")
    see(unit, "必填信息已齐全，等待考生确认。")
    snap(unit, "unit_entered")

    # ------------------------------------------------------------------------------------------ 信息有误
    open_page(candidate, "首页")
    see(candidate, "您有 ")  # 您有 N 条未读消息: the unit's entries are announced
    snap(candidate, "home_messages")
    press(candidate, candidate.get_by_role("link", name="进入").nth(2))  # the 医师资格考试信息确认 card
    see(candidate, "待确认")
    see(candidate, "示范医科大学")
    snap(candidate, "declaration_pending")
    press(candidate, candidate.get_by_role("button", name="信息有误"))
    correction = candidate.locator("[data-testid='stForm']").filter(has_text="有误的信息")
    choose_many(candidate, correction, "有误的信息", "学历信息·毕业学校")
    correction.get_by_role("textbox", name="说明").fill("毕业学校应为湖北示范医学院")
    snap(candidate, "correction_form")
    press(candidate, correction.get_by_role("button", name="提交修改申请"))
    see(candidate, "修改申请已提交")
    see(candidate, "待单位修改")
    snap(candidate, "correction_requested")

    # ------------------------------------------------------------------------------------------ 单位修改
    open_page(unit, "申报信息")
    snap(unit, "unit_sees_correction")
    unit.get_by_role("tab", name="逐人填报").click()
    wait_idle(unit)
    see(unit, "状态： 待单位修改")
    see(unit, "反馈以下信息有误：学历信息·毕业学校")
    education = expander(unit, "学历信息")
    text(education, "毕业学校", "湖北示范医学院")
    press(unit, education.get_by_role("button", name="保存"))
    see(unit, "学历信息已保存。")
    snap(unit, "unit_fixed")

    # ------------------------------------------------------------------------------------------ 确认无误
    open_page(candidate, "医师资格考试信息确认")
    see(candidate, "湖北示范医学院")
    see(candidate, "待确认")
    snap(candidate, "declaration_changed")
    press(candidate, candidate.get_by_role("button", name="确认无误"))
    see(candidate, "已确认：您的申报信息已确认无误。")
    see(candidate, "已确认")
    snap(candidate, "confirmed")

    open_page(unit, "申报信息")
    unit.get_by_role("tab", name="逐人填报").click()
    wait_idle(unit)
    see(unit, "状态： 已确认")
    snap(unit, "unit_sees_confirmed")
