"""The ID card check of 证件扫描: in the scan pool's worker processes (with the waiting line shown) or, with
PORTAL_SCAN_MODE=thread, in this script thread as before."""

from __future__ import annotations

import streamlit as st

from pages.components.ocr import ocr_engine
from pages.components.ui import act
from portal.core.actor import Actor
from portal.core.settings import get_settings
from portal.identity import capture, workers
from portal.identity import service as identity

POLL_SECONDS = 0.25
WAIT_LIMIT_SECONDS = 300


@st.cache_resource(show_spinner="正在启动证件识别服务…")
def _pool() -> workers.ScanPool:
    return workers.shared_pool()


def run_scan(
    data: bytes, *, actor: Actor, capture_token: str | None = None, measures: dict | None = None
) -> identity.ScanOutcome | None:
    """Check the photo and record the attempt; None when a message was shown instead.

    An upload that the capture policy sends to manual review is recorded at once, without a check.
    """

    def record(result=None, engine=None):
        return act(
            lambda db_session: identity.submit_scan(
                db_session,
                actor=actor,
                image=data,
                engine=engine,
                capture_token=capture_token,
                measures=measures,
                result=result,
            )
        ).value

    if capture_token is None and not capture.uploads_auto_checked():
        return record()
    if get_settings().scan_mode == "thread":
        with st.spinner("正在核验身份证，请稍候…"):
            return record(engine=ocr_engine())

    def queue(db_session):
        identity.reserve_scan(db_session, actor=actor)  # the per-minute limit, before a worker decodes the photo
        return workers.submit(workers.scan_request(db_session, actor=actor, image=data), _pool())

    queued = act(queue)
    if not queued:
        return None
    ticket = queued.value
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
    checked = act(lambda _: ticket.result(timeout=0))
    if not checked:
        return None
    return record(result=checked.value)
