"""The time-ordered agenda the causal computation runs on.

Every packet arrival, timer and end of processing is an entry; each is computed by the
max-plus formulas from entries already known, so evaluating them in time order evaluates the
recurrences in causal order. Entries at the same instant run in the order they were made: the
ties the RFCs leave open are ordered by the order the model states its events in.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

__all__ = ["Agenda"]


class Agenda:
    """Entries in time order (ties in the order they were made)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self._n = 0
        self.now = 0.0
        self.stopped = False

    def at(self, t: float, fn: Callable[..., None], *args: Any) -> None:
        """Call ``fn(*args)`` at ``t``."""
        heapq.heappush(self._heap, (t, self._n, fn, args))
        self._n += 1

    def latest(self, until: float, fn: Callable[..., None]) -> float | None:
        """The time of the latest entry calling ``fn`` at or before ``until`` (None if
        there is none)."""
        times = [t for t, _, f, _ in self._heap if t <= until and f == fn]
        return max(times) if times else None

    def run(self) -> None:
        """Run the entries in order until none is left or ``stopped`` is set."""
        while self._heap and not self.stopped:
            t, _, fn, args = heapq.heappop(self._heap)
            self.now = t
            fn(*args)
