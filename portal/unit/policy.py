"""The work-unit domain's limits and gates: confirmation codes, their lockout, which bindings count, which unit
an actor acts for.

The one bound-unit gate for reading a candidate's data is `portal.access.service.require_bound`; it asks
`is_bound` here.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from db.models import UnitBinding
from portal.core.actor import Actor
from portal.core.errors import PermissionDenied
from portal.core.lockout import LockoutPolicy
from portal.core.settings import get_settings

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L look-alikes
CODE_LENGTH = 10


def code_lockout() -> LockoutPolicy:
    """Wrong confirmation codes in a row, per candidate, before binding is refused, and for how long."""
    return get_settings().code_lockout


def active_binding() -> ColumnElement[bool]:
    """The SQL condition for a binding in force (not ended): use it wherever "bound" is meant."""
    return UnitBinding.ended_at.is_(None)


def is_bound(session: Session, *, candidate_id: int, unit_id: int | None) -> bool:
    """Whether the candidate is bound to this unit now (never for no unit)."""
    if unit_id is None:
        return False
    found = session.scalar(
        select(UnitBinding.id).where(
            UnitBinding.candidate_id == candidate_id, UnitBinding.unit_id == unit_id, active_binding()
        )
    )
    return found is not None


def acting_unit_id(actor: Actor, unit_id: int | None, *, refusal: str) -> int | None:
    """The unit `actor` acts for: a unit_admin only ever their own (naming another raises PermissionDenied with
    `refusal`), anyone else the unit they name."""
    if actor.role == "unit_admin":
        if unit_id is not None and unit_id != actor.unit_id:
            raise PermissionDenied(refusal)
        return actor.unit_id
    return unit_id
