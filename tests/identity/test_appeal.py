"""证件号已被占用申诉: appeal → reviewer transfer (or rejection), four-eyes, what both accounts see afterwards."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.models import (
    AuditEvent,
    Declaration,
    IdentityAppeal,
    IdentityFlag,
    IdentityVerification,
    Message,
    PersonalDataAccess,
)
from portal.core.crypto import lookup_hash
from portal.core.errors import Conflict, ValidationFailed
from portal.identity import appeal as appeals
from portal.identity import service as identity
from portal.unit import binding as bindings
from tests import factories
from tests.identity.conftest import FIXTURES
from tests.progress.helpers import declaration, exam_year

CASES = {c["id"]: c for c in map(json.loads, (FIXTURES / "manifest.jsonl").read_text(encoding="utf-8").splitlines())}
GENUINE = CASES["flat-000"]
PHOTO = (FIXTURES / GENUINE["front"]).read_bytes()


def fill(session, actor):
    return identity.fill_in(
        session,
        actor=actor,
        real_name=GENUINE["name"],
        document_type="resident_id",
        document_number=GENUINE["id_number"],
    )


def told_taken(session, actor) -> None:
    """The state after a scan that passed but found the number taken (the real scan is in the first test)."""
    fill(session, actor)
    session.add(
        IdentityFlag(
            user_id=actor.user_id, kind="duplicate_proven", document_number_hash=lookup_hash(GENUINE["id_number"])
        )
    )
    session.flush()


def submit(session, actor) -> appeals.MyAppeal:
    return appeals.submit_appeal(
        session, actor=actor, front=PHOTO, back=PHOTO, holding=PHOTO, statement="本人从未注册过其他账号，证件曾遗失。"
    )


@pytest.fixture
def world(session):
    holder = factories.verified_candidate(session, real_name=GENUINE["name"], document_number=GENUINE["id_number"])
    home = factories.unit(session)
    factories.bind(session, holder, home)
    return {
        "holder": holder,
        "unit": home,
        "appellant": factories.actor(session, "candidate"),
        "reviewer": factories.actor(session, "reviewer"),
        "second": factories.actor(session, "reviewer"),
    }


def test_appeal_after_a_passing_scan_then_transfer_revokes_unbinds_and_messages(engine, monkeypatch):
    monkeypatch.setenv("PORTAL_ALLOW_UPLOAD_AUTO_CHECK", "1")  # the photo goes through the automatic check
    with session_scope(engine) as session:
        holder = factories.verified_candidate(session, real_name=GENUINE["name"], document_number=GENUINE["id_number"])
        home = factories.unit(session)
        factories.bind(session, holder, home)
        declaration(session, exam_year(session), holder, home, "pending")
        appellant = factories.actor(session, "candidate")
        reviewer = factories.actor(session, "reviewer")
        holder_id = holder.id
    with session_scope(engine) as session:
        fill(session, appellant)
        assert appeals.appeal_offered(session, actor=appellant) is False  # fill_in alone does not tell
    with session_scope(engine) as session:
        with pytest.raises(identity.DuplicateNumber):
            identity.submit_scan(session, actor=appellant, image=PHOTO)
    with session_scope(engine) as session:
        assert appeals.appeal_offered(session, actor=appellant) is True
        mine = submit(session, appellant)
        assert mine.status_label == "待审核"
    with session_scope(engine) as session:
        [row] = appeals.open_appeals(session, actor=reviewer)
        assert GENUINE["id_number"] not in row.masked_number and row.masked_number.startswith(GENUINE["id_number"][:4])
        appeals.claim_appeal(session, actor=reviewer, appeal_id=row.id)  # full values only while held
        case = appeals.open_appeal(session, actor=reviewer, appeal_id=row.id)
        assert case.holder.document_number == case.appellant.document_number == GENUINE["id_number"]
        assert case.appellant.images["holding"] and case.holder.bound and not case.four_eyes
        assert case.statement.startswith("本人从未注册")
        assert appeals.transfer(session, actor=reviewer, appeal_id=row.id, reason="手持照片与证件一致") == "transferred"
    with session_scope(engine) as session:
        assert identity.status_of(session, user_id=appellant.user_id) == "verified"
        assert identity.status_of(session, user_id=holder_id) == "unverified"  # starts again at 信息填写
        revoked = session.scalar(select(IdentityAppeal)).holder_verification_id
        assert session.get(IdentityVerification, revoked).status == "revoked"
        assert bindings.current_binding(session, candidate_id=holder_id) is None
        assert session.scalar(select(Declaration.set_aside_at).where(Declaration.candidate_id == holder_id))
        titles = session.scalars(select(Message.title).where(Message.user_id == holder_id)).all()
        assert "您的实名认证已被撤销" in titles
        body = session.scalar(select(Message.body).where(Message.title == "您的实名认证已被撤销"))
        assert "手持照片与证件一致" in body
        assert (
            "证件号已被占用申诉成立"
            in session.scalars(select(Message.title).where(Message.user_id == appellant.user_id)).all()
        )
        actions = session.scalars(select(AuditEvent.action)).all()
        assert {"identity.appeal", "identity.appeal_transfer", "unit.end_binding"} <= set(actions)
        readers = session.scalars(
            select(PersonalDataAccess.candidate_id).where(PersonalDataAccess.reader_id == reviewer.user_id)
        ).all()
        assert {holder_id, appellant.user_id} <= set(readers)


def test_no_appeal_without_being_told_the_number_is_taken(session, world):
    fill(session, world["appellant"])
    with pytest.raises(Conflict, match="当前无法提交申诉"):
        submit(session, world["appellant"])


def test_an_appeal_needs_three_photos_and_a_statement(session, world):
    told_taken(session, world["appellant"])
    with pytest.raises(ValidationFailed) as refused:
        appeals.submit_appeal(session, actor=world["appellant"], front=PHOTO, back=b"", holding=b"junk", statement=" ")
    assert set(refused.value.errors) == {"back", "holding", "statement"}
    assert "手持身份证照片" in refused.value.errors["holding"]
    submit(session, world["appellant"])
    with pytest.raises(Conflict, match="已提交申诉"):
        submit(session, world["appellant"])


def test_reject_keeps_the_holder_and_tells_the_appellant(session, world):
    told_taken(session, world["appellant"])
    appeal = submit(session, world["appellant"])
    with pytest.raises(ValidationFailed):
        appeals.reject_appeal(session, actor=world["reviewer"], appeal_id=appeal.id, reason="")
    appeals.reject_appeal(session, actor=world["reviewer"], appeal_id=appeal.id, reason="手持照片不清晰")
    assert identity.status_of(session, user_id=world["holder"].id) == "verified"
    assert bindings.current_binding(session, candidate_id=world["holder"].id) is not None
    assert appeals.my_appeal(session, actor=world["appellant"]).status_label == "申诉未通过"
    assert "手持照片不清晰" in session.scalar(select(Message.body).where(Message.title == "证件号已被占用申诉未通过"))
    with pytest.raises(Conflict, match="已被处理"):
        appeals.transfer(session, actor=world["reviewer"], appeal_id=appeal.id, reason="x")


def test_four_eyes_when_the_holder_confirmed_declaration_data(session, world):
    year = exam_year(session)
    declaration(session, year, world["holder"], world["unit"], "confirmed")
    told_taken(session, world["appellant"])
    appeal = submit(session, world["appellant"])
    appeals.claim_appeal(session, actor=world["reviewer"], appeal_id=appeal.id)
    assert appeals.open_appeal(session, actor=world["reviewer"], appeal_id=appeal.id).four_eyes
    status = appeals.transfer(session, actor=world["reviewer"], appeal_id=appeal.id, reason="核实为本人")
    assert status == "awaiting_second"
    assert identity.status_of(session, user_id=world["holder"].id) == "verified"  # nothing transferred yet
    with pytest.raises(Conflict, match="需由另一名审核员确认"):
        appeals.transfer(session, actor=world["reviewer"], appeal_id=appeal.id, reason="核实为本人")
    assert appeals.transfer(session, actor=world["second"], appeal_id=appeal.id, reason="复核同意") == "transferred"
    row = session.get(IdentityAppeal, appeal.id)
    assert (row.decided_by, row.second_reviewer_id) == (world["reviewer"].user_id, world["second"].user_id)
    assert identity.status_of(session, user_id=world["appellant"].user_id) == "verified"
    # The confirmed declaration stays as it was; only unconfirmed data is set aside.
    assert (
        session.scalar(select(Declaration.set_aside_at).where(Declaration.candidate_id == world["holder"].id)) is None
    )


def test_the_database_refuses_the_same_reviewer_as_second(session, world):
    from sqlalchemy.exc import IntegrityError

    told_taken(session, world["appellant"])
    appeal = submit(session, world["appellant"])
    row = session.get(IdentityAppeal, appeal.id)
    row.decided_by = row.second_reviewer_id = world["reviewer"].user_id
    with pytest.raises(IntegrityError):
        session.flush()
