"""Fictional test data built through the real services."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from db.models import Unit, User
from portal.auth import service as auth
from portal.auth.actor import SYSTEM, Actor
from portal.demo import fictional_uscc

PASSWORD = "Passw0rd1"
_counter = itertools.count(1)


def user(session: Session, role: str = "candidate", *, unit: Unit | None = None, username: str | None = None) -> User:
    """An account of `role` created as an admin would."""
    n = next(_counter)
    if username is None:
        username = f"1370000{n:04d}" if role == "candidate" else f"{role}{n}"
    created = auth.create_user(
        session,
        actor=SYSTEM,
        role=role,
        username=username,
        password=PASSWORD,
        display_name=f"测试{role}{n}",
        unit_code=unit.institution_code if unit else None,
    )
    session.flush()
    return created


def actor(session: Session, role: str = "candidate", **kwargs) -> Actor:
    """An `Actor` for a fresh account of `role`."""
    return Actor.of(user(session, role, **kwargs))


def unit(session: Session, *, name: str | None = None, region_code: str = "420106", status: str = "active") -> Unit:
    """A fictional active work unit."""
    import random

    n = next(_counter)
    created = Unit(
        name=name or f"测试示范医院{n}",
        institution_code=fictional_uscc(random.Random(n), region_code),
        superior_unit="测试卫生健康委员会",
        category="医院",
        region_code=region_code,
        status=status,
    )
    session.add(created)
    session.flush()
    return created
