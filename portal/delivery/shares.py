"""How long-running workers divide the due queue: each holds a lease on a share of its shards
(DUE_SHARDS of them, more than the workers one expects) and reads only those, so workers do
not race each other for the same oldest rows. The leases live on one board item
(portal.dynamo.due_board); every worker renews its own every second (RENEW_SECONDS; a third of
the lease when that is shorter).

On each renewal a worker counts the live workers (those whose own entry has not expired),
works out its fair number of shards (all shards split evenly; the first workers in id order
get one more when they do not divide), gives back what it holds over that number and takes
free or expired shards up to it. So a worker that joins gets its shards within about two
renewals (a second or two), and the shards of one that died pass to the others once its lease has run out.
A worker that cannot renew (DynamoDB not answering) stops reading its shards when its lease
runs out, so another can take them.

The division only spreads the work: every row still has its own conditional claim, so a
shard read by two workers for a moment (a lease given back while the other's renewal was in
flight, clocks apart) costs a failed claim, never a second send."""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings

from portal.dynamo.base import utcnow
from portal.dynamo.deliveries import DUE_SHARDS
from portal.dynamo.due_board import board_read, board_write

log = logging.getLogger("portal.delivery")

# Renewals come at least this often (more often than a third of the lease): a worker learns
# of one that joined, and gives it its shards, within about a second or two instead of a third
# of the lease. Each renewal is a GetItem and a PutItem of the board item.
RENEW_SECONDS = 1.0


def shard_lease_seconds() -> float:
    return max(1.0, float(getattr(settings, "DELIVERY_SHARD_LEASE_SECONDS", 10)))


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def fair_count(*, worker_id: str, workers: list[str], shards: int) -> int:
    """How many shards `worker_id` should hold among `workers` (ids; it must be one of them)."""
    ordered = sorted(workers)
    base, extra = divmod(shards, len(ordered))
    return base + (1 if ordered.index(worker_id) < extra else 0)


def board_turn(board: dict, *, worker_id: str, now: datetime, until: datetime, shards: int = DUE_SHARDS,
               leaving: bool = False) -> dict:
    """The board after `worker_id`'s renewal at `now` (its entries valid until `until`), or
    after it leaves. Pure: the caller writes it back with a version check."""
    workers = {w: t for w, t in (board.get("workers") or {}).items() if _at(t) > now and w != worker_id}
    held = {int(s): (owner, _at(t)) for s, (owner, t) in (board.get("shards") or {}).items()
            if int(s) < shards and _at(t) > now}
    mine = sorted(s for s, (owner, _t) in held.items() if owner == worker_id)
    if leaving:
        target = 0
    else:
        workers[worker_id] = until.isoformat()
        target = fair_count(worker_id=worker_id, workers=list(workers), shards=shards)
    keep = mine[:target]
    for shard in mine[target:]:
        del held[shard]
    free = [s for s in range(shards) if s not in held]
    keep += free[:max(0, target - len(keep))]
    for shard in keep:
        held[shard] = (worker_id, until)
    return {"workers": workers,
            "shards": {str(s): [owner, t.isoformat()] for s, (owner, t) in sorted(held.items())}}


def held_by(board: dict, worker_id: str) -> frozenset[int]:
    return frozenset(int(s) for s, (owner, _t) in (board.get("shards") or {}).items() if owner == worker_id)


class ShardShare:
    """One worker's leases: renewed on a thread of their own (`start`), so a busy or stalled
    delivery loop never lets them lapse; `shards()` is what the worker may read."""

    def __init__(self, *, worker_id: str, shards: int = DUE_SHARDS, lease_seconds: float | None = None,
                 clock=utcnow, monotonic=time.monotonic):
        self.worker_id, self.total, self.clock, self.monotonic = worker_id, shards, clock, monotonic
        self.lease = lease_seconds or shard_lease_seconds()
        self.renew_every = min(self.lease / 3, RENEW_SECONDS)
        self.held: frozenset[int] = frozenset()
        self.workers = 0
        self.valid_until = float("-inf")  # monotonic: past it, the leases may be someone else's
        self.next_renewal = float("-inf")

    def shards(self) -> list[int]:
        """The shards this worker may read now (none once its leases may have run out)."""
        return sorted(self.held) if self.monotonic() < self.valid_until else []

    @property
    def fraction(self) -> float:
        return len(self.shards()) / self.total

    def renew_if_due(self) -> bool:
        """Renew when `renew_every` has passed since the last renewal; True if it did."""
        if self.monotonic() < self.next_renewal:
            return False
        self.renew()
        return True

    def renew(self, *, leaving: bool = False) -> None:
        """Take this worker's turn on the board (raises if DynamoDB does not answer: the loop
        backs off, and the leases held run out by themselves)."""
        started = self.monotonic()
        self.next_renewal = started + self.renew_every
        for _ in range(5):  # another worker wrote in between: read again
            item, now = board_read(), self.clock()
            board = board_turn(item.board or {}, worker_id=self.worker_id, now=now,
                               until=now + timedelta(seconds=self.lease), shards=self.total, leaving=leaving)
            if board_write(item, board=board, now=now):
                before, self.held = self.held, held_by(board, self.worker_id)
                self.workers = len(board["workers"])
                self.valid_until = started + self.lease - 0.5  # renewed in time, the leases never lapse
                if before != self.held:
                    log.info("delivery worker %s holds due-queue shards %s (%s workers)", self.worker_id,
                             sorted(self.held) or "none", self.workers)
                return
        log.warning("the due-queue lease board was busy; trying again at the next renewal")
        self.next_renewal = started + min(1.0, self.lease / 10)

    def start(self, stop: threading.Event) -> threading.Thread:
        """Renew on a daemon thread until `stop` is set (DynamoDB not answering: logged, tried
        again at the next renewal; the leases held run out meanwhile)."""
        def renew_forever():
            failures = 0
            while not stop.is_set():
                try:
                    self.renew_if_due()
                    failures = 0
                except Exception:  # noqa: BLE001 - the leases run out by themselves
                    failures += 1
                    log.warning("could not renew the due-queue shard leases", exc_info=failures == 1)
                stop.wait(max(0.05, min(self.next_renewal - self.monotonic(), self.renew_every)))

        thread = threading.Thread(target=renew_forever, name="shard-leases", daemon=True)
        thread.start()
        return thread

    def leave(self) -> None:
        """Give the shards back at once (a worker stopping): the others take them at their next
        renewal instead of after the lease has run out."""
        try:
            self.renew(leaving=True)
        except Exception:  # noqa: BLE001 - the leases run out by themselves
            log.warning("could not give back the due-queue shards; they pass on when the lease ends", exc_info=True)
        self.held, self.valid_until = frozenset(), float("-inf")
