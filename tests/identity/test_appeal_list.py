"""The reviewers' list of open appeals: its statement is built once and bound per call, so that the limit and the
appeals of the moment are those of each call, for two reviewers in a row."""

from __future__ import annotations

from sqlalchemy import select

from db.models import IdentityAppeal, IdentityVerification
from portal.core.crypto import encrypt_text, mask_name
from portal.identity import appeal as appeals
from tests import factories


def _appeal(session, holder, status: str, decided_by: int | None = None) -> IdentityAppeal:
    appellant = factories.verified_candidate(session, real_name="李申诉")
    mine, theirs = (
        session.scalar(select(IdentityVerification.id).where(IdentityVerification.user_id == user.id))
        for user in (appellant, holder)
    )
    row = IdentityAppeal(
        appellant_id=appellant.id,
        holder_id=holder.id,
        verification_id=mine,
        holder_verification_id=theirs,
        status=status,
        statement_enc=encrypt_text("证件曾遗失"),
        front_image_key="front",
        back_image_key="back",
        holding_image_key="holding",
        decided_by=decided_by,
    )
    session.add(row)
    session.flush()
    return row


def test_two_reviewers_in_a_row_see_the_open_appeals_of_the_moment_within_the_limit(session):
    first, second = factories.actor(session, "reviewer"), factories.actor(session, "reviewer")
    holder = factories.verified_candidate(session, real_name="王原主")
    pending = _appeal(session, holder, "pending")
    awaiting = _appeal(session, holder, "awaiting_second", decided_by=first.user_id)
    _appeal(session, holder, "rejected")
    for reviewer in (first, second, first):
        rows = appeals.open_appeals(session, actor=reviewer)
        assert [(r.id, r.status, r.decided_by) for r in rows] == [
            (pending.id, "pending", None),
            (awaiting.id, "awaiting_second", first.username),
        ]
        assert {r.holder for r in rows} == {holder.username}
        assert rows[0].appellant != rows[1].appellant and rows[0].masked_name == mask_name("李申诉")
        assert [r.id for r in appeals.open_appeals(session, actor=reviewer, limit=1)] == [pending.id]
    pending.status = "rejected"
    session.flush()
    assert [r.id for r in appeals.open_appeals(session, actor=second)] == [awaiting.id]
    assert [r.id for r in appeals.open_appeals(session, actor=first, limit=5)] == [awaiting.id]
