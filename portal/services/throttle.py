"""Sliding-window counters on the sessions table, shared by every web process."""
from __future__ import annotations

import time
from datetime import timedelta

from portal.dynamo.expiring import EphemeralCounter


def _recent(item: EphemeralCounter | None, window_seconds: int, now: float) -> list[float]:
    if item is None:
        return []
    return [t for t in item.events if t > now - window_seconds]


def throttle_is_blocked(*, scope: str, subject: str, limit: int, window_seconds: int) -> bool:
    try:
        item = EphemeralCounter.get(EphemeralCounter.throttle_key_for(scope, subject), consistent_read=True)
    except EphemeralCounter.DoesNotExist:
        return False
    return len(_recent(item, window_seconds, time.time())) >= limit


def throttle_record(*, scope: str, subject: str, window_seconds: int) -> None:
    """Append one event atomically (list_append), trimming nothing: the TTL ends the item."""
    now = time.time()
    item = EphemeralCounter(pk=EphemeralCounter.throttle_key_for(scope, subject))
    item.update(actions=[
        EphemeralCounter.events.set((EphemeralCounter.events | []).append([int(now)])),
        EphemeralCounter.expiresAt.set(timedelta(seconds=window_seconds)),
    ])


def throttle_clear(*, scope: str, subject: str) -> None:
    EphemeralCounter(pk=EphemeralCounter.throttle_key_for(scope, subject)).delete()
