"""`bench dashboards`: the queries behind every reviewer and analyst page, timed on provincial-scale data.

Without PORTAL_DATABASE_URL it builds a temporary SQLite database with `seed-demo --candidates 100000 --units
5000` (PORTAL_BENCH_CANDIDATES / PORTAL_BENCH_UNITS change the size); with a URL it uses that database as it is
(seeding it first only when it holds no accounts). Options after the name: `--url URL` (instead of
PORTAL_DATABASE_URL), `--no-seed` (measure the database as it is; refuse an empty one), `--rounds N`. Each query
runs `ROUNDS` times in its own rolled-back session; the figures are the median and 95th percentile in
milliseconds. Besides the reviewer and analyst pages it times a bulk candidate's own pages (首页, 实名认证,
工作单位, 医师资格考试信息确认, 授权访问消息) and the statistics snapshot rebuild.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from db.engine import make_engine, session_scope
from db.models import Base, Declaration, StatisticsSnapshot, UnitBinding, User
from portal.bench import BenchDataError
from portal.core.actor import Actor

ROUNDS = 15


def parse_options(args: list[str]) -> dict:
    """`--url URL`, `--no-seed`, `--rounds N` (see the module's docstring)."""
    import click

    @click.command()
    @click.option("--url", default=None, help="Database URL (default PORTAL_DATABASE_URL, else a temporary SQLite).")
    @click.option("--no-seed", "no_seed", is_flag=True, help="Measure the database as it is; never seed it.")
    @click.option("--rounds", type=click.IntRange(1, 1000), default=ROUNDS, show_default=True)
    def options(url, no_seed, rounds):
        return {key: value for key, value in (("database_url", url), ("seed", not no_seed), ("rounds", rounds))}

    parsed = options.main(args, standalone_mode=False, prog_name="bench dashboards")
    if not isinstance(parsed, dict):  # --help
        raise SystemExit(0)
    if parsed["database_url"] is None:
        parsed.pop("database_url")
    return parsed


def _actor(session: Session, role: str) -> Actor:
    user = session.scalar(select(User).where(User.role == role, User.is_active.is_(True)).order_by(User.id).limit(1))
    if user is None:
        raise RuntimeError(f"no active {role} account in the database")
    return Actor.of(user)


def _queries(session: Session) -> dict[str, Callable[[Session], object]]:
    from portal.core.timeutil import today_local
    from portal.identity import review
    from portal.progress import bindings, unconfirmed
    from portal.stats import service as analyst
    from portal.stats import verdicts
    from portal.stats.common import exam_year_for
    from portal.unit import confirmation_code, registration
    from portal.unit.policy import active_binding

    rev = _actor(session, "reviewer")
    ana = _actor(session, "analyst")
    exam_year = exam_year_for(session, None)
    biggest = session.scalar(
        select(UnitBinding.unit_id)
        .where(active_binding())
        .group_by(UnitBinding.unit_id)
        .order_by(func.count().desc())
        .limit(1)
    )
    first_city = "420100"
    snapshot = session.get(StatisticsSnapshot, exam_year.id)
    built_at = snapshot.built_at if snapshot is not None else None
    return {
        "reviewer.queue_page": lambda s: review.verification_queue(s, actor=rev, page=1, page_size=50),
        "reviewer.queue_last_page": lambda s: review.verification_queue(s, actor=rev, page=90, page_size=50),
        "reviewer.queue_filtered": lambda s: review.verification_queue(
            s, actor=rev, document_type="resident_id", city_code=first_city, min_wait_hours=24, page_size=50
        ),
        "reviewer.queue_summary": lambda s: review.queue_summary(s, actor=rev),
        "reviewer.duplicate_flags": lambda s: review.open_flags(s, actor=rev),
        "reviewer.units_by_bound": lambda s: bindings.unit_binding_status(s, actor=rev, page_size=50),
        "reviewer.units_by_unbound_in_region": lambda s: bindings.unit_binding_status(
            s, actor=rev, sort="verified_unbound", page_size=50
        ),
        "reviewer.units_city_search": lambda s: bindings.unit_binding_status(
            s, actor=rev, city_code=first_city, query="医院", sort="failed_attempts", page=2, page_size=20
        ),
        "reviewer.binding_totals": lambda s: bindings.binding_totals(s, actor=rev),
        "reviewer.pending_registrations": lambda s: registration.pending_registrations(s, actor=rev),
        "reviewer.failed_code_units": lambda s: confirmation_code.units_with_failed_attempts(
            s, actor=rev, days=30, minimum=5
        ),
        "reviewer.unconfirmed_by_unit": lambda s: unconfirmed.unconfirmed_by_unit(s, actor=rev, page_size=50),
        "reviewer.unconfirmed_by_unit_oldest": lambda s: unconfirmed.unconfirmed_by_unit(
            s, actor=rev, sort="oldest", city_code=first_city, page_size=50
        ),
        "reviewer.unconfirmed_by_city": lambda s: unconfirmed.unconfirmed_by_city(s, actor=rev),
        "reviewer.verdict_counts": lambda s: unconfirmed.verdict_counts(s, actor=rev),
        "reviewer.unconfirmed_candidates": lambda s: unconfirmed.unconfirmed_candidates(
            s, actor=rev, unit_id=biggest or 0, page_size=50
        ),
        # as a snapshot rebuild runs it (only records changed since the day's previous build), and the first
        # build of a day's full comparison
        "reviewer.verdicts_stale_check": lambda s: s.execute(
            verdicts.stale_query(exam_year.id, today_local(), since=built_at)
        ).all(),
        "reviewer.verdicts_stale_check_full": lambda s: s.execute(
            verdicts.stale_query(exam_year.id, today_local())
        ).all(),
        "analyst.funnel_overall": lambda s: analyst.funnel(s, actor=ana),
        **{
            f"analyst.funnel_by_{by}": (lambda s, by=by: analyst.funnel(s, actor=ana, by=by))
            for by in analyst.DIMENSIONS
        },
        "analyst.daily_trend": lambda s: analyst.daily_trend(s, actor=ana),
        "analyst.verdicts_by_city": lambda s: analyst.verdict_distribution(s, actor=ana, by="city"),
        "analyst.verdicts_by_exam_category": lambda s: analyst.verdict_distribution(s, actor=ana, by="exam_category"),
        "analyst.snapshot_check": lambda s: analyst.refresh_statistics(s, actor=ana),
        **_candidate_queries(session),
    }


def _candidate_queries(session: Session) -> dict[str, Callable[[Session], object]]:
    """The queries behind one bulk candidate's own pages (bound, with a declaration of the current year)."""
    from portal.access import service as access
    from portal.declaration import confirmation, exam_year
    from portal.declaration.record import eligibility_verdict
    from portal.identity import service as identity
    from portal.message import service as messages
    from portal.unit import binding, roster

    row = session.execute(
        select(Declaration.candidate_id, Declaration.id)
        .where(Declaration.confirmation_status == "pending")
        .order_by(Declaration.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return {}
    me = Actor.of(session.get(User, row.candidate_id))
    declaration_id = row.id
    return {
        "candidate.home_unread_messages": lambda s: messages.unread_count(s, actor=me),
        "candidate.home_my_verification": lambda s: identity.my_verification(s, actor=me),
        "candidate.home_declaration_window": lambda s: exam_year.confirmation_window(s),
        "candidate.declaration_my_record": lambda s: confirmation.my_record(s, actor=me),
        "candidate.declaration_verified_identity": lambda s: identity.verified_identity(s, user_id=me.user_id),
        "candidate.declaration_eligibility": lambda s: eligibility_verdict(s, declaration_id=declaration_id),
        "candidate.unit_binding_status": lambda s: binding.binding_status(s, actor=me),
        "candidate.unit_history": lambda s: binding.history(s, actor=me),
        "candidate.unit_search": lambda s: roster.search_units(s, actor=me, query="人民医院"),
        "candidate.access_authorizations": lambda s: access.authorizations(s, actor=me),
        "candidate.access_unread_counts": lambda s: access.unread_counts(s, actor=me),
        "candidate.access_log": lambda s: access.access_log(s, actor=me),
    }


def _time(engine, query: Callable[[Session], object], rounds: int = ROUNDS) -> dict[str, float]:
    timings = []
    for _ in range(rounds):
        with Session(bind=engine) as session:
            started = time.perf_counter()
            query(session)
            timings.append((time.perf_counter() - started) * 1000)
            session.rollback()
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return {"median_ms": round(statistics.median(timings), 2), "p95_ms": round(p95, 2)}


def _seed(engine, candidates: int, units: int) -> float:
    from portal.ops import demo

    started = time.perf_counter()
    with session_scope(engine) as session:
        if demo.is_empty(session):
            demo.seed_demo(session, candidates=candidates, units=units)
    return round(time.perf_counter() - started, 1)


def run(*, database_url: str | None = None, seed: bool = True, rounds: int = ROUNDS) -> dict:
    """Time every dashboard query; returns the `bench dashboards` JSON of CONTRACTS.md."""
    candidates = int(os.environ.get("PORTAL_BENCH_CANDIDATES", "100000"))
    unit_count = int(os.environ.get("PORTAL_BENCH_UNITS", "5000"))
    temporary = None
    saved_data_dir = os.environ.get("PORTAL_DATA_DIR")
    if database_url is None:
        temporary = tempfile.TemporaryDirectory(prefix="portal-bench-")
        database_url = f"sqlite:///{Path(temporary.name) / 'bench.db'}"
        os.environ["PORTAL_DATA_DIR"] = temporary.name  # demo images of the temporary data stay with it
    engine = make_engine(database_url)
    try:
        if seed:
            Base.metadata.create_all(engine)
            seed_seconds = _seed(engine, candidates, unit_count)
        else:
            seed_seconds = None
            with Session(bind=engine) as session:
                from portal.ops import demo

                if demo.is_empty(session):
                    raise BenchDataError("--no-seed: the database holds no accounts; seed it first (seed-demo)")
        with session_scope(engine) as session:  # a fresh snapshot, as a page view older than its maximum age does
            from portal.core.actor import SYSTEM
            from portal.stats.service import refresh_statistics

            started = time.perf_counter()
            refresh_statistics(session, actor=SYSTEM, force=True)
            rebuild = round(time.perf_counter() - started, 2)
        with Session(bind=engine) as session:
            total = session.scalar(select(func.count()).select_from(User).where(User.role == "candidate")) or 0
            queries = _queries(session)
        results = {name: _time(engine, query, rounds) for name, query in queries.items()}
    finally:
        engine.dispose()
        if temporary is not None:
            if saved_data_dir is None:
                os.environ.pop("PORTAL_DATA_DIR", None)
            else:
                os.environ["PORTAL_DATA_DIR"] = saved_data_dir
            temporary.cleanup()
    url = make_url(database_url)
    return {
        "database": f"{url.get_backend_name()}{' (temporary)' if temporary is not None else ''}",
        "candidates": total,
        "seed_seconds": seed_seconds,
        "statistics_rebuild_seconds": rebuild,
        "rounds": rounds,
        "slowest_p95_ms": max((r["p95_ms"] for r in results.values()), default=None),
        "results": results,
    }
