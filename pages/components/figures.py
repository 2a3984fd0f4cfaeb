"""The dashboards' figures come from a snapshot rebuilt when older than a few minutes (portal/stats/snapshot.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from pages.components.ui import act
from portal.core.actor import Actor
from portal.core.kept import Kept
from portal.stats import snapshot
from portal.stats.snapshot import Snapshot

T = TypeVar("T")


def fresh_snapshot(actor: Actor) -> Snapshot | None:
    """The snapshot the page's figures come from, rebuilt first when stale in a unit of work of its own, so that
    the page's look-ups after it only read: no write lock on SQLite and no queue on the snapshot's row, except in
    the one run every few minutes that rebuilds it. None after a refusal (shown in Chinese)."""
    outcome = act(lambda db_session: snapshot.current(db_session, actor=actor), read_only=True)
    if outcome and outcome.value is None:  # stale or never built
        with st.spinner("正在汇总统计数据…"):  # only here: a spinner starts a thread on every run it is in
            outcome = act(lambda db_session: snapshot.refresh(db_session, actor=actor))
    return outcome.value if outcome else None


_kept: Kept[tuple, object] = Kept(64)


def once_per_snapshot(snapshot: Snapshot, what: tuple, build: Callable[[], T]) -> T:
    """What a page builds from a snapshot's figures for the browser (a table as text, a chart's rows): built once
    per snapshot and shared by every run until it is rebuilt, instead of on each of an analyst's clicks.

    Only after the page's service call has authorised the viewer and read the figures `build` uses; what is
    kept is immutable (Arrow tables, tuples of rows), so runs cannot change each other's."""
    key = (snapshot.year, snapshot.built_at, *what)
    found = _kept.get(key)
    return found if found is not None else _kept.put(key, build())
