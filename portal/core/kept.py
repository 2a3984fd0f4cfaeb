"""A process-wide memo with a bound: what several runs ask for and nothing changes under (its key says so)."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Kept(Generic[K, V]):
    """Values kept by key, at most `limit` of them: when full, the oldest half is dropped. Thread-safe for the
    page runs' threads (a lost race computes a value twice, never a wrong one: keys name what they hold)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._kept: dict[K, V] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        return self._kept.get(key)

    def put(self, key: K, value: V) -> V:
        with self._lock:
            if len(self._kept) >= self.limit:
                for old in list(self._kept)[: self.limit // 2]:
                    self._kept.pop(old, None)
            self._kept[key] = value
        return value
