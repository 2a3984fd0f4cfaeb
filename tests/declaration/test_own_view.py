"""信息确认 reads the candidate's own record in one statement for 基本信息, the record and its one-row sections and
the newest correction request: it must show exactly what the general `build_view` shows, at every step."""

from __future__ import annotations

from portal.core.actor import Actor
from portal.declaration import confirmation, entry, exam_year
from portal.declaration.record import build_view, find_declaration
from tests import factories
from tests.declaration.conftest import EDUCATION, YEAR, fill


def _general(session, candidate_id):
    year = exam_year.get_exam_year(session, year=YEAR)
    return build_view(session, year, candidate_id, find_declaration(session, year.id, candidate_id))


def test_the_candidates_own_record_shows_what_the_general_view_shows_at_every_step(session, world, sent_selects):
    me = world.candidate_actor
    # a second candidate, verified but bound nowhere, asked right after: the statement's values are rebound
    other = factories.verified_candidate(session)
    steps = []

    def same(label):
        mine = confirmation.my_record(session, actor=me)
        assert mine == _general(session, world.candidate.id), label
        theirs = confirmation.my_record(session, actor=Actor.of(other))
        assert theirs == _general(session, other.id), label
        assert theirs.status == "not_entered" and theirs.basic.unit_name == "（未绑定单位）"
        steps.append(mine)
        return mine

    assert same("not entered").status == "not_entered"
    fill(session, world.unit_admin, world.candidate.id)
    title = {
        "series": "卫生系列（医疗）",
        "level": "员级",
        "specialty": "内科",
        "obtained_by": "考试",
        "approved_on": "2020-05-01",
    }
    entry.save_section(
        session, actor=world.unit_admin, year=YEAR, candidate_id=world.candidate.id, section="title", data=title
    )
    view = same("entered")
    assert view.status == "pending" and view.record["education"]["school"] == "示范医科大学"
    assert view.record["title"]["specialty"] == "内科" and view.record["probation"]
    confirmation.confirm(session, actor=me, year=YEAR, expected_hash=view.content_hash)
    assert same("confirmed").status == "confirmed"
    confirmation.request_correction(session, actor=me, year=YEAR, fields=["education.school"], note="学校名称有误")
    asked = same("correction requested")
    assert asked.correction is not None and asked.correction.labels == ["学历信息·毕业学校"]
    entry.save_section(
        session,
        actor=world.unit_admin,
        year=YEAR,
        candidate_id=world.candidate.id,
        section="education",
        data={**EDUCATION, "school": "另一所医科大学"},
    )
    changed = same("changed by the unit")
    assert changed.correction is None
    assert [(c.old_value, c.new_value) for c in changed.changes] == [("示范医科大学", "另一所医科大学")]

    # What a run of 信息确认 sends: the record (with 基本信息, its one-row sections and newest request), the two
    # list sections, the images, and the changes since the last confirmation (the exam year comes with who acts
    # in a page run, `exam_year.remember_newest`; here it is looked up).
    sent_selects.clear()
    confirmation.my_record(session, actor=me)
    record_selects = [sql for sql in sent_selects if "FROM exam_year" not in sql]
    assert len(record_selects) == 5, record_selects
