"""The ID card check of 证件扫描: in the scan pool's worker processes (with the waiting line shown) or, with
PORTAL_SCAN_MODE=thread, in this script thread as before."""

from __future__ import annotations

import streamlit as st

from pages.components.db import session
from pages.components.ocr import ocr_engine
from pages.components.ui import guarded
from portal.core.actor import Actor
from portal.core.settings import get_settings
from portal.identity import service as identity
from portal.identity import workers

POLL_SECONDS = 0.25
WAIT_LIMIT_SECONDS = 300


@st.cache_resource(show_spinner="正在启动证件识别服务…")
def _pool() -> workers.ScanPool:
    return workers.shared_pool()


def run_scan(data: bytes, *, actor: Actor) -> identity.ScanOutcome | None:
    """Check the photo and record the attempt; None when a message was shown instead."""
    if get_settings().scan_mode == "thread":
        outcome = None
        with st.spinner("正在核验身份证，请稍候…"):
            engine = ocr_engine()
            with guarded():
                with session() as db_session:
                    outcome = identity.submit_scan(db_session, actor=actor, image=data, engine=engine)
        return outcome

    ticket = None
    with guarded():
        with session() as db_session:
            request = workers.scan_request(db_session, actor=actor, image=data)
        ticket = workers.submit(request, _pool())
    if ticket is None:
        return None
    status, bar = st.empty(), st.empty()
    waited = 0.0
    while not ticket.wait(POLL_SECONDS) and waited < WAIT_LIMIT_SECONDS:
        waited += POLL_SECONDS
        ahead = ticket.ahead()
        if ahead:
            status.info(f"排队中，前面还有 {ahead} 人，请稍候…")
        else:
            status.info("正在核验身份证，请稍候…")
        bar.progress(ticket.progress())
    status.empty()
    bar.empty()
    outcome = None
    with guarded():
        result = ticket.result(timeout=0)
        with session() as db_session:
            outcome = identity.submit_scan(db_session, actor=actor, image=data, result=result)
    return outcome
