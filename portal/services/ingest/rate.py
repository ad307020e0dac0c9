"""Ingest rate windows with in-process reservations (issue 10, write units per ingest).

The limit is shared by every web process through one counter item per subject and fixed
window (IngestGuards.rate_window_hit). Instead of one UpdateItem per request, a process
reserves a few requests at once with one ADD and hands them out locally: the first
reservation of a window is 1, then it doubles, but never more than a quarter of the limit
nor half of what the window has left, so near the limit reservations shrink to 1 again.
The limit is never exceeded across processes (a reservation past it is granted only up to
it); a process may hold unused reserved requests until its window ends, so with several
processes a subject can be refused a little before the limit (at most half of what was
left at each reservation, held by the others). A single process is exact."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from portal.dynamo.expiring import IngestGuards


@dataclass
class _Held:
    left: int = 0  # reserved, not yet handed out
    last_block: int = 0
    last_total: int = 0  # the window's shared count after this process's last reservation


class RateAllowance:
    MAX_SUBJECTS = 50_000

    def __init__(self):
        self._lock = threading.Lock()
        self._held: dict[tuple[str, int], _Held] = {}

    def _block(self, held: _Held, limit: int) -> int:
        remaining = limit - held.last_total
        return max(1, min(held.last_block * 2 or 1, limit // 4, remaining // 2))

    def take(self, *, subject: str, window_start: int, limit: int, expires_epoch: int) -> int | None:
        """Hand out one request of the window; None when the window's limit is reached.
        Returns how many DynamoDB requests it made (0 or 1), for callers that count."""
        key = (subject, window_start)
        with self._lock:
            held = self._held.get(key)
            if held is None:
                if len(self._held) >= self.MAX_SUBJECTS:
                    self._forget_before(window_start)
                held = self._held[key] = _Held()
            if held.left > 0:
                held.left -= 1
                return 0
            block = self._block(held, limit)
        total = IngestGuards.rate_window_hit(subject=subject, window_start=window_start,
                                             expires_epoch=expires_epoch, amount=block)
        granted = max(0, min(block, limit - (total - block)))
        with self._lock:
            held.last_block, held.last_total = block, max(held.last_total, total)
            if granted == 0:
                return None
            held.left += granted - 1
        return 1

    def _forget_before(self, window_start: int) -> None:
        for key in [k for k in self._held if k[1] < window_start]:
            del self._held[key]
        if len(self._held) >= self.MAX_SUBJECTS:  # one window with that many subjects: start over
            self._held.clear()

    def clear(self) -> None:
        with self._lock:
            self._held.clear()


allowance = RateAllowance()
