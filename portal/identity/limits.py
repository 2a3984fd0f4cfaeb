"""Attempt limits of real-name verification: automatic checks per account and day, accounts per number and day.

A number entered by more accounts in one (China) day than `policy.accounts_per_number_per_day()` is flagged for
reviewers (`number_probing`) and those further accounts are offered manual review only; an account past
`policy.auto_checks_per_day()` automatic checks is offered manual review. A number verified for another account
is flagged silently at 信息填写: the answer is the same as for any other number (no probing oracle); only a
photo of the card that passes the check (or a manual submission) learns that the number is taken.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import IdentityCheckAttempt, IdentityFlag, IdentityNumberTry, IdentityVerification
from portal.audit import service as audit
from portal.core.actor import Actor
from portal.core.timeutil import today_local
from portal.identity import policy
from portal.identity.vocab import FlagKind, VerificationStatus


def checks_today(session: Session, *, user_id: int) -> int:
    """Automatic checks this account ran today (China time), over all its applications."""
    return (
        session.scalar(
            select(func.count())
            .select_from(IdentityCheckAttempt)
            .join(IdentityVerification, IdentityVerification.id == IdentityCheckAttempt.verification_id)
            .where(IdentityVerification.user_id == user_id, IdentityCheckAttempt.created_at >= policy.day_start_utc())
        )
        or 0
    )


def accounts_trying(session: Session, *, number_hash: str) -> int:
    """Distinct accounts that entered this number today."""
    return (
        session.scalar(
            select(func.count(func.distinct(IdentityNumberTry.user_id))).where(
                IdentityNumberTry.document_number_hash == number_hash, IdentityNumberTry.tried_on == today_local()
            )
        )
        or 0
    )


def _over_number_limit(session: Session, *, user_id: int, number_hash: str) -> bool:
    """True when this account is one past the first `accounts_per_number_per_day` accounts trying the number."""
    first = session.scalars(
        select(IdentityNumberTry.user_id)
        .where(IdentityNumberTry.document_number_hash == number_hash, IdentityNumberTry.tried_on == today_local())
        .order_by(IdentityNumberTry.id)
        .limit(policy.accounts_per_number_per_day())
    ).all()
    return user_id not in first


def scan_refusal(session: Session, row: IdentityVerification) -> str | None:
    """The Chinese refusal when today's limits stop the automatic check for this application, else None."""
    if checks_today(session, user_id=row.user_id) >= policy.auto_checks_per_day():
        return policy.daily_checks_reached()
    if _over_number_limit(session, user_id=row.user_id, number_hash=row.document_number_hash):
        return policy.number_tries_reached()
    return None


def note_try(session: Session, *, actor: Actor, number_hash: str) -> None:
    """信息填写 entered this number: count the account for today; flag probing and numbers verified elsewhere."""
    try:
        with session.begin_nested():
            session.add(
                IdentityNumberTry(document_number_hash=number_hash, tried_on=today_local(), user_id=actor.user_id)
            )
    except IntegrityError:
        pass  # this account already tried the number today
    tries = accounts_trying(session, number_hash=number_hash)
    if tries > policy.accounts_per_number_per_day():
        _flag(
            session,
            actor=actor,
            kind=FlagKind.NUMBER_PROBING,
            number_hash=number_hash,
            other=None,
            summary=f"number tried by {tries} accounts today",
        )
    other = session.scalar(
        select(IdentityVerification.user_id).where(
            IdentityVerification.document_number_hash == number_hash,
            IdentityVerification.status == VerificationStatus.VERIFIED,
            IdentityVerification.user_id != actor.user_id,
        )
    )
    if other is not None:
        _flag(
            session,
            actor=actor,
            kind=FlagKind.DUPLICATE_NUMBER,
            number_hash=number_hash,
            other=other,
            summary=f"number already verified for user {other}",
        )


def _flag(session: Session, *, actor: Actor, kind: str, number_hash: str, other: int | None, summary: str) -> None:
    exists = session.scalar(
        select(IdentityFlag.id).where(
            IdentityFlag.user_id == actor.user_id,
            IdentityFlag.kind == kind,
            IdentityFlag.document_number_hash == number_hash,
            IdentityFlag.resolved_at.is_(None),
        )
    )
    if exists is not None:
        return
    flag = IdentityFlag(user_id=actor.user_id, kind=kind, document_number_hash=number_hash, other_user_id=other)
    session.add(flag)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="identity.duplicate_flagged" if kind == FlagKind.DUPLICATE_NUMBER else "identity.probing_flagged",
        object_type="user",
        object_id=actor.user_id,
        summary=summary,
    )
