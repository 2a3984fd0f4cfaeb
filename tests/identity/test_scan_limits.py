"""The cost of a photo on the 证件扫描 page: decoded once per submission, and a per-account limit of image steps
(previews and checks) per minute."""

from __future__ import annotations

import pytest

from db.engine import session_scope
from portal.core.actor import Actor
from portal.core.errors import Conflict
from portal.identity import policy
from portal.identity import service as identity
from portal.identity.check import imaging
from tests import factories
from tests.app.helpers import texts
from tests.identity.test_service import BLURRY, GENUINE, fill_genuine, image


@pytest.fixture
def candidate(session) -> Actor:
    return factories.actor(session, "candidate")


@pytest.fixture
def decodes(monkeypatch) -> list[str]:
    """Every decode of an upload, by its sniffed format."""
    seen: list[str] = []
    decode = imaging._decode

    def counting(data, kind, max_pixels):
        seen.append(kind)
        return decode(data, kind, max_pixels)

    monkeypatch.setattr(imaging, "_decode", counting)
    return seen


def test_the_check_reuses_the_photo_decoded_for_its_preview(session, candidate, ocr_engine, decodes, monkeypatch):
    monkeypatch.setenv("PORTAL_ALLOW_UPLOAD_AUTO_CHECK", "1")
    fill_genuine(session, candidate)
    data = image(GENUINE)
    shown = identity.preview_scan(session, actor=candidate, image=data)  # the page keeps it until 提交核验
    assert shown.ok, shown.messages
    outcome = identity.submit_scan(session, actor=candidate, image=data, engine=ocr_engine)
    assert outcome.decision == "verified", outcome.messages
    assert decodes == ["jpeg"]


def test_a_photo_no_step_holds_any_more_is_decoded_afresh(session, candidate, decodes):
    fill_genuine(session, candidate)
    identity.preview_scan(session, actor=candidate, image=image(BLURRY))  # dropped at once
    identity.preview_scan(session, actor=candidate, image=image(BLURRY))
    assert decodes == ["jpeg", "jpeg"]  # nothing is kept alive by the cache itself


def test_image_steps_past_the_minute_limit_are_refused(session, candidate, monkeypatch, decodes):
    monkeypatch.setenv("PORTAL_ALLOW_UPLOAD_AUTO_CHECK", "1")
    monkeypatch.setattr(policy, "SCANS_PER_MINUTE", 2)
    fill_genuine(session, candidate)
    data = image(BLURRY)
    identity.preview_scan(session, actor=candidate, image=data)
    identity.submit_scan(session, actor=candidate, image=data)
    with pytest.raises(Conflict) as refused:
        identity.preview_scan(session, actor=candidate, image=data)
    assert refused.value.message == policy.scans_per_minute_reached()
    with pytest.raises(Conflict):
        identity.submit_scan(session, actor=candidate, image=data)
    with pytest.raises(Conflict):
        identity.reserve_scan(session, actor=candidate)  # the scan pool's check is counted before it is queued
    assert len(decodes) <= 2  # a refused step decodes nothing


def test_the_limit_is_per_account(session, candidate, monkeypatch):
    monkeypatch.setattr(policy, "SCANS_PER_MINUTE", 1)
    other = factories.actor(session, "candidate")
    identity.reserve_scan(session, actor=candidate)
    identity.reserve_scan(session, actor=other)
    with pytest.raises(Conflict):
        identity.reserve_scan(session, actor=candidate)


def test_the_page_decodes_an_uploaded_photo_once_for_preview_reruns_and_check(engine, ocr_engine, decodes, monkeypatch):
    from tests.identity.test_pages import button, fill, open_identity, upload_scan

    monkeypatch.setenv("PORTAL_ALLOW_UPLOAD_AUTO_CHECK", "1")
    monkeypatch.setenv("PORTAL_SCAN_MODE", "thread")  # the check in this process, where decodes are counted
    with session_scope(engine) as session:
        username = factories.user(session, "candidate").username
    app = open_identity(username)
    fill(app, name=GENUINE["name"], number=GENUINE["id_number"])
    upload_scan(app, image(GENUINE))
    assert "照片清晰，证件完整" in texts(app)
    app.run()  # any rerun (a widget touched) shows the kept preview
    assert "照片清晰，证件完整" in texts(app)
    button(app, "提交核验").click()
    app.run()
    assert "实名认证成功" in texts(app)
    assert decodes == ["jpeg"]
