"""Dashboard counts on a hand-built dataset; small-cell suppression; analysts refused personal data."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import AuditEvent, Message
from portal.access import service as access
from portal.core.errors import PermissionDenied
from portal.dashboard import analyst, reviewer
from portal.dashboard.analyst import SUPPRESSED, suppression_mask
from portal.identity import review
from portal.unit import service as units
from tests import factories
from tests.dashboard.helpers import declaration, exam_year, pending_case


@pytest.fixture
def world(session):
    year = exam_year(session)
    wuhan = factories.unit(session, name="武汉测试医院", region_code="420106")
    yichang = factories.unit(session, name="宜昌测试医院", region_code="420502")
    people = {}
    for key in ("c1", "c2", "c3", "c4", "c5", "c6", "c7"):
        people[key] = factories.verified_candidate(session)  # document region 420106
    people["c8"] = factories.user(session, "candidate")  # registered only
    for key in ("c1", "c2", "c3", "c4"):
        factories.bind(session, people[key], wuhan)
    for key in ("c5", "c6"):
        factories.bind(session, people[key], yichang)
    declaration(session, year, people["c2"], wuhan, "pending", verdict="eligible")
    declaration(session, year, people["c3"], wuhan, "correction_requested", verdict="not_eligible", category="中医")
    declaration(session, year, people["c4"], wuhan, "confirmed", verdict="eligible")
    declaration(session, year, people["c5"], yichang, "pending", verdict="undetermined")
    declaration(session, year, people["c6"], yichang, "pending", verdict="eligible")
    admin = factories.user(session, "unit_admin", unit=wuhan)
    session.flush()
    return {"year": year, "wuhan": wuhan, "yichang": yichang, "people": people, "wuhan_admin": admin}


def test_unconfirmed_by_unit_and_city(session, world):
    rev = factories.actor(session, "reviewer")
    page = reviewer.unconfirmed_by_unit(session, actor=rev)
    by_name = {row.name: row for row in page.rows}
    wuhan, yichang = by_name["武汉测试医院"], by_name["宜昌测试医院"]
    assert wuhan.counts == {"not_entered": 1, "pending": 1, "correction_requested": 1, "confirmed": 1}
    assert yichang.counts == {"not_entered": 0, "pending": 2, "correction_requested": 0, "confirmed": 0}
    assert wuhan.verdicts == {"eligible": 1, "will_be_eligible": 0, "not_eligible": 1, "undetermined": 0}
    assert wuhan.oldest["not_entered"] is not None and wuhan.oldest["pending"] is not None
    assert [row.name for row in page.rows] == ["武汉测试医院", "宜昌测试医院"]  # most open records first
    cities = {row.key: row for row in reviewer.unconfirmed_by_city(session, actor=rev)}
    assert cities["420100"].counts["pending"] == 1 and cities["420500"].counts["pending"] == 2
    assert reviewer.verdict_counts(session, actor=rev) == {
        "eligible": 2,
        "will_be_eligible": 0,
        "not_eligible": 1,
        "undetermined": 1,
    }
    only_yichang = reviewer.unconfirmed_by_unit(session, actor=rev, city_code="420500")
    assert [row.name for row in only_yichang.rows] == ["宜昌测试医院"]


def test_unit_binding_status(session, world):
    rev = factories.actor(session, "reviewer")
    page = reviewer.unit_binding_status(session, actor=rev)
    rows = {row.name: row for row in page.rows}
    assert rows["武汉测试医院"].bound == 4 and rows["宜昌测试医院"].bound == 2
    assert rows["武汉测试医院"].verified_unbound_in_region == 1  # c7, document region 420106
    assert rows["宜昌测试医院"].verified_unbound_in_region == 0
    totals = reviewer.binding_totals(session, actor=rev)
    assert totals["bound"] == 6 and totals["verified_unbound"] == 1
    assert [r.name for r in reviewer.unit_binding_status(session, actor=rev, query="宜昌").rows] == ["宜昌测试医院"]


def test_candidates_list_logs_access_and_reminders_are_audited(session, world):
    rev = factories.actor(session, "reviewer")
    people = world["people"]
    listed = reviewer.unconfirmed_candidates(session, actor=rev, unit_id=world["wuhan"].id)
    assert {p.candidate_id for p in listed.rows} == {people["c1"].id, people["c2"].id, people["c3"].id}
    assert all("*" in p.masked_name for p in listed.rows)
    log = access.access_log(session, actor=factories_actor(people["c1"]))
    assert log, "the candidate sees that a reviewer looked at the record"
    sent = reviewer.remind_candidates(session, actor=rev, candidate_ids=[people["c1"].id, people["c4"].id])
    assert sent == 1  # c4 has confirmed: nothing to remind
    assert "尚未由单位填报" in session.scalar(select(Message.body).where(Message.user_id == people["c1"].id))
    sent = reviewer.remind_units(session, actor=rev, unit_ids=[world["wuhan"].id])
    assert sent == 1
    body = session.scalar(select(Message.body).where(Message.user_id == world["wuhan_admin"].id))
    assert "未填报 1 条" in body and "待单位修改 1 条" in body
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"dashboard.remind_candidates", "dashboard.remind_units"} <= actions


def factories_actor(user):
    from portal.core.actor import Actor

    return Actor.of(user)


def test_analyst_funnel_and_suppression(session, world):
    ana = factories.actor(session, "analyst")
    analyst.refresh_statistics(session, actor=ana, force=True)
    overall = analyst.funnel(session, actor=ana).iloc[0]
    assert (overall["注册"], overall["实名认证"], overall["绑定单位"], overall["已填报"]) == (8, 7, 6, 5)
    assert overall["已确认"] == SUPPRESSED  # one person
    by_city = analyst.funnel(session, actor=ana, by="city").set_index("市（州）")
    assert by_city.loc["武汉市", "注册"] == 5  # c1–c4 by unit, c7 by document region
    assert by_city.loc["宜昌市", "注册"] == SUPPRESSED
    # 武汉 5 and 宜昌 <5 add up to the shown total of 8 with 未知地区 (c8): that cell is hidden too
    assert by_city.loc["未知地区", "注册"] == SUPPRESSED
    assert by_city.loc["合计", "注册"] == 8
    frame = analyst.funnel(session, actor=ana, by="exam_category")
    text = frame.to_string()
    for person in world["people"].values():
        assert person.username not in text
    verdicts = analyst.verdict_distribution(session, actor=ana, by="city")
    assert set(verdicts.columns) >= {"满足", "不满足", "无法判断", "合计"}


def test_suppression_hides_a_complement_where_subtraction_would_reveal():
    # one column: 3 is primary; 10 (smallest other) must go too, else 25 - 12 - 10 = 3
    hidden = suppression_mask([[3], [10], [12], [25]])
    assert hidden == [[True], [True], [False], [False]]
    # rows add up to a total column as well
    hidden = suppression_mask([[2, 9, 11], [8, 7, 15], [10, 16, 26]], total_row=True, total_column=True)
    for row in hidden[:-1]:
        assert sum(row) != 1
    for column in zip(*hidden, strict=True):
        assert sum(column) != 1
    assert suppression_mask([[0], [6], [6]]) == [[False], [False], [False]]  # zero identifies nobody


def test_analysts_are_refused_personal_data(session, world):
    ana = factories.actor(session, "analyst")
    _, case = pending_case(session)
    candidate = world["people"]["c2"]
    refusals = [
        lambda: review.open_case(session, actor=ana, verification_id=case.id),
        lambda: review.pending_cases(session, actor=ana),
        lambda: reviewer.verification_queue(session, actor=ana),
        lambda: reviewer.claim(session, actor=ana, verification_id=case.id),
        lambda: reviewer.unconfirmed_candidates(session, actor=ana, unit_id=world["wuhan"].id),
        lambda: reviewer.unconfirmed_by_unit(session, actor=ana),
        lambda: reviewer.remind_candidates(session, actor=ana, candidate_ids=[candidate.id]),
        lambda: access.require_unit_access(session, actor=ana, candidate_id=candidate.id, section="basic"),
        lambda: access.record(session, actor=ana, candidate_id=candidate.id, section="basic"),
        lambda: units.candidate_detail(session, actor=ana, candidate_id=candidate.id),
    ]
    for call in refusals:
        with pytest.raises(PermissionDenied):
            call()
    for role in ("reviewer", "candidate"):
        with pytest.raises(PermissionDenied):
            analyst.funnel(session, actor=factories.actor(session, role))
