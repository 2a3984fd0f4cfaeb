"""个人信息 and 我的地址 pages, driven through the real app."""

from __future__ import annotations

from sqlalchemy import select

from db.engine import session_scope
from db.models import Address, User
from pages.components.ui import plain
from tests import factories
from tests.app.helpers import assert_no_exception, errors, login, new_app, texts

PROFILE = "pages/candidate/profile.py"
ADDRESSES = "pages/candidate/addresses.py"


def open_page(username: str, page: str):
    app = login(new_app(), username, factories.PASSWORD)
    app.switch_page(page)
    app.run()
    assert_no_exception(app)
    return app


def button(app, label: str):
    return next(b for b in app.button if b.label == label)


def open_box(app, key: str):
    """A click on the header of a lazy expander of the page (its form is built only while open)."""
    app.session_state[key] = True
    app.run()
    assert_no_exception(app)


def text_input(app, label: str):
    return next(w for w in app.text_input if w.label == label)


def submit(app, label: str):
    button(app, label).click()
    app.run()
    assert_no_exception(app)
    return app


def verified(engine) -> tuple[int, str]:
    with session_scope(engine) as session:
        user = factories.verified_candidate(session, real_name="欧阳明华", document_number="420106199503150012")
        return user.id, user.username


# ----------------------------------------------------------------------------------------- 个人信息


def test_profile_shows_masked_verified_facts_and_how_to_change_them(engine):
    _user_id, username = verified(engine)
    app = open_page(username, PROFILE)
    shown = texts(app)
    assert app.title[0].value == "个人信息"
    # masked values shown as typed: their asterisks escaped, or markdown would slant the lines around them
    assert plain("欧**华") in shown and "欧阳明华" not in shown and "**真实姓名**：欧**" not in shown
    assert plain("4201**********0012") in shown
    assert "420106199503150012" not in shown
    assert "1995-03-15" in shown and "**性别**：男" in shown
    assert "撤回认证后重新认证" in shown
    assert "手机号就是您的登录账号" not in shown and not app.text_input, "no form is built while its box is closed"
    assert [e.label for e in app.expander] == ["修改手机号", "修改电子邮箱", "修改密码"]
    open_box(app, "profile_mobile_open")
    assert "手机号就是您的登录账号" in texts(app)
    assert [w.label for w in app.text_input] == ["新手机号", "登录密码（确认身份）"]


def test_profile_email_is_validated_then_saved(engine):
    user_id, username = verified(engine)
    app = open_page(username, PROFILE)
    open_box(app, "profile_email_open")
    text_input(app, "电子邮箱（可不填）").input("zhang@@example")
    submit(app, "保存邮箱")
    assert any("电子邮箱格式不正确" in e for e in errors(app))
    text_input(app, "电子邮箱（可不填）").input("zhang@example.com")
    submit(app, "保存邮箱")
    assert "电子邮箱已保存。" in texts(app) and f"**电子邮箱**：{plain('zhang@example.com')}" in texts(app)
    with session_scope(engine) as session:
        assert session.get(User, user_id).email == "zhang@example.com"


def test_changing_the_mobile_needs_the_password_and_changes_the_login(engine):
    user_id, username = verified(engine)
    app = open_page(username, PROFILE)
    open_box(app, "profile_mobile_open")
    text_input(app, "新手机号").input("13566667777")
    text_input(app, "登录密码（确认身份）").input("wrong-pass1")
    submit(app, "修改手机号")
    assert any("密码不正确" in e for e in errors(app))

    text_input(app, "新手机号").input("13566667777")
    text_input(app, "登录密码（确认身份）").input(factories.PASSWORD)
    submit(app, "修改手机号")
    assert "登录账号已改为 13566667777" in texts(app)
    assert [b for b in app.button if b.label == "登录"], "the login form is shown again"
    with session_scope(engine) as session:
        assert session.get(User, user_id).username == "13566667777"

    again = login(new_app(), "13566667777", factories.PASSWORD)
    assert_no_exception(again)
    assert again.session_state["authentication_status"]
    old = login(new_app(), username, factories.PASSWORD)
    assert errors(old) and errors(old)[0].startswith("账号或密码错误")


