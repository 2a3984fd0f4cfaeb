"""Stored eligibility verdicts (报名资格预检) of declarations, so that the dashboards count them with one GROUP BY.

A stored verdict is stale when the record changed (revision), the exam year's cut-off changed, or it said
将满足 on an earlier day (a running probation may have completed since). `refresh` re-judges the stale ones
with the same `portal.eligibility.service.judge` that the candidate's page uses.

At national scale comparing every record with its verdict is the one check whose cost grows with the season
(a full anti-join). The snapshot therefore passes `since`, when its previous build of the same China day
began: only records changed from then on (every change of a record's revision sets `updated_at`; less
`RECHECK_MARGIN` for transactions still open then) are compared, through `ix_declaration_year_updated`. The
first build of each day, and any call without `since`, compares them all. Cut-off and 将满足 checks are index
ranges on `declaration_verdict` either way.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, exists, insert, select, union
from sqlalchemy.orm import Session

from db.models import Declaration, DeclarationVerdict, ExamYear
from portal.core.timeutil import today_local
from portal.declaration.record import eligibility_dict, load_records
from portal.declaration.vocab import ConfirmationStatus
from portal.eligibility.service import judge
from portal.eligibility.vocab import Verdict

BATCH = 2000
RECHECK_MARGIN = timedelta(minutes=15)


def stale_query(exam_year_id: int, today: date, *, since: datetime | None = None):
    """Ids of the year's entered declarations whose stored verdict is missing or out of date.

    With `since`, records not changed since then (less RECHECK_MARGIN) count as matching their verdict's
    revision: see the module's docstring.
    """
    entered = and_(
        Declaration.exam_year_id == exam_year_id,
        Declaration.confirmation_status != ConfirmationStatus.NOT_ENTERED,
    )
    same_revision = exists().where(
        DeclarationVerdict.declaration_id == Declaration.id, DeclarationVerdict.revision == Declaration.revision
    )
    changed = select(Declaration.id).where(entered, ~same_revision)  # no verdict, or one of another revision
    if since is not None:
        changed = changed.where(Declaration.updated_at >= since - RECHECK_MARGIN)
    # Each of the verdict checks on its own, so that each is one index range on declaration_verdict.
    judged = (
        select(Declaration.id)
        .join(DeclarationVerdict, DeclarationVerdict.declaration_id == Declaration.id)
        .where(entered, DeclarationVerdict.exam_year_id == exam_year_id)
    )
    of_year = judged.join(ExamYear, ExamYear.id == DeclarationVerdict.exam_year_id)
    return union(
        changed,
        of_year.where(DeclarationVerdict.cutoff_on < ExamYear.cutoff_on),  # the cut-off moved since
        of_year.where(DeclarationVerdict.cutoff_on > ExamYear.cutoff_on),
        judged.where(DeclarationVerdict.verdict == Verdict.WILL_BE_ELIGIBLE, DeclarationVerdict.judged_on < today),
    )


def refresh(session: Session, *, exam_year_id: int, today: date | None = None, since: datetime | None = None) -> int:
    """Re-judge the stale verdicts of one exam year; returns how many were judged (derived data, not audited).

    `since`: when the previous complete check began (see `stale_query`); None checks every record.
    """
    today = today or today_local()
    exam_year = session.get(ExamYear, exam_year_id)
    if exam_year is None:
        return 0
    ids = list(session.scalars(stale_query(exam_year_id, today, since=since)))
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
