"""Demo access log: reads of bound candidates' data by their units and by reviewers, and for the demo candidate
13800000001 an ended authorisation (a unit it was bound to before) with that unit's reads and one refused attempt."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from db.models import PersonalDataAccess, UnitBinding, User
from portal.core.timeutil import utcnow

SECTIONS = ["basic", "education", "title", "practice_certificate", "probation", "declaration", "unit_binding"]


def extend(session: Session, rng: random.Random, context) -> None:
    """Bulk-insert access records (fast for many candidates)."""
    from portal.unit.policy import active_binding  # deferred: the unit domain imports portal.access

    now = utcnow()
    unit_admins = dict(session.execute(select(User.unit_id, User.id).where(User.role == "unit_admin")).all())
    reviewer = context.accounts.get("reviewer")
    rows = []
    bindings = session.execute(
        select(UnitBinding.candidate_id, UnitBinding.unit_id, UnitBinding.created_at)
        .where(active_binding())
        .limit(2000)
    ).all()
    for candidate_id, unit_id, since in bindings:
        for _ in range(rng.randint(0, 3)):
            rows.append(
                {
                    "candidate_id": candidate_id,
                    "reader_id": unit_admins.get(unit_id),
                    "reader_role": "unit_admin",
                    "reader_unit_id": unit_id,
                    "section": rng.choice(SECTIONS),
                    "action": rng.choices(["view", "edit", "export"], weights=[6, 3, 1])[0],
                    "created_at": since + (now - since) * rng.random(),
                }
            )
        if reviewer and rng.random() < 0.2:
            rows.append(_row(candidate_id, reviewer, "reviewer", None, "identity", "review", since))

    main = context.accounts.get("13800000001")
    if main and len(context.units) > 2:
        unit_id = context.units[2]
        started, ended = now - timedelta(days=40), now - timedelta(days=10)
        session.add(
            UnitBinding(
                candidate_id=main,
                unit_id=unit_id,
                created_by=main,
                created_at=started,
                ended_at=ended,
                ended_by=main,
                end_reason="考生解绑单位",
            )
        )
        reader = unit_admins.get(unit_id)
        for days, section, action in [
            (38, "basic", "view"),
            (37, "education", "edit"),
            (30, "declaration", "view"),
            (21, "declaration", "export"),
        ]:
            rows.append(_row(main, reader, "unit_admin", unit_id, section, action, now - timedelta(days=days)))
        if reviewer:
            rows.append(_row(main, reviewer, "reviewer", None, "unit_binding", "view", now - timedelta(days=15)))
        rows.append(_row(main, reader, "unit_admin", unit_id, "education", "view_denied", now - timedelta(days=3)))
    for start in range(0, len(rows), 5000):
        session.execute(insert(PersonalDataAccess), rows[start : start + 5000])


def _row(candidate_id, reader_id, role, unit_id, section, action, when) -> dict:
    return {
        "candidate_id": candidate_id,
        "reader_id": reader_id,
        "reader_role": role,
        "reader_unit_id": unit_id,
        "section": section,
        "action": action,
        "created_at": when,
    }
