"""个人信息 reads the current verification once: its status and, once verified, its facts, for each candidate
in a row (verified, rejected, never started), the same as the identity domain's own answers."""

from __future__ import annotations

from sqlalchemy import select

from db.models import IdentityVerification
from portal.core.actor import Actor
from portal.identity import service as identity
from portal.profile import service as profile
from tests import factories
from tests.sql import statements


def test_candidates_in_a_row_each_get_their_own_status_and_facts_in_one_statement(session):
    verified = factories.verified_candidate(session, real_name="欧阳明华")
    rejected = factories.verified_candidate(session, real_name="张三")
    session.scalar(select(IdentityVerification).where(IdentityVerification.user_id == rejected.id)).status = "rejected"
    never = factories.user(session, "candidate")
    session.flush()
    accounts = [verified, rejected, never]
    for user in accounts * 2:
        actor = Actor.of(user)
        with statements(session) as sent:
            info = profile.personal_info(session, actor=actor)
        assert len(sent) == 1
        facts = identity.verified_identity(session, user_id=user.id)
        assert info.verification_status == identity.status_of(session, user_id=user.id)
        assert info.verified == (facts is not None) == (user is verified)
        assert info.username == user.username
        if facts is None:
            assert (info.real_name_masked, info.masked_number, info.sex, info.birth_date) == ("", "", None, None)
        else:
            assert info.real_name_masked == profile.mask_name(facts.real_name) == "欧**华"
            assert (info.masked_number, info.sex, info.birth_date) == (facts.masked_number, facts.sex, facts.birth_date)
            assert info.document_type == "居民身份证"
    assert [profile.personal_info(session, actor=Actor.of(u)).verification_status for u in accounts] == [
        "verified",
        "rejected",
        "unverified",
    ]
