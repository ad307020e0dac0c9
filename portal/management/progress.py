"""Progress lines for long-running commands: item counts per table, at most every few seconds."""
from __future__ import annotations

import threading
import time


class TableProgress:
    """A thread-safe `progress(table, n)` callback that writes a line now and then."""

    def __init__(self, write, *, verb: str, every: float = 5.0, clock=time.monotonic):
        self.write, self.verb, self.every, self.clock = write, verb, every, clock
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._last = clock()

    def __call__(self, table: str, n: int) -> None:
        with self._lock:
            self.counts[table] = self.counts.get(table, 0) + n
            if self.clock() - self._last >= self.every:
                self._last = self.clock()
                self.write(f"  {self.verb} {sum(self.counts.values())} items so far ("
                           + ", ".join(f"{t} {c}" for t, c in sorted(self.counts.items())) + ")")
