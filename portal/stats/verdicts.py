"""Stored eligibility verdicts (报名资格预检) of declarations, so that the dashboards count them with one GROUP BY.

A stored verdict is stale when the record changed (revision), the exam year's cut-off changed, or it said
将满足 on an earlier day (a running probation may have completed since). `refresh` re-judges the stale ones
with the same `portal.eligibility.service.judge` that the candidate's page uses.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.orm import Session

from db.models import Declaration, DeclarationVerdict, ExamYear
from portal.core.timeutil import today_local
from portal.declaration.record import eligibility_dict, load_records
from portal.declaration.vocab import ConfirmationStatus
from portal.eligibility.service import judge
from portal.eligibility.vocab import Verdict

BATCH = 2000


def stale_query(exam_year_id: int, today: date):
    """Ids of the year's entered declarations whose stored verdict is missing or out of date."""
    return (
        select(Declaration.id)
        .join(ExamYear, ExamYear.id == Declaration.exam_year_id)
        .outerjoin(DeclarationVerdict, DeclarationVerdict.declaration_id == Declaration.id)
        .where(
            Declaration.exam_year_id == exam_year_id,
            Declaration.confirmation_status != ConfirmationStatus.NOT_ENTERED,
            or_(
                DeclarationVerdict.declaration_id.is_(None),
                DeclarationVerdict.revision != Declaration.revision,
                DeclarationVerdict.cutoff_on != ExamYear.cutoff_on,
                and_(DeclarationVerdict.verdict == Verdict.WILL_BE_ELIGIBLE, DeclarationVerdict.judged_on < today),
            ),
        )
    )


def refresh(session: Session, *, exam_year_id: int, today: date | None = None) -> int:
    """Re-judge the stale verdicts of one exam year; returns how many were judged (derived data, not audited)."""
    today = today or today_local()
    exam_year = session.get(ExamYear, exam_year_id)
    if exam_year is None:
        return 0
    ids = list(session.scalars(stale_query(exam_year_id, today)))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        declarations = list(session.scalars(select(Declaration).where(Declaration.id.in_(chunk))))
        records = load_records(session, declarations)
        rows = []
        for declaration in declarations:
            verdict = judge(
                eligibility_dict(records[declaration.id]), year=exam_year.year, cutoff=exam_year.cutoff_on, as_of=today
            )
            rows.append(
                {
                    "declaration_id": declaration.id,
                    "exam_year_id": exam_year_id,
                    "revision": declaration.revision,
                    "cutoff_on": exam_year.cutoff_on,
                    "judged_on": today,
                    "verdict": verdict.verdict,
                }
            )
        session.execute(delete(DeclarationVerdict).where(DeclarationVerdict.declaration_id.in_(chunk)))
        if rows:
            session.execute(insert(DeclarationVerdict), rows)
    return len(ids)
