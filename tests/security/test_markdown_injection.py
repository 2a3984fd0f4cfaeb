"""User text is shown as text: markdown, HTML, colours and formulas typed into names, reasons, notes, addresses,
declaration fields and messages are never rendered (issue 15, finding 8).

Hostile values are seeded straight into the database (as an import, an older release or a bypassed check could
leave them) and every page that shows them is run with AppTest. Every element whose text Streamlit renders as
markdown (markdown, captions, titles and headers, alerts, toasts, metric/widget/expander/tab labels, help texts,
radio and segmented-control options) is collected by walking the whole element tree, and none may hold the
hostile syntax unescaped: no `](http`, `<img`, `:red[伪造` or `$x$` that is not preceded by a backslash, and no
`http://` or `@evil` that GFM would turn into a link by itself.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from db.engine import session_scope
from db.models import (
    Address,
    CorrectionRequest,
    DeclarationEducation,
    IdentityVerification,
    UnitBinding,
    UnitNameChange,
    UnitRegistration,
    User,
)
from portal.access import service as access
from portal.audit import service as audit
from portal.core.actor import Actor
from portal.core.crypto import encrypt_text, lookup_hash, mask
from portal.core.timeutil import utcnow
from portal.declaration.confirmation import request_correction
from portal.message import service as messages
from portal.unit.codes import fictional_uscc
from portal.unit.importer import ImportResult
from tests import factories
from tests.app.helpers import assert_no_exception, login, new_app, open_tab
from tests.declaration.conftest import YEAR, fill, open_year

HOSTILE = "![x](http://evil.example/a.png)[点此](http://evil.example)<img src=x>:red[伪造]$x$ 联系mail@evil.example"
SHORT = "[点此](http://evil.example)<img src=x>:red[伪造]$x$"  # for 64-character columns
TINY = "<img src=x>:red[伪造]"  # for 20-character columns
# The hostile syntax, where it would still work: not escaped by a backslash, autolinks not broken.
UNESCAPED = re.compile(r"(?<!\\)\]\(\s*http|(?<!\\)<img|(?<!\\):red\[伪造|(?<!\\)\$x\$|https?://|@evil")
MARKER = re.compile(r"evil\.example|伪造")

# Elements whose text Streamlit shows as it is (no markdown): not checked.
AS_IS = {"text", "code", "dataframe", "arrow_data_frame", "table", "json", "exception"}
# Elements whose options are rendered as markdown (a select box's options are not).
MARKDOWN_OPTIONS = {"radio", "button_group"}


def rendered_markdown(app) -> list[tuple[str, str]]:
    """(element type, text) of every piece of text of the page that Streamlit renders as markdown."""
    found: list[tuple[str, str]] = []

    def walk(node) -> None:
        kind = getattr(node, "type", "") or ""
        proto = getattr(node, "proto", None)
        if kind not in AS_IS and proto is not None and hasattr(proto, "DESCRIPTOR"):
            fields = proto.DESCRIPTOR.fields_by_name
            for name in ("body", "label", "help", "caption"):
                if name in fields and isinstance(getattr(proto, name), str):
                    found.append((f"{kind}.{name}", getattr(proto, name)))
            if kind in MARKDOWN_OPTIONS and "options" in fields:
                for option in proto.options:
                    found.append((f"{kind}.option", option if isinstance(option, str) else option.content))
            if "captions" in fields:
                found.extend((f"{kind}.caption", caption) for caption in proto.captions)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(app._tree)
    return found


def table_texts(app) -> str:
    return "\n".join(frame.value.to_string() for frame in app.dataframe)


def assert_shown_as_text(app, *, shown_in: str | None) -> None:
    """No hostile syntax would render; the hostile value is on the page (in markdown, or in a table)."""
    assert_no_exception(app)
    pieces = rendered_markdown(app)
    live = [(kind, text) for kind, text in pieces if UNESCAPED.search(text)]
    assert not live, live
    if shown_in == "markdown":
        assert any(MARKER.search(text) for _, text in pieces), "the page shows none of the hostile values"
    elif shown_in == "table":
        assert MARKER.search(table_texts(app)), "no table shows the hostile values"


@pytest.fixture
def world(engine):
    """Hostile text in every kind of user text, each where a page shows it."""
    with session_scope(engine) as session:
        open_year(session)
        unit = factories.unit(session, name=HOSTILE)
        unit.superior_unit = HOSTILE
        earlier = factories.unit(session, name="前单位" + SHORT)
        admin = factories.user(session, "unit_admin", unit=unit)
        reviewer = factories.user(session, "reviewer")
        site_admin = factories.user(session, "admin")

        # A verified candidate bound to the unit, earlier bound elsewhere (ended with a reason).
        candidate = factories.verified_candidate(session, real_name=SHORT)
        session.add(
            UnitBinding(
                candidate_id=candidate.id,
                unit_id=earlier.id,
                created_at=utcnow() - timedelta(days=30),
                ended_at=utcnow() - timedelta(days=1),
                end_reason=HOSTILE,
            )
        )
        session.flush()
        factories.bind(session, candidate, unit)
        session.add(
            Address(
                user_id=candidate.id,
                recipient=SHORT,
                phone=TINY,
                province_code="420000",
                detail=HOSTILE,
                postal_code="430000",
                is_default=True,
            )
        )
        messages.send(session, user_id=candidate.id, title=HOSTILE, body=f"{HOSTILE}\n# 第二行\n- {HOSTILE}")
        access.record(session, actor=Actor.of(admin), candidate_id=candidate.id, section="identity")

        # Declaration data entered by the unit, with a candidate's correction note.
        fill(session, Actor.of(admin), candidate.id)
        session.execute(update(DeclarationEducation).values(school=SHORT, major=SHORT))
        request_correction(session, actor=Actor.of(candidate), year=YEAR, fields=["education.school"], note="见说明")
        session.execute(update(CorrectionRequest).values(note=HOSTILE))

        # A candidate whose manual review was rejected with a reason.
        rejected = factories.verified_candidate(session, real_name=SHORT)
        session.execute(
            update(IdentityVerification)
            .where(IdentityVerification.user_id == rejected.id)
            .values(status="rejected", method="manual_id_card", decision_reason=HOSTILE)
        )
        # A candidate not yet bound (searches units), and a case waiting for manual review.
        searching = factories.verified_candidate(session, real_name="搜索考生")
        waiting = factories.user(session, "candidate")
        session.add(
            IdentityVerification(
                user_id=waiting.id,
                real_name=SHORT,
                document_type="passport",
                document_number_enc=encrypt_text("E12345678"),
                document_number_hash=lookup_hash("E12345678"),
                document_number_masked=mask("E12345678"),
                method="manual_other",
                status="pending",
                submitted_at=utcnow(),
            )
        )
        session.flush()
        case_id = session.scalar(select(IdentityVerification.id).where(IdentityVerification.user_id == waiting.id))

        # What reviewers decide: a 机构注册 and a renaming.
        session.add(
            UnitRegistration(
                name=HOSTILE,
                institution_code=fictional_uscc(random.Random(99), "420106"),
                superior_unit=HOSTILE,
                category="医院",
                region_code="420106",
                contact_name=SHORT,
                contact_mobile=TINY,
            )
        )
        session.add(UnitNameChange(unit_id=unit.id, old_name=HOSTILE, new_name="新" + HOSTILE, requested_by=admin.id))
        audit.record(session, actor=Actor.of(site_admin), action="unit.update", object_type="unit", summary=HOSTILE)
        session.execute(update(User).values(display_name=SHORT))  # the sidebar shows it on every page
        session.flush()
        return {
            "candidate": candidate.username,
            "rejected": rejected.username,
            "searching": searching.username,
            "unit_admin": admin.username,
            "reviewer": reviewer.username,
            "admin": site_admin.username,
            "case_id": case_id,
            "binding_id": session.scalar(
                select(UnitBinding.id).where(UnitBinding.candidate_id == candidate.id, UnitBinding.ended_at.is_(None))
            ),
        }


def open_page(username: str, page: str):
    app = login(new_app(), username, factories.PASSWORD)
    assert_no_exception(app)
    app.switch_page(page)
    app.run()
    assert_no_exception(app)
    return app


def button(app, label: str):
    return next(b for b in app.button if b.label == label)


# (who, page, where the page shows the hostile values)
PAGES = [
    ("candidate", "pages/candidate/home.py", "markdown"),  # the sidebar's name
    ("candidate", "pages/candidate/unit.py", "markdown"),
    ("candidate", "pages/candidate/declaration.py", "markdown"),
    ("candidate", "pages/candidate/identity.py", "markdown"),
    ("candidate", "pages/candidate/addresses.py", "markdown"),
    ("candidate", "pages/candidate/profile.py", "markdown"),
    ("candidate", "pages/candidate/access_log.py", "markdown"),
    ("candidate", "pages/common/messages.py", "markdown"),
    ("rejected", "pages/candidate/home.py", "markdown"),
    ("rejected", "pages/candidate/identity.py", "markdown"),
    ("unit_admin", "pages/unit/home.py", "markdown"),
    ("unit_admin", "pages/unit/profile.py", "markdown"),
    ("unit_admin", "pages/unit/declarations.py", "markdown"),
    ("unit_admin", "pages/common/messages.py", "markdown"),
    ("reviewer", "pages/reviewer/units.py", "markdown"),
    ("reviewer", "pages/reviewer/unconfirmed.py", "markdown"),
    ("reviewer", "pages/reviewer/appeals.py", "markdown"),
    ("admin", "pages/admin/accounts.py", "table"),
    ("admin", "pages/admin/audit.py", "table"),
]


@pytest.mark.parametrize(("who", "page", "shown_in"), PAGES, ids=[f"{w}:{p.split('/')[-1]}" for w, p, _ in PAGES])
def test_hostile_text_is_shown_literally(world, who, page, shown_in):
    app = open_page(world[who], page)
    assert_shown_as_text(app, shown_in=shown_in)
    if page in LAZY_TABS:  # only the open tab runs: every other tab is looked at too
        for label in [tab.label for tab in app.tabs][1:]:
            open_tab(app, LAZY_TABS[page], label)
            assert_shown_as_text(app, shown_in=None)


LAZY_TABS = {
    "pages/unit/declarations.py": "declaration_tab",
    "pages/reviewer/units.py": "reviewer_units_tab",
    "pages/reviewer/unconfirmed.py": "unconfirmed_tab",
    "pages/admin/accounts.py": "accounts_tab",
}


def test_unit_search_options_are_shown_literally(world):
    """The radio of found units renders its options as markdown."""
    app = open_page(world["searching"], "pages/candidate/unit.py")
    next(w for w in app.text_input if w.label == "单位名称").input("伪造")
    app.run()
    assert app.radio, "the search found the unit"
    assert_shown_as_text(app, shown_in="markdown")


def test_unit_candidate_detail_is_shown_literally(world):
    app = open_page(world["unit_admin"], "pages/unit/candidates.py")
    next(s for s in app.selectbox if s.label == "选择考生").set_value(world["binding_id"])
    app.run()
    button(app, "查看详情").click()
    app.run()
    assert_shown_as_text(app, shown_in="markdown")


def test_review_case_is_shown_literally(world):
    app = open_page(world["reviewer"], "pages/reviewer/verifications.py")
    next(s for s in app.selectbox if s.label == "选择要审核的申请").set_value(world["case_id"])
    app.run()
    button(app, "打开并领取").click()
    app.run()
    assert "E12345678" in "".join(text for _, text in rendered_markdown(app)), "the case is open"
    assert_shown_as_text(app, shown_in="markdown")


def test_imported_file_name_is_shown_literally(world):
    app = open_page(world["admin"], "pages/admin/units_import.py")
    app.session_state["units_import_result"] = (f"{HOSTILE}.csv", ImportResult(imported=1, total_rows=1))
    app.run()
    assert_shown_as_text(app, shown_in="markdown")


def test_the_markers_would_catch_raw_values():
    """The check itself: each raw hostile value is caught, and only the escaped form passes."""
    from pages.components.ui import plain

    for value in (HOSTILE, SHORT, TINY, "![x](http://evil.example/a.png)", "$x$", "www.evil.example"):
        if value.startswith("www"):
            assert "www." not in plain(value)
            continue
        assert UNESCAPED.search(value), value
        assert not UNESCAPED.search(plain(value)), plain(value)
    assert plain("第一行\n# 标题\n> 引用\n- 列表\n1. 编号\n    缩进") == (
        "第一行  \n\\# 标题  \n\\> 引用  \n\\- 列表  \n1\\. 编号  \n缩进"
    )


def test_reviewer_flash_after_a_decision_is_shown_literally(world):
    app = open_tab(open_page(world["reviewer"], "pages/reviewer/units.py"), "reviewer_units_tab", "机构注册审核")
    next(w for w in app.text_input if w.label == "驳回原因" and w.key.startswith("reg_reason_")).input("材料不全")
    next(b for b in app.button if b.label == "驳回" and b.key.startswith("reg_reject_")).click()
    app.run()
    assert any("已驳回" in text for _, text in rendered_markdown(app)), "the decision was made"
    assert_shown_as_text(app, shown_in="markdown")


def test_public_registration_status_is_shown_literally(engine):
    """机构注册 → 查询注册进度: the unit's name and the reason it was turned down."""
    with session_scope(engine) as session:
        unit = factories.unit(session)
        account = factories.user(session, "unit_admin", unit=unit)
        session.add(
            UnitRegistration(
                name=HOSTILE,
                institution_code=unit.institution_code,
                region_code="420106",
                contact_name="王负责",
                contact_mobile="13912345678",
                user_id=account.id,
                status="rejected",
                decided_at=utcnow(),
                decision_reason=HOSTILE,
            )
        )
        username = account.username
    app = new_app("pages/public/unit_registration.py")
    app.run()
    app.text_input(key="status_username").input(username)
    app.text_input(key="status_password").input(factories.PASSWORD)
    button(app, "查询").click()
    app.run()
    assert any("未通过原因" in text for _, text in rendered_markdown(app)), "the status was shown"
    assert_shown_as_text(app, shown_in="markdown")
