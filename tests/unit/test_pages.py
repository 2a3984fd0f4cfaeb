"""The pages, driven through the real app: the candidate's 工作单位, the unit_admin's pages, review, registration."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.models import UnitBinding, UnitRegistration, User
from portal.core.actor import Actor
from portal.unit import binding as bindings
from portal.unit import confirmation_code
from portal.unit.codes import fictional_uscc
from tests import factories
from tests.app.helpers import assert_no_exception, errors, login, new_app, open_tab, texts


@pytest.fixture
def world(engine):
    """Two units with codes and admins, a verified candidate, and a bound candidate at each unit."""
    with session_scope(engine) as session:
        first = factories.unit(session, name="武汉市第十一示范医院")
        second = factories.unit(session, name="宜昌市示范中医医院")
        admin_first = factories.user(session, "unit_admin", unit=first)
        admin_second = factories.user(session, "unit_admin", unit=second)
        code_first = confirmation_code.rotate_code(session, actor=Actor.of(admin_first))
        code_second = confirmation_code.rotate_code(session, actor=Actor.of(admin_second))
        candidate = factories.verified_candidate(session, real_name="张示范")
        at_first = factories.verified_candidate(session, real_name="甲考生")
        at_second = factories.verified_candidate(session, real_name="乙考生")
        factories.bind(session, at_first, first)
        factories.bind(session, at_second, second)
        return {
            "first": (first.id, code_first),
            "second": (second.id, code_second),
            "candidate": (candidate.id, candidate.username),
            "admin_first": admin_first.username,
            "at_first": at_first.id,
            "at_second": at_second.id,
        }


def open_page(username: str, page: str, password: str = factories.PASSWORD):
    app = login(new_app(), username, password)
    app.switch_page(page)
    app.run()
    assert_no_exception(app)
    return app


def search(app, query: str):
    next(w for w in app.text_input if w.label == "单位名称").input(query)
    app.run()
    assert_no_exception(app)


def submit_code(app, code: str):
    next(w for w in app.text_input if w.label == "单位确认码").input(code)
    next(b for b in app.button if b.label == "提交").click()
    app.run()
    assert_no_exception(app)


def click(app, label: str):
    next(b for b in app.button if b.label == label).click()
    app.run()
    assert_no_exception(app)


def active_unit(engine, candidate_id):
    with session_scope(engine) as session:
        binding = bindings.current_binding(session, candidate_id=candidate_id)
        return binding.unit_id if binding else None


def test_candidate_searches_binds_changes_and_unbinds(engine, world):
    candidate_id, username = world["candidate"]
    first_id, first_code = world["first"]
    second_id, second_code = world["second"]
    app = open_page(username, "pages/candidate/unit.py")
    assert "您尚未绑定工作单位" in texts(app)

    search(app, "不存在的单位")
    assert "机构注册" in texts(app)

    search(app, "whsd")
    assert app.dataframe[0].value["单位名称"].tolist() == ["武汉市第十一示范医院"]
    submit_code(app, "WRONG23456")
    assert any("单位确认码不正确" in e for e in errors(app))
    assert active_unit(engine, candidate_id) is None

    search(app, "whsd")
    submit_code(app, first_code)
    assert "绑定成功" in texts(app)
    assert active_unit(engine, candidate_id) == first_id
    assert "当前工作单位" in texts(app) and "武汉市第十一示范医院" in texts(app)

    click(app, "更新工作单位")
    search(app, "宜昌")
    submit_code(app, second_code)
    assert "工作单位已更换" in texts(app)
    assert active_unit(engine, candidate_id) == second_id

    click(app, "解绑工作单位")
    assert "确定要解除" in texts(app)
    click(app, "确认解绑")
    assert "已解绑工作单位" in texts(app)
    assert active_unit(engine, candidate_id) is None
    with session_scope(engine) as session:
        history = session.scalars(select(UnitBinding).where(UnitBinding.candidate_id == candidate_id)).all()
    assert len(history) == 2


def test_wrong_codes_lock_the_page(engine, world):
    _, username = world["candidate"]
    app = open_page(username, "pages/candidate/unit.py")
    for _ in range(5):
        search(app, "whsd")
        submit_code(app, "WRONG23456")
    assert any("30 分钟" in e for e in errors(app))
    app.run()
    assert any("连续输错 5 次" in e for e in errors(app))
    assert not [w for w in app.text_input if w.label == "单位确认码"]


def test_unverified_candidate_is_sent_to_identity(engine):
    with session_scope(engine) as session:
        username = factories.user(session, "candidate").username
    app = open_page(username, "pages/candidate/unit.py")
    assert "请先完成实名认证" in texts(app)


def test_unit_admin_home_shows_a_new_code_once(engine, world):
    app = open_page(world["admin_first"], "pages/unit/home.py")
    assert "上次更换时间" in texts(app)
    app.checkbox[0].check()
    app.run()
    click(app, "更换确认码")
    assert len(app.code) == 1
    new_code = app.code[0].value
    app.run()
    assert len(app.code) == 0
    # The old code no longer works, the new one does.
    candidate_id, _ = world["candidate"]
    first_id, old_code = world["first"]
    with session_scope(engine) as session:
        actor = Actor.of(session.get(User, candidate_id))
        with pytest.raises(confirmation_code.WrongCode):
            bindings.bind(session, actor=actor, unit_id=first_id, code=old_code)
        bindings.bind(session, actor=actor, unit_id=first_id, code=new_code)


def test_unit_admin_sees_own_candidates_and_ends_a_binding(engine, world):
    app = open_page(world["admin_first"], "pages/unit/candidates.py")
    shown = app.dataframe[0].value
    assert shown["姓名"].tolist() == ["甲考生"]
    assert "乙考生" not in texts(app)
    assert "*" in shown["证件号码"].iloc[0]
    app.selectbox[0].select_index(0)
    app.run()
    next(w for w in app.text_input if w.label == "解除原因").input("已离职")
    next(c for c in app.checkbox if c.label == "确认解除绑定").check()
    click(app, "解除绑定")
    assert "已解除与 甲考生 的绑定" in texts(app)
    assert active_unit(engine, world["at_first"]) is None
    assert active_unit(engine, world["at_second"]) is not None


def test_unit_admin_profile_rename_goes_to_review(engine, world):
    app = open_page(world["admin_first"], "pages/unit/profile.py")
    next(w for w in app.text_input if w.label == "单位名称").input("武汉市第十一示范医院（新）")
    click(app, "保存")
    assert "已提交省级审核员审核" in texts(app)
    reviewer = None
    with session_scope(engine) as session:
        reviewer = factories.user(session, "reviewer").username
    review = open_tab(open_page(reviewer, "pages/reviewer/units.py"), "reviewer_units_tab", "单位名称变更")
    assert "武汉市第十一示范医院（新）" in texts(review)


def test_registration_page_then_reviewer_approves(engine):
    app = new_app("pages/public/unit_registration.py")
    app.run()
    fields = {w.label: w for w in app.text_input}
    fields["单位名称"].input("十堰市示范乡镇卫生院")
    fields["机构编码"].input(fictional_uscc(random.Random(9), "420304"))
    fields["负责人姓名"].input("王负责")
    fields["负责人手机号"].input("13912345678")
    fields["账号"].input("syws_admin")
    fields["密码"].input("Unit2026ok")
    fields["确认密码"].input("Unit2026ok")
    selects = {s.label: s for s in app.selectbox}
    selects["机构类别"].select("基层医疗卫生机构-乡镇卫生院")
    selects["所属地区"].select("420304")
    click(app, "提交注册")
    assert "注册申请已提交" in texts(app), errors(app)

    with session_scope(engine) as session:
        reviewer = factories.user(session, "reviewer").username
    review = open_tab(open_page(reviewer, "pages/reviewer/units.py"), "reviewer_units_tab", "机构注册审核")
    assert "十堰市示范乡镇卫生院" in texts(review)
    click(review, "通过")
    assert "已通过" in texts(review)
    with session_scope(engine) as session:
        registration = session.scalar(select(UnitRegistration))
        assert registration.status == "approved"
    admin_app = open_page("syws_admin", "pages/unit/home.py", "Unit2026ok")
    assert "十堰市示范乡镇卫生院" in texts(admin_app)


def test_admin_import_page_renders(engine):
    with session_scope(engine) as session:
        admin = factories.user(session, "admin").username
    app = open_page(admin, "pages/admin/units_import.py")
    assert "单位导入" in texts(app)
    # Streamlit's English "50MB per file • CSV, XLSX" is hidden; the limits are said in Chinese.
    assert "单个文件不超过 50MB，支持 CSV、XLSX 格式。" in texts(app)
    styles = "".join(element.proto.body for element in app.get("html"))
    assert "[data-testid='stFileUploaderDropzoneInstructions'] { display: none; }" in styles
