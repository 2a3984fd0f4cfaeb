"""The dashboards' figures come from a snapshot rebuilt when older than a few minutes (portal/stats/snapshot.py)."""

from __future__ import annotations

import streamlit as st

from pages.components.ui import act
from portal.core.actor import Actor
from portal.stats import snapshot
from portal.stats.snapshot import Snapshot


def fresh_snapshot(actor: Actor) -> Snapshot | None:
    """The snapshot the page's figures come from, rebuilt first when stale in a unit of work of its own, so that
    the page's look-ups after it only read: no write lock on SQLite and no queue on the snapshot's row, except in
    the one run every few minutes that rebuilds it. None after a refusal (shown in Chinese)."""
    outcome = act(lambda db_session: snapshot.current(db_session, actor=actor), read_only=True)
    if outcome and outcome.value is None:  # stale or never built
        with st.spinner("正在汇总统计数据…"):  # only here: a spinner starts a thread on every run it is in
            outcome = act(lambda db_session: snapshot.refresh(db_session, actor=actor))
    return outcome.value if outcome else None
