"""Season-dashboard counts on a hand-built dataset; reminders; analysts refused personal data."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import AuditEvent, Message
from portal.access import service as access
from portal.core.errors import PermissionDenied
from portal.identity import review
from portal.progress import bindings, reminders, unconfirmed
from portal.stats import service as analyst
from portal.unit import binding as units
from tests import factories
from tests.progress.helpers import pending_case, small_world


@pytest.fixture
def world(session):
    return small_world(session)


def test_unconfirmed_by_unit_and_city(session, world):
    rev = factories.actor(session, "reviewer")
    page = unconfirmed.unconfirmed_by_unit(session, actor=rev)
    by_name = {row.name: row for row in page.rows}
    wuhan, yichang = by_name["武汉测试医院"], by_name["宜昌测试医院"]
    assert wuhan.counts == {"not_entered": 1, "pending": 1, "correction_requested": 1, "confirmed": 1}
    assert yichang.counts == {"not_entered": 0, "pending": 2, "correction_requested": 0, "confirmed": 0}
    assert wuhan.verdicts == {"eligible": 1, "will_be_eligible": 0, "not_eligible": 1, "undetermined": 0}
    assert wuhan.oldest["not_entered"] is not None and wuhan.oldest["pending"] is not None
    assert [row.name for row in page.rows] == ["武汉测试医院", "宜昌测试医院"]  # most open records first
    cities = {row.key: row for row in unconfirmed.unconfirmed_by_city(session, actor=rev)}
    assert cities["420100"].counts["pending"] == 1 and cities["420500"].counts["pending"] == 2
    assert unconfirmed.verdict_counts(session, actor=rev) == {
        "eligible": 2,
        "will_be_eligible": 0,
        "not_eligible": 1,
        "undetermined": 1,
    }
    # the page's verdict figures come from the per-city rows, without a query of their own: the same sums
    assert unconfirmed.verdict_totals(list(cities.values())) == unconfirmed.verdict_counts(session, actor=rev)
    only_yichang = unconfirmed.unconfirmed_by_unit(session, actor=rev, city_code="420500")
    assert [row.name for row in only_yichang.rows] == ["宜昌测试医院"]
    # Built once per shape: the same shape with other values, other sorts, and past the last page.
    only_wuhan = unconfirmed.unconfirmed_by_unit(session, actor=rev, city_code="420100")
    assert [row.name for row in only_wuhan.rows] == ["武汉测试医院"] and only_wuhan.total == 1
    by_name_asc = unconfirmed.unconfirmed_by_unit(session, actor=rev, sort="name", descending=False)
    assert [row.name for row in by_name_asc.rows] == sorted(row.name for row in page.rows)
    second = unconfirmed.unconfirmed_by_unit(session, actor=rev, page_size=1, page=2)
    assert [row.name for row in second.rows] == ["宜昌测试医院"] and second.total == 2
    beyond = unconfirmed.unconfirmed_by_unit(session, actor=rev, page_size=1, page=3)
    assert beyond.rows == [] and beyond.total == 2  # the list's size, also past its last page
    found = unconfirmed.unconfirmed_by_unit(session, actor=rev, query="宜昌")
    assert [row.name for row in found.rows] == ["宜昌测试医院"]
    assert unconfirmed.unconfirmed_by_unit(session, actor=rev, query="不存在的单位").total == 0


def test_unit_binding_status(session, world):
    rev = factories.actor(session, "reviewer")
    page = bindings.unit_binding_status(session, actor=rev)
    rows = {row.name: row for row in page.rows}
    assert rows["武汉测试医院"].bound == 4 and rows["宜昌测试医院"].bound == 2
    assert rows["武汉测试医院"].verified_unbound_in_region == 1  # c7, document region 420106
    assert rows["宜昌测试医院"].verified_unbound_in_region == 0
    totals = bindings.binding_totals(session, actor=rev)
    assert totals["bound"] == 6 and totals["verified_unbound"] == 1
    assert [r.name for r in bindings.unit_binding_status(session, actor=rev, query="宜昌").rows] == ["宜昌测试医院"]
    first = bindings.unit_binding_status(session, actor=rev, page_size=1)
    assert len(first.rows) == 1 and first.total == page.total and first.pages == page.total
    beyond = bindings.unit_binding_status(session, actor=rev, page=page.total + 1, page_size=1)
    assert beyond.rows == [] and beyond.total == page.total  # the list's size, also past its last page
    assert bindings.unit_binding_status(session, actor=rev, query="不存在的单位").total == 0
    # The statements are built once per shape of the call: other values in the same shape get their own answer.
    for city, name in (("420100", "武汉测试医院"), ("420500", "宜昌测试医院")):
        assert [r.name for r in bindings.unit_binding_status(session, actor=rev, city_code=city).rows] == [name]
    world["yichang"].category = "医院-专科医院"
    session.flush()
    by_category = bindings.unit_binding_status(session, actor=rev, category="医院", sort="name", descending=False)
    assert {r.name for r in by_category.rows} == {"武汉测试医院", "宜昌测试医院"}  # with its sub-categories
    only_sub = bindings.unit_binding_status(session, actor=rev, category="医院-专科医院", city_code="420500")
    assert [r.name for r in only_sub.rows] == ["宜昌测试医院"]
    assert bindings.unit_binding_status(session, actor=rev, category="医院-专科医院", city_code="420100").total == 0


def test_candidates_list_logs_access_and_reminders_are_audited(session, world):
    rev = factories.actor(session, "reviewer")
    people = world["people"]
    listed = unconfirmed.unconfirmed_candidates(session, actor=rev, unit_id=world["wuhan"].id)
    assert {p.candidate_id for p in listed.rows} == {people["c1"].id, people["c2"].id, people["c3"].id}
    assert all("*" in p.masked_name for p in listed.rows)
    log = access.access_log(session, actor=factories_actor(people["c1"]))
    assert log, "the candidate sees that a reviewer looked at the record"
    sent = reminders.remind_candidates(session, actor=rev, candidate_ids=[people["c1"].id, people["c4"].id])
    assert sent == 1  # c4 has confirmed: nothing to remind
    assert "尚未由单位填报" in session.scalar(select(Message.body).where(Message.user_id == people["c1"].id))
    sent = reminders.remind_units(session, actor=rev, unit_ids=[world["wuhan"].id])
    assert sent == 1
    body = session.scalar(select(Message.body).where(Message.user_id == world["wuhan_admin"].id))
    assert "未填报 1 条" in body and "待单位修改 1 条" in body
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"dashboard.remind_candidates", "dashboard.remind_units"} <= actions


def factories_actor(user):
    from portal.core.actor import Actor

    return Actor.of(user)


def test_analysts_are_refused_personal_data(session, world):
    ana = factories.actor(session, "analyst")
    _, case = pending_case(session)
    candidate = world["people"]["c2"]
    refusals = [
        lambda: review.open_case(session, actor=ana, verification_id=case.id),
        lambda: review.verification_queue(session, actor=ana),
        lambda: review.claim(session, actor=ana, verification_id=case.id),
        lambda: unconfirmed.unconfirmed_candidates(session, actor=ana, unit_id=world["wuhan"].id),
        lambda: unconfirmed.unconfirmed_by_unit(session, actor=ana),
        lambda: reminders.remind_candidates(session, actor=ana, candidate_ids=[candidate.id]),
        lambda: access.require_bound(session, actor=ana, candidate_id=candidate.id, section="basic"),
        lambda: access.record(session, actor=ana, candidate_id=candidate.id, section="basic"),
        lambda: units.candidate_detail(session, actor=ana, candidate_id=candidate.id),
    ]
    for call in refusals:
        with pytest.raises(PermissionDenied):
            call()
    for role in ("reviewer", "candidate"):
        with pytest.raises(PermissionDenied):
            analyst.funnel(session, actor=factories.actor(session, role))
