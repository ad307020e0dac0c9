"""In-process caches of the ingest warm path (issue 10), so a repeated request costs only the
shared rate-limit counter and the one transaction:

- API key and tenant: INGEST_CACHE_SECONDS (at most 5 s). A key revoked or a tenant suspended
  in another process still gets through for at most that long; this process forgets at once.
- the tenant's destinations: the same bound for changes made by another process (a write in
  this process drops the copy at once).
- the month's usage: while the cached count plus what this process stored since stays below
  INGEST_USAGE_CACHE_FRACTION of the quota, for at most INGEST_USAGE_CACHE_SECONDS; nearer the
  quota every ingest reads it exactly.
Plans are cached by selectors.plans (a minute)."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from django.conf import settings

from portal.dynamo.destinations import Destination

MAX_ENTRIES = 10_000
_MISS = object()
clock: Callable[[], float] = time.monotonic  # tests move it forward


class TTLCache:
    def __init__(self):
        self._items: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key, max_age: float):
        hit = self._items.get(key)
        if hit is None or clock() - hit[0] >= max_age:
            return _MISS
        return hit[1]

    def put(self, key, value) -> None:
        with self._lock:
            if len(self._items) >= MAX_ENTRIES:
                self._items.clear()
            self._items[key] = (clock(), value)

    def forget(self, key) -> None:
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()


keys, tenants, destinations, usage = TTLCache(), TTLCache(), TTLCache(), TTLCache()


def _staleness() -> float:
    return min(5.0, float(settings.INGEST_CACHE_SECONDS))


def cached(cache: TTLCache, key, load: Callable[[], Any], *, max_age: float | None = None):
    """The cached value, or load() and remember it (None is not remembered: unknown keys and
    tenants are read again each time, so a new key works at once)."""
    value = cache.get(key, _staleness() if max_age is None else max_age)
    if value is _MISS:
        value = load()
        if value is not None:
            cache.put(key, value)
    return value


def usage_below(*, tenant_id: str, month: str, quota: int, load: Callable[[], int]) -> int:
    """The month's non-spam submissions: cached while far below `quota`, exact near it."""
    entry = usage.get((tenant_id, month), settings.INGEST_USAGE_CACHE_SECONDS)
    if entry is not _MISS:
        count = entry[0] + entry[1]
        if count < quota * settings.INGEST_USAGE_CACHE_FRACTION:
            return count
    count = load()
    usage.put((tenant_id, month), [count, 0])
    return count


def usage_stored(*, tenant_id: str, month: str) -> None:
    """Count one submission this process stored into its cached usage."""
    entry = usage.get((tenant_id, month), float("inf"))
    if entry is not _MISS:
        entry[1] += 1


def forget_key(key_hash: str) -> None:
    keys.forget(key_hash)


def forget_tenant(tenant_id: str) -> None:
    tenants.forget(tenant_id)
    destinations.forget(tenant_id)


def forget_destinations(tenant_id: str) -> None:
    destinations.forget(tenant_id)


Destination.change_listeners.append(forget_destinations)  # a write in this process applies at once


def clear() -> None:
    for cache in (keys, tenants, destinations, usage):
        cache.clear()
