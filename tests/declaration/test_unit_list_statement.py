"""申报信息's list reads the bound candidates, their records of the year and the open correction requests in one
statement: each unit sees its own candidates, with the right status and request, whichever unit asked before."""

from __future__ import annotations

from portal.core.actor import Actor
from portal.declaration import confirmation, entry
from tests import factories
from tests.declaration.conftest import YEAR, fill


def test_each_unit_lists_its_own_candidates_with_their_records_and_open_requests(session, world):
    # world: a verified candidate bound to world.unit; here a second one there and one bound to the other unit
    second = factories.verified_candidate(session, real_name="第二考生")
    factories.bind(session, second, world.unit)
    elsewhere = factories.verified_candidate(session, real_name="别处考生")
    factories.bind(session, elsewhere, world.other_unit)
    fill(session, world.unit_admin, world.candidate.id)
    fill(session, world.other_admin, elsewhere.id)
    me = world.candidate_actor
    confirmation.request_correction(session, actor=me, year=YEAR, fields=["education.school"], note="学校名称有误")

    for _ in range(2):  # asked in turns: the statement's values are rebound each time
        mine = {r.candidate_id: r for r in entry.unit_candidates(session, actor=world.unit_admin, year=YEAR)}
        theirs = {r.candidate_id: r for r in entry.unit_candidates(session, actor=world.other_admin, year=YEAR)}
        assert set(mine) == {world.candidate.id, second.id} and set(theirs) == {elsewhere.id}
        asked, untouched = mine[world.candidate.id], mine[second.id]
        assert asked.status_label == "待单位修改" and asked.correction_note == "学校名称有误"
        assert asked.correction_fields == ["学历信息·毕业学校"]
        assert (
            untouched.status == "not_entered" and untouched.correction_note == "" and untouched.real_name == "第二考生"
        )
        other = theirs[elsewhere.id]
        assert other.status == "pending" and other.correction_note == "" and other.verdict is not None

    # confirmed once the unit has answered: the request is resolved and no longer shown
    confirmation.confirm(
        session,
        actor=Actor.of(elsewhere),
        year=YEAR,
        expected_hash=confirmation.my_record(session, actor=Actor.of(elsewhere)).content_hash,
    )
    theirs = entry.unit_candidates(session, actor=world.other_admin, year=YEAR)
    assert [r.status_label for r in theirs] == ["已确认"]
