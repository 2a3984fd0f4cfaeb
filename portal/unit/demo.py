"""Demo data for work units: pinyin initials, confirmation codes, bindings, a registration and a rename.

The demo unit_admin's unit (武汉市第十一示范医院) has the confirmation code `DEMO_CODE`, so the demo
candidate can try binding; every other unit gets a random code nobody knows (rotate it on 单位首页).
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from db.models import IdentityVerification, Unit, UnitBinding, UnitCodeAttempt, UnitNameChange, UnitRegistration, User
from portal.auth.passwords import hash_password
from portal.core.pinyin import initials
from portal.core.timeutil import utcnow
from portal.identity.policy import current_verification
from portal.unit.codes import fictional_uscc
from portal.unit.confirmation_code import code_hash, new_code

DEMO_CODE = "HBWS2345KM"


def extend(session: Session, rng: random.Random, context) -> None:
    """Add the unit domain's demo data (bulk statements; fast for thousands of units)."""
    units = list(session.execute(select(Unit.id, Unit.name).order_by(Unit.id)))
    demo_unit = session.scalar(select(User.unit_id).where(User.username == "unit_admin"))
    now = utcnow()
    values = []
    for unit_id, name in units:
        code = DEMO_CODE if unit_id == demo_unit else new_code()
        values.append(
            {
                "id": unit_id,
                "name_initials": initials(name),
                "confirmation_code_hash": code_hash(unit_id, code),
                "code_rotated_at": now - timedelta(days=rng.randint(1, 90)),
            }
        )
    if values:
        session.execute(update(Unit), values)

    # Bind most verified demo candidates (binding needs a verified identity); the main demo account is left
    # unverified and unbound, to try the flow.
    main = context.accounts.get("13800000001")
    verified = set(
        session.scalars(
            select(IdentityVerification.user_id).where(
                IdentityVerification.status == "verified", current_verification()
            )
        )
    )
    others = [candidate for candidate in context.candidates if candidate != main and candidate in verified]
    bindings = []
    for position, candidate in enumerate(others):
        if rng.random() < 0.8 and context.units:
            unit_id = context.units[0] if position % 3 == 0 else rng.choice(context.units)
            bindings.append(
                {
                    "candidate_id": candidate,
                    "unit_id": unit_id,
                    "created_by": candidate,
                    "created_at": now - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1440)),
                }
            )
    for start in range(0, len(bindings), 5000):
        session.execute(insert(UnitBinding), bindings[start : start + 5000])

    if len(context.units) > 2:
        # A unit whose code someone keeps guessing, for the reviewers' list.
        attempts = [
            {"unit_id": context.units[2], "candidate_id": others[i % len(others)], "created_at": now}
            for i in range(7)
            if others
        ]
        if attempts:
            session.execute(insert(UnitCodeAttempt), attempts)
        session.add(
            UnitNameChange(
                unit_id=context.units[1],
                old_name=session.get(Unit, context.units[1]).name,
                new_name="武汉市洪山区示范街道社区卫生服务中心",
                requested_by=None,
            )
        )
    applicant = User(
        username="unit_applicant",
        role="unit_admin",
        display_name="李示范",
        mobile="13900009999",
        password_hash=hash_password("Demo2026"),
        is_active=False,
    )
    session.add(applicant)
    session.flush()
    session.add(
        UnitRegistration(
            name="十堰市郧阳区示范乡镇卫生院",
            institution_code=fictional_uscc(rng, "420304"),
            superior_unit="十堰市郧阳区卫生健康局",
            category="基层医疗卫生机构-乡镇卫生院",
            region_code="420304",
            contact_name="李示范",
            contact_mobile="13900009999",
            user_id=applicant.id,
        )
    )
    session.flush()
