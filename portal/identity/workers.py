"""ID card checks off the page's script thread: a bounded pool of worker processes with a waiting line.

Each worker process loads the OCR model once and runs `check_id_card` for one photo at a time, so a scan no
longer competes with every other session for the web server's CPU (the GIL) while it reads the card. The
server keeps the line itself: a scan waits in order, can tell how many are ahead of it (排队中，前面还有 N 人),
and the line is bounded — when it is full the scan is refused at once (QueueFull) instead of piling up.

Settings (portal.core.settings): `PORTAL_SCAN_MODE` (`pool`, default, or `thread` for the old in-thread check),
`PORTAL_SCAN_WORKERS` (processes, default 1), `PORTAL_SCAN_QUEUE` (scans allowed to wait, default 20).
"""

from __future__ import annotations

import atexit
import itertools
import statistics
import sys
import threading
import time
import types
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context

from sqlalchemy.orm import Session

from portal.auth.authorization import authorize
from portal.core.actor import Actor
from portal.core.crypto import decrypt_text
from portal.core.errors import Conflict, PortalError, ValidationFailed
from portal.core.settings import get_settings

DEFAULT_SECONDS = 2.0  # expected length of one check before any was measured

_engine = None  # the OCR engine of this worker process
_main_lock = threading.Lock()


class QueueFull(PortalError):
    """Too many scans are waiting; the candidate is asked to try again a little later."""

    def __init__(self) -> None:
        super().__init__("当前核验人数较多，排队已满，请稍后再试。")


def _worker_start() -> None:
    """In each worker process, once: load the OCR model.

    One ONNX Runtime thread per worker unless PORTAL_OCR_THREADS says otherwise: the pool's size is the
    parallelism (PORTAL_SCAN_WORKERS), and more threads per worker on a machine whose cores also serve pages
    spin and wait for each other (bench load: 1.5 instead of 2.4 CPU-seconds per scan under load).
    """
    global _engine
    import os

    os.environ.setdefault("PORTAL_OCR_THREADS", "1")
    from portal.identity.check.ocr import ocr_engine

    _engine = ocr_engine()


@contextmanager
def _plain_main():
    """Hide the web server's `__main__` while worker processes start.

    A spawned process re-runs its parent's main script; in a Streamlit server `__main__` is the app script
    itself (set by Streamlit for each run), which must not run inside an OCR worker.
    """
    with _main_lock:
        saved = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if saved is not None:
                sys.modules["__main__"] = saved


def _worker_check(image: bytes, name: str, id_number: str):
    from portal.identity.check.pipeline import check_id_card

    return check_id_card(image, name=name, id_number=id_number, engine=_engine)


def _worker_ping() -> bool:
    return _engine is not None


@dataclass(eq=False)
class Ticket:
    """One scan in the line: waiting, then being checked, then done (with a result or an error)."""

    number: int
    image: bytes = field(repr=False)
    name: str = field(repr=False)
    id_number: str = field(repr=False)
    submitted_at: float = field(default_factory=time.monotonic)
    started_at: float | None = None
    finished_at: float | None = None
    _result: object = None
    _error: BaseException | None = None
    _done: threading.Event = field(default_factory=threading.Event, repr=False)
    _pool: ScanPool | None = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def ahead(self) -> int:
        """How many scans are before this one (being checked or waiting); 0 once its own check runs."""
        return 0 if self.started_at is not None or self._pool is None else self._pool.ahead_of(self)

    def progress(self) -> float:
        """0..1: a rough share of the expected check time already spent (never 1 before the answer)."""
        if self.done:
            return 1.0
        if self.started_at is None or self._pool is None:
            return 0.0
        return min(0.95, (time.monotonic() - self.started_at) / self._pool.expected_seconds())

    def result(self, timeout: float | None = None):
        """The CheckResult; raises what the check raised."""
        if not self._done.wait(timeout):
            raise TimeoutError("the ID card check did not finish in time")
        if self._error is not None:
            raise self._error
        return self._result


