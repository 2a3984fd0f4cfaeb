"""The appeal pages through the real app: the candidate appeals, a reviewer transfers the identity."""

from __future__ import annotations

from sqlalchemy import select

from db.engine import session_scope
from db.models import IdentityVerification, Message, User
from portal.identity import service as identity
from tests import factories
from tests.app.helpers import assert_no_exception, errors, login, new_app, texts
from tests.identity.test_appeal import PHOTO, submit, told_taken

PAGE = "pages/candidate/identity.py"
APPEALS = "pages/reviewer/appeals.py"


def button(app, label: str):
    return next(b for b in app.button if b.label == label)


def open_page(page: str, username: str):
    app = new_app(page)
    app.run()
    login(app, username, factories.PASSWORD)
    assert_no_exception(app)
    return app


def world(engine, *, appealed: bool):
    with session_scope(engine) as session:
        from tests.identity.test_appeal import GENUINE

        holder = factories.verified_candidate(session, real_name=GENUINE["name"], document_number=GENUINE["id_number"])
        factories.bind(session, holder, factories.unit(session))
        appellant = factories.actor(session, "candidate")
        told_taken(session, appellant)
        if appealed:
            submit(session, appellant)
        names = {
            "holder": holder.username,
            "holder_id": holder.id,
            "appellant": session.get(User, appellant.user_id).username,
            "appellant_id": appellant.user_id,
            "reviewer": factories.user(session, "reviewer").username,
        }
    return names


def test_candidate_submits_an_appeal_with_three_photos(engine):
    names = world(engine, appealed=False)
    app = open_page(PAGE, names["appellant"])
    assert "证件号已被占用申诉" in [e.label for e in app.expander]
    labels = [u.label for u in app.file_uploader]
    assert labels[:3] == ["身份证人像面照片", "身份证国徽面照片", "手持身份证照片"]
    button(app, "提交申诉").click()  # nothing uploaded yet
    app.run()
    assert_no_exception(app)
    assert any("请上传身份证人像面" in e for e in errors(app)), errors(app)
    for index in range(3):
        app.file_uploader[index].upload(f"p{index}.jpg", PHOTO, "image/jpeg")
    next(t for t in app.text_area if t.label == "申诉说明").input("证件曾遗失，本人从未注册其他账号。")
    button(app, "提交申诉").click()
    app.run()
    assert_no_exception(app)
    assert "已提交申诉" in texts(app)
    assert "证件号已被占用申诉" in texts(app) and "待审核" in texts(app)
    assert "提交申诉" not in [b.label for b in app.button]


def test_reviewer_transfers_the_identity(engine):
    names = world(engine, appealed=True)
    app = open_page(APPEALS, names["reviewer"])
    assert app.title[0].value == "证件号已被占用申诉"
    from tests.identity.test_appeal import GENUINE

    assert GENUINE["id_number"] not in texts(app)  # the list is masked
    frame = app.dataframe[0].value
    assert list(frame["申诉账号"]) == [names["appellant"]] and GENUINE["id_number"] not in frame.to_string()
    button(app, "打开处理").click()
    app.run()
    assert_no_exception(app)
    shown = "\n".join(t.value for t in app.text)
    assert shown.count(GENUINE["id_number"]) == 2 and names["holder"] in shown
    button(app, "申诉成立，转移认证").click()  # no reason yet
    app.run()
    assert "请填写处理原因" in "\n".join(errors(app))
    next(t for t in app.text_area if t.label.startswith("处理意见")).input("手持照片与证件一致")
    button(app, "申诉成立，转移认证").click()
    app.run()
    assert_no_exception(app)
    assert "已转移实名认证" in texts(app)
    with session_scope(engine) as session:
        assert identity.status_of(session, user_id=names["appellant_id"]) == "verified"
        statuses = session.scalars(
            select(IdentityVerification.status).where(IdentityVerification.user_id == names["holder_id"])
        ).all()
        assert statuses == ["revoked"]
        assert (
            session.scalar(
                select(Message.title).where(Message.user_id == names["holder_id"]).order_by(Message.id.desc())
            )
            == "您的实名认证已被撤销"
        )
