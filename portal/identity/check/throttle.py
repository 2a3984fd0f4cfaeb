"""A per-account sliding window for the expensive image steps (decoding a photo for a preview or a check).

Kept in memory in this process: it bounds what one account can make one portal process do within a minute.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Hashable

MAX_KEYS = 10_000  # accounts tracked at once before idle ones are dropped


class SlidingWindow:
    def __init__(self, seconds: float = 60.0) -> None:
        self.seconds = seconds
        self._stamps: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, key: Hashable, limit: int) -> bool:
        """Count one step for `key`; False (nothing counted) when `limit` steps were taken in the window."""
        now = time.monotonic()
        with self._lock:
            if len(self._stamps) > MAX_KEYS:
                self._stamps = {k: v for k, v in self._stamps.items() if v and v[-1] > now - self.seconds}
            stamps = self._stamps.setdefault(key, deque())
            while stamps and stamps[0] <= now - self.seconds:
                stamps.popleft()
            if len(stamps) >= limit:
                return False
            stamps.append(now)
            return True


scans = SlidingWindow()
"""Previews and checks of ID card photos, keyed by account."""
