"""A small hand-built world for the statistics, season-dashboard and verification-queue tests."""

from __future__ import annotations

from datetime import date, timedelta

from db.engine import session_scope
from db.models import CorrectionRequest, Declaration, DeclarationVerdict, ExamYear, IdentityVerification
from portal.core.crypto import encrypt_text, lookup_hash, mask
from portal.core.timeutil import utcnow
from portal.ops import demo
from tests import factories
from tests.app.helpers import assert_no_exception, login, new_app


def exam_year(session, year: int = 2026) -> ExamYear:
    today = date.today()
    row = ExamYear(
        year=year,
        name=f"{year}年度医师资格",
        entry_opens_on=today - timedelta(days=30),
        entry_closes_on=today + timedelta(days=30),
        confirmation_opens_on=today - timedelta(days=30),
        confirmation_closes_on=today + timedelta(days=30),
        cutoff_on=date(year, 8, 31),
    )
    session.add(row)
    session.flush()
    return row


def pending_case(session, *, document_type: str = "resident_id", region: str = "420106", hours: int = 5):
    """A candidate whose manual review waits since `hours` hours."""
    candidate = factories.user(session, "candidate")
    number = (
        factories.fictional_id_number(candidate.id, region=region) if document_type == "resident_id" else "H1234567"
    )
    row = IdentityVerification(
        user_id=candidate.id,
        real_name="王测试",
        document_type=document_type,
        document_number_enc=encrypt_text(number),
        document_number_hash=lookup_hash(number),
        document_number_masked=mask(number),
        method="manual_id_card" if document_type == "resident_id" else "manual_other",
        status="pending",
        region_code=region if document_type == "resident_id" else "",
        submitted_at=utcnow() - timedelta(hours=hours),
    )
    session.add(row)
    session.flush()
    return candidate, row


def declaration(session, year: ExamYear, candidate, unit, status: str, *, verdict: str | None = None, category="临床"):
    """A declaration in `status` (and its stored verdict), entered by `unit`."""
    now = utcnow()
    row = Declaration(
        exam_year_id=year.id,
        candidate_id=candidate.id,
        unit_id=unit.id,
        confirmation_status=status,
        exam_level="执业医师",
        exam_category=category,
        revision=1,
        confirmed_revision=1 if status == "confirmed" else None,
        confirmed_hash="0" * 64 if status == "confirmed" else None,
        confirmed_at=now if status == "confirmed" else None,
        updated_at=now - timedelta(hours=3),
    )
    session.add(row)
    session.flush()
    if verdict:
        session.add(
            DeclarationVerdict(
                declaration_id=row.id,
                exam_year_id=year.id,
                revision=1,
                cutoff_on=year.cutoff_on,
                judged_on=date.today() + timedelta(days=3650),  # never stale in the test
                verdict=verdict,
            )
        )
    if status == "correction_requested":
        session.add(CorrectionRequest(declaration_id=row.id, revision=1, fields='["education.school"]', note="x"))
    session.flush()
    return row


def small_world(session) -> dict:
    """Two units (武汉, 宜昌), eight candidates at different stages, five declarations with stored verdicts."""
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


def seed_small_demo(engine) -> None:
    """The small demo data (40 candidates, 6 units) the page tests run on."""
    with session_scope(engine) as session:
        demo.seed_demo(session, candidates=40, units=6)


def open_page(username: str, page: str):
    """The real app, logged in as a demo account, on `page`."""
    app = login(new_app(), username, demo.DEMO_PASSWORD)
    app.switch_page(page)
    app.run()
    assert_no_exception(app)
    return app