class ScanPool:
    """`workers` processes checking ID cards, and a line of at most `queue_limit` waiting scans."""

    def __init__(self, workers: int = 1, queue_limit: int = 20) -> None:
        if workers < 1 or queue_limit < 0:
            raise ValueError("a scan pool needs at least one worker and a queue limit >= 0")
        self.workers = workers
        self.queue_limit = queue_limit
        self._lock = threading.Lock()
        self._waiting: deque[Ticket] = deque()
        self._running: set[Ticket] = set()
        self._durations: deque[float] = deque(maxlen=50)
        self._numbers = itertools.count(1)
        self._executor = self._new_executor()
        self._closed = False

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn, not fork: the web server has threads (a forked copy could inherit a held lock)
        return ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"), initializer=_worker_start)

    def warm_up(self, timeout: float = 120.0) -> None:
        """Start every worker and load its model now (not on the first candidate's scan)."""
        with _plain_main():
            futures = [self._executor.submit(_worker_ping) for _ in range(self.workers)]
        for future in futures:
            future.result(timeout)

    def submit(self, image: bytes, *, name: str, id_number: str) -> Ticket:
        """Put a scan in line; QueueFull when the line is full."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the scan pool is shut down")
            busy = len(self._running) >= self.workers
            if busy and len(self._waiting) >= self.queue_limit:
                raise QueueFull()
            ticket = Ticket(next(self._numbers), image, name, id_number, _pool=self)
            self._waiting.append(ticket)
            self._dispatch()
        return ticket

    def ahead_of(self, ticket: Ticket) -> int:
        with self._lock:
            try:
                return len(self._running) + self._waiting.index(ticket)
            except ValueError:
                return 0

    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    def expected_seconds(self) -> float:
        with self._lock:
            return statistics.median(self._durations) if self._durations else DEFAULT_SECONDS

    def _dispatch(self) -> None:  # with the lock held
        while self._waiting and len(self._running) < self.workers:
            ticket = self._waiting.popleft()
            ticket.started_at = time.monotonic()
            self._running.add(ticket)
            with _plain_main():
                try:
                    future = self._executor.submit(_worker_check, ticket.image, ticket.name, ticket.id_number)
                except BrokenProcessPool:
                    self._executor = self._new_executor()
                    future = self._executor.submit(_worker_check, ticket.image, ticket.name, ticket.id_number)
            future.add_done_callback(lambda f, t=ticket: self._finished(t, f))

    def _finished(self, ticket: Ticket, future: Future) -> None:
        error = future.exception()
        with self._lock:
            self._running.discard(ticket)
            ticket.finished_at = time.monotonic()
            if error is None:
                ticket._result = future.result()
                self._durations.append(ticket.finished_at - ticket.started_at)
            else:
                ticket._error = error
                if isinstance(error, BrokenProcessPool):  # a worker died (e.g. out of memory): start afresh
                    self._executor = self._new_executor()
            ticket.image = b""
            ticket._done.set()
            if not self._closed:
                self._dispatch()

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            waiting = list(self._waiting)
            self._waiting.clear()
        for ticket in waiting:
            ticket._error = RuntimeError("the scan pool was shut down")
            ticket._done.set()
        self._executor.shutdown(wait=True, cancel_futures=True)


_pool: ScanPool | None = None
_pool_lock = threading.Lock()


def shared_pool() -> ScanPool:
    """The process-wide pool, sized by the settings (started, models loaded, on first use)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            settings = get_settings()
            _pool = ScanPool(settings.scan_workers, settings.scan_queue)
            atexit.register(_pool.shutdown)
            _pool.warm_up()
        return _pool


@dataclass(frozen=True)
class ScanRequest:
    """What a worker needs to check one photo against the candidate's entered name and number."""

    image: bytes = field(repr=False)
    name: str = field(repr=False)
    id_number: str = field(repr=False)


def scan_request(session: Session, *, actor: Actor, image: bytes) -> ScanRequest:
    """证件扫描, before the check: the candidate's own application must be waiting for a scan, the photo sane."""
    from portal.identity import service
    from portal.identity.check.imaging import UploadRejected, sanitize_upload

    authorize(session, actor, "candidate")
    row = service._own_current(session, actor)
    if row.status != "unverified" or row.method != "auto_id_card":
        raise Conflict(service._not_scannable(row))
    from portal.identity import limits

    refusal = limits.scan_refusal(session, row)  # today's attempt limits: no worker time past them
    if refusal:
        raise Conflict(refusal)
    try:
        sanitize_upload(image)  # bounded and decoded here, before any worker parses it
    except UploadRejected as rejected:
        raise ValidationFailed({"image": rejected.message}) from None
    return ScanRequest(image, row.real_name, decrypt_text(row.document_number_enc))


def submit(request: ScanRequest, pool: ScanPool | None = None) -> Ticket:
    """Put a checked request in the (shared) pool's line."""
    return (pool or shared_pool()).submit(request.image, name=request.name, id_number=request.id_number)
