"""证件号已被占用申诉 in a real browser: the candidate whose number is taken appeals with three photos, a reviewer
transfers the identity; the earlier account is told and unbound. Screenshots artifacts/screenshots/appeal_*.png.
"""

from __future__ import annotations

import json

from tests.e2e.conftest import open_page, press, ui_login, wait_idle
from tests.e2e.test_manual_review import document_photos
from tests.e2e.test_season import Camera, new_page, see

SET_UP = """
import json
from db.engine import session_scope
from portal.core.settings import get_settings
from db.engine import make_engine
from tests import factories

url = get_settings().database_url
engine = make_engine(url)
with session_scope(engine) as session:
    number = factories.fictional_id_number(42)
    holder = factories.verified_candidate(session, real_name="张三", document_number=number)
    factories.bind(session, holder, factories.unit(session))
    appellant = factories.user(session, "candidate")
    from portal.core.actor import Actor
    actor = Actor.of(appellant)
    from portal.identity import service as identity
    from db.models import IdentityFlag
    from portal.core.crypto import lookup_hash
    identity.fill_in(session, actor=actor, real_name="张三", document_type="resident_id", document_number=number)
    session.add(IdentityFlag(user_id=appellant.id, kind="duplicate_proven", document_number_hash=lookup_hash(number)))
    reviewer = factories.user(session, "reviewer")
    print(json.dumps({"holder": holder.username, "appellant": appellant.username, "reviewer": reviewer.username,
                      "number": number}))
"""


def test_appeal_then_reviewer_transfer(browser, portal_factory, tmp_path, opened_pages):
    from tests import factories

    portal = portal_factory(f"sqlite:///{tmp_path / 'portal.db'}")
    names = json.loads(portal.python(SET_UP).strip().splitlines()[-1])
    front, back = document_photos(tmp_path)
    photos = [front, back, front]  # a person judges them; any photo will do here
    snap = Camera("appeal")

    candidate = new_page(browser, "desktop", opened_pages)
    ui_login(candidate, portal.url, names["appellant"], factories.PASSWORD)
    open_page(candidate, "实名认证")
    see(candidate, "该证件号码已被其他账号实名认证。如您是证件本人")
    uploads = candidate.locator("[data-testid='stFileUploader'] input[type=file]")
    for index, photo in enumerate(photos):
        uploads.nth(index).set_input_files(str(photo))
        wait_idle(candidate)
    candidate.get_by_label("申诉说明").fill("证件曾遗失，本人从未注册其他账号。")
    candidate.get_by_label("申诉说明").blur()
    wait_idle(candidate)
    snap(candidate, "appeal_form")
    press(candidate, candidate.get_by_role("button", name="提交申诉"))
    see(candidate, "已提交申诉，审核结果将通过「消息」通知您。")

    reviewer = new_page(browser, "desktop", opened_pages)
    ui_login(reviewer, portal.url, names["reviewer"], factories.PASSWORD)
    open_page(reviewer, "证件号已被占用申诉")
    reviewer.get_by_role("heading", name="证件号已被占用申诉").wait_for()
    assert names["number"] not in reviewer.content()  # the list is masked
    press(reviewer, reviewer.get_by_role("button", name="打开处理"))
    see(reviewer, "申诉 #1")
    reviewer.get_by_role("heading", name="原认证账号").wait_for()
    wait_idle(reviewer)
    shown = reviewer.get_by_text(names["number"])
    shown.nth(1).wait_for(timeout=20000)
    assert shown.count() == 2  # both accounts side by side, full values while deciding
    reviewer.get_by_label("处理意见（将通知考生）").fill("手持照片与证件一致")
    reviewer.get_by_label("处理意见（将通知考生）").blur()
    wait_idle(reviewer)
    snap(reviewer, "case")
    press(reviewer, reviewer.get_by_role("button", name="申诉成立，转移认证"))
    see(reviewer, "已转移实名认证，原账号的认证已撤销。")

    open_page(candidate, "实名认证")
    see(candidate, "认证成功：您已完成实名认证。")

    holder = new_page(browser, "desktop", opened_pages)
    ui_login(holder, portal.url, names["holder"], factories.PASSWORD)
    open_page(holder, "消息")
    see(holder, "您的实名认证已被撤销")
    see(holder, "工作单位绑定已解除")
    open_page(holder, "工作单位")
    see(holder, "绑定工作单位前，请先完成实名认证。")  # revoked: no longer verified, no longer bound
    assert "单位名称：" not in holder.content()
    snap(holder, "holder_unbound")
