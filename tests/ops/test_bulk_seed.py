"""The national-scale seeding path (`seed-demo` beyond the hand-made cases) at a small size, on both backends."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from db.models import (
    Base,
    Declaration,
    DeclarationEducation,
    IdentityVerification,
    StatisticsSnapshot,
    Unit,
    UnitBinding,
    User,
)
from portal.bench import BenchDataError
from portal.core.crypto import decrypt_text, lookup_hash, mask
from portal.ops import bulk_seed, demo
from portal.stats import bench as dashboards_bench

CANDIDATES, UNITS = 2000, 60


@pytest.fixture
def seeded(session):
    demo.seed_demo(session, candidates=CANDIDATES, units=UNITS, seed=7)
    session.commit()
    return session


def test_counts_and_shares(seeded):
    session = seeded
    generated = select(func.count()).select_from(User).where(User.username.like("139%"))
    assert session.scalar(generated) == CANDIDATES - 1  # and the demo candidate 13800000001
    assert session.scalar(select(func.count()).select_from(Unit)) == UNITS
    current = session.execute(
        select(IdentityVerification.status, func.count())
        .where(IdentityVerification.is_current.is_(True))
        .group_by(IdentityVerification.status)
    ).all()
    counts = dict(current)
    assert 0.8 * CANDIDATES < counts["verified"] < 0.95 * CANDIDATES  # ~88 % of the bulk, as before
    assert counts["pending"] > 0 and counts["rejected"] > 0
    one_current = select(func.count(func.distinct(IdentityVerification.user_id))).where(
        IdentityVerification.is_current.is_(True)
    )
    assert session.scalar(one_current) == sum(counts.values())
    unverified_bound = session.scalar(
        select(func.count())
        .select_from(UnitBinding)
        .where(
            UnitBinding.ended_at.is_(None),
            ~UnitBinding.candidate_id.in_(
                select(IdentityVerification.user_id).where(
                    IdentityVerification.status == "verified", IdentityVerification.is_current.is_(True)
                )
            ),
        )
    )
    assert unverified_bound == 0
    bound = session.scalar(select(func.count()).select_from(UnitBinding).where(UnitBinding.ended_at.is_(None)))
    assert bound > 0.7 * CANDIDATES
    declarations = session.scalar(select(func.count()).select_from(Declaration))
    assert 0.6 * bound < declarations <= bound
    registered = session.scalars(select(User.created_at).where(User.role == "candidate")).all()
    assert len({moment.date() for moment in registered}) > 30  # spread over the season
    assert session.get(StatisticsSnapshot, session.scalar(select(Declaration.exam_year_id).limit(1))) is not None


def test_id_numbers_encrypted_and_unique(seeded):
    session = seeded
    rows = session.execute(
        select(
            IdentityVerification.document_type,
            IdentityVerification.status,
            IdentityVerification.document_number_enc,
            IdentityVerification.document_number_hash,
            IdentityVerification.document_number_masked,
        )
    ).all()
    assert len(rows) > 0.8 * CANDIDATES
    numbers = []
    for document_type, _status, token, number_hash, masked in rows:
        number = decrypt_text(token)
        assert token.startswith("gAAAAA") and number not in token  # a Fernet token, not the number
        assert lookup_hash(number) == number_hash and mask(number) == masked
        if document_type == "resident_id":
            assert re.fullmatch(r"\d{17}[\dX]", number)
            numbers.append(number)
    assert len(numbers) == len(set(numbers))
    verified = [h for _, status, _, h, _ in rows if status == "verified"]
    assert len(verified) == len(set(verified))

    stored = session.execute(text("SELECT diploma_number FROM declaration_education")).scalars().all()
    assert len(stored) > 0.5 * CANDIDATES
    assert all(token.startswith("gAAAAA") for token in stored)
    diplomas = session.scalars(select(DeclarationEducation.diploma_number)).all()
    assert all(re.fullmatch(r"\d{17,18}", d) for d in diplomas)
    assert not set(diplomas) & set(stored)


def test_indexes_and_keys_are_back_after_the_bulk_load(seeded, backend):
    if backend != "postgresql":
        pytest.skip("indexes are deferred on PostgreSQL only")
    session = seeded

    def missing(names, present):  # PostgreSQL shortens names beyond 63 characters (with a hash suffix)
        return {name for name in names if not any(p.startswith(name[:50]) for p in present)}

    indexes = {index.name for table in Base.metadata.tables.values() for index in table.indexes}
    present = set(session.scalars(text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")))
    assert not missing(indexes, present)
    keys = {key.name for table in Base.metadata.tables.values() for key in table.foreign_key_constraints}
    present_keys = set(session.scalars(text("SELECT conname FROM pg_constraint WHERE contype = 'f'")))
    assert not missing(keys, present_keys) and len(present_keys) == len(keys)


def test_write_rows_encrypts_typed_columns_and_takes_defaults(session):
    demo.seed_demo(session, candidates=60, units=5, seed=3)  # 10 bulk candidates
    user = session.scalar(select(User.id).where(User.role == "candidate").limit(1))
    before = session.scalar(select(func.count()).select_from(User))
    bulk_seed.write_rows(
        session,
        User,
        [{"username": f"137{i:08d}", "role": "candidate", "password_hash": "x", "mobile": "a\tb\\c"} for i in range(3)],
    )
    assert session.scalar(select(func.count()).select_from(User)) == before + 3
    odd = session.scalar(select(User).where(User.username == "13700000000"))
    assert odd.mobile == "a\tb\\c" and odd.is_active is True and odd.failed_login_count == 0
    assert odd.created_at is not None and user is not None


def test_cli_accepts_national_sizes():
    from portal.cli.core import seed_demo

    runner = CliRunner()
    too_many = runner.invoke(seed_demo, ["--candidates", "1000001"])
    assert too_many.exit_code == 2
    options = {param.name: param for param in seed_demo.params}
    assert options["candidates"].type.max == 1_000_000
    assert options["units"].type.max == 50_000


def test_dashboards_bench_on_an_existing_database(database_url, seeded):
    assert dashboards_bench.parse_options(["--url", "sqlite:///x.db", "--no-seed", "--rounds", "2"]) == {
        "database_url": "sqlite:///x.db",
        "seed": False,
        "rounds": 2,
    }
    figures = dashboards_bench.run(database_url=database_url, seed=False, rounds=1)
    assert figures["seed_seconds"] is None and figures["candidates"] >= CANDIDATES
    assert figures["statistics_rebuild_seconds"] >= 0
    names = set(figures["results"])
    assert {"reviewer.verdicts_stale_check", "candidate.declaration_my_record", "candidate.unit_search"} <= names
    assert figures["slowest_p95_ms"] == max(r["p95_ms"] for r in figures["results"].values())


def test_dashboards_bench_refuses_an_empty_database_without_seeding(database_url):
    with pytest.raises(BenchDataError, match="no-seed"):
        dashboards_bench.run(database_url=database_url, seed=False, rounds=1)


def test_stored_verdicts_are_the_judges(seeded):
    from db.models import DeclarationVerdict
    from portal.declaration.record import eligibility_verdict

    session = seeded
    stored = session.execute(
        select(DeclarationVerdict.declaration_id, DeclarationVerdict.verdict).order_by(
            DeclarationVerdict.declaration_id
        )
    ).all()
    assert len(stored) > 0.5 * CANDIDATES
    sample = stored[:: max(1, len(stored) // 60)]
    assert len({verdict for _, verdict in stored}) >= 2
    for declaration_id, verdict in sample:
        assert eligibility_verdict(session, declaration_id=declaration_id).verdict == verdict