def test_change_of_password_on_the_profile_page(engine):
    _user_id, username = verified(engine)
    app = open_page(username, PROFILE)
    open_box(app, "profile_password_open")
    text_input(app, "原密码").input(factories.PASSWORD)
    text_input(app, "新密码").input("Another123")
    text_input(app, "确认新密码").input("Another124")
    submit(app, "修改密码")
    assert any("不一致" in e for e in errors(app))
    text_input(app, "原密码").input(factories.PASSWORD)
    text_input(app, "新密码").input("Another123")
    text_input(app, "确认新密码").input("Another123")
    submit(app, "修改密码")
    assert "密码已修改" in texts(app)
    assert login(new_app(), username, "Another123").session_state["authentication_status"]


def test_unverified_candidate_sees_no_identity_facts(engine):
    with session_scope(engine) as session:
        username = factories.user(session, "candidate").username
    app = open_page(username, PROFILE)
    assert "未认证" in texts(app)
    assert "完成实名认证后" in texts(app)


# ----------------------------------------------------------------------------------------- 我的地址


def fill_address(app, *, province="420000", city="420100", county="420106", phone="13912345678", recipient="张三"):
    submit(app, "新增地址")
    app.selectbox(key="addr_province").set_value(province)
    app.run()
    if city:
        app.selectbox(key=f"addr_city_{province}").set_value(city)
        app.run()
    if county:
        app.selectbox(key=f"addr_county_{city}").set_value(county)
        app.run()
    app.text_area(key="addr_detail").input("中山路 100 号 3 栋 201 室")
    app.text_input(key="addr_recipient").input(recipient)
    app.text_input(key="addr_phone").input(phone)
    return submit(app, "保存地址")


def saved(engine, user_id: int) -> list[tuple[str, bool]]:
    with session_scope(engine) as session:
        rows = session.scalars(select(Address).where(Address.user_id == user_id).order_by(Address.id))
        return [(row.recipient, row.is_default) for row in rows]


def test_addresses_add_with_dependent_lists_then_default_and_delete(engine):
    user_id, username = verified(engine)
    app = open_page(username, ADDRESSES)
    assert "您还没有保存地址" in texts(app)
    assert app.selectbox == [] or all(s.key != "addr_province" for s in app.selectbox)

    fill_address(app, phone="12345")
    assert any("联系电话格式不正确" in e for e in errors(app))
    assert saved(engine, user_id) == []

    app.text_input(key="addr_phone").input("13912345678")
    submit(app, "保存地址")
    assert "地址已保存。" in texts(app)
    assert "湖北省武汉市武昌区中山路 100 号 3 栋 201 室" in texts(app)
    assert saved(engine, user_id) == [("张三", True)]

    fill_address(app, recipient="李四", province="110000", city="110100", county="110105")
    assert saved(engine, user_id) == [("张三", True), ("李四", False)]
    assert "北京市朝阳区中山路" in texts(app)

    submit(app, "设为默认")
    assert saved(engine, user_id) == [("张三", False), ("李四", True)]

    delete = [b for b in app.button if b.label == "确认删除"][0]  # the default (listed first)
    delete.click()
    app.run()
    assert_no_exception(app)
    assert saved(engine, user_id) == [("张三", True)]
    assert "地址已删除。" in texts(app)


def test_address_needs_a_county_of_the_chosen_city(engine):
    user_id, username = verified(engine)
    app = open_page(username, ADDRESSES)
    fill_address(app, county=None)
    assert any("请选择区县" in e for e in errors(app))
    assert saved(engine, user_id) == []


def test_editing_an_address_prefills_the_form(engine):
    user_id, username = verified(engine)
    app = open_page(username, ADDRESSES)
    fill_address(app)
    submit(app, "编辑")
    assert app.text_input(key="addr_recipient").value == "张三"
    assert app.selectbox(key="addr_county_420100").value == "420106"
    app.text_input(key="addr_recipient").input("")
    submit(app, "保存地址")
    assert any("请填写收件人" in e for e in errors(app))
    app.text_input(key="addr_recipient").input("王五")
    submit(app, "保存地址")
    assert saved(engine, user_id) == [("王五", True)]
