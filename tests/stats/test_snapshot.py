"""The dashboards' snapshot: a fresh one is read without a lock; a page rebuilds a stale one in its own unit of
work and then only reads, so a dashboard shows while someone else holds the write lock or the snapshot's row."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text, update

from db.engine import read_scope, session_scope
from db.models import StatisticsSnapshot
from portal.core.timeutil import utcnow
from portal.ops.demo import DEMO_PASSWORD
from portal.stats import snapshot
from tests import factories
from tests.app.helpers import assert_no_exception, login, new_app, open_tab, texts
from tests.progress.helpers import seed_small_demo, small_world


def _age(engine, minutes: int) -> None:
    with session_scope(engine) as session:
        session.execute(update(StatisticsSnapshot).values(built_at=utcnow() - timedelta(minutes=minutes)))


def test_a_stale_snapshot_is_rebuilt_in_a_unit_of_work_that_writes_and_shown_as_it_is_in_one_that_only_reads(engine):
    with session_scope(engine) as session:
        small_world(session)
        reviewer = factories.actor(session, "reviewer")
        built = snapshot.refresh(session, actor=reviewer, force=True)
    with read_scope(engine) as session:
        assert snapshot.current(session, actor=reviewer) == built
    _age(engine, 10)
    with read_scope(engine) as session:
        assert snapshot.current(session, actor=reviewer) is None
        stale = snapshot.refresh(session, actor=reviewer)  # nothing rebuilt, nothing written
    assert stale.built_at < built.built_at and stale.rows == built.rows
    with session_scope(engine) as session:
        rebuilt = snapshot.refresh(session, actor=reviewer)
    assert rebuilt.built_at > built.built_at
    with read_scope(engine) as session:
        assert session.scalar(select(StatisticsSnapshot.built_at)) == rebuilt.built_at


def _hold_the_write_lock(engine):
    """Another unit of work that writes and has not committed: SQLite's write lock, PostgreSQL's row lock on the
    snapshot (what a rebuild holds for seconds at provincial scale)."""
    connection = engine.connect()
    # SQLite: the engine begins every unit of work that may write with BEGIN IMMEDIATE, which takes the lock
    connection.execute(
        text(
            "SELECT built_at FROM statistics_snapshot" + (" FOR UPDATE" if engine.dialect.name == "postgresql" else "")
        )
    )
    return connection


def test_the_dashboards_show_while_another_unit_of_work_holds_the_write_lock(engine):
    seed_small_demo(engine)
    with session_scope(engine) as session:
        snapshot.refresh(session, actor=factories.actor(session, "analyst"), force=True)
    reviewer, analyst = login(new_app(), "reviewer", DEMO_PASSWORD), login(new_app(), "analyst", DEMO_PASSWORD)
    blocker = _hold_the_write_lock(engine)  # logged in first: a login writes (its audit entry)
    try:
        reviewer.switch_page("pages/reviewer/unconfirmed.py").run()
        assert_no_exception(reviewer)
        assert any(m.label == "未填报" for m in reviewer.metric), texts(reviewer)
        open_tab(reviewer, "unconfirmed_tab", "按单位")
        assert reviewer.dataframe, texts(reviewer)
        reviewer.switch_page("pages/reviewer/units.py").run()
        assert_no_exception(reviewer)
        assert any(m.label == "已绑定考生" for m in reviewer.metric), texts(reviewer)
        analyst.switch_page("pages/analyst/statistics.py").run()
        assert_no_exception(analyst)
        assert "数据更新于" in texts(analyst) and not analyst.error, texts(analyst)
    finally:
        blocker.rollback()
        blocker.close()


def test_a_snapshots_cells_are_read_once_and_a_rebuild_shows_the_new_figures(engine):
    from sqlalchemy import event

    from portal.stats import service as stats

    with session_scope(engine) as session:
        small_world(session)
        analyst = factories.actor(session, "analyst")
        snapshot.refresh(session, actor=analyst, force=True)
    cell_reads: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().startswith("SELECT") and "FROM statistics_cell" in statement:
            cell_reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(3):  # three runs of 统计分析 while the snapshot lives
            with read_scope(engine) as session:
                registered = stats.funnel(session, actor=analyst).iloc[0]["注册"]
        assert len(cell_reads) == 1
        with session_scope(engine) as session:  # a new candidate registers, then someone presses 立即刷新
            factories.user(session, "candidate")
            snapshot.refresh(session, actor=analyst, force=True)
        with read_scope(engine) as session:
            after = stats.funnel(session, actor=analyst).iloc[0]["注册"]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(cell_reads) == 2  # the rebuilt snapshot's cells, read once
    assert after == registered + 1  # small_world's candidates are more than 5: the counts are shown
