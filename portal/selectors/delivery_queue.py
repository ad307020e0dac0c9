"""The due queue as staff see it on the console: depth and oldest age per shard, which worker
holds each shard, and how many workers are live. What operators scale on (docs/aws.md)."""
from __future__ import annotations

from dataclasses import dataclass

from portal.dynamo.base import utcnow
from portal.dynamo.deliveries import Delivery
from portal.dynamo.due_board import board_state


@dataclass(frozen=True)
class ShardLag:
    shard: int
    depth: int
    oldest_seconds: float
    holder: str | None  # the worker reading it; None: no live worker holds it


@dataclass(frozen=True)
class QueueLag:
    shards: list[ShardLag]
    workers: list[str]

    @property
    def depth(self) -> int:
        return sum(s.depth for s in self.shards)

    @property
    def oldest_seconds(self) -> float:
        return max((s.oldest_seconds for s in self.shards), default=0.0)


def due_queue_lag() -> QueueLag:
    now = utcnow()
    workers, holders = board_state(now=now)
    shards = [ShardLag(shard=shard, depth=depth, holder=holders.get(shard),
                       oldest_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
              for shard, depth, oldest in Delivery.due_queue_by_shard(now=now)]
    return QueueLag(shards=shards, workers=workers)
