"""What README promises about the demo data: its 单位确认码 binds the demo unit_admin's unit."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from db.models import Unit, User
from portal.core.actor import Actor
from portal.ops import demo
from portal.unit import binding
from portal.unit.confirmation_code import code_hash
from tests import factories

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_readme_demo_code_binds_the_demo_unit_admins_unit(session):
    promise = re.search(r"单位确认码 of (\S+?) \(the demo `unit_admin`'s unit\) is `(\w+)`", README)
    assert promise, "README no longer states the demo code"
    unit_name, code = promise.groups()
    demo.seed_demo(session, candidates=20, units=6)
    admin = session.scalar(select(User).where(User.username == "unit_admin"))
    unit = session.get(Unit, admin.unit_id)
    assert unit.name == unit_name == "武汉市第十一示范医院"
    others = session.scalars(select(Unit).where(Unit.id != unit.id)).all()
    assert others and all(o.confirmation_code_hash != code_hash(o.id, code) for o in others)

    candidate = Actor.of(factories.verified_candidate(session))
    bound = binding.bind(session, actor=candidate, unit_id=unit.id, code=code)
    assert bound.unit_id == unit.id
