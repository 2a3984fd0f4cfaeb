"""Fictional test data built through the real services."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from db.models import Unit, User
from portal.auth import service as auth
from portal.core.actor import SYSTEM, Actor
from portal.ops.demo import fictional_uscc

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


def verified_candidate(
    session: Session,
    *,
    real_name: str = "测试考生",
    document_number: str | None = None,
    method: str = "auto_id_card",
) -> User:
    """A candidate whose real-name verification succeeded (a fictional resident ID number)."""
    from datetime import date

    from db.models import IdentityVerification
    from portal.core.crypto import encrypt_text, lookup_hash, mask
    from portal.core.timeutil import utcnow

    candidate = user(session, "candidate")
    if document_number is None:
        document_number = fictional_id_number(next(_counter))
    session.add(
        IdentityVerification(
            user_id=candidate.id,
            real_name=real_name,
            document_type="resident_id",
            document_number_enc=encrypt_text(document_number),
            document_number_hash=lookup_hash(document_number),
            document_number_masked=mask(document_number),
            method=method,
            status="verified",
            region_code=document_number[:6],
            sex="男" if int(document_number[16]) % 2 else "女",
            birth_date=date(int(document_number[6:10]), int(document_number[10:12]), int(document_number[12:14])),
            submitted_at=utcnow(),
            decided_at=utcnow(),
        )
    )
    session.flush()
    return candidate


def fictional_id_number(n: int, *, region: str = "420106", birth: str = "19950315") -> str:
    """A well-formed (valid check digit) fictional resident ID number."""
    body = f"{region}{birth}{n % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def bind(session: Session, candidate: User, unit: Unit):
    """An active binding of `candidate` to `unit` (as if the candidate entered the right code)."""
    from db.models import UnitBinding

    binding = UnitBinding(candidate_id=candidate.id, unit_id=unit.id)
    session.add(binding)
    session.flush()
    return binding
