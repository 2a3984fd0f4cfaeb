"""The scan pool: real ID card checks (real OCR) in worker processes, in order, with a bounded line."""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import select

from db.models import IdentityCheckAttempt
from portal.core.errors import NotFound, ValidationFailed
from portal.identity import capture, workers
from portal.identity import service as identity
from tests import factories
from tests.identity.conftest import FIXTURES

CASES = {c["id"]: c for c in map(json.loads, (FIXTURES / "manifest.jsonl").read_text(encoding="utf-8").splitlines())}
GENUINE, BLURRY = CASES["flat-000"], CASES["blurry-005"]


def photo(case: dict) -> bytes:
    return (FIXTURES / case["front"]).read_bytes()


@pytest.fixture(scope="module")
def pool():
    pool = workers.ScanPool(workers=1, queue_limit=2)
    pool.warm_up()
    yield pool
    pool.shutdown()


def test_scans_wait_in_line_in_order_and_a_full_line_refuses(pool):
    first = pool.submit(photo(GENUINE), name=GENUINE["name"], id_number=GENUINE["id_number"])
    second = pool.submit(photo(BLURRY), name=BLURRY["name"], id_number=BLURRY["id_number"])
    third = pool.submit(photo(GENUINE), name="张伟", id_number=GENUINE["id_number"])
    # one is being checked, two wait: the line is full
    assert (first.ahead(), second.ahead(), third.ahead()) == (0, 1, 2)
    with pytest.raises(workers.QueueFull, match="排队已满"):
        pool.submit(photo(GENUINE), name=GENUINE["name"], id_number=GENUINE["id_number"])

    assert first.result(timeout=120).decision == "verified"
    assert second.result(timeout=120).decision == "retake"
    mismatch = third.result(timeout=120)
    assert mismatch.decision == "mismatch" and "name_mismatch" in mismatch.reasons
    assert first.started_at <= second.started_at <= third.started_at
    assert first.progress() == 1.0 and second.ahead() == 0
    assert 0 < pool.expected_seconds() < 60
    # the line has emptied: the next scan is taken again
    again = pool.submit(photo(GENUINE), name=GENUINE["name"], id_number=GENUINE["id_number"])
    assert again.result(timeout=120).decision == "verified"


def test_checks_run_in_another_process(pool):
    ticket = pool.submit(photo(GENUINE), name=GENUINE["name"], id_number=GENUINE["id_number"])
    ticket.result(timeout=120)
    pids = {p.pid for p in pool._executor._processes.values()}
    assert pids and os.getpid() not in pids


def test_a_scan_through_the_pool_is_recorded_like_one_in_the_page(session, pool):
    candidate = factories.actor(session, "candidate")
    identity.fill_in(
        session,
        actor=candidate,
        real_name=GENUINE["name"],
        document_type="resident_id",
        document_number=GENUINE["id_number"],
    )
    request = workers.scan_request(session, actor=candidate, image=photo(GENUINE))
    result = workers.submit(request, pool).result(timeout=120)
    token = capture.issue_token(session, actor=candidate)  # a live capture from the scanner
    outcome = identity.submit_scan(session, actor=candidate, image=photo(GENUINE), result=result, capture_token=token)
    assert outcome.decision == "verified"
    assert identity.my_verification(session, actor=candidate).status == "verified"
    assert session.scalars(select(IdentityCheckAttempt.decision)).all() == ["verified"]


def test_requests_are_refused_before_they_reach_the_line(session, pool):
    candidate = factories.actor(session, "candidate")
    with pytest.raises(NotFound):
        workers.scan_request(session, actor=candidate, image=photo(GENUINE))
    identity.fill_in(
        session, actor=candidate, real_name="张伟", document_type="resident_id", document_number=GENUINE["id_number"]
    )
    with pytest.raises(ValidationFailed):
        workers.scan_request(session, actor=candidate, image=b"not an image at all")
    assert pool.waiting() == 0


def test_workers_do_not_run_the_servers_main_script(tmp_path, monkeypatch):
    # In a Streamlit server, __main__ is the app script; a spawned worker must not execute it.
    import sys
    import types

    marker = tmp_path / "ran"
    script = tmp_path / "app.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('the app ran in a worker')\n")
    app = types.ModuleType("__main__")
    app.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", app)
    pool = workers.ScanPool(workers=1, queue_limit=1)
    try:
        ticket = pool.submit(photo(GENUINE), name=GENUINE["name"], id_number=GENUINE["id_number"])
        assert ticket.result(timeout=120).decision == "verified"
    finally:
        pool.shutdown()
    assert not marker.exists()
    assert sys.modules["__main__"] is app
