"""The stale-verdict check reads only what changed since the last snapshot (national scale), and still finds it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from db.models import Declaration, DeclarationVerdict, ExamYear, StatisticsSnapshot
from portal.core.actor import SYSTEM
from portal.core.timeutil import today_local, utcnow
from portal.ops import demo
from portal.stats import snapshot, verdicts


def _stale(session, year_id, since=None):
    return set(session.scalars(verdicts.stale_query(year_id, today_local(), since=since)))


def _entered(session, year_id, count):
    return session.scalars(
        select(Declaration.id)
        .where(Declaration.exam_year_id == year_id, Declaration.confirmation_status != "not_entered")
        .order_by(Declaration.id)
        .limit(count)
    ).all()


def test_changes_since_the_last_snapshot_are_found_without_reading_the_rest(session):
    demo.seed_demo(session, candidates=300, units=8, seed=5)
    year_id = session.scalar(select(ExamYear.id).order_by(ExamYear.year.desc()).limit(1))
    assert _stale(session, year_id) == set()
    now = utcnow()
    recent, old, cutoff_changed, missing = _entered(session, year_id, 4)
    session.execute(
        update(Declaration).where(Declaration.id == recent).values(revision=Declaration.revision + 1, updated_at=now)
    )
    session.execute(
        update(Declaration)
        .where(Declaration.id == old)
        .values(revision=Declaration.revision + 1, updated_at=now - timedelta(days=3))
    )
    session.execute(
        update(DeclarationVerdict)
        .where(DeclarationVerdict.declaration_id == cutoff_changed)
        .values(cutoff_on=DeclarationVerdict.cutoff_on - timedelta(days=1))
    )
    session.execute(update(Declaration).where(Declaration.id == missing).values(updated_at=now - timedelta(minutes=1)))
    session.execute(DeclarationVerdict.__table__.delete().where(DeclarationVerdict.declaration_id == missing))

    assert _stale(session, year_id) == {recent, old, cutoff_changed, missing}  # the full check
    assert _stale(session, year_id, since=now - timedelta(minutes=10)) == {recent, cutoff_changed, missing}


def test_snapshot_refresh_rejudges_a_record_changed_after_the_last_build(session):
    demo.seed_demo(session, candidates=300, units=8, seed=6)
    year_id = session.scalar(select(ExamYear.id).order_by(ExamYear.year.desc()).limit(1))
    built = session.get(StatisticsSnapshot, year_id).built_at
    (changed,) = _entered(session, year_id, 1)
    session.execute(
        update(Declaration)
        .where(Declaration.id == changed)
        .values(revision=Declaration.revision + 1, updated_at=built + timedelta(seconds=1))
    )
    snapshot.refresh(session, actor=SYSTEM, force=True)
    revision = session.scalar(select(Declaration.revision).where(Declaration.id == changed))
    stored = session.get(DeclarationVerdict, changed)
    session.refresh(stored)
    assert stored.revision == revision
    assert _stale(session, year_id) == set()
